"""The demand-list workbook: a template shaped like the paper countersign form, its import,
and the export of lists.

The template's sheet `demand` has a title block (rows 1–4: title, requesting site, date,
signature boxes), the table header on row 6, and a hidden `items` sheet the item column
validates against. Import is all or nothing unless the user explicitly asks to import only the
valid rows; either way every bad row is reported (row, column, reason).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.datavalidation import DataValidation

from liangcao.catalog.models import Item
from liangcao.core.errors import FieldError, Invalid
from liangcao.core.xlsx import read_sheet, write_workbook
from liangcao.demand.models import Requisition
from liangcao.demand.services import LineIn, requisition_create
from liangcao.orgs.models import Site, User

SHEET = "demand"
HEADER_ROW = 6
COLUMNS = ("item_code", "item_name", "unit", "quantity", "needed_by", "justification")
REQUIRED = ("item_code", "quantity")
TEMPLATE_ROWS = 500


def demand_template_xlsx(*, site: Site | None = None) -> bytes:
    """A blank demand list to fill offline, with the countersign boxes of the paper form."""
    book = Workbook()
    ws = book.active
    assert ws is not None  # noqa: S101 - a new workbook has one sheet
    ws.title = SHEET
    bold = Font(bold=True)
    ws["A1"] = "物资需求清单 Demand list"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"], ws["B2"] = "需求单位 Requesting site", site.code if site else ""
    ws["C2"] = site.name_zh if site else ""
    ws["A3"], ws["B3"] = "填报日期 Date", timezone.localdate().isoformat()
    boxes = ["申领人 Requester", "街道审核 Street", "区级审核 District", "市级审核 City"]
    thin = Side(style="thin")
    for column, label in zip("ABCD", boxes, strict=True):
        cell = ws[f"{column}4"]
        cell.value = f"{label}：\n\n签字 / 日期"
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws.row_dimensions[4].height = 60
    ws.append([])
    ws.append(list(COLUMNS))
    for cell in ws[HEADER_ROW]:
        cell.font = bold
    for column, width in zip("ABCDEF", (16, 24, 10, 12, 14, 40), strict=True):
        ws.column_dimensions[column].width = width
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    items = book.create_sheet("items")
    for item in Item.objects.filter(is_active=True).order_by("code"):
        items.append([item.code, item.name_zh, item.name_en, item.get_unit_display()])
    items.sheet_state = "hidden"
    count = max(1, items.max_row)
    first, last = HEADER_ROW + 1, HEADER_ROW + TEMPLATE_ROWS
    codes = DataValidation(type="list", formula1=f"=items!$A$1:$A${count}", allow_blank=True)
    codes.error = str(_("Choose an item code from the list"))
    ws.add_data_validation(codes)
    codes.add(f"A{first}:A{last}")
    quantity = DataValidation(type="whole", operator="greaterThan", formula1="0", allow_blank=True)
    ws.add_data_validation(quantity)
    quantity.add(f"D{first}:D{last}")
    for row in range(first, last + 1):
        ws[f"B{row}"] = f'=IFERROR(VLOOKUP(A{row},items!$A:$B,2,FALSE),"")'
        ws[f"C{row}"] = f'=IFERROR(VLOOKUP(A{row},items!$A:$D,4,FALSE),"")'
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@dataclass
class ImportResult:
    requisition: Requisition | None
    imported_rows: int
    errors: list[FieldError] = field(default_factory=list)


def _parse(rows: Iterable[Any]) -> tuple[list[tuple[int, LineIn]], list[FieldError]]:
    known = set(Item.objects.filter(is_active=True).values_list("code", flat=True))
    errors: list[FieldError] = []
    lines: list[tuple[int, LineIn]] = []
    first_row: dict[str, int] = {}
    for row in rows:
        cells = row.cells
        code = str(cells.get("item_code") or "").strip()
        if not code and cells.get("quantity") in (None, ""):
            continue  # a formula-only row of the template
        bad = len(errors)
        if not code:
            errors.append(FieldError("item_code", _("required"), row=row.number))
        elif code not in known:
            errors.append(
                FieldError("item_code", _("unknown item %(code)r") % {"code": code}, row=row.number)
            )
        elif code in first_row:
            errors.append(
                FieldError(
                    "item_code",
                    _("%(code)s already on row %(row)s") % {"code": code, "row": first_row[code]},
                    row=row.number,
                )
            )
        raw = cells.get("quantity")
        quantity = int(raw) if isinstance(raw, int | float) and float(raw).is_integer() else None
        if isinstance(raw, str) and raw.strip().isdigit():
            quantity = int(raw.strip())
        if quantity is None or quantity < 1:
            errors.append(FieldError("quantity", _("a whole number of at least 1"), row=row.number))
        needed = cells.get("needed_by")
        needed_by: date | None = None
        if isinstance(needed, datetime):
            needed_by = needed.date()
        elif isinstance(needed, date):
            needed_by = needed
        elif needed not in (None, ""):
            try:
                needed_by = date.fromisoformat(str(needed).strip())
            except ValueError:
                errors.append(FieldError("needed_by", _("a date like 2022-01-20"), row=row.number))
        justification = str(cells.get("justification") or "").strip()
        if len(justification) > 500:
            errors.append(
                FieldError(
                    "justification",
                    _("at most %(count)s characters") % {"count": 500},
                    row=row.number,
                )
            )
        if len(errors) == bad and quantity is not None:
            first_row[code] = row.number
            lines.append((row.number, LineIn(code, quantity, needed_by, justification)))
    return lines, errors


def demand_import_xlsx(
    *,
    user: User,
    site_id: int,
    content: bytes,
    only_valid_rows: bool = False,
    submit: bool = False,
) -> ImportResult:
    """Create one demand list from a filled template.

    All or nothing by default: any bad row raises Invalid listing every bad row and nothing is
    written. With `only_valid_rows` the good rows are imported and the bad ones reported.
    Raises NotFound/Forbidden for a site the user may not request for (as requisition_create).
    """
    rows = read_sheet(
        content, sheet=SHEET, required=REQUIRED, optional=COLUMNS, header_row=HEADER_ROW
    )
    lines, errors = _parse(rows)
    if errors and not only_valid_rows:
        raise Invalid(_("The demand list has bad rows; nothing was imported"), errors)
    if not lines:
        raise Invalid(_("No valid rows to import"), errors or [FieldError("sheet", _("no lines"))])
    req = requisition_create(
        user=user, site_id=site_id, lines=[line for _row, line in lines], submit=submit
    )
    return ImportResult(req, len(lines), errors)


def requisitions_export_xlsx(requisitions: Iterable[Requisition]) -> bytes:
    """Lists and their lines, one row per line, for the office's own spreadsheets."""
    headers = [
        str(h)
        for h in (
            _("Number"),
            _("State"),
            _("Site"),
            _("Serving level"),
            _("Priority class"),
            _("Fast-tracked"),
            _("Item code"),
            _("Requested"),
            _("Approved"),
            _("Allocated"),
            _("Shipped"),
            _("Received"),
            _("Escalated"),
            _("Created"),
        )
    ]

    def rows() -> Iterable[list[Any]]:
        for req in requisitions:
            for line in req.lines.all():
                yield [
                    req.number,
                    req.get_state_display(),
                    req.site.code,
                    req.serving_node.code,
                    req.priority_class,
                    str(_("yes")) if req.is_fast_tracked else "",
                    line.item.code,
                    line.requested,
                    line.approved,
                    line.allocated,
                    line.shipped,
                    line.received,
                    line.escalated,
                    timezone.localtime(req.created_at).strftime("%Y-%m-%d %H:%M"),
                ]

    return write_workbook([(str(_("Demand lists")), headers, rows())])
