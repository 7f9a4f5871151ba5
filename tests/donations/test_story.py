"""The story: a donation designated to one district is pledged, inspected (part of one line
rejected for want of a certificate), received into the ledger as its own lots, allocated only
inside its designation — a shipment outside it is refused, and the general pool cannot take it
— and appears on the public portal with the trace of where it went."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from liangcao.core.errors import Conflict, Invalid
from liangcao.donations.models import Donation, DonationAllocation, DonationState
from liangcao.donations.services import AllocateLine, donation_allocate
from liangcao.orgs.models import Site, User
from liangcao.stock.audit import ledger_verify
from liangcao.stock.models import Balance, Document, LocationKind, Movement
from liangcao.stock.services import (
    LineSpec,
    ReceiveSpec,
    shipment_dispatch,
    shipment_receive,
    shipment_reserve,
)
from tests.donations.helpers import district, pledge_body, post

pytestmark = pytest.mark.django_db


def _received_designated(client_for: Callable[[str], Client]) -> Donation:
    officer = client_for("city-donation-officer")
    body = pledge_body(designation="region", designated_node_id=district("d01").pk)
    created = post(officer, "/api/v1/donations", body)
    assert created.status_code == 201, created.content
    donation_id = created.json()["id"]
    n95, rice = created.json()["lines"]
    inspected = post(
        officer,
        f"/api/v1/donations/{donation_id}/inspect",
        {
            "lines": [
                {
                    "line_id": n95["id"],
                    "accepted": 800,
                    "rejection_reason": "no_certificate",
                    "certificate_no": "国械注准20203140001",
                    "quality_ok": True,
                },
                {"line_id": rice["id"], "accepted": 500},
            ]
        },
    )
    assert inspected.status_code == 200, inspected.content
    received = post(officer, f"/api/v1/donations/{donation_id}/receive")
    assert received.status_code == 200, received.content
    assert received.json()["state"] == DonationState.RECEIVED
    return Donation.objects.get(pk=donation_id)


def test_designated_donation_from_pledge_to_the_portal(
    client_for: Callable[[str], Client], user_named: Callable[[str], User]
) -> None:
    donation = _received_designated(client_for)
    n95, rice = donation.lines.order_by("number")
    assert (n95.accepted, n95.rejected, n95.rejection_reason) == (800, 200, "no_certificate")
    # Received as the donation's own lots, from the donor, into its own zone of the store.
    assert n95.lot is not None and n95.lot.code == f"DON{donation.pk}-1-N95-X7"
    assert rice.lot is not None and rice.lot.code == f"DON{donation.pk}-2"
    receipt = Movement.objects.get(lot=n95.lot)
    assert receipt.from_location.kind == LocationKind.DONOR
    assert receipt.from_location.party == f"D{donation.donor_id} 红星机械厂"
    assert receipt.to_location.key == f"store:{donation.intake_site_id}:donation-{donation.pk}"
    assert receipt.quantity == 800

    keeper = user_named("city-warehouse-keeper")
    depot = donation.intake_site
    inside = Site.objects.get(code__startswith="hosp", node__code="d01")
    outside = Site.objects.get(code__startswith="hosp", node__code="d02")
    documents_before = Document.objects.count()

    # The general pool cannot take designated goods: an ordinary shipment finds no stock.
    with pytest.raises(Conflict):
        shipment_reserve(
            actor=keeper,
            from_site_id=depot.pk,
            to_site_id=outside.pk,
            lines=[LineSpec(n95.item_id, 100)],
        )
    # A donation shipment outside the designation is refused, naming the field.
    with pytest.raises(Invalid) as refused:
        donation_allocate(
            actor=keeper,
            donation_id=donation.pk,
            to_site_id=outside.pk,
            lines=[AllocateLine(n95.pk, 100)],
        )
    assert [e.field for e in refused.value.errors] == ["to_site_id"]
    keeper_client = client_for("city-warehouse-keeper")
    api_refused = post(
        keeper_client,
        f"/api/v1/donations/{donation.pk}/allocate",
        {"to_site_id": outside.pk, "lines": [{"line_id": n95.pk, "quantity": 100}]},
    )
    assert api_refused.status_code == 422
    assert api_refused.json()["errors"][0]["field"] == "to_site_id"
    assert Document.objects.count() == documents_before  # nothing moved

    # Inside the designation: a shipment of the donated lot, dispatched and received.
    allocated = post(
        keeper_client,
        f"/api/v1/donations/{donation.pk}/allocate",
        {"to_site_id": inside.pk, "lines": [{"line_id": n95.pk, "quantity": 300}]},
    )
    assert allocated.status_code == 201, allocated.content
    document_id = allocated.json()["document_id"]
    admin = user_named("admin")
    shipment_dispatch(actor=keeper, document_id=document_id)
    line = Document.objects.get(pk=document_id).lines.get()
    shipment_receive(actor=admin, document_id=document_id, lines=[ReceiveSpec(line.pk, 300)])
    at_hospital = Balance.objects.get(location__key=f"store:{inside.pk}:", lot=n95.lot)
    assert at_hospital.on_hand == 300
    assert DonationAllocation.objects.filter(donation=donation, to_site=inside).exists()

    # The public portal, no sign-in: the donation, its donor, and the trace to the hospital.
    public = Client()
    listing = public.get("/public/donations/")
    assert listing.status_code == 200
    assert donation.reference in listing.content.decode()
    page = public.get(f"/public/donations/{donation.reference}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "红星机械厂" in text and inside.name_zh in text and depot.name_zh in text
    assert outside.name_zh not in text
    assert "13800000001" not in text
    # The allocation list shows the shipment to the hospital.
    allocations = public.get("/public/allocations/").content.decode()
    assert inside.name_zh in allocations

    # The acknowledgement certificate (print view and PDF) for the donor.
    officer = client_for("city-donation-officer")
    html = officer.get(f"/donations/{donation.pk}/certificate/")
    assert html.status_code == 200 and donation.reference in html.content.decode()
    pdf = officer.get(f"/donations/{donation.pk}/certificate.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    # The ledger's own audit still holds: hashes, chains and balances.
    report = ledger_verify()
    assert report.ok, report.problems


def test_undesignated_donation_joins_the_general_pool(
    client_for: Callable[[str], Client], user_named: Callable[[str], User]
) -> None:
    officer = client_for("city-donation-officer")
    created = post(officer, "/api/v1/donations", pledge_body())
    donation_id = created.json()["id"]
    n95, rice = created.json()["lines"]
    post(
        officer,
        f"/api/v1/donations/{donation_id}/inspect",
        {
            "lines": [
                {
                    "line_id": n95["id"],
                    "accepted": 1000,
                    "certificate_no": "X1",
                    "quality_ok": True,
                },
                {"line_id": rice["id"], "accepted": 500},
            ]
        },
    )
    assert post(officer, f"/api/v1/donations/{donation_id}/receive").status_code == 200
    donation = Donation.objects.get(pk=donation_id)
    rice_lot = donation.lines.get(number=2).lot
    # Normal allocation (an ordinary shipment) draws the donated rice from the main store.
    keeper = user_named("city-warehouse-keeper")
    outside = Site.objects.get(code__startswith="hosp", node__code="d02")
    shipment = shipment_reserve(
        actor=keeper,
        from_site_id=donation.intake_site_id,
        to_site_id=outside.pk,
        lines=[LineSpec(rice_lot.item_id, 200)],
    )
    shipment_dispatch(actor=keeper, document_id=shipment.pk)
    line = shipment.lines.get()
    shipment_receive(
        actor=user_named("admin"), document_id=shipment.pk, lines=[ReceiveSpec(line.pk, 200)]
    )
    # The designated-goods service leaves undesignated donations to normal allocation.
    with pytest.raises(Conflict):
        donation_allocate(
            actor=keeper,
            donation_id=donation_id,
            to_site_id=outside.pk,
            lines=[AllocateLine(donation.lines.get(number=2).pk, 1)],
        )
    trace = Client().get(f"/public/donations/{donation.reference}/").content.decode()
    assert outside.name_zh in trace


def test_a_medical_line_needs_a_certificate_and_nothing_is_saved(
    client_for: Callable[[str], Client],
) -> None:
    officer = client_for("city-donation-officer")
    created = post(officer, "/api/v1/donations", pledge_body())
    n95, rice = created.json()["lines"]
    response = post(
        officer,
        f"/api/v1/donations/{created.json()['id']}/inspect",
        {"lines": [{"line_id": n95["id"], "accepted": 10}, {"line_id": rice["id"], "accepted": 0}]},
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {
        "lines.0.certificate_no",
        "lines.0.quality_ok",
        "lines.0.rejection_reason",
        "lines.1.rejection_reason",
    }
    donation = Donation.objects.get(pk=created.json()["id"])
    assert donation.state == DonationState.PLEDGED
    assert not donation.lines.filter(accepted__isnull=False).exists()


def test_a_pledge_with_nothing_accepted_is_rejected(client_for: Callable[[str], Client]) -> None:
    officer = client_for("city-donation-officer")
    created = post(officer, "/api/v1/donations", pledge_body())
    n95, rice = created.json()["lines"]
    response = post(
        officer,
        f"/api/v1/donations/{created.json()['id']}/inspect",
        {
            "lines": [
                {"line_id": n95["id"], "accepted": 0, "rejection_reason": "substandard"},
                {"line_id": rice["id"], "accepted": 0, "rejection_reason": "expired"},
            ]
        },
    )
    assert response.status_code == 200
    assert response.json()["state"] == DonationState.REJECTED
    receive = post(officer, f"/api/v1/donations/{created.json()['id']}/receive")
    assert receive.status_code == 409
