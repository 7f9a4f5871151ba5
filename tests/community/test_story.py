"""The last 100 metres as one story, through the resident page and the API: a resident orders
by the compound's QR code, is refused when ordering again too soon (and told why, in Chinese),
a group buy is aggregated, a grid worker orders for a neighbour without a phone, a volunteer
takes a door run, the household confirms with its code, the ledger shows the box at the
household; an order left for 48 hours escalates to the street's commander."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from liangcao.catalog.models import Kit
from liangcao.community.models import Escalation, Handover, Order, OrderState
from liangcao.community.services import LineIn, order_enter, orders_escalate
from liangcao.orgs.models import User
from liangcao.stock.models import Balance, Location
from tests.community.conftest import Place


def post(client: Client, path: str, body: dict[str, Any], key: str | None = None) -> Any:
    return client.post(
        path,
        json.dumps(body),
        content_type="application/json",
        headers={"Idempotency-Key": key or uuid.uuid4().hex},
    )


def resident_order(
    place: Place, room: str, code: str, group_buy: str = "", **quantities: str
) -> Any:
    resident = Client()  # no sign-in, no app: the QR code's address is all it has
    page = resident.get(f"/c/{place.token}/")
    assert page.status_code == 200
    offers = {o.code: o.pk for o in page.context["offers"]}
    data = {"room": room, "household_code": code, "group_buy": group_buy}
    for name, qty in quantities.items():
        data[f"q_{offers[name.replace('_', '-')]}"] = qty
    return resident.post(f"/c/{place.token}/", data)


def test_household_orders_to_the_door(place: Place, client_for: Callable[[str], Client]) -> None:
    grid = client_for("community-grid-worker")
    household, neighbour = place.household, place.neighbour

    # The grid worker opens a group buy led by the neighbour.
    response = post(
        grid,
        "/api/v1/community/group-buys",
        {"leader_household_id": neighbour.pk, "title": "团购蔬菜"},
    )
    assert response.status_code == 201, response.content
    group_id = response.json()["id"]

    # A resident orders a standard box and eggs by the QR code, joining the group buy.
    answer = resident_order(
        place,
        household.room,
        household.code.lower(),
        BOX_FAMILY="1",
        EGG="2",
        group_buy=str(group_id),
    )
    assert answer.status_code == 200, answer.content.decode()
    order = answer.context["order"]
    assert order.household_id == household.pk and order.group_buy_id == group_id
    assert order.total == 2 * 1400

    # Ordering again the next minute is refused, and the page says why (in Chinese).
    again = resident_order(place, household.room, household.code, EGG="1")
    assert again.status_code == 409
    assert "每 3 天" in again.content.decode()
    assert Order.objects.filter(household=household).count() == 1

    # A forged QR code or a wrong room finds nothing.
    assert Client().get(f"/c/{place.token[:-2]}xx/").status_code == 404
    assert resident_order(place, "9999", household.code, EGG="1").status_code == 404

    # The grid worker orders for the neighbour (no phone) into the same group buy.
    response = post(
        grid,
        "/api/v1/community/orders",
        {
            "household_id": neighbour.pk,
            "lines": [{"offer": "EGG", "quantity": 3}, {"offer": "BOX-FAMILY", "quantity": 1}],
            "group_buy_id": group_id,
        },
    )
    assert response.status_code == 201, response.content
    neighbour_order = response.json()["id"]

    # The group buy adds up both households per item.
    totals = grid.get(f"/api/v1/community/group-buys/{group_id}").json()["totals"]
    assert {t["offer_code"]: (t["quantity"], t["households"]) for t in totals} == {
        "BOX-FAMILY": (2, 2),
        "EGG": (5, 2),
    }

    # The paid eggs go to a supplier; a door run waits for them at the point.
    commander = client_for("city-commander")
    plan = post(commander, "/api/v1/community/assignments", {})
    assert plan.status_code == 200, plan.content
    assert not Order.objects.filter(pk__in=[order.pk, neighbour_order], supplier__isnull=True)
    early = post(grid, "/api/v1/community/door-runs", {"point_id": place.point.pk})
    assert early.status_code == 409  # nothing of these orders is at the point yet
    # The supplier accepts, picks and hands over at the point (its portal, as a commander over
    # it may act for it).
    for step in ("accept", "pick", "hand-over"):
        for order_id in (order.pk, neighbour_order):
            moved = post(commander, f"/api/v1/community/supplier-orders/{order_id}/{step}", {})
            assert moved.status_code == 200, moved.content

    # A door run takes the waiting orders of the community point.
    response = post(grid, "/api/v1/community/door-runs", {"point_id": place.point.pk})
    assert response.status_code == 201, response.content
    assert set(response.json()["order_ids"]) >= {order.pk, neighbour_order}
    run_page = grid.get(f"/community/runs/{response.json()['id']}/")
    assert run_page.status_code == 200 and household.code in run_page.content.decode()

    # A wrong code is refused; the household's code confirms; a replay records nothing new.
    client_id = str(uuid.uuid4())
    wrong = {"client_id": client_id, "order_id": order.pk, "code": "000000x"}
    assert post(grid, "/api/v1/community/handovers", wrong).status_code == 422
    good = {"client_id": client_id, "order_id": order.pk, "code": order.confirm_code}
    first = post(grid, "/api/v1/community/handovers", good, key=client_id)
    assert first.status_code == 201, first.content
    assert first.json()["created"] is True
    replay = post(grid, "/api/v1/community/handovers", good, key=client_id)
    assert replay.json()["document_id"] == first.json()["document_id"]
    # The same confirmation synced again under another key still counts once.
    twice = post(grid, "/api/v1/community/handovers", good)
    assert twice.status_code == 201 and twice.json()["created"] is False
    assert Handover.objects.filter(order=order).count() == 1
    order.refresh_from_db()
    assert order.state == OrderState.DELIVERED and order.delivered_at is not None

    # The ledger shows the standard box's contents at the household's door.
    at_door = Location.objects.get(key=f"household:hh-{household.pk}")
    kit = Kit.objects.get(code="BOX-FAMILY")
    held = dict(Balance.objects.filter(location=at_door).values_list("item_id", "on_hand"))
    assert held == {line.item_id: line.quantity for line in kit.lines.all()}
    assert Handover.objects.get(order=order).document_id == first.json()["document_id"]

    # Orders show their age; none is overdue yet.
    listed = grid.get("/api/v1/community/orders?older_than_hours=24").json()
    assert listed["count"] == 0


def test_an_order_left_48_hours_escalates_to_the_street(
    place: Place, client_for: Callable[[str], Client], user_named: Callable[[str], User]
) -> None:
    long_ago = timezone.now() - timedelta(hours=50)
    order = order_enter(
        user=user_named("community-grid-worker"),
        household_id=place.household.pk,
        lines=[LineIn("EGG", 1)],
        now=long_ago,
    )
    fresh = order_enter(
        user=user_named("community-grid-worker"),
        household_id=place.neighbour.pk,
        lines=[LineIn("EGG", 1)],
        now=timezone.now() - timedelta(hours=30),
    )
    street = client_for("street-commander")
    over_48 = street.get("/api/v1/community/orders?older_than_hours=48").json()
    assert [o["id"] for o in over_48["items"]] == [order.pk]
    assert over_48["items"][0]["age_hours"] >= 50
    over_24 = street.get("/api/v1/community/orders/overdue").json()
    assert over_24 == [
        {
            "community_id": place.community.pk,
            "community_code": place.community.code,
            "community_name": place.community.name_zh,
            "over_24h": 2,
            "over_48h": 1,
        }
    ]

    call_command("community_escalate")
    assert orders_escalate() == 0  # once per order
    escalation = Escalation.objects.get()
    assert escalation.order_id == order.pk and escalation.street_id == place.community.parent_id
    assert Escalation.objects.filter(order=fresh).count() == 0
    seen = street.get("/api/v1/community/escalations").json()["items"]
    assert [e["order_id"] for e in seen] == [order.pk]
    page = street.get("/community/orders/")
    assert page.status_code == 200 and 'data-testid="escalation"' in page.content.decode()
    # A commander of another street does not see it.
    other = client_for("district-commander")
    assert len(other.get("/api/v1/community/escalations").json()["items"]) == 1  # district above
