"""Writes to the catalog: the all-or-nothing .xlsx import.

The workbook has a sheet `items` and an optional sheet `kits` (one row per kit line). Every row
is checked before anything is written; one bad row anywhere means nothing is imported and the
report lists every bad row (row, column, reason).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from liangcao.catalog.models import Category, Item, Kit, KitKind, KitLine, Unit
from liangcao.core.errors import FieldError, Invalid, Message
from liangcao.core.xlsx import SheetRow, read_sheet
from liangcao.orgs.models import code_validator

ITEM_COLUMNS = (
    "code",
    "name_zh",
    "name_en",
    "category",
    "unit",
    "pack_sizes",
    "lot_tracked",
    "expiry_tracked",
    "shelf_life_days",
)
ITEM_REQUIRED = ("code", "name_zh", "category", "unit")
KIT_COLUMNS = ("kit_code", "kit_name_zh", "kit_name_en", "kit_kind", "item_code", "quantity")
KIT_REQUIRED = ("kit_code", "kit_name_zh", "item_code", "quantity")

_YES = {"1", "true", "yes", "y", "是", "x", "✓"}
_NO = {"", "0", "false", "no", "n", "否"}


@dataclass(frozen=True)
class ImportSummary:
    items_created: int
    items_updated: int
    kits_created: int
    kits_updated: int


class _RowChecker:
    """Collects FieldErrors for one sheet while converting cells to values."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def fail(self, row: SheetRow, column: str, reason: Message) -> None:
        self.errors.append(FieldError(column, reason, row=row.number))

    def text(self, row: SheetRow, column: str, *, required: bool, max_len: int = 200) -> str:
        value = row.cells.get(column)
        text = "" if value is None else str(value).strip()
        if required and not text:
            self.fail(row, column, _("required"))
        elif len(text) > max_len:
            self.fail(row, column, _("longer than %(count)s characters") % {"count": max_len})
        return text

    def code(self, row: SheetRow, column: str) -> str:
        text = self.text(row, column, required=True, max_len=40)
        if text:
            try:
                code_validator(text)
            except Exception:
                self.fail(row, column, _("letters, digits, '-' and '_' only"))
        return text

    def choice(
        self, row: SheetRow, column: str, choices: list[str], default: str | None = None
    ) -> str:
        text = self.text(row, column, required=default is None).lower()
        if not text and default is not None:
            return default
        if text and text not in choices:
            self.fail(
                row, column, _("must be one of %(choices)s") % {"choices": ", ".join(choices)}
            )
        return text

    def boolean(self, row: SheetRow, column: str) -> bool:
        value = row.cells.get(column)
        text = "" if value is None else str(value).strip().lower()
        if isinstance(value, bool):
            return value
        if text in _YES:
            return True
        if text not in _NO:
            self.fail(row, column, _("must be yes or no"))
        return False

    def integer(self, row: SheetRow, column: str, *, required: bool, minimum: int) -> int | None:
        value = row.cells.get(column)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(row, column, _("required"))
            return None
        number: Any = value
        if isinstance(value, float) and value.is_integer():
            number = int(value)
        elif isinstance(value, str):
            try:
                number = int(value.strip())
            except ValueError:
                number = None
        if not isinstance(number, int) or isinstance(number, bool):
            self.fail(row, column, _("must be a whole number"))
            return None
        if number < minimum:
            self.fail(row, column, _("must be at least %(minimum)s") % {"minimum": minimum})
            return None
        return number

    def int_list(self, row: SheetRow, column: str) -> list[int]:
        value = row.cells.get(column)
        if value is None or str(value).strip() == "":
            return []
        if isinstance(value, int | float) and float(value).is_integer() and value >= 1:
            return [int(value)]
        parts = [p.strip() for p in str(value).replace("，", ",").split(",") if p.strip()]
        if not all(p.isdigit() and int(p) >= 1 for p in parts):
            self.fail(row, column, _("comma-separated whole numbers ≥ 1"))
            return []
        return sorted({int(p) for p in parts})


def catalog_import_xlsx(*, content: bytes) -> ImportSummary:
    """Create or update items and kits (matched by code) from a workbook, all or nothing.

    Raises Invalid with one FieldError per bad cell (row numbers as Excel shows them) and
    writes nothing when any row is bad.
    """
    item_rows = read_sheet(content, sheet="items", required=ITEM_REQUIRED, optional=ITEM_COLUMNS)
    kit_rows = read_sheet(
        content, sheet="kits", required=KIT_REQUIRED, optional=KIT_COLUMNS, must_exist=False
    )
    check = _RowChecker()
    items: dict[str, dict[str, Any]] = {}
    first_seen: dict[str, int] = {}
    for row in item_rows:
        code = check.code(row, "code")
        if code in first_seen:
            check.fail(
                row,
                "code",
                _("duplicate code %(code)r (first on row %(row)s)")
                % {"code": code, "row": first_seen[code]},
            )
        first_seen.setdefault(code, row.number)
        lot = check.boolean(row, "lot_tracked")
        expiry = check.boolean(row, "expiry_tracked")
        if expiry and not lot:
            check.fail(row, "expiry_tracked", _("expiry tracking needs lot tracking"))
        items[code] = {
            "name_zh": check.text(row, "name_zh", required=True),
            "name_en": check.text(row, "name_en", required=False),
            "category": check.choice(row, "category", list(Category.values)),
            "unit": check.choice(row, "unit", list(Unit.values)),
            "pack_sizes": check.int_list(row, "pack_sizes"),
            "lot_tracked": lot,
            "expiry_tracked": expiry,
            "shelf_life_days": check.integer(row, "shelf_life_days", required=False, minimum=1),
        }
    known_items = set(items) | set(
        Item.objects.filter(
            code__in=[str(r.cells.get("item_code") or "").strip() for r in kit_rows]
        ).values_list("code", flat=True)
    )
    kits: dict[str, dict[str, Any]] = {}
    kit_lines_seen: dict[tuple[str, str], int] = {}
    for row in kit_rows:
        kit_code = check.code(row, "kit_code")
        item_code = check.text(row, "item_code", required=True, max_len=40)
        if item_code and item_code not in known_items:
            check.fail(row, "item_code", _("unknown item %(code)r") % {"code": item_code})
        key = (kit_code, item_code)
        if key in kit_lines_seen:
            check.fail(
                row,
                "item_code",
                _("item listed twice in kit (first on row %(row)s)") % {"row": kit_lines_seen[key]},
            )
        kit_lines_seen.setdefault(key, row.number)
        quantity = check.integer(row, "quantity", required=True, minimum=1)
        kit = kits.setdefault(
            kit_code,
            {
                "name_zh": check.text(row, "kit_name_zh", required=True),
                "name_en": check.text(row, "kit_name_en", required=False),
                "kind": check.choice(
                    row, "kit_kind", list(KitKind.values), default=KitKind.STANDARD_BOX
                ),
                "lines": {},
            },
        )
        kit["lines"][item_code] = quantity
    if check.errors:
        raise Invalid(_("The catalog sheet has errors; nothing was imported"), check.errors)
    return _catalog_apply(items=items, kits=kits)


def _catalog_apply(
    *, items: dict[str, dict[str, Any]], kits: dict[str, dict[str, Any]]
) -> ImportSummary:
    with transaction.atomic(durable=True):
        existing = {i.code: i for i in Item.objects.select_for_update().filter(code__in=items)}
        to_create = [Item(code=c, **v) for c, v in items.items() if c not in existing]
        to_update = []
        for code, values in items.items():
            if code in existing:
                item = existing[code]
                for field, value in values.items():
                    setattr(item, field, value)
                to_update.append(item)
        Item.objects.bulk_create(to_create, batch_size=1000)
        if to_update:
            Item.objects.bulk_update(to_update, list(ITEM_COLUMNS[1:]), batch_size=1000)
        item_ids = dict(
            Item.objects.filter(
                code__in={c for k in kits.values() for c in k["lines"]}
            ).values_list("code", "id")
        )
        existing_kits = {k.code: k for k in Kit.objects.select_for_update().filter(code__in=kits)}
        kits_created = 0
        for code, values in kits.items():
            kit = existing_kits.get(code)
            if kit is None:
                kit = Kit.objects.create(
                    code=code,
                    name_zh=values["name_zh"],
                    name_en=values["name_en"],
                    kind=values["kind"],
                )
                kits_created += 1
            else:
                kit.name_zh, kit.name_en, kit.kind = (
                    values["name_zh"],
                    values["name_en"],
                    values["kind"],
                )
                kit.save(update_fields=["name_zh", "name_en", "kind"])
                kit.lines.all().delete()
            KitLine.objects.bulk_create(
                [
                    KitLine(kit=kit, item_id=item_ids[c], quantity=q)
                    for c, q in values["lines"].items()
                ]
            )
    return ImportSummary(
        items_created=len(to_create),
        items_updated=len(to_update),
        kits_created=kits_created,
        kits_updated=len(kits) - kits_created,
    )
