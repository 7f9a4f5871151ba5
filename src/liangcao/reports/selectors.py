"""Reads of daily reports: a report is visible when its node is in the user's scope."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from liangcao.core.errors import NotFound
from liangcao.orgs.models import User
from liangcao.orgs.selectors import scope_for_user
from liangcao.reports.models import DailyReport


def report_list(*, user: User, node_id: int | None = None) -> QuerySet[DailyReport]:
    """Reports of nodes the user may see, newest day first."""
    scope = scope_for_user(user)
    qs = DailyReport.objects.select_related("node", "requested_by")
    if not scope.everything:
        qs = qs.filter(node_id__in=scope.descendant_ids())
    if node_id is not None:
        qs = qs.filter(node_id=node_id)
    return qs.order_by("-day", "-id")


def report_get(*, user: User, report_id: int) -> DailyReport:
    report = report_list(user=user).filter(pk=report_id).first()
    if report is None:
        raise NotFound(_("No such report"))
    return report
