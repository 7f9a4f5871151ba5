"""A shipment from the city depot to a district hospital, through the warehouse keepers' pages:
dispatched, received short with a damaged case, closed; the delivery note prints with a QR code
that opens the receive form; nobody outside either end sees any of it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
from django.conf import settings
from django.test import Client

from liangcao.catalog.models import Item
from liangcao.fleet.models import Driver, Vehicle
from liangcao.orgs.models import Membership, Node, Site, User
from liangcao.stock.models import Discrepancy, Document, LocationKind
from liangcao.stock.services import LineSpec, receipt_post, shipment_reserve

ClientFor = Callable[[str], Client]
UserNamed = Callable[[str], User]


@pytest.fixture
def shipment(user_named: UserNamed) -> Document:
    keeper = user_named("city-warehouse-keeper")
    depot = Site.objects.get(code="depot-city")
    supplier = Site.objects.filter(kind="supplier_site").first()
    assert supplier is not None
    masks, thermometers = Item.objects.get(code="MASK-N95"), Item.objects.get(code="THERMO-IR")
    receipt_post(
        actor=keeper,
        site_id=depot.pk,
        source_kind=LocationKind.SUPPLIER,
        source_site_id=supplier.pk,
        lines=[
            LineSpec(masks.pk, 1000, lot_code="N95-A", expiry=date(2027, 6, 30)),
            LineSpec(thermometers.pk, 20),
        ],
    )
    hospital = Site.objects.get(code__startswith="hosp", node__code="d01")
    return shipment_reserve(
        actor=keeper,
        from_site_id=depot.pk,
        to_site_id=hospital.pk,
        lines=[LineSpec(masks.pk, 600), LineSpec(thermometers.pk, 10)],
    )


def city_fleet() -> tuple[Vehicle, Driver]:
    """A vehicle and a driver of the city (the depot's own organisation)."""
    vehicle = Vehicle.objects.filter(owner__parent__isnull=True).order_by("plate").first()
    driver = Driver.objects.filter(owner__parent__isnull=True).order_by("id").first()
    assert vehicle is not None and driver is not None
    return vehicle, driver


def post(client: Client, url: str, data: dict[str, str]) -> None:
    page = client.get(url.rsplit("/", 2)[0] + "/")
    response = client.post(url, {"form_token": page.context["form_token"], **data})
    assert response.status_code == 302


def test_shipment_goes_out_arrives_short_and_closes(
    shipment: Document, client_for: ClientFor
) -> None:
    base = f"/logistics/shipments/{shipment.pk}"
    city = client_for("city-warehouse-keeper")
    assert 'data-testid="action-dispatch"' in city.get(f"{base}/").content.decode()
    post(city, f"{base}/dispatch/", {})  # no vehicle, no driver, not collected: refused
    shipment.refresh_from_db()
    assert shipment.state == "reserved"
    vehicle, driver = city_fleet()
    post(city, f"{base}/dispatch/", {"vehicle_id": str(vehicle.pk), "driver_id": str(driver.pk)})
    shipment.refresh_from_db()
    assert shipment.state == "dispatched"
    assert (shipment.transport.vehicle_plate, shipment.transport.driver_phone) == (
        vehicle.plate,
        driver.phone,
    )

    district = client_for("district-warehouse-keeper")
    page = district.get(f"{base}/")
    assert 'data-testid="action-receive"' in page.content.decode()
    lines = {ln.item.code: ln for ln in shipment.lines.select_related("item")}
    mask, thermo = lines["MASK-N95"], lines["THERMO-IR"]
    post(
        district,
        f"{base}/receive/",
        {
            f"received_{mask.pk}": "550",
            f"damaged_{mask.pk}": "50",
            f"reason_{mask.pk}": "one case crushed in transit",
            f"received_{thermo.pk}": "8",
        },
    )
    shipment.refresh_from_db()
    assert shipment.state == "partially_received"
    damaged = Discrepancy.objects.get(line=mask)
    assert (damaged.kind, damaged.quantity) == ("damaged", 50)

    post(city, f"{base}/close/", {"reason": "two thermometers lost on the way"})
    shipment.refresh_from_db()
    assert shipment.state == "closed"
    short = Discrepancy.objects.get(line=thermo)
    assert (short.kind, short.quantity) == ("short", 2)


def test_receiving_damaged_goods_needs_a_reason(
    shipment: Document, client_for: ClientFor, user_named: UserNamed
) -> None:
    from liangcao.stock.services import shipment_dispatch

    shipment_dispatch(actor=user_named("city-warehouse-keeper"), document_id=shipment.pk)
    district = client_for("district-warehouse-keeper")
    base = f"/logistics/shipments/{shipment.pk}"
    mask = shipment.lines.get(item__code="MASK-N95")
    token = district.get(f"{base}/").context["form_token"]
    response = district.post(
        f"{base}/receive/", {"form_token": token, f"damaged_{mask.pk}": "5"}, follow=True
    )
    assert "reason" in response.content.decode().lower()
    shipment.refresh_from_db()
    assert shipment.state == "dispatched" and not Discrepancy.objects.exists()


def test_delivery_note_prints_and_its_qr_opens_the_receive_form(
    shipment: Document, client_for: ClientFor
) -> None:
    client = client_for("city-warehouse-keeper")
    html = client.get(f"/logistics/shipments/{shipment.pk}/note/").content.decode()
    assert "物资配送单" in html and "N95" in html
    assert "N95-A" in html  # the lot picked first-expiry-first is printed
    assert re.search(r'<img src="data:image/svg\+xml', html)
    assert f"{settings.PUBLIC_BASE_URL}/logistics/shipments/{shipment.pk}/#receive" in html
    pdf = client.get(f"/logistics/shipments/{shipment.pk}/note.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert len(pdf.content) > 5000  # text, table and QR image, not an empty page


def test_nobody_outside_either_end_sees_the_shipment(
    shipment: Document, client_for: ClientFor
) -> None:
    other_district = User.objects.create(username="d02-commander")
    Membership.objects.create(
        user=other_district, role="commander", node=Node.objects.get(code="d02")
    )
    base = f"/logistics/shipments/{shipment.pk}"
    for outsider in ("d02-commander", "community-commander", "community-warehouse-keeper"):
        client = client_for(outsider)
        listed = client.get("/logistics/shipments/").content.decode()
        assert f'data-shipment="{shipment.pk}"' not in listed, outsider
        for path in ("", "note/", "note.pdf"):
            assert client.get(f"{base}/{path}").status_code == 404, (outsider, path)
        assert client.post(f"{base}/dispatch/", {"form_token": "x"}).status_code == 404
    for insider in ("depot-keeper", "hospital-requester", "district-inspector"):
        client = client_for(insider)
        assert (
            f'data-shipment="{shipment.pk}"' in client.get("/logistics/shipments/").content.decode()
        )
    inspector = client_for("district-inspector").get(f"{base}/").content.decode()
    assert 'data-testid="action-dispatch"' not in inspector  # seeing is not acting
    assert shipment.dest_site.memberships.filter(user__username="hospital-requester").exists()


def test_the_delivery_note_names_the_driver_and_phone_for_both_ends_only(
    shipment: Document, client_for: ClientFor
) -> None:
    base = f"/logistics/shipments/{shipment.pk}"
    vehicle, driver = city_fleet()
    post(
        client_for("city-warehouse-keeper"),
        f"{base}/dispatch/",
        {"vehicle_id": str(vehicle.pk), "driver_id": str(driver.pk)},
    )
    for insider in ("city-warehouse-keeper", "hospital-requester"):
        note = client_for(insider).get(f"{base}/note/").content.decode()
        assert vehicle.plate in note and driver.name in note and driver.phone in note, insider
    inspector = client_for("district-inspector").get(f"{base}/note/").content.decode()
    assert driver.phone not in inspector  # read-only inspectors see the shipment, not the phone
    assert driver.phone not in client_for("district-inspector").get(f"{base}/").content.decode()


def test_collected_by_recipient_dispatches_without_a_vehicle(
    shipment: Document, client_for: ClientFor
) -> None:
    base = f"/logistics/shipments/{shipment.pk}"
    keeper = client_for("city-warehouse-keeper")
    vehicle, _ = city_fleet()
    # both at once is contradictory: refused, nothing dispatched
    post(
        keeper, f"{base}/dispatch/", {"collected_by_recipient": "on", "vehicle_id": str(vehicle.pk)}
    )
    shipment.refresh_from_db()
    assert shipment.state == "reserved"
    post(keeper, f"{base}/dispatch/", {"collected_by_recipient": "on"})
    shipment.refresh_from_db()
    assert shipment.state == "dispatched" and shipment.fleet_assignment.collected_by_recipient
    assert "收货方自提" in keeper.get(f"{base}/note/").content.decode()


def test_a_vehicle_of_another_district_cannot_be_chosen(
    shipment: Document, client_for: ClientFor
) -> None:
    base = f"/logistics/shipments/{shipment.pk}"
    outside = Vehicle.objects.filter(owner__code="d01").first()
    _, driver = city_fleet()
    assert outside is not None
    keeper = client_for("city-warehouse-keeper")
    assert outside.plate not in keeper.get(f"{base}/").content.decode()
    post(keeper, f"{base}/dispatch/", {"vehicle_id": str(outside.pk), "driver_id": str(driver.pk)})
    shipment.refresh_from_db()
    assert shipment.state == "reserved"
