"""The people-facing pages of the last 100 metres, as stories.

- The supplier portal: the corner shop's staff see their own orders oldest first with their age
  and the community point, accept, pick and hand over a batch at the point; they never see the
  platform's orders, nor a household's address, contact or health; other roles stay out.
- Group buys: a grid worker opens one for a compound by its leader's household code, sees it
  aggregated per item over the households that joined, and closes it.
- The household's QR code holds the volunteer's confirmation page for its order.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from liangcao.community import selectors
from liangcao.community.models import (
    GroupBuy,
    Handover,
    Household,
    HouseholdRead,
    Order,
    OrderState,
    Supplier,
    SupplierState,
)
from liangcao.community.services import (
    LineIn,
    door_run_create,
    group_buy_create,
    order_enter,
    orders_assign,
    supplier_orders_advance,
)
from liangcao.core.errors import Conflict, Forbidden, NotFound
from liangcao.orgs.models import Membership, Role, User
from tests.community.conftest import Place


def form_token(page: str) -> str:
    found = re.search(r'name="form_token" value="([0-9a-f]+)"', page)
    assert found is not None
    return found.group(1)


def supplier_post(client: Client, page: str, step: str, ids: list[int]) -> Any:
    return client.post(
        "/community/supplier/",
        {"form_token": form_token(page), "step": step, "order": [str(i) for i in ids]},
        follow=True,
    )


@pytest.fixture
def assigned(place: Place, user_named: Callable[[str], User]) -> dict[str, Any]:
    """Six paid orders of the grid worker's community, assigned: the corner shop (capacity 4,
    nearest) takes the oldest four, the others go further afield."""
    grid = user_named("community-grid-worker")
    households = list(Household.objects.filter(compound__parent=place.community)[:6])
    for h in households:
        order_enter(user=grid, household_id=h.pk, lines=[LineIn("RICE", 1), LineIn("EGG", 2)])
    shop = Supplier.objects.get(site__code=f"shop-{place.community.code}")
    shop.daily_capacity = 4
    shop.save()
    orders_assign(user=user_named("city-commander"))
    mine = list(
        Order.objects.filter(supplier=shop)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)
    )
    others = list(
        Order.objects.exclude(supplier=shop)
        .filter(supplier__isnull=False)
        .values_list("pk", flat=True)
    )
    assert len(mine) == 4 and others
    return {"shop": shop, "mine": mine, "others": others, "households": households}


def test_the_shop_accepts_picks_and_hands_over_a_batch_at_the_point(
    place: Place, assigned: dict[str, Any], client_for: Callable[[str], Client]
) -> None:
    portal = client_for("shop-supplier")
    mine = assigned["mine"]
    reads = HouseholdRead.objects.count()
    with CaptureQueriesContext(connection) as queries:
        page = portal.get("/community/supplier/")
    assert page.status_code == 200
    body = page.content.decode()
    # Oldest first, each with its age and the community point that collects it.
    shown = [int(n) for n in re.findall(r'data-testid="supplier-order-(\d+)"', body)]
    assert shown == mine
    assert 'data-testid="age-' in body and place.point.name_zh in body
    # Delivery needs the household's code, never its address, contact, phone or health.
    for household in assigned["households"]:
        assert household.phone not in body and household.contact_name not in body
    assert not any("phone" in q["sql"] or "contact_name" in q["sql"] for q in queries)
    assert HouseholdRead.objects.count() == reads

    # Accept all new orders at once, pick two, hand those two over at the point together.
    page = supplier_post(portal, body, "accept", mine)
    assert "4" in page.content.decode() and page.status_code == 200
    for pk in mine[:2]:
        page = supplier_post(portal, page.content.decode(), "pick", [pk])
    body = page.content.decode()
    assert f'data-testid="hand-over-{place.point.pk}"' in body
    page = supplier_post(portal, body, "hand-over", mine[:2])
    states = dict(Order.objects.filter(pk__in=mine).values_list("pk", "supplier_state"))
    assert [states[pk] for pk in mine] == [
        SupplierState.HANDED_OVER,
        SupplierState.HANDED_OVER,
        SupplierState.ACCEPTED,
        SupplierState.ACCEPTED,
    ]
    # What is at the point moves to the "handed over" tab.
    todo = page.content.decode()
    assert f'data-testid="supplier-order-{mine[0]}"' not in todo
    done = portal.get("/community/supplier/?done=1").content.decode()
    assert f'data-testid="supplier-order-{mine[0]}"' in done

    # A batch with one order out of order changes nothing (and says which).
    page = supplier_post(portal, todo, "hand-over", mine[2:])
    assert str(mine[2]) in page.content.decode()
    assert set(Order.objects.filter(pk__in=mine[2:]).values_list("supplier_state", flat=True)) == {
        SupplierState.ACCEPTED
    }


def test_one_supplier_never_sees_or_moves_anothers_orders(
    place: Place, assigned: dict[str, Any], client_for: Callable[[str], Client]
) -> None:
    shop, others = assigned["shop"], assigned["others"]
    platform = client_for("ecom-supplier")
    page = platform.get("/community/supplier/").content.decode()
    assert not any(f'data-testid="supplier-order-{pk}"' in page for pk in assigned["mine"])
    assert platform.get(f"/community/supplier/?supplier={shop.pk}").status_code == 404
    assert platform.get(f"/api/v1/community/suppliers/{shop.pk}/orders").status_code == 404
    with pytest.raises(NotFound):
        supplier_orders_advance(
            user=User.objects.get(username="ecom-supplier"),
            order_ids=assigned["mine"],
            step="accept",
        )
    # A batch mixing the shop's orders with another supplier's is refused whole.
    with pytest.raises(NotFound):
        supplier_orders_advance(
            user=User.objects.get(username="shop-supplier"),
            order_ids=[assigned["mine"][0], others[0]],
            step="accept",
        )
    assert Order.objects.get(pk=assigned["mine"][0]).supplier_state == SupplierState.ASSIGNED


def test_other_roles_stay_out_of_the_supplier_portal(
    place: Place, assigned: dict[str, Any], client_for: Callable[[str], Client]
) -> None:
    shop = assigned["shop"]
    # Roles of the community see the shop's site but are not its staff.
    for username in ("community-requester", "community-grid-worker", "community-inspector"):
        client = client_for(username)
        assert client.get("/community/supplier/").status_code == 403, username
        assert client.get(f"/community/supplier/?supplier={shop.pk}").status_code == 403
        assert 'data-nav="supplier"' not in client.get("/").content.decode()
    # Another role held at the shop's own site is not the supplier's role either.
    clerk = User.objects.create_user(username="shop-clerk", password="x")
    Membership.objects.create(user=clerk, role=Role.REQUESTER, site=shop.site)
    with pytest.raises(Forbidden):
        supplier_orders_advance(user=clerk, order_ids=assigned["mine"][:1], step="accept")
    # A commander over the shop's site acts for it; one elsewhere does not know it.
    commander = client_for("district-commander")
    assert commander.get(f"/community/supplier/?supplier={shop.pk}").status_code == 200
    outsider = User.objects.create_user(username="far-commander", password="x")
    far = place.community.parent.parent.parent.children.exclude(  # type: ignore[union-attr]
        pk=place.community.parent.parent_id  # type: ignore[union-attr]
    )[0]
    Membership.objects.create(user=outsider, role=Role.COMMANDER, node=far)
    with pytest.raises(NotFound):
        selectors.supplier_portal_get(user=outsider, supplier_id=shop.pk)
    # The shop's staff find the portal in their menu.
    assert 'data-nav="supplier"' in client_for("shop-supplier").get("/").content.decode()


def test_steps_keep_their_order(place: Place, assigned: dict[str, Any]) -> None:
    staff = User.objects.get(username="shop-supplier")
    first = assigned["mine"][0]
    with pytest.raises(Conflict):
        supplier_orders_advance(user=staff, order_ids=[first], step="pick")
    for step in ("accept", "pick", "hand-over"):
        supplier_orders_advance(user=staff, order_ids=[first], step=step)
    with pytest.raises(Conflict):
        supplier_orders_advance(user=staff, order_ids=[first], step="hand-over")
    with pytest.raises(NotFound):
        supplier_orders_advance(user=staff, order_ids=[first], step="teleport")


def test_a_grid_worker_opens_a_group_buy_sees_it_aggregated_and_closes_it(
    place: Place, client_for: Callable[[str], Client], user_named: Callable[[str], User]
) -> None:
    grid = client_for("community-grid-worker")
    listing = grid.get(f"/community/group-buys/?compound={place.compound.pk}").content.decode()
    assert 'data-nav="group-buys"' in listing
    # An unknown leader code is a clear error and nothing is opened.
    page = grid.post(
        "/community/group-buys/",
        {
            "form_token": form_token(listing),
            "compound": place.compound.pk,
            "leader_code": "NOPE",
            "title": "周末团购",
        },
        follow=True,
    )
    assert "NOPE" in page.content.decode() and not GroupBuy.objects.exists()
    page = grid.post(
        "/community/group-buys/",
        {
            "form_token": form_token(page.content.decode()),
            "compound": place.compound.pk,
            "leader_code": place.household.code.lower(),
            "title": "周末团购",
        },
        follow=True,
    )
    group = GroupBuy.objects.get()
    assert group.leader == place.household and group.compound == place.compound
    assert page.redirect_chain[-1][0] == f"/community/group-buys/{group.pk}/"

    # Three households join: totals per item across households.
    worker = user_named("community-grid-worker")
    joining = list(Household.objects.filter(compound=place.compound).order_by("pk")[:3])
    for n, household in enumerate(joining, start=1):
        order_enter(
            user=worker,
            household_id=household.pk,
            lines=[LineIn("RICE", n), LineIn("EGG", 1)],
            group_buy_id=group.pk,
        )
    body = grid.get(f"/community/group-buys/{group.pk}/").content.decode()
    assert re.search(r'data-testid="gb-qty-RICE">6<', body)  # 1 + 2 + 3
    assert re.search(r'data-testid="gb-qty-EGG">3<', body)
    assert 'data-testid="gb-amount">234.00<' in body  # ¥: 6 × 32 + 3 × 14
    for household in joining:
        assert household.phone not in body and household.contact_name not in body
    listing = grid.get("/community/group-buys/").content.decode()
    assert f"/community/group-buys/{group.pk}/" in listing

    # A requester of the community sees it but cannot close it; the grid worker can.
    requester = client_for("community-requester")
    seen = requester.get(f"/community/group-buys/{group.pk}/").content.decode()
    assert 'data-testid="gb-close"' not in seen and 'data-testid="gb-close"' in body
    requester.post(f"/community/group-buys/{group.pk}/", {"form_token": uuid.uuid4().hex})
    assert GroupBuy.objects.get().is_open
    grid.post(f"/community/group-buys/{group.pk}/", {"form_token": form_token(body)})
    assert not GroupBuy.objects.get().is_open
    # Closed: no more orders join it.
    late = Household.objects.filter(compound=place.compound).order_by("pk")[5]
    page = grid.post(
        "/api/v1/community/orders",
        json.dumps(
            {
                "household_id": late.pk,
                "lines": [{"offer": "EGG", "quantity": 1}],
                "group_buy_id": group.pk,
            }
        ),
        content_type="application/json",
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert page.status_code == 422


def test_group_buys_of_another_district_are_not_found(
    place: Place, client_for: Callable[[str], Client], user_named: Callable[[str], User]
) -> None:
    group = group_buy_create(
        user=user_named("community-grid-worker"),
        leader_household_id=place.household.pk,
        title="三号楼周末团购",
    )
    stranger = User.objects.create_user(username="far-grid", password="x")
    far = place.community.parent.parent.parent.children.exclude(  # type: ignore[union-attr]
        pk=place.community.parent.parent_id  # type: ignore[union-attr]
    )[0]
    Membership.objects.create(user=stranger, role=Role.GRID_WORKER, node=far)
    client = Client()
    client.force_login(stranger)
    assert client.get(f"/community/group-buys/{group.pk}/").status_code == 404
    listing = client.get("/community/group-buys/").content.decode()
    assert "三号楼周末团购" not in listing and f"/community/group-buys/{group.pk}/" not in listing
    assert (
        "三号楼周末团购"
        in client_for("community-grid-worker").get("/community/group-buys/").content.decode()
    )


def test_the_households_qr_code_opens_the_volunteers_confirmation(
    place: Place, client_for: Callable[[str], Client], user_named: Callable[[str], User]
) -> None:
    import segno

    page = Client().post(
        f"/c/{place.token}/",
        {"room": place.household.room, "household_code": place.household.code, "q_1": ""}
        | {f"q_{o.pk}": "1" for o in selectors.offer_list() if o.kit_id},
    )
    assert page.status_code == 200
    order = Order.objects.get(household=place.household)
    url = page.context["confirm_url"]
    assert url.endswith(f"/community/runs/confirm/?order={order.pk}&code={order.confirm_code}")
    # The QR image holds exactly that address (segno makes the same symbol for the same text).
    assert page.context["code_qr"] == segno.make(url, error="m").svg_data_uri(scale=4, border=2)
    # The volunteer's phone opens it: the page queues the confirmation like a typed code.
    volunteer = client_for("community-grid-worker")
    confirm = volunteer.get(url[url.index("/community/") :])
    assert confirm.status_code == 200
    assert b"handovers.add(orderId, code)" in confirm.content
    assert Client().get("/community/runs/confirm/").status_code == 302  # signed in only
    # The service worker keeps that page for any order, from install on.
    worker = volunteer.get("/community/sw.js").content.decode()
    assert 'var CONFIRM = "/community/runs/confirm/"' in worker and "caches.match(key)" in worker
    # Recording it (what the queue sends) posts once, however often the QR code is opened.
    door_run_create(user=user_named("community-grid-worker"), point_id=place.point.pk)
    for _ in range(2):
        response = volunteer.post(
            "/api/v1/community/handovers",
            json.dumps(
                {"client_id": str(uuid.uuid4()), "order_id": order.pk, "code": order.confirm_code}
            ),
            content_type="application/json",
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        assert response.status_code == 201
    assert Handover.objects.filter(order=order).count() == 1
    assert Order.objects.get(pk=order.pk).state == OrderState.DELIVERED
