"""The donation pages: a donation officer records a pledge and its inspection through the
forms, receives it; a keeper sends designated goods — refused outside the designation (the
message names it, nothing moves), accepted inside; a double tap posts once."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from liangcao.donations.models import Donation, DonationAllocation, DonationState
from liangcao.orgs.models import Node, Site
from liangcao.stock.models import Document

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]


def test_pledge_inspect_receive_allocate_through_the_pages(client_for: ClientFor) -> None:
    officer = client_for("city-donation-officer")
    form = officer.get("/donations/new/")
    assert form.status_code == 200
    data = {
        "form_token": form.context["form_token"],
        "intake_site_id": str(Site.objects.get(code="depot-city").pk),
        "donor_kind": "organisation",
        "donor_name": "爱心企业",
        "designation": "region",
        "designated_node_id": str(Node.objects.get(code="d01").pk),
        "item_0": "mask-n95",
        "quantity_0": "100",
        "maker_lot_0": "L1",
        "expiry_0": "2027-05-01",
    }
    created = officer.post("/donations/new/", data)
    assert created.status_code == 302
    again = officer.post("/donations/new/", data)  # a double tap
    assert again.status_code == 302
    donation = Donation.objects.get()
    line = donation.lines.get()
    detail = officer.get(f"/donations/{donation.pk}/")
    assert detail.context["can_inspect"] and not detail.context["can_allocate"]

    def act(client: Client, action: str, fields: dict[str, str]) -> None:
        page = client.get(f"/donations/{donation.pk}/")
        token = page.context["form_token"]
        response = client.post(
            f"/donations/{donation.pk}/{action}/", {"form_token": token, **fields}
        )
        assert response.status_code == 302

    act(officer, "inspect", {f"accepted_{line.pk}": "90", f"reason_{line.pk}": "damaged"})
    donation.refresh_from_db()
    assert donation.state == DonationState.PLEDGED  # no certificate for a medical item
    act(
        officer,
        "inspect",
        {
            f"accepted_{line.pk}": "90",
            f"reason_{line.pk}": "damaged",
            f"certificate_{line.pk}": "国械注准1",
            f"quality_{line.pk}": "on",
        },
    )
    act(officer, "receive", {})
    donation.refresh_from_db()
    assert donation.state == DonationState.RECEIVED

    keeper = client_for("city-warehouse-keeper")
    outside = Site.objects.get(code__startswith="hosp", node__code="d02")
    inside = Site.objects.get(code__startswith="hosp", node__code="d01")
    documents = Document.objects.count()
    page = keeper.get(f"/donations/{donation.pk}/")
    refused = keeper.post(
        f"/donations/{donation.pk}/allocate/",
        {
            "form_token": page.context["form_token"],
            "to_site_id": str(outside.pk),
            f"quantity_{line.pk}": "10",
        },
        follow=True,
    )
    assert "不在捐赠方指定的定向范围内" in refused.content.decode()
    assert Document.objects.count() == documents
    act(keeper, "allocate", {"to_site_id": str(inside.pk), f"quantity_{line.pk}": "40"})
    allocation = DonationAllocation.objects.get()
    assert allocation.to_site == inside and allocation.document.lines.get().quantity == 40
    assert officer.get(f"/donations/{donation.pk}/certificate.pdf").content.startswith(b"%PDF")
