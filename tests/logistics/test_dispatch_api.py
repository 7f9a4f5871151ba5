"""Dispatching through the ledger's API follows the pages' rule: a vehicle and a driver from the
fleet, or collected by the recipient. Without them the answer is 422 naming the fields and
nothing moves; with them the transport is recorded exactly as the dispatch form records it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from liangcao.fleet.models import Assignment, Vehicle, VehicleKind
from liangcao.logistics.models import ShipmentTransport
from liangcao.orgs.models import Node
from liangcao.stock.models import Balance, Document, LocationKind
from tests.logistics.test_shipment_pages import city_fleet, shipment

__all__ = ["shipment"]  # the fixture, shared with the pages' stories
pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]


def dispatch(
    client: Client, shipment: Document, body: dict[str, Any] | None, key: str = "k1"
) -> Any:
    url = f"/api/v1/stock/shipments/{shipment.pk}/dispatch"
    if body is None:  # no body at all, as an old client sends it
        return client.post(url, "", content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)
    return client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


def in_transit(shipment: Document) -> int:
    return sum(
        Balance.objects.filter(
            location__kind=LocationKind.IN_TRANSIT, location__document=shipment
        ).values_list("on_hand", flat=True)
    )


@pytest.mark.parametrize("body", [None, {}, {"vehicle_id": None, "driver_id": None}])
def test_a_dispatch_without_vehicle_and_driver_is_refused_naming_both(
    shipment: Document, client_for: ClientFor, body: dict[str, Any] | None
) -> None:
    answer = dispatch(client_for("city-warehouse-keeper"), shipment, body)
    assert answer.status_code == 422, answer.content
    assert {e["field"] for e in answer.json()["errors"]} == {"vehicle_id", "driver_id"}
    shipment.refresh_from_db()
    assert shipment.state == "reserved"
    assert in_transit(shipment) == 0
    assert not Assignment.objects.exists() and not ShipmentTransport.objects.exists()


def test_a_driver_alone_is_not_enough(shipment: Document, client_for: ClientFor) -> None:
    _vehicle, driver = city_fleet()
    answer = dispatch(client_for("city-warehouse-keeper"), shipment, {"driver_id": driver.pk})
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["vehicle_id"]
    shipment.refresh_from_db()
    assert shipment.state == "reserved" and not ShipmentTransport.objects.exists()


def test_a_vehicle_of_another_district_is_not_a_choice(
    shipment: Document, client_for: ClientFor
) -> None:
    _vehicle, driver = city_fleet()
    foreign = Vehicle.objects.create(
        plate="D02-TRUCK",
        kind=VehicleKind.TRUCK,
        capacity_kg=5000,
        capacity_m3=20,
        owner=Node.objects.get(code="d02"),
    )
    answer = dispatch(
        client_for("city-warehouse-keeper"),
        shipment,
        {"vehicle_id": foreign.pk, "driver_id": driver.pk},
    )
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["vehicle_id"]


def test_the_dispatch_records_vehicle_driver_and_phone_as_the_form_does(
    shipment: Document, client_for: ClientFor
) -> None:
    vehicle, driver = city_fleet()
    keeper = client_for("city-warehouse-keeper")
    body = {"vehicle_id": vehicle.pk, "driver_id": driver.pk}
    answer = dispatch(keeper, shipment, body)
    assert answer.status_code == 200, answer.content
    assert answer.json()["state"] == "dispatched"
    assert in_transit(shipment) == 610
    transport = ShipmentTransport.objects.get(document=shipment)
    assert (transport.vehicle_plate, transport.driver_name, transport.driver_phone) == (
        vehicle.plate,
        driver.name,
        driver.phone,
    )
    assignment = Assignment.objects.get(document=shipment)
    assert (assignment.vehicle_id, assignment.driver_id) == (vehicle.pk, driver.pk)
    note = keeper.get(f"/logistics/shipments/{shipment.pk}/note/").content.decode()
    assert vehicle.plate in note and driver.phone in note

    # The same key and body: the first answer again, nothing moves twice.
    again = dispatch(keeper, shipment, body)
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert in_transit(shipment) == 610
    # The same key with other transport is another request: refused.
    assert dispatch(keeper, shipment, {"collected_by_recipient": True}).status_code == 422


def test_collected_by_the_recipient_needs_no_vehicle_and_takes_none(
    shipment: Document, client_for: ClientFor
) -> None:
    vehicle, driver = city_fleet()
    keeper = client_for("city-warehouse-keeper")
    both = {"collected_by_recipient": True, "vehicle_id": vehicle.pk, "driver_id": driver.pk}
    refused = dispatch(keeper, shipment, both, key="k-both")
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["collected_by_recipient"]

    answer = dispatch(keeper, shipment, {"collected_by_recipient": True}, key="k-collect")
    assert answer.status_code == 200 and answer.json()["state"] == "dispatched"
    assert Assignment.objects.get(document=shipment).collected_by_recipient
    assert ShipmentTransport.objects.get(document=shipment).vehicle_plate == ""


def test_the_receiving_end_still_may_not_dispatch(
    shipment: Document, client_for: ClientFor
) -> None:
    vehicle, driver = city_fleet()
    answer = dispatch(
        client_for("district-warehouse-keeper"),
        shipment,
        {"vehicle_id": vehicle.pk, "driver_id": driver.pk},
    )
    assert answer.status_code == 403
    assert not ShipmentTransport.objects.exists()


def test_the_api_offers_the_dispatch_forms_choices_names_only(
    shipment: Document, client_for: ClientFor
) -> None:
    url = f"/api/v1/logistics/shipments/{shipment.pk}/transport-choices"
    vehicle, driver = city_fleet()
    keeper = client_for("city-warehouse-keeper")
    choices = keeper.get(url).json()
    page = keeper.get(f"/logistics/shipments/{shipment.pk}/")
    assert [v["id"] for v in choices["vehicles"]] == [v.pk for v in page.context["vehicles"]]
    assert [d["id"] for d in choices["drivers"]] == [d.pk for d in page.context["drivers"]]
    assert vehicle.pk in [v["id"] for v in choices["vehicles"]]
    assert {"id": driver.pk, "name": driver.name} in choices["drivers"]  # no phone
    assert driver.phone not in keeper.get(url).content.decode()
    # The receiving end may see the shipment but not choose its transport; outsiders see nothing.
    assert client_for("district-warehouse-keeper").get(url).status_code == 403
    assert client_for("community-warehouse-keeper").get(url).status_code == 404
