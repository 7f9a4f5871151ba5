"""Allocation runs: start (a background task builds the instance and solves it), override a
line, commit into reservations and shipments (a background task too), discard.

A commit is all or nothing: one transaction reserves every shipment of the plan and records it
on its list; a conflict (stock taken since the proposal) rolls everything back and returns the
run to `proposed` with the reason. Its shipments carry the key `run<id>-<source>-<requisition>`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from liangcao.allocation.instances import build_instance, line_pk
from liangcao.allocation.models import AllocationOverride, AllocationRun, RunStatus
from liangcao.allocation.selectors import effective_allocations, run_get
from liangcao.allocation.solver import solve
from liangcao.allocation.texts import run_error
from liangcao.core.errors import (
    Conflict,
    DomainError,
    FieldError,
    Forbidden,
    Invalid,
    NotFound,
)
from liangcao.core.texts import error_texts
from liangcao.demand.models import RequisitionLine
from liangcao.demand.services import requisition_record_shipment_step
from liangcao.orgs.models import Membership, Role, Site, User
from liangcao.orgs.selectors import node_list
from liangcao.stock.services import (
    LineSpec,
    ShipmentSpec,
    run_durable,
    shipments_reserve_step,
)

POLICIES = ("priority_leximin", "proportional", "fcfs")
STALE_AFTER = timedelta(minutes=2)
# A commit beats only on PostgreSQL (see _commit_progress) and may wait behind other tasks.
COMMIT_STALE_AFTER = timedelta(minutes=15)
logger = logging.getLogger(__name__)


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
        raise Invalid(
            _("Unknown policy"),
            [FieldError("policy", _("one of %(choices)s") % {"choices": ", ".join(POLICIES)})],
        )
    with transaction.atomic(durable=True):
        if not node_list(user=user).filter(pk=node_id).exists():
            raise NotFound(_("No such node"))
        if not _commands(user, node_id):
            raise Forbidden(_("Only the level's commander allocates its pool"))
        run = AllocationRun.objects.create(
            node_id=node_id,
            created_by=user,
            policy=policy,
            filters={"items": item_codes or [], "category": category or "", "region": region_id},
        )
    execute_run.enqueue(run.pk, get_language())
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
        if not isinstance(exc, DomainError):
            logger.exception("allocation run %s failed", run_id)
        AllocationRun.objects.filter(pk=run_id).update(
            status=RunStatus.FAILED,
            finished_at=timezone.now(),
            **run_error("solve_failed", reason=error_texts(exc)),
        )


def allocation_run_sweep(
    *, stale_after: timedelta = STALE_AFTER, commit_stale_after: timedelta = COMMIT_STALE_AFTER
) -> int:
    """Mark solves whose worker stopped beating as failed (they can be started again), and
    return commits that never finished to `proposed` (commit again, or discard). An
    interrupted commit posted nothing: it is one transaction."""
    now = timezone.now()
    failed = AllocationRun.objects.filter(
        status=RunStatus.RUNNING, heartbeat_at__lt=now - stale_after
    ).update(status=RunStatus.FAILED, finished_at=now, **run_error("worker_stopped"))
    returned = AllocationRun.objects.filter(
        status=RunStatus.COMMITTING, heartbeat_at__lt=now - commit_stale_after
    ).update(status=RunStatus.PROPOSED, commit_progress=0, **run_error("commit_interrupted"))
    return failed + returned


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
            raise Forbidden(_("Only the level's commander overrides its allocation"))
        if run.status != RunStatus.PROPOSED:
            raise Conflict(
                _("Run %(id)s is %(status)s; overrides need a proposal")
                % {"id": run.pk, "status": run.get_status_display()}
            )
        instance = run.instance or {}
        lines = {d["id"]: d for d in instance.get("demands", [])}
        allowed = {(c["source"], c["point"]) for c in instance.get("costs", [])}
        errors = []
        if not reason.strip():
            errors.append(FieldError("reason", _("an override needs a reason")))
        if demand not in lines:
            errors.append(FieldError("demand", _("not a line of this run")))
        elif (source, lines[demand]["point"]) not in allowed:
            errors.append(FieldError("source", _("this source may not serve that line")))
        if quantity < 0:
            errors.append(FieldError("quantity", _("at least 0")))
        if errors:
            raise Invalid(_("Invalid override"), errors)
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
                _("Too much for the line"),
                [
                    FieldError(
                        "quantity",
                        _("the line asks for %(quantity)s") % {"quantity": lines[demand]["qty"]},
                    )
                ],
            )
        if used > supply:
            raise Invalid(
                _("More than the source has"),
                [
                    FieldError(
                        "quantity",
                        _("%(source)s has %(supply)s of %(item)s")
                        % {"source": source, "supply": supply, "item": item},
                    )
                ],
            )
        return override


def allocation_run_commit(*, user: User, run_id: int) -> AllocationRun:
    """Ask for a commit: the run moves to `committing` and a background task reserves stock and
    opens one shipment per (source, requisition) — all of them in one transaction, or none.

    Concurrent requests (several users, retries) are safe: exactly one moves the run out of
    `proposed` and queues the task; the others get the run as it stands. Raises NotFound,
    Forbidden, Conflict (run neither proposed, committing nor committed).
    """
    from liangcao.allocation.tasks import commit_run

    with transaction.atomic(durable=True):
        run = run_get(user=user, run_id=run_id, lock=True)
        if not _commands(user, run.node_id):
            raise Forbidden(_("Only the level's commander commits its allocation"))
        if run.status in (RunStatus.COMMITTING, RunStatus.COMMITTED):
            return run
        if run.status != RunStatus.PROPOSED:
            raise Conflict(
                _("Run %(id)s is %(status)s; nothing to commit")
                % {"id": run.pk, "status": run.get_status_display()}
            )
        run.status = RunStatus.COMMITTING
        run.commit_progress = 0
        run.committed_by = user
        run.heartbeat_at = timezone.now()
        run.error, run.error_code, run.error_params = "", "", {}
        run.save(
            update_fields=[
                "status",
                "commit_progress",
                "committed_by",
                "heartbeat_at",
                "error",
                "error_code",
                "error_params",
            ]
        )
    # After the durable block (the task sees `committing`); in the asker's language, in which
    # a reason the ledger formats at once is then worded.
    commit_run.enqueue(run_id, get_language())
    run.refresh_from_db()
    return run


def allocation_run_discard(*, user: User, run_id: int) -> AllocationRun:
    """Set a proposal (or a failed run) aside: it can no longer be committed.

    Raises NotFound, Forbidden, Conflict (committing or committed)."""
    with transaction.atomic(durable=True):
        run = run_get(user=user, run_id=run_id, lock=True)
        if not _commands(user, run.node_id):
            raise Forbidden(_("Only the level's commander discards its allocation"))
        if run.status not in (RunStatus.PROPOSED, RunStatus.FAILED):
            raise Conflict(
                _("Run %(id)s is %(status)s; it cannot be discarded")
                % {"id": run.pk, "status": run.get_status_display()}
            )
        run.status = RunStatus.DISCARDED
        run.finished_at = run.finished_at or timezone.now()
        run.save(update_fields=["status", "finished_at"])
    return run


def _commit_progress(run_id: int) -> Callable[[int], None] | None:
    """Report commit progress from inside the commit's transaction: on PostgreSQL through a
    second connection (a short-lived thread) so others see it; SQLite has one writer, so it
    reports only the end."""
    if connection.vendor != "postgresql" or not settings.ALLOCATION_COMMIT_PROGRESS:
        return None

    def report(percent: int) -> None:
        def write() -> None:
            try:
                AllocationRun.objects.filter(pk=run_id, status=RunStatus.COMMITTING).update(
                    commit_progress=min(percent, 99), heartbeat_at=timezone.now()
                )
            finally:
                connections.close_all()

        thread = threading.Thread(target=write, daemon=True)
        thread.start()
        thread.join(timeout=5)

    return report


def run_commit_execute(*, run_id: int) -> None:
    """The task body of a commit. Either every shipment of the plan is reserved and recorded on
    its list and the run is `committed`, or nothing is posted and the run goes back to
    `proposed` with the reason (stock changed since the proposal: the short item is named)."""
    run = AllocationRun.objects.select_related("committed_by").filter(pk=run_id).first()
    if run is None or run.status != RunStatus.COMMITTING or run.committed_by is None:
        return
    user = run.committed_by
    plan = [a for a in effective_allocations(run) if a["qty"] > 0]
    progress = _commit_progress(run_id)

    def work() -> bool:
        lines = {
            ln.pk: ln
            for ln in RequisitionLine.objects.filter(
                pk__in={line_pk(a["demand"]) for a in plan}
            ).select_related("requisition")
        }
        sites = dict(
            Site.objects.filter(code__in={a["source"] for a in plan}).values_list("code", "pk")
        )
        groups: dict[tuple[str, int], dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for a in plan:
            line = lines[line_pk(a["demand"])]
            groups[(a["source"], line.requisition_id)][line.pk] += a["qty"]
        ordered = sorted(groups.items())
        documents = shipments_reserve_step(
            actor=user,
            shipments=[
                ShipmentSpec(
                    from_site_id=sites[source],
                    to_site_id=lines[next(iter(quantities))].requisition.site_id,
                    lines=[
                        LineSpec(item_id=lines[pk].item_id, quantity=q)
                        for pk, q in sorted(quantities.items())
                    ],
                    idempotency_key=f"run{run_id}-{source}-{requisition_id}",
                )
                for (source, requisition_id), quantities in ordered
            ],
            progress=progress,
        )
        for document, ((_point, requisition_id), quantities) in zip(
            documents, ordered, strict=True
        ):
            requisition_record_shipment_step(
                user=user,
                requisition_id=requisition_id,
                document_id=document.pk,
                quantities=dict(quantities),
            )
        # Only the commit that still finds the run committing may finish it; a twin that ran
        # meanwhile (a re-queued task) rolls back here and posts nothing.
        finished = AllocationRun.objects.filter(pk=run_id, status=RunStatus.COMMITTING).update(
            status=RunStatus.COMMITTED,
            commit_progress=100,
            committed_at=timezone.now(),
            heartbeat_at=timezone.now(),
        )
        if not finished:
            raise _Superseded
        return True

    try:
        run_durable(work)
    except _Superseded:
        return
    except DomainError as exc:
        _commit_failed(run_id, exc)
    except Exception as exc:
        logger.exception("allocation commit of run %s failed", run_id)
        _commit_failed(run_id, exc)


class _Superseded(Exception):
    """Another commit of the same run finished first."""


def _commit_failed(run_id: int, exc: Exception) -> None:
    AllocationRun.objects.filter(pk=run_id, status=RunStatus.COMMITTING).update(
        status=RunStatus.PROPOSED,
        commit_progress=0,
        **run_error("commit_failed", reason=error_texts(exc)),
    )
