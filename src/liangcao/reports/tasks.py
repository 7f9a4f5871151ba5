"""Background tasks of reports (django-tasks; `manage.py worker` runs them)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import default_task_backend, task

from liangcao.core.schedule import periodic
from liangcao.reports import services
from liangcao.reports.models import ReportStatus


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


@periodic(every=timedelta(minutes=30))
@task()
def daily_reports_when_due() -> int:
    """The worker's scheduler asks every half hour: once the local time has passed
    DAILY_REPORT_HOUR, yesterday's reports that are not built yet are built (idempotent, so no
    chain has to be started by hand). Returns how many were built."""
    now = timezone.localtime()
    if now.hour < int(getattr(settings, "DAILY_REPORT_HOUR", 7)):
        return 0
    built = 0
    for report in services.daily_reports_create(day=now.date() - timedelta(days=1)):
        if report.status != ReportStatus.DONE:
            services.report_build(report_id=report.pk)
            built += 1
    return built
