"""Building daily reports: on demand (any user who may see the node) and on schedule (the
root node and each of its children, for the day that just ended)."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from liangcao.core.errors import FieldError, Invalid
from liangcao.orgs.models import Node, User
from liangcao.orgs.selectors import node_get
from liangcao.readiness.selectors import system_reader
from liangcao.reports.models import DailyReport, ReportStatus
from liangcao.reports.sections import SECTIONS, Context

log = logging.getLogger(__name__)
MAX_KEY = 100


def report_request(
    *, actor: User, node_id: int, day: date | None = None, idempotency_key: str = ""
) -> DailyReport:
    """Queue a report of a node the actor may see, for a day up to today (default today).

    Raises NotFound (node out of scope), Invalid (a day in the future).
    """
    day = day or timezone.localdate()
    if day > timezone.localdate():
        raise Invalid(_("The day has not come yet"), [FieldError("day", _("not after today"))])
    with transaction.atomic(durable=True):
        if idempotency_key:
            found = DailyReport.objects.filter(
                requested_by=actor, idempotency_key=idempotency_key[:MAX_KEY]
            ).first()
            if found is not None:
                return found
        node = node_get(user=actor, node_id=node_id)
        report = DailyReport.objects.create(
            node=node,
            day=day,
            requested_by=actor,
            idempotency_key=idempotency_key[:MAX_KEY],
            created_at=timezone.now(),
        )
    from liangcao.reports.tasks import build_report

    build_report.enqueue(report.pk)
    report.refresh_from_db()
    return report


def report_build(*, report_id: int) -> DailyReport:
    """Run every section builder for the report and store the result (or the error)."""
    report = DailyReport.objects.select_related("node").get(pk=report_id)
    if report.status == ReportStatus.DONE:
        return report
    DailyReport.objects.filter(pk=report_id).update(status=ReportStatus.RUNNING)
    ctx = Context(node=report.node, day=report.day, reader=system_reader())
    try:
        # Reports are written in the project's language, whoever asked and whenever they run.
        with translation.override(settings.LANGUAGE_CODE):
            sections = [builder(ctx).as_dict() for builder in SECTIONS]
    except Exception as exc:  # a failing section fails the report, visibly, not the worker
        log.exception("daily report %s failed", report_id)
        DailyReport.objects.filter(pk=report_id).update(
            status=ReportStatus.FAILED, error=repr(exc)[:2000], finished_at=timezone.now()
        )
        report.refresh_from_db()
        return report
    DailyReport.objects.filter(pk=report_id).update(
        status=ReportStatus.DONE,
        content={"sections": sections, "built_at": timezone.now().isoformat()},
        finished_at=timezone.now(),
        error="",
    )
    report.refresh_from_db()
    return report


def daily_reports_create(*, day: date) -> list[DailyReport]:
    """The scheduled reports of a day: the root node(s) and their children; idempotent per
    (node, day) for scheduled rows."""
    nodes = list(Node.objects.filter(depth__lte=1).order_by("depth", "code"))
    out = []
    with transaction.atomic(durable=True):
        for node in nodes:
            report, _created = DailyReport.objects.get_or_create(
                node=node,
                day=day,
                requested_by=None,
                defaults={"created_at": timezone.now()},
            )
            out.append(report)
    return out


def next_run_at(now: datetime | None = None) -> datetime:
    """The next time the scheduled report runs: today at DAILY_REPORT_HOUR, or tomorrow."""
    now = timezone.localtime(now or timezone.now())
    hour = int(getattr(settings, "DAILY_REPORT_HOUR", 7))
    at = timezone.make_aware(datetime.combine(now.date(), time(hour)))
    return at if at > now else at + timedelta(days=1)
