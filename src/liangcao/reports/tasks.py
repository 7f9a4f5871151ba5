"""Background tasks of reports (django-tasks; `manage.py db_worker` runs them)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import default_task_backend, task

from liangcao.reports import services


@task()
def build_report(report_id: int) -> None:
    """Build one queued report."""
    services.report_build(report_id=report_id)


@task()
def daily_reports(reschedule: bool = True) -> None:
    """Build yesterday's reports of the city and its districts, then queue itself for the next
    DAILY_REPORT_HOUR (on backends that can defer; `manage.py daily_report --schedule` starts
    the chain)."""
    day = timezone.localdate() - timedelta(days=1)
    for report in services.daily_reports_create(day=day):
        services.report_build(report_id=report.pk)
    if reschedule and default_task_backend.supports_defer:
        daily_reports.using(run_after=services.next_run_at()).enqueue()
