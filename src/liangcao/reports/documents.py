"""A daily report as .xlsx (one sheet per section) and as PDF (WeasyPrint, like the delivery
note), both from the stored sections."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

from liangcao.core.xlsx import write_workbook
from liangcao.reports.models import DailyReport


def sections(report: DailyReport) -> list[dict[str, Any]]:
    return list((report.content or {}).get("sections", []))


def report_xlsx(report: DailyReport) -> bytes:
    tables = [
        (f"{i + 1} {s['title']}"[:31], s["headers"], s["rows"])
        for i, s in enumerate(sections(report))
    ]
    return write_workbook(tables or [("-", ["-"], [])])


def report_html(report: DailyReport, *, for_pdf: bool = False) -> str:
    return render_to_string(
        "reports/print.html",
        {"report": report, "sections": sections(report), "for_pdf": for_pdf},
    )


def report_pdf(report: DailyReport) -> bytes:
    """Render the print view to PDF (CJK text needs Debian's fonts-noto-cjk)."""
    from weasyprint import HTML  # imported here: it loads pango, which only this page needs

    pdf: bytes = HTML(
        string=report_html(report, for_pdf=True), base_url=settings.PUBLIC_BASE_URL
    ).write_pdf()
    return pdf
