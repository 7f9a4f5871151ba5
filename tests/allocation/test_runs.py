"""Allocation runs on day 3 of the lockdown: the city commander runs the engine over the open
demand, overrides a line with a reason, and commits reservations and shipments — once."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from liangcao.allocation import services
from liangcao.allocation.models import AllocationRun, RunStatus
from liangcao.allocation.selectors import effective_allocations
from liangcao.core.errors import Conflict, Forbidden, Invalid, NotFound
from liangcao.demand.models import Fulfilment, RequisitionLine
from liangcao.orgs.models import Node, User
from liangcao.scenarios.day3 import day3_load
from liangcao.scenarios.demo import DemoResult
from liangcao.stock.models import Document, DocumentKind

UserNamed = Callable[[str], User]


@pytest.fixture
def day3(demo: DemoResult) -> None:
    day3_load(requisitions=30, sites=12)


def start(user_named: UserNamed) -> AllocationRun:
    run = services.allocation_run_start(
        user=user_named("city-commander"), node_id=Node.objects.get(code="city").pk
    )
    run.refresh_from_db()
    return run


def test_city_commander_runs_overrides_and_commits_once(day3: None, user_named: UserNamed) -> None:
    run = start(user_named)
    assert run.status == RunStatus.PROPOSED, run.error
    assert run.result is not None and run.baselines is not None
    assert set(run.baselines) == {"proportional", "fcfs"}
    open_lines = [ln for ln in RequisitionLine.objects.all() if ln.open_quantity > 0]
    assert len(run.result["lines"]) == len(open_lines)
    # Supply is 60 % of demand: the engine hands out what there is, never more.
    handed = sum(a["qty"] for a in run.result["allocations"])
    supplied = sum(s["qty"] for s in run.instance["supplies"])
    assert 0 < handed <= supplied

    commander = user_named("city-commander")
    first = run.result["allocations"][0]
    with pytest.raises(Invalid):
        services.allocation_run_override(
            user=commander,
            run_id=run.pk,
            demand=first["demand"],
            source=first["source"],
            quantity=first["qty"],
            reason="",
        )
    services.allocation_run_override(
        user=commander,
        run_id=run.pk,
        demand=first["demand"],
        source=first["source"],
        quantity=first["qty"] - 1,
        reason="the clinic has a delivery from a donor today",
    )
    plan = {(a["demand"], a["source"]): a["qty"] for a in effective_allocations(run)}
    assert plan[(first["demand"], first["source"])] == first["qty"] - 1

    services.allocation_run_commit(user=commander, run_id=run.pk)
    shipments = Document.objects.filter(kind=DocumentKind.SHIPMENT)
    count = shipments.count()
    assert count > 0
    total = sum(plan.values())
    assert sum(f.quantity for f in Fulfilment.objects.all()) == total
    assert sum(ln.allocated for ln in RequisitionLine.objects.all()) == total
    assert AllocationRun.objects.get(pk=run.pk).status == RunStatus.COMMITTED

    services.allocation_run_commit(user=commander, run_id=run.pk)  # a retry applies nothing
    assert shipments.count() == count
    assert sum(f.quantity for f in Fulfilment.objects.all()) == total
    with pytest.raises(Conflict):
        services.allocation_run_override(
            user=commander,
            run_id=run.pk,
            demand=first["demand"],
            source=first["source"],
            quantity=0,
            reason="too late",
        )


def test_overrides_cannot_exceed_a_source_or_a_line(day3: None, user_named: UserNamed) -> None:
    run = start(user_named)
    commander = user_named("city-commander")
    line = run.instance["demands"][0]
    source = next(c["source"] for c in run.instance["costs"] if c["point"] == line["point"])
    with pytest.raises(Invalid) as caught:
        services.allocation_run_override(
            user=commander,
            run_id=run.pk,
            demand=line["id"],
            source=source,
            quantity=line["qty"] + 1,
            reason="x",
        )
    assert caught.value.errors[0].field == "quantity"
    with pytest.raises(Invalid):
        services.allocation_run_override(
            user=commander, run_id=run.pk, demand="line-0", source=source, quantity=1, reason="x"
        )


def test_only_the_levels_commander_runs_it(day3: None, user_named: UserNamed) -> None:
    city = Node.objects.get(code="city").pk
    with pytest.raises(NotFound):
        services.allocation_run_start(user=user_named("district-commander"), node_id=city)
    with pytest.raises(Forbidden):
        services.allocation_run_start(user=user_named("city-approver"), node_id=city)
    assert not AllocationRun.objects.exists()


def test_a_stale_run_is_marked_failed(day3: None, user_named: UserNamed) -> None:
    from datetime import timedelta

    from django.utils import timezone

    run = start(user_named)
    AllocationRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, heartbeat_at=timezone.now() - timedelta(minutes=10)
    )
    assert services.allocation_run_sweep() == 1
    assert AllocationRun.objects.get(pk=run.pk).status == RunStatus.FAILED


def test_a_fast_tracked_list_ships_before_its_last_signature(
    demo: DemoResult, user_named: UserNamed, django_capture_on_commit_callbacks: object
) -> None:
    from datetime import date

    from liangcao.catalog.models import Item
    from liangcao.demand import selectors as demand_selectors
    from liangcao.demand.models import Requisition, SignatureDecision
    from liangcao.demand.services import LineIn, requisition_create, requisition_fast_track
    from liangcao.orgs.models import Membership, Site
    from liangcao.stock.models import LocationKind
    from liangcao.stock.services import LineSpec, receipt_post, shipment_dispatch

    depot = Site.objects.get(code="depot-d01")
    supplier = Site.objects.filter(kind="supplier_site").first()
    assert supplier is not None
    receipt_post(
        actor=user_named("admin"),
        site_id=depot.pk,
        source_kind=LocationKind.SUPPLIER,
        source_site_id=supplier.pk,
        lines=[
            LineSpec(
                Item.objects.get(code="MASK-N95").pk, 500, lot_code="FT", expiry=date(2027, 1, 1)
            )
        ],
    )
    community = Membership.objects.get(user__username="community-requester").node
    point = Site.objects.get(node=community, kind="community_point")
    req = requisition_create(
        user=user_named("community-requester"),
        site_id=point.pk,
        lines=[LineIn("MASK-N95", 300)],
        submit=True,
    )
    requisition_fast_track(
        user=user_named("district-approver"),
        requisition_id=req.pk,
        reason="fever clinic out of masks",
    )
    run = services.allocation_run_start(
        user=user_named("district-commander"), node_id=Node.objects.get(code="d01").pk
    )
    services.allocation_run_commit(user=user_named("district-commander"), run_id=run.pk)
    shipment = Document.objects.get(kind=DocumentKind.SHIPMENT)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        shipment_dispatch(actor=user_named("district-warehouse-keeper"), document_id=shipment.pk)
    req.refresh_from_db()
    assert req.state == "dispatched"
    assert (
        req.signatures.filter(decision=SignatureDecision.PENDING).count() == 2
    )  # street, district
    Requisition.objects.filter(pk=req.pk).update(paperwork_due_at=req.submitted_at)
    assert req in demand_selectors.overdue_fast_tracks(user=user_named("district-commander"))
