"""Bad input answers 422 naming the field and saves nothing; API POSTs need an
Idempotency-Key, and a replay applies once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from liangcao.catalog.models import Item
from liangcao.donations.models import Donation, Donor
from liangcao.orgs.models import Node, Site
from liangcao.procurement.models import Purchase
from liangcao.stock.models import Document
from tests.donations.helpers import pledge_body, post

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]


def fields(response: Any) -> set[str]:
    return {e["field"] for e in response.json().get("errors", [])}


def nothing_saved() -> tuple[int, int, int, int]:
    return (
        Donor.objects.count(),
        Donation.objects.count(),
        Purchase.objects.count(),
        Document.objects.count(),
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"donor_name": ""}, "donor_name"),
        ({"donor_kind": "robot"}, "donor_kind"),
        ({"designation": "site"}, "designated_site_id"),
        ({"designation": "region", "designated_node_id": 999999}, "designated_node_id"),
        ({"designation": "purpose", "purpose": "fun"}, "purpose"),
        ({"lines": []}, "lines"),
        ({"lines": [{"item_id": 999999, "quantity": 5}]}, "lines.0.item_id"),
        ({"lines": [{"item_id": 1, "quantity": 0}]}, "lines.0.quantity"),
        ({"donor_phone": "1" * 31}, "donor_phone"),
    ],
)
def test_bad_pledge_is_422_with_the_field(
    client_for: ClientFor, change: dict[str, Any], field: str
) -> None:
    before = nothing_saved()
    response = post(client_for("city-donation-officer"), "/api/v1/donations", pledge_body(**change))
    assert response.status_code == 422, response.content
    assert field in fields(response)
    assert nothing_saved() == before


def test_bad_purchase_is_422_with_the_field(client_for: ClientFor) -> None:
    client = client_for("city-procurement-officer")
    supplier = Site.objects.filter(kind="supplier_site").first()
    assert supplier is not None
    good = {
        "supplier_id": supplier.pk,
        "site_id": Site.objects.get(code="depot-city").pk,
        "item_id": Item.objects.get(code="RICE").pk,
        "quantity": 10,
        "unit_price": "4.50",
        "lot_code": "R-9",
        "expiry": "2027-01-01",
    }
    before = nothing_saved()
    for change, field in (
        ({"unit_price": "-1"}, "unit_price"),
        ({"unit_price": "1.005"}, "unit_price"),
        ({"quantity": 0}, "quantity"),
        ({"supplier_id": good["site_id"]}, "supplier_id"),
        ({"purchased_on": "2999-01-01"}, "purchased_on"),
        ({"lot_code": ""}, "lot_code"),
        ({"expiry": None}, "expiry"),
    ):
        response = post(client, "/api/v1/procurement/purchases", {**good, **change})
        assert response.status_code == 422, (change, response.content)
        assert field in fields(response), (change, response.json())
    assert nothing_saved() == before
    created = post(client, "/api/v1/procurement/purchases", good)
    assert created.status_code == 201, created.content
    purchase = Purchase.objects.get()
    assert purchase.receipt.lines.get().quantity == 10
    assert purchase.receipt.movements.get().from_location.key == f"supplier:{supplier.pk}"


def test_posts_need_an_idempotency_key_and_apply_once(client_for: ClientFor) -> None:
    client = client_for("city-donation-officer")
    missing = client.post("/api/v1/donations", pledge_body(), content_type="application/json")
    assert missing.status_code == 400
    assert Donation.objects.count() == 0
    first = post(client, "/api/v1/donations", pledge_body(), key="pledge-1")
    again = post(client, "/api/v1/donations", pledge_body(), key="pledge-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == again.json()["id"]
    other = post(client, "/api/v1/donations", pledge_body(note="x"), key="pledge-1")
    assert other.status_code == 422
    assert Donation.objects.count() == 1


def test_region_designation_must_name_an_existing_node(client_for: ClientFor) -> None:
    client = client_for("city-donation-officer")
    node = Node.objects.get(code="d01")
    ok = post(
        client, "/api/v1/donations", pledge_body(designation="region", designated_node_id=node.pk)
    )
    assert ok.status_code == 201
    assert ok.json()["designated_node_id"] == node.pk
