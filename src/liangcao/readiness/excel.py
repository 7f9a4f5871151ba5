"""Reorder suggestions as an .xlsx download (core/xlsx.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from liangcao.core.xlsx import write_workbook
from liangcao.readiness.selectors import CoverReport, reorder_suggestions


def reorder_xlsx(report: CoverReport) -> bytes:
    headers = [
        _("Node"),
        _("Item code"),
        _("Item"),
        _("Category"),
        _("Available"),
        _("Forecast per day"),
        _("Days of cover"),
        _("Target days"),
        _("Required"),
        _("Suggested order"),
        _("Backtest MAPE"),
    ]
    rows = [
        [
            report.node.code,
            r.item.code,
            r.item.name_zh,
            r.item.category,
            r.available,
            round(max(r.rate, r.per_head_rate), 2),
            None if r.days is None else round(r.days, 1),
            r.target_days,
            r.required,
            r.gap,
            None if r.mape is None else round(r.mape, 3),
        ]
        for r in reorder_suggestions(report=report)
    ]
    return write_workbook([(_("Reorder suggestions"), headers, rows)])
