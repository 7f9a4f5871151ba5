"""Allocation runs: start (a background task builds the instance and solves it), override a
line, commit into reservations and shipments.

Commit is idempotent and resumable: every shipment it creates carries the key
`run<id>-<source>-<requisition>`, so a retried or interrupted commit finds what it already
reserved and only adds what is missing.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from liangcao.allocation.instances import build_instance, line_pk
from liangcao.allocation.models import AllocationOverride, AllocationRun, RunStatus
from liangcao.allocation.selectors import effective_allocations, run_get
from liangcao.allocation.solver import solve
from liangcao.core.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from liangcao.demand.models import RequisitionLine
from liangcao.demand.services import requisition_record_shipment
from liangcao.orgs.models import Membership, Role, Site, User
from liangcao.orgs.selectors import node_list
from liangcao.stock.services import LineSpec, shipment_reserve

POLICIES = ("priority_leximin", "proportional", "fcfs")
STALE_AFTER = timedelta(minutes=2)


def _commands(user: User, node_id: int) -> bool:
    return (
        user.is_superuser
        or Membership.objects.filter(user=user, node_id=node_id, role=Role.COMMANDER).exists()
    )


def allocation_run_start(
    *,
    user: User,
    node_id: int,
    item_codes: list[str] | None = None,
    category: str | None = None,
    region_id: int | None = None,
    policy: str = "priority_leximin",
) -> AllocationRun:
    """Queue a run over the open demand served within a node the user commands.

    Raises NotFound (node out of scope), Forbidden (not its commander), Invalid (policy).
    """
    from liangcao.allocation.tasks import execute_run

    if policy not in POLICIES:
        raise Invalid("Unknown policy", [FieldError("policy", f"one of {', '.join(POLICIES)}")])
    with transaction.atomic(durable=True):
        if not node_list(user=user).filter(pk=node_id).exists():
            raise NotFound("No such node")
        if not _commands(user, node_id):
            raise Forbidden("Only the level's commander allocates its pool")
        run = AllocationRun.objects.create(
            node_id=node_id,
            created_by=user,
            policy=policy,
            filters={"items": item_codes or [], "category": category or "", "region": region_id},
        )
    execute_run.enqueue(run.pk)
    return run


def _beat(run_id: int, **fields: Any) -> None:
    AllocationRun.objects.filter(pk=run_id).update(heartbeat_at=timezone.now(), **fields)


def run_execute(*, run_id: int) -> None:
    """The task body: build the instance, solve it with the run's policy and the two baselines,
    store the proposal. A failure is stored on the run (status failed), never lost."""
    claimed = AllocationRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, heartbeat_at=timezone.now(), progress=1
    )
    if not claimed:
        return
    run = AllocationRun.objects.select_related("node", "created_by").get(pk=run_id)
    started = time.monotonic()
    try:
        filters = run.filters or {}
        instance = build_instance(
            user=run.created_by,
            node=run.node,
            item_codes=filters.get("items") or None,
            category=filters.get("category") or None,
            region_id=filters.get("region"),
            policy=run.policy,
        )
        _beat(run_id, progress=20, instance=instance)
        result = solve(instance, policy=run.policy)
        _beat(run_id, progress=70)
        baselines = {
            name: solve(instance, policy=name)["metrics"] for name in POLICIES if name != run.policy
        }
        _beat(run_id, progress=95)
        AllocationRun.objects.filter(pk=run_id).update(
            status=RunStatus.PROPOSED,
            progress=100,
            result=result,
            baselines=baselines,
            seconds=round(time.monotonic() - started, 3),
            finished_at=timezone.now(),
            heartbeat_at=timezone.now(),
        )
    except Exception as exc:
        AllocationRun.objects.filter(pk=run_id).update(
            status=RunStatus.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(),
        )


def allocation_run_sweep(*, stale_after: timedelta = STALE_AFTER) -> int:
    """Mark runs whose worker stopped beating as failed (they can be started again)."""
    cutoff = timezone.now() - stale_after
    return AllocationRun.objects.filter(status=RunStatus.RUNNING, heartbeat_at__lt=cutoff).update(
        status=RunStatus.FAILED,
        error="worker stopped (stale heartbeat)",
        finished_at=timezone.now(),
    )


def allocation_run_override(
    *, user: User, run_id: int, demand: str, source: str, quantity: int, reason: str
) -> AllocationOverride:
    """Set one (line, source) amount of a proposal, with a reason that is kept.

    Invariants: a line never gets more than it asked for; a source never gives more than it
    had. Raises NotFound, Forbidden, Conflict (run not proposed), Invalid.
    """
    with transaction.atomic(durable=True):
        run = run_get(user=user, run_id=run_id, lock=True)
        if not _commands(user, run.node_id):
            raise Forbidden("Only the level's commander overrides its allocation")
        if run.status != RunStatus.PROPOSED:
            raise Conflict(f"Run {run.pk} is {run.get_status_display()}; overrides need a proposal")
        instance = run.instance or {}
        lines = {d["id"]: d for d in instance.get("demands", [])}
        allowed = {(c["source"], c["point"]) for c in instance.get("costs", [])}
        errors = []
        if not reason.strip():
            errors.append(FieldError("reason", "an override needs a reason"))
        if demand not in lines:
            errors.append(FieldError("demand", "not a line of this run"))
        elif (source, lines[demand]["point"]) not in allowed:
            errors.append(FieldError("source", "this source may not serve that line"))
        if quantity < 0:
            errors.append(FieldError("quantity", "at least 0"))
        if errors:
            raise Invalid("Invalid override", errors)
        AllocationOverride.objects.filter(run=run, demand=demand, source=source).delete()
        override = AllocationOverride.objects.create(
            run=run,
            demand=demand,
            source=source,
            quantity=quantity,
            reason=reason.strip(),
            created_by=user,
        )
        plan = effective_allocations(run)
        item = lines[demand]["item"]
        given = sum(a["qty"] for a in plan if a["demand"] == demand)
        supply = next(
            (s["qty"] for s in instance["supplies"] if s["source"] == source and s["item"] == item),
            0,
        )
        used = sum(
            a["qty"] for a in plan if a["source"] == source and lines[a["demand"]]["item"] == item
        )
        if given > lines[demand]["qty"]:
            raise Invalid(
                "Too much for the line",
                [FieldError("quantity", f"the line asks for {lines[demand]['qty']}")],
            )
        if used > supply:
            raise Invalid(
                "More than the source has",
                [FieldError("quantity", f"{source} has {supply} of {item}")],
            )
        return override


def allocation_run_commit(*, user: User, run_id: int) -> AllocationRun:
    """Reserve stock and open one shipment per (source, requisition), and link them to the lines.

    Idempotent and resumable (see module doc). Raises NotFound, Forbidden, Conflict (run not
    proposed, or stock changed since the proposal: the shipment that no longer fits is named).
    """
    with transaction.atomic(durable=True):
        run = run_get(user=user, run_id=run_id, lock=True)
        if not _commands(user, run.node_id):
            raise Forbidden("Only the level's commander commits its allocation")
        if run.status == RunStatus.COMMITTED:
            return run
        if run.status not in (RunStatus.PROPOSED, RunStatus.COMMITTING):
            raise Conflict(f"Run {run.pk} is {run.get_status_display()}; nothing to commit")
        run.status = RunStatus.COMMITTING
        run.save(update_fields=["status"])
    plan = [a for a in effective_allocations(run) if a["qty"] > 0]
    lines = {
        ln.pk: ln
        for ln in RequisitionLine.objects.filter(
            pk__in={line_pk(a["demand"]) for a in plan}
        ).select_related("requisition", "item")
    }
    sites = dict(
        Site.objects.filter(code__in={a["source"] for a in plan}).values_list("code", "pk")
    )
    groups: dict[tuple[str, int], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for a in plan:
        line = lines[line_pk(a["demand"])]
        groups[(a["source"], line.requisition_id)][line.pk] += a["qty"]
    for (source, requisition_id), quantities in sorted(groups.items()):
        requisition = lines[next(iter(quantities))].requisition
        document = shipment_reserve(
            actor=user,
            from_site_id=sites[source],
            to_site_id=requisition.site_id,
            lines=[
                LineSpec(item_id=lines[pk].item_id, quantity=q)
                for pk, q in sorted(quantities.items())
            ],
            idempotency_key=f"run{run.pk}-{source}-{requisition_id}",
        )
        requisition_record_shipment(
            user=user,
            requisition_id=requisition_id,
            document_id=document.pk,
            quantities=dict(quantities),
        )
    with transaction.atomic(durable=True):
        AllocationRun.objects.filter(pk=run.pk).update(
            status=RunStatus.COMMITTED, committed_by=user, committed_at=timezone.now()
        )
        run.refresh_from_db()
    return run
