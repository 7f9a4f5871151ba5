"""Build the daily reports now (`--day`), or start the scheduled chain (`--schedule`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from liangcao.reports import services
from liangcao.reports.tasks import daily_reports


class Command(BaseCommand):
    help = "Build daily reports for a day, or queue the daily task at DAILY_REPORT_HOUR."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", type=date.fromisoformat, help="YYYY-MM-DD (default today)")
        parser.add_argument("--schedule", action="store_true", help="queue the daily task")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["schedule"]:
            at = services.next_run_at()
            daily_reports.using(run_after=at).enqueue()
            self.stdout.write(f"daily reports queued for {at:%Y-%m-%d %H:%M}")
            return
        from django.utils import timezone

        day = options["day"] or timezone.localdate()
        for report in services.daily_reports_create(day=day):
            built = services.report_build(report_id=report.pk)
            self.stdout.write(f"{built.node.code} {built.day}: {built.status}")
