"""The price sheet template (.xlsx) the import reads."""

from __future__ import annotations

from django.utils import timezone

from liangcao.catalog.models import Item
from liangcao.core.xlsx import write_workbook
from liangcao.market.models import SampleStore
from liangcao.market.services import COLUMNS, SHEET


def price_template_xlsx(*, stores: list[SampleStore], items: list[Item]) -> bytes:
    """One row per store × monitored item for today, prices left blank to fill in."""
    today = timezone.localdate().isoformat()
    rows = [[today, s.code, i.code, None] for s in stores for i in items]
    return write_workbook([(SHEET, COLUMNS, rows)])
