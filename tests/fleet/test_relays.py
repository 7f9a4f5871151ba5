"""A truck from outside the city hands its load over at a transfer station: the station keeper
records the arrival, relays the goods onto a local van, and the board counts the tonnes. The
lot's trace shows both legs; the outside driver never enters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.test import Client

from liangcao.catalog.models import Item
from liangcao.fleet.models import Assignment, Relay, Vehicle
from liangcao.logistics import services as logistics
from liangcao.orgs.models import Membership, Site, User
from liangcao.stock import selectors as stock_selectors
from liangcao.stock import services as stock
from liangcao.stock.models import Document, LocationKind
from tests.fleet.conftest import Fleet

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbound(fleet: Fleet) -> tuple[Document, Vehicle, User]:
    """600 kg of rice on an outside truck, dispatched from the city depot to station ts-1."""
    station = Site.objects.get(code="ts-1")
    keeper = User.objects.create(username="station-keeper")
    Membership.objects.create(user=keeper, role="warehouse_keeper", site=station)
    rice = Item.objects.get(code="RICE")
    depot = Site.objects.get(code="depot-city")
    supplier = Site.objects.filter(kind="supplier_site").order_by("code").first()
    assert supplier is not None
    stock.receipt_post(
        actor=fleet.admin,
        site_id=depot.pk,
        source_kind=LocationKind.SUPPLIER,
        source_site_id=supplier.pk,
        lines=[stock.LineSpec(rice.pk, 600, lot_code="RICE-7", expiry=date(2027, 6, 30))],
    )
    leg1 = stock.shipment_reserve(
        actor=fleet.admin,
        from_site_id=depot.pk,
        to_site_id=station.pk,
        lines=[stock.LineSpec(rice.pk, 600)],
    )
    truck = Vehicle.objects.create(
        plate="冀A·99999", kind="truck", capacity_kg=20000, capacity_m3=60, owner=fleet.city
    )
    logistics.shipment_dispatch(
        user=fleet.admin,
        document_id=leg1.pk,
        vehicle_id=truck.pk,
        driver_id=fleet.driver(fleet.city).pk,
    )
    return leg1, truck, keeper


def test_goods_arrive_on_vehicle_a_and_leave_on_vehicle_b(
    fleet: Fleet, inbound: tuple[Document, Vehicle, User]
) -> None:
    leg1, truck, keeper = inbound
    station = Site.objects.get(code="ts-1")
    hospital = Site.objects.get(code="hosp-01")
    van = Vehicle.objects.filter(owner=fleet.city, kind="van").first()
    assert van is not None
    client = Client()
    client.force_login(keeper)
    board = f"/fleet/stations/{station.pk}/"

    page = client.get(board)
    client.post(
        f"{board}arrive/",
        {"form_token": page.context["form_token"], "document_id": leg1.pk, "vehicle_id": truck.pk},
    )
    page = client.get(board)
    assert page.context["waiting"][0].inbound_vehicle == truck
    assert 'data-testid="waiting-count">1<' in page.content.decode()

    relay = Relay.objects.get(inbound=leg1)
    response = client.post(
        f"{board}relay/",
        {
            "form_token": page.context["form_token"],
            "relay_id": relay.pk,
            "vehicle_id": van.pk,
            "driver_id": fleet.driver(fleet.city).pk,
            "to_site_id": hospital.pk,
        },
    )
    assert response.status_code == 302
    relay.refresh_from_db()
    assert relay.state == "done" and relay.outbound_vehicle == van and relay.weight_kg == 600
    leg2 = relay.outbound
    assert leg2 is not None and leg2.dest_site == hospital and leg2.state == "dispatched"
    assert Assignment.objects.get(document=leg2).vehicle == van
    assert Assignment.objects.get(document=leg1).vehicle == truck

    page = client.get(board)
    assert page.context["per_day"][0]["tonnes"] == 0.6
    assert page.context["waiting"] == []

    # The lot's trace, as the station keeper sees it: both legs and the hand-over.
    lot = leg2.lines.get().movements.get().lot
    _, trace, _ = stock_selectors.lot_trace(user=keeper, lot_id=lot.pk)
    legs = [
        (t.document_id, t.from_label.rsplit(" ", 1)[-1], t.to_label.rsplit(" ", 1)[-1])
        for t in trace
    ]
    assert (leg1.pk, "depot-city", f"transit:{leg1.pk}") in legs
    assert (leg2.pk, f"transit:{leg1.pk}", f"transit:{leg2.pk}") in legs


def test_a_relay_needs_a_local_vehicle_and_the_station_role(
    fleet: Fleet, inbound: tuple[Document, Vehicle, User], client_for: Callable[[str], Client]
) -> None:
    from liangcao.core.errors import Forbidden, Invalid
    from liangcao.fleet import services

    leg1, truck, keeper = inbound
    relay = services.relay_arrive(user=keeper, document_id=leg1.pk, vehicle_id=truck.pk)
    hospital = Site.objects.get(code="hosp-01")
    with pytest.raises(Invalid) as err:  # the outside truck does not drive on
        services.relay_complete(
            user=keeper,
            relay_id=relay.pk,
            to_site_id=hospital.pk,
            vehicle_id=truck.pk,
            driver_id=fleet.driver(fleet.city).pk,
        )
    assert [e.field for e in err.value.errors] == ["vehicle_id"]
    dispatcher = User.objects.get(username="city-dispatcher")
    van = Vehicle.objects.filter(owner=fleet.city, kind="van").first()
    assert van is not None
    with pytest.raises(Forbidden):  # dispatchers record arrivals; the ledger move is the keeper's
        services.relay_complete(
            user=dispatcher,
            relay_id=relay.pk,
            to_site_id=hospital.pk,
            vehicle_id=van.pk,
            driver_id=fleet.driver(fleet.city).pk,
        )
    relay.refresh_from_db()
    assert relay.state == "waiting"
    outsider = client_for("district-commander")  # d01 does not see the city's stations
    assert outsider.get(f"/fleet/stations/{relay.station_id}/").status_code == 404
