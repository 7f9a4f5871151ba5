"""The worker's scheduler builds yesterday's daily reports once the set hour has passed, once."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

from liangcao.core.schedule import discover
from liangcao.reports.models import DailyReport, ReportStatus
from liangcao.reports.tasks import daily_reports_when_due
from liangcao.scenarios.demo import DemoResult

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_reports_are_built_after_the_hour_and_only_once(demo: DemoResult, settings: object) -> None:
    settings.DAILY_REPORT_HOUR = 7  # type: ignore[attr-defined]
    assert "liangcao.reports.tasks.daily_reports_when_due" in discover()
    with time_machine.travel(datetime(2026, 12, 2, 6, 30, tzinfo=SHANGHAI), tick=False):
        assert daily_reports_when_due.call() == 0
        assert not DailyReport.objects.exists()
    with time_machine.travel(datetime(2026, 12, 2, 7, 30, tzinfo=SHANGHAI), tick=False):
        built = daily_reports_when_due.call()
        assert built == DailyReport.objects.count() > 0
        assert set(DailyReport.objects.values_list("status", flat=True)) == {ReportStatus.DONE}
        assert {r.day.isoformat() for r in DailyReport.objects.all()} == {"2026-12-01"}
        assert daily_reports_when_due.call() == 0
