"""Households in and out of .xlsx: an all-or-nothing import (every bad row reported with its
row, column and reason) and an export for those allowed to read personal data (logged)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from liangcao.community.models import Household
from liangcao.community.selectors import PERSONAL_ROLES, compound_list, household_reads_log
from liangcao.core.errors import FieldError, Forbidden, Invalid
from liangcao.core.xlsx import read_sheet, write_workbook
from liangcao.orgs.models import User

SHEET = "households"
FLAGS = ("elderly_alone", "disabled", "pregnant", "infant", "chronic_medicine", "dialysis")
REQUIRED = ("compound", "household_code", "building", "room", "head_count")
COLUMNS = (*REQUIRED, "unit", "contact_name", "phone", *FLAGS)
_YES = {"1", "y", "yes", "true", "是", "√", "x"}
_NO = {"", "0", "n", "no", "false", "否"}


def _text(value: Any, limit: int) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()[:limit]


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = _text(value, 10).lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    return None


def households_import_xlsx(*, user: User, content: bytes) -> int:
    """Create the households of a filled sheet, all or nothing. Compounds must be in the
    user's personal-data scope. Raises Invalid listing every bad row (nothing written)."""
    rows = read_sheet(content, sheet=SHEET, required=REQUIRED, optional=COLUMNS)
    allowed = dict(compound_list(user=user, roles=PERSONAL_ROLES).values_list("code", "id"))
    if not allowed:
        raise Forbidden(_("Household personal data is for grid workers and commanders"))
    errors: list[FieldError] = []
    new: list[Household] = []
    seen_codes: dict[tuple[int, str], int] = {}
    seen_rooms: dict[tuple[int, str, str, str], int] = {}
    for row in rows:
        c = row.cells
        bad = len(errors)
        compound_id = allowed.get(_text(c.get("compound"), 40))
        if compound_id is None:
            errors.append(
                FieldError("compound", _("unknown compound or out of your scope"), row.number)
            )
        code = _text(c.get("household_code"), 12).upper()
        building, unit, room = (_text(c.get(k), 20) for k in ("building", "unit", "room"))
        if not code:
            errors.append(FieldError("household_code", _("required"), row.number))
        if not building:
            errors.append(FieldError("building", _("required"), row.number))
        if not room:
            errors.append(FieldError("room", _("required"), row.number))
        heads = c.get("head_count")
        head_count = (
            int(heads) if isinstance(heads, int | float) and float(heads).is_integer() else None
        )
        if isinstance(heads, str) and heads.strip().isdigit():
            head_count = int(heads.strip())
        if head_count is None or not 1 <= head_count <= 50:
            errors.append(FieldError("head_count", _("a whole number from 1 to 50"), row.number))
        flags: dict[str, bool] = {}
        for name in FLAGS:
            value = _flag(c.get(name))
            if value is None:
                errors.append(FieldError(name, _("yes or no (是/否)"), row.number))
            else:
                flags[name] = value
        if compound_id is not None and code:
            first = seen_codes.setdefault((compound_id, code), row.number)
            if first != row.number:
                errors.append(
                    FieldError(
                        "household_code", _("already on row %(row)d") % {"row": first}, row.number
                    )
                )
            where = (compound_id, building, unit, room)
            first = seen_rooms.setdefault(where, row.number)
            if first != row.number:
                errors.append(
                    FieldError("room", _("already on row %(row)d") % {"row": first}, row.number)
                )
        if len(errors) == bad and compound_id is not None and head_count is not None:
            new.append(
                Household(
                    compound_id=compound_id,
                    code=code,
                    building=building,
                    unit=unit,
                    room=room,
                    head_count=head_count,
                    contact_name=_text(c.get("contact_name"), 60),
                    phone=_text(c.get("phone"), 30),
                    **flags,
                )
            )
    if not new and not errors:
        errors.append(FieldError("sheet", _("no households in the sheet")))
    # Clashes with households already registered.
    for h in new:
        clash = Household.objects.filter(compound_id=h.compound_id, code=h.code).exists() or (
            Household.objects.filter(
                compound_id=h.compound_id, building=h.building, unit=h.unit, room=h.room
            ).exists()
        )
        if clash:
            number = seen_codes[(h.compound_id, h.code)]
            errors.append(FieldError("household_code", _("already registered"), number))
    if errors:
        raise Invalid(_("The sheet has bad rows; nothing was imported"), errors)
    with transaction.atomic(durable=True):
        Household.objects.bulk_create(new)
    return len(new)


def households_export_xlsx(*, user: User, households: Iterable[Household]) -> bytes:
    """The households (personal data) as .xlsx; every exported household's read is logged.
    The caller obtained `households` from `household_list` (which checks the right)."""
    listed = list(households)
    household_reads_log(user=user, households=listed, via="export")

    def rows() -> Iterable[list[Any]]:
        for h in listed:
            yield [
                h.compound.code,
                h.code,
                h.building,
                h.room,
                h.head_count,
                h.unit,
                h.contact_name,
                h.phone,
                *("是" if getattr(h, f) else "" for f in FLAGS),
            ]

    return write_workbook([(SHEET, list(COLUMNS), rows())])
