"""Reads of allocation runs, scoped to the runs' levels the user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from liangcao.allocation.models import AllocationRun
from liangcao.core.errors import NotFound
from liangcao.orgs.models import User
from liangcao.orgs.selectors import node_list


def run_list(*, user: User) -> QuerySet[AllocationRun]:
    """Runs of levels in the user's subtree, newest first."""
    return AllocationRun.objects.filter(
        node_id__in=node_list(user=user).values("pk")
    ).select_related("node", "created_by")


def run_summaries(*, user: User) -> QuerySet[AllocationRun]:
    """`run_list` without the instance, proposal and baselines (lists show only summaries)."""
    return run_list(user=user).defer("instance", "result", "baselines")


def run_get(*, user: User, run_id: int, lock: bool = False) -> AllocationRun:
    """One visible run. Raises NotFound."""
    qs = run_list(user=user)
    if lock:
        qs = (
            AllocationRun.objects.select_for_update()
            .filter(pk__in=qs.values("pk"))
            .select_related("node")
        )
    run = qs.filter(pk=run_id).first()
    if run is None:
        raise NotFound(_("No such allocation run"))
    return run


def effective_allocations(run: AllocationRun) -> list[dict[str, Any]]:
    """The proposal with the commander's overrides applied: (demand, source, qty) rows."""
    result = run.result or {}
    plan = {(a["demand"], a["source"]): int(a["qty"]) for a in result.get("allocations", [])}
    for override in run.overrides.all():
        plan[(override.demand, override.source)] = override.quantity
    return [{"demand": d, "source": s, "qty": q} for (d, s), q in sorted(plan.items())]
