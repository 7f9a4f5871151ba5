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
    post(city, f"{base}/transport/", {"vehicle_plate": "豫E·12345", "driver_name": "Driver"})
    post(city, f"{base}/dispatch/", {})
    shipment.refresh_from_db()
    assert shipment.state == "dispatched"

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
