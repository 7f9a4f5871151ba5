"""Special populations: the register lists flagged households only, a visit every 3 days
(configurable per response level) with a short checklist, overdue visits listed, and needs
turned into an order in the same step (refused with nothing saved when the household ordered
too recently). Personal data: grid workers and commanders only."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from liangcao.community.models import CareVisit, Household, Order, OrderingRule
from liangcao.community.services import care_visit_record
from liangcao.orgs.models import User
from tests.community.conftest import Place


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(
        path,
        json.dumps(body),
        content_type="application/json",
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )


def test_register_visits_overdue_and_needs_to_order(
    place: Place, client_for: Callable[[str], Client], user_named: Callable[[str], User]
) -> None:
    Household.objects.filter(compound__parent=place.community).update(
        elderly_alone=False, disabled=False, pregnant=False, infant=False,
        chronic_medicine=False, dialysis=False,
    )  # fmt: skip
    alone, dialysis = place.household, place.neighbour
    Household.objects.filter(pk=alone.pk).update(elderly_alone=True)
    Household.objects.filter(pk=dialysis.pk).update(dialysis=True)
    grid = client_for("community-grid-worker")

    def register(overdue: bool = False) -> list[int]:
        url = "/api/v1/community/care?limit=500" + ("&overdue=true" if overdue else "")
        items = grid.get(url).json()["items"]
        return sorted(h["id"] for h in items if h["compound_id"] == alone.compound_id)

    assert register() == sorted([alone.pk, dialysis.pk])
    assert register(overdue=True) == sorted([alone.pk, dialysis.pk])  # never visited

    # A visit whose needs become an order in the same step.
    response = post(
        grid,
        "/api/v1/community/care/visits",
        {
            "household_id": alone.pk,
            "health": "unwell",
            "has_medicine": False,
            "needs": "降压药用完",
            "order_lines": [{"offer": "BOX-FAMILY", "quantity": 1}],
        },
    )
    assert response.status_code == 201, response.content
    order = Order.objects.get(pk=response.json()["order_id"])
    assert order.household_id == alone.pk
    assert register(overdue=True) == [dialysis.pk]

    # Visited four days ago is overdue under the default 3 days, not under a 5-day level.
    care_visit_record(
        user=user_named("community-grid-worker"),
        household_id=dialysis.pk,
        health="well",
        has_medicine=True,
        now=timezone.now() - timedelta(days=4),
    )
    assert register(overdue=True) == [dialysis.pk]
    OrderingRule.objects.create(level="IV", visit_interval_days=5, is_active=True)
    assert register(overdue=True) == []

    # Needs that cannot be ordered now: nothing is saved and the error says why.
    visits = CareVisit.objects.count()
    again = post(
        grid,
        "/api/v1/community/care/visits",
        {
            "household_id": alone.pk,
            "health": "well",
            "order_lines": [{"offer": "EGG", "quantity": 1}],
        },
    )
    assert again.status_code == 409
    assert CareVisit.objects.count() == visits
    bad = post(grid, "/api/v1/community/care/visits", {"household_id": alone.pk, "health": "meh"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "health"

    # Personal data: an inspector of the same community gets 403; reads are logged.
    inspector = client_for("community-inspector")
    assert inspector.get("/api/v1/community/care").status_code == 403
    assert (
        post(
            inspector, "/api/v1/community/care/visits", {"household_id": alone.pk, "health": "well"}
        ).status_code
        == 403
    )


def test_visit_without_needs_orders_nothing(place: Place) -> None:
    visit = care_visit_record(
        user=User.objects.get(username="community-grid-worker"),
        household_id=place.household.pk,
        health="well",
        has_medicine=True,
        order_lines=[],
    )
    assert visit.order is None and Order.objects.count() == 0


def test_the_care_page_lists_who_is_due_and_records_a_visit_with_a_box(
    place: Place, client_for: Callable[[str], Client]
) -> None:
    Household.objects.filter(pk=place.household.pk).update(elderly_alone=True)
    grid = client_for("community-grid-worker")
    page = grid.get("/community/care/")
    assert page.status_code == 200
    body = page.content.decode()
    assert f'data-testid="care-{place.household.pk}"' in body and place.household.phone in body
    token = page.context["token"]
    response = grid.post(
        "/community/care/",
        {
            "form_token": token,
            "household_id": place.household.pk,
            "health": "well",
            "has_medicine": "1",
            "needs": "",
            "order_box": "1",
        },
    )
    assert response.status_code == 302
    visit = CareVisit.objects.get(household=place.household)
    assert visit.order is not None and visit.order.lines.get().offer.code == "BOX-FAMILY"
    after = grid.get("/community/care/").content.decode()
    assert f'data-testid="care-{place.household.pk}"' not in after  # visited: not due
    assert client_for("community-inspector").get("/community/care/").status_code == 403
