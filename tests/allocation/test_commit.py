"""A commit is all or nothing, runs in the background, and happens once however many people
press the button at the same time."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from uuid import uuid4

import pytest
from django.db import connections
from django.db.models import Sum
from django.test import Client
from django.utils import timezone

from liangcao.allocation import services
from liangcao.allocation.instances import line_pk
from liangcao.allocation.models import AllocationRun, RunStatus
from liangcao.allocation.selectors import effective_allocations
from liangcao.core.errors import Conflict
from liangcao.demand.models import Fulfilment, RequisitionLine
from liangcao.orgs.models import Membership, Node, Role, Site, User
from liangcao.scenarios.day3 import day3_load
from liangcao.scenarios.demo import DemoResult
from liangcao.stock.models import Document, DocumentKind, DocumentState
from liangcao.stock.selectors import balance_list
from liangcao.stock.services import LineSpec, shipment_cancel, shipment_reserve

UserNamed = Callable[[str], User]


@pytest.fixture
def day3(demo: DemoResult) -> None:
    day3_load(requisitions=30, sites=12)


def proposed(user: User) -> AllocationRun:
    run = services.allocation_run_start(user=user, node_id=Node.objects.get(code="city").pk)
    run.refresh_from_db()
    assert run.status == RunStatus.PROPOSED, run.error
    return run


def run_shipments(run: AllocationRun) -> int:
    return Document.objects.filter(
        kind=DocumentKind.SHIPMENT, idempotency_key__startswith=f"run{run.pk}-"
    ).count()


def take_away(user: User, run: AllocationRun) -> Document:
    """Someone reserves, since the proposal, every unit of one item the plan takes from one
    source — the commit must then fail as a whole."""
    plan = [a for a in effective_allocations(run) if a["qty"] > 0]
    last = plan[-1]
    site = Site.objects.get(code=last["source"])
    item_id = RequisitionLine.objects.get(pk=line_pk(last["demand"])).item_id
    available = sum(
        b["available"] for b in balance_list(user=user, site_id=site.pk, item_id=item_id)
    )
    other = Site.objects.exclude(pk=site.pk).filter(kind=site.kind).first()
    assert other is not None and available > 0
    return shipment_reserve(
        actor=user,
        from_site_id=site.pk,
        to_site_id=other.pk,
        lines=[LineSpec(item_id=item_id, quantity=available)],
    )


def test_a_commit_that_meets_a_conflict_posts_nothing_and_can_be_retried(
    day3: None, user_named: UserNamed
) -> None:
    commander = user_named("city-commander")
    run = proposed(commander)
    admin = User.objects.create_superuser("root-test", password="x")
    thief = take_away(admin, run)

    after = services.allocation_run_commit(user=commander, run_id=run.pk)

    # The plan's other shipments fitted, but not one of them was kept.
    assert after.status == RunStatus.PROPOSED
    assert "nothing was posted" in after.error
    assert run_shipments(run) == 0
    assert not Fulfilment.objects.exists()
    assert RequisitionLine.objects.aggregate(n=Sum("allocated"))["n"] == 0

    shipment_cancel(actor=admin, document_id=thief.pk)
    done = services.allocation_run_commit(user=commander, run_id=run.pk)
    assert done.status == RunStatus.COMMITTED and done.commit_progress == 100
    total = sum(a["qty"] for a in effective_allocations(run))
    assert RequisitionLine.objects.aggregate(n=Sum("allocated"))["n"] == total
    assert run_shipments(run) > 0


def test_a_proposal_can_be_discarded_and_then_not_committed(
    day3: None, user_named: UserNamed
) -> None:
    commander = user_named("city-commander")
    run = proposed(commander)
    assert services.allocation_run_discard(user=commander, run_id=run.pk).status == "discarded"
    with pytest.raises(Conflict):
        services.allocation_run_commit(user=commander, run_id=run.pk)
    assert run_shipments(run) == 0


def test_the_sweeper_returns_an_interrupted_commit_to_proposed(
    day3: None, user_named: UserNamed
) -> None:
    run = proposed(user_named("city-commander"))
    AllocationRun.objects.filter(pk=run.pk).update(
        status=RunStatus.COMMITTING, heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    fresh = proposed(user_named("city-commander"))
    AllocationRun.objects.filter(pk=fresh.pk).update(
        status=RunStatus.COMMITTING, heartbeat_at=timezone.now()
    )
    assert services.allocation_run_sweep() == 1
    assert AllocationRun.objects.get(pk=run.pk).status == RunStatus.PROPOSED
    assert AllocationRun.objects.get(pk=fresh.pk).status == RunStatus.COMMITTING


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("empty_ledger_after")
def test_eight_clients_of_two_commanders_commit_one_run_once(
    day3: None, user_named: UserNamed, settings: object
) -> None:
    settings.ALLOCATION_COMMIT_PROGRESS = True  # type: ignore[attr-defined]
    first = user_named("city-commander")
    second = User.objects.create_user("city-commander-2", password="x")
    Membership.objects.create(user=second, role=Role.COMMANDER, node=Node.objects.get(code="city"))
    run = proposed(first)
    plan = [a for a in effective_allocations(run) if a["qty"] > 0]
    groups = {
        (a["source"], RequisitionLine.objects.get(pk=line_pk(a["demand"])).requisition_id)
        for a in plan
    }
    barrier = threading.Barrier(8)
    answers: list[int] = []
    errors: list[BaseException] = []

    def press(i: int) -> None:
        try:
            client = Client()
            client.force_login(first if i % 2 else second)
            barrier.wait()
            response = client.post(
                f"/api/v1/allocation/runs/{run.pk}/commit",
                {},
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY=str(uuid4()),
            )
            answers.append(response.status_code)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=press, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == [] and answers == [202] * 8
    assert AllocationRun.objects.get(pk=run.pk).status == RunStatus.COMMITTED
    assert run_shipments(run) == len(groups)
    reserved = Document.objects.filter(
        idempotency_key__startswith=f"run{run.pk}-", state=DocumentState.RESERVED
    )
    assert reserved.count() == len(groups)
    total = sum(a["qty"] for a in plan)
    assert RequisitionLine.objects.aggregate(n=Sum("allocated"))["n"] == total
    assert Fulfilment.objects.aggregate(n=Sum("quantity"))["n"] == total
