"""The fulfilment network: paid orders are assigned to suppliers by capacity and distance
(a HiGHS transportation LP grouped by compound), the supplier accepts, picks and hands over at
the community point through its portal, and when a supplier drops out its orders go to the
others. Standard boxes (free) stay with the government's stock and are not assigned."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from django.test import Client

from liangcao.community.engine import Group, SupplierCap, assign
from liangcao.community.models import Household, Order, Supplier, SupplierKind, SupplierState
from liangcao.community.services import LineIn, order_enter
from liangcao.orgs.models import Membership, Role, User
from tests.community.conftest import Place


def post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(
        path,
        json.dumps(body or {}),
        content_type="application/json",
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )


def test_the_lp_respects_capacity_and_radius_and_prefers_the_nearest() -> None:
    groups = [Group(1, 30, 36.10, 114.35), Group(2, 10, 36.30, 114.35)]  # 22 km apart
    suppliers = [
        SupplierCap(10, 25, 36.101, 114.35, 3.0),  # beside group 1, small
        SupplierCap(11, 100, 36.12, 114.35, 40.0),  # 3 km from group 1, reaches both
        SupplierCap(12, 100, 36.30, 114.35, 0.5),  # beside group 2 only
    ]
    plan = assign(groups, suppliers)
    assert plan.flows == {(1, 10): 25, (1, 11): 5, (2, 12): 10}
    assert plan.unassigned == {}
    tight = assign(groups, [SupplierCap(10, 25, 36.101, 114.35, 3.0)])
    assert tight.flows == {(1, 10): 25} and tight.unassigned == {1: 5, 2: 10}


def test_orders_are_assigned_accepted_handed_over_and_reassigned(
    place: Place, client_for: Callable[[str], Client], user_named: Callable[[str], User]
) -> None:
    grid = user_named("community-grid-worker")
    households = list(Household.objects.filter(compound__parent=place.community)[:8])
    orders = [
        order_enter(user=grid, household_id=h.pk, lines=[LineIn("RICE", 1)]) for h in households
    ]
    box = order_enter(
        user=grid,
        household_id=Household.objects.filter(compound__parent=place.community)[9].pk,
        lines=[LineIn("BOX-FAMILY", 1)],
    )
    shop = Supplier.objects.get(site__code=f"shop-{place.community.code}")
    shop.daily_capacity = 5
    shop.save()

    # Only commanders assign.
    assert (
        post(client_for("community-grid-worker"), "/api/v1/community/assignments").status_code
        == 403
    )
    commander = client_for("district-commander")
    plan = post(commander, "/api/v1/community/assignments").json()
    assert plan["assigned"] >= 8 and plan["unassigned"] == 0
    assigned = dict(
        Order.objects.filter(pk__in=[o.pk for o in orders]).values_list("pk", "supplier_id")
    )
    assert list(assigned.values()).count(shop.pk) == 5  # the nearest, up to its capacity
    assert Order.objects.get(pk=box.pk).supplier_id is None  # free boxes come from stock

    # The shop's staff see their orders (no personal data) and work through them.
    staff = User.objects.create_user(username="shop-staff", password="x")
    Membership.objects.create(user=staff, role=Role.SUPPLIER, site=shop.site)
    portal = client_for("shop-staff")
    listed = portal.get(f"/api/v1/community/suppliers/{shop.pk}/orders").json()["items"]
    assert len(listed) == 5 and "phone" not in json.dumps(listed)
    first = listed[0]["id"]
    assert post(portal, f"/api/v1/community/supplier-orders/{first}/pick").status_code == 409
    for step in ("accept", "pick", "hand-over"):
        response = post(portal, f"/api/v1/community/supplier-orders/{first}/{step}")
        assert response.status_code == 200, response.content
    assert response.json()["supplier_state"] == SupplierState.HANDED_OVER
    other = next(o for o in orders if assigned[o.pk] != shop.pk)
    assert post(portal, f"/api/v1/community/supplier-orders/{other.pk}/accept").status_code == 404
    outsider = Supplier.objects.exclude(pk=shop.pk).filter(kind=SupplierKind.SHOP).first()
    assert outsider is not None
    assert portal.get(f"/api/v1/community/suppliers/{outsider.pk}/orders").status_code == 404

    # The shop drops out: what it has not handed over goes to the others; the handed-over stays.
    plan = post(commander, f"/api/v1/community/suppliers/{shop.pk}/drop").json()
    assert plan["assigned"] == 4 and plan["unassigned"] == 0
    after = dict(
        Order.objects.filter(pk__in=[o.pk for o in orders]).values_list("pk", "supplier_id")
    )
    assert after[first] == shop.pk
    assert [pk for pk, s in after.items() if s == shop.pk] == [first]
    assert all(s is not None for s in after.values())


def test_a_door_run_carries_only_what_is_at_the_point(
    place: Place, user_named: Callable[[str], User]
) -> None:
    """Paid goods join a door run once their supplier has handed them over to the point;
    standard boxes are there already."""
    from liangcao.community.models import OrderState
    from liangcao.community.services import door_run_create, orders_assign, supplier_order_step
    from liangcao.core.errors import Conflict

    grid = user_named("community-grid-worker")
    households = list(Household.objects.filter(compound__parent=place.community)[:3])
    paid = order_enter(user=grid, household_id=households[0].pk, lines=[LineIn("RICE", 1)])
    box = order_enter(user=grid, household_id=households[1].pk, lines=[LineIn("BOX-FAMILY", 1)])
    orders_assign(user=user_named("admin"))
    run = door_run_create(user=grid, point_id=place.point.pk)
    assert list(Order.objects.filter(door_run=run).values_list("pk", flat=True)) == [box.pk]
    try:
        door_run_create(user=grid, point_id=place.point.pk, order_ids=[paid.pk])
    except Conflict:
        pass
    else:
        raise AssertionError("an order still with its supplier went on a door run")
    for step in ("accept", "pick", "hand-over"):
        supplier_order_step(user=user_named("city-commander"), order_id=paid.pk, step=step)
    second = door_run_create(user=grid, point_id=place.point.pk)
    paid.refresh_from_db()
    assert (paid.door_run_id, paid.state) == (second.pk, OrderState.BATCHED)
