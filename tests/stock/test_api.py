"""The ledger through its JSON API: a shipment's whole trip, errors that name the problem,
the stock card's cursor and a lot's trace."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tests.stock.conftest import Stock

pytestmark = pytest.mark.django_db


def post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(
        path, body or {}, content_type="application/json", HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex
    )


def balance(client: Client, site_id: int, item_id: int) -> dict[str, Any]:
    rows = client.get("/api/v1/stock/balances", {"site": site_id, "item": item_id}).json()
    return rows["items"][0] if rows["items"] else {}


def test_masks_travel_from_the_city_depot_to_a_district_depot(
    stock: Stock, client_for: Callable[[str], Client]
) -> None:
    city_keeper = client_for("depot-keeper")
    d01_keeper = client_for("district-warehouse-keeper")
    city, d01 = stock.site("depot-city").pk, stock.site("depot-d01").pk
    mask = stock.item("MASK-N95").pk
    receipt = post(
        city_keeper,
        "/api/v1/stock/documents",
        {
            "kind": "receipt",
            "site_id": city,
            "source_kind": "supplier",
            "source_site_id": stock.supplier().pk,
            "lines": [
                {"item_id": mask, "quantity": 500, "lot_code": "N95-2201", "expiry": "2027-08-31"}
            ],
        },
    )
    assert receipt.status_code == 201, receipt.json()
    shipment = post(
        city_keeper,
        "/api/v1/stock/documents",
        {
            "kind": "shipment",
            "site_id": city,
            "to_site_id": d01,
            "lines": [{"item_id": mask, "quantity": 200}],
        },
    )
    assert shipment.status_code == 201
    doc = shipment.json()
    assert doc["state"] == "reserved"
    row = balance(city_keeper, city, mask)
    assert (row["on_hand"], row["reserved"], row["available"]) == (500, 200, 300)
    assert row["earliest_expiry"] == "2027-08-31"
    # The receiving district keeper cannot dispatch the city's shipment, only receive it.
    dispatch = f"/api/v1/stock/shipments/{doc['id']}/dispatch"
    collected = {"collected_by_recipient": True}
    assert post(d01_keeper, dispatch, collected).status_code == 403
    assert post(city_keeper, dispatch, collected).json()["state"] == "dispatched"
    line = doc["lines"][0]["id"]
    arrived = post(
        d01_keeper,
        f"/api/v1/stock/shipments/{doc['id']}/receive",
        {
            "lines": [{"line_id": line, "received": 190, "damaged": 4, "reason": "wet cartons"}],
        },
    )
    assert arrived.json()["state"] == "partially_received"
    closed = post(city_keeper, f"/api/v1/stock/shipments/{doc['id']}/close", {"reason": "6 lost"})
    assert closed.json()["state"] == "closed"
    assert balance(d01_keeper, d01, mask)["on_hand"] == 190
    assert balance(city_keeper, city, mask)["on_hand"] == 300


def test_asking_for_more_than_there_is_answers_409_naming_item_site_and_quantity(
    stock: Stock, client_for: Callable[[str], Client]
) -> None:
    stock.receive("depot-city", "THERMO-IR", 12)
    response = post(
        client_for("depot-keeper"),
        "/api/v1/stock/documents",
        {
            "kind": "issue",
            "site_id": stock.site("depot-city").pk,
            "lines": [{"item_id": stock.item("THERMO-IR").pk, "quantity": 13}],
        },
    )
    assert response.status_code == 409
    message = response.json()["message"]
    assert "THERMO-IR" in message and "depot-city" in message and "可用 12" in message


def test_bad_lines_answer_422_with_the_field(
    stock: Stock, client_for: Callable[[str], Client]
) -> None:
    response = post(
        client_for("depot-keeper"),
        "/api/v1/stock/documents",
        {
            "kind": "issue",
            "site_id": stock.site("depot-city").pk,
            "lines": [{"item_id": stock.item("THERMO-IR").pk, "quantity": 0}],
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "lines.0.quantity"


def test_the_stock_card_pages_forward_with_a_cursor(
    stock: Stock, client_for: Callable[[str], Client]
) -> None:
    for qty in (5, 6, 7):
        stock.receive("depot-city", "THERMO-IR", qty)
    client = client_for("city-inspector")
    params = {"site": stock.site("depot-city").pk, "item": stock.item("THERMO-IR").pk, "limit": 2}
    first = client.get("/api/v1/stock/card", params).json()
    assert [ln["balance"] for ln in first["lines"]] == [5, 11]
    second = client.get("/api/v1/stock/card", {**params, "cursor": first["next_cursor"]}).json()
    assert [ln["balance"] for ln in second["lines"]] == [18]
    assert second["next_cursor"] is None
    forged = client.get("/api/v1/stock/card", {**params, "cursor": "1:999"})
    assert forged.status_code == 400
    other_item = {**params, "item": stock.item("MASK-N95").pk, "cursor": first["next_cursor"]}
    assert client.get("/api/v1/stock/card", other_item).status_code == 400


def test_a_lot_is_traced_to_where_it_is_now(
    stock: Stock, client_for: Callable[[str], Client]
) -> None:
    stock.receive("depot-city", "MASK-N95", 50, lot="T-1", expiry="2027-02-01")
    lot = stock.item("MASK-N95").lots.get(code="T-1")
    body = client_for("city-commander").get(f"/api/v1/stock/lots/{lot.pk}/trace").json()
    assert [m["document_kind"] for m in body["movements"]] == ["receipt"]
    assert list(body["now_at"].values()) == [50]
