"""Races on real concurrent connections (PostgreSQL): the same queued scan synced by many
clients at once is stored once; the same waiting truck relayed by two keepers at once is
relayed once."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from django.utils import timezone

from liangcao.catalog.models import Item
from liangcao.core.errors import Conflict
from liangcao.fleet import services
from liangcao.fleet.models import Relay, Scan, Vehicle
from liangcao.logistics import services as logistics
from liangcao.orgs.models import Membership, Site, User
from liangcao.stock import services as stock
from liangcao.stock.models import Document, LocationKind
from tests.fleet.conftest import Fleet
from tests.stock.test_concurrency import run_clients

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("empty_ledger_after"),
]


def test_a_scan_sent_by_eight_clients_at_once_is_stored_once(fleet: Fleet) -> None:
    checkpoint = fleet.checkpoint(fleet.district)
    officer = User.objects.create(username="cp-officer")
    Membership.objects.create(user=officer, role="checkpoint_officer", site=checkpoint)
    code = fleet.issue(zones=[fleet.district]).code
    scan = services.ScanIn(str(uuid.uuid4()), code, "valid", timezone.now())
    created: list[bool] = []

    def client(i: int) -> None:
        created.append(
            services.scan_record(user=officer, checkpoint_id=checkpoint.pk, scan=scan)[1]
        )

    assert run_clients(8, client) == []
    assert sorted(created) == [False] * 7 + [True]
    assert Scan.objects.filter(client_id=scan.client_id).count() == 1


def test_two_keepers_relaying_the_same_truck_at_once_relay_it_once(fleet: Fleet) -> None:
    station, depot = Site.objects.get(code="ts-1"), Site.objects.get(code="depot-city")
    hospital = Site.objects.get(code="hosp-01")
    keepers = [User.objects.create(username=f"station-keeper-{i}") for i in range(2)]
    for keeper in keepers:
        Membership.objects.create(user=keeper, role="warehouse_keeper", site=station)
    supplier = Site.objects.filter(kind="supplier_site").order_by("code").first()
    assert supplier is not None
    rice = Item.objects.get(code="RICE").pk
    stock.receipt_post(
        actor=fleet.admin,
        site_id=depot.pk,
        source_kind=LocationKind.SUPPLIER,
        source_site_id=supplier.pk,
        lines=[stock.LineSpec(rice, 300, lot_code="R", expiry=date(2027, 1, 1))],
    )
    leg1 = stock.shipment_reserve(
        actor=fleet.admin,
        from_site_id=depot.pk,
        to_site_id=station.pk,
        lines=[stock.LineSpec(rice, 300)],
    )
    truck = Vehicle.objects.create(
        plate="冀B·10001", kind="truck", capacity_kg=20000, capacity_m3=60, owner=fleet.city
    )
    driver = fleet.driver(fleet.city)
    logistics.shipment_dispatch(
        user=fleet.admin, document_id=leg1.pk, vehicle_id=truck.pk, driver_id=driver.pk
    )
    relay = services.relay_arrive(user=keepers[0], document_id=leg1.pk, vehicle_id=truck.pk)
    van = Vehicle.objects.filter(owner=fleet.city, kind="van").first()
    assert van is not None
    outcomes: list[str] = []

    def client(i: int) -> None:
        try:
            services.relay_complete(
                user=keepers[i % 2],
                relay_id=relay.pk,
                to_site_id=hospital.pk,
                vehicle_id=van.pk,
                driver_id=driver.pk,
            )
            outcomes.append("relayed")
        except Conflict:
            outcomes.append("conflict")

    assert run_clients(6, client) == []
    assert sorted(outcomes) == ["conflict"] * 5 + ["relayed"]
    assert Relay.objects.get(pk=relay.pk).state == "done"
    assert Document.objects.filter(source_site=station).count() == 1
