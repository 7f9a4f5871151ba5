"""The demo's disclosure data: purchases, an anonymous and a designated donation that went
somewhere, and a publication the script verifies."""

from __future__ import annotations

import pytest
from django.test import Client

from liangcao.donations.models import Donation, DonationState
from liangcao.orgs.models import Site, SiteKind
from liangcao.portal.models import Publication
from liangcao.procurement.models import Purchase
from liangcao.scenarios.demo import DemoResult
from liangcao.scenarios.disclosure import disclosure_load

pytestmark = pytest.mark.django_db


def test_demo_disclosure(demo: DemoResult) -> None:
    result = disclosure_load()
    assert Purchase.objects.count() == result.purchases == 3
    anonymous = Donation.objects.get(donor__anonymous=True)
    designated = Donation.objects.exclude(designation="none").get()
    assert {anonymous.state, designated.state} == {DonationState.RECEIVED}
    assert Publication.objects.get().day == result.published
    client = Client()
    point = Site.objects.filter(kind=SiteKind.DISTRIBUTION_POINT).order_by("code").first()
    hospital = (
        Site.objects.filter(kind=SiteKind.HOSPITAL, node__code__startswith="d01")
        .order_by("code")
        .first()
    )
    assert point is not None and hospital is not None
    for donation, recipient in ((anonymous, point), (designated, hospital)):
        page = client.get(f"/public/donations/{donation.reference}/").content.decode()
        trace = page.split('data-testid="trace"')[1]
        assert recipient.name_zh in trace
    assert "张女士" not in client.get("/public/donations.csv").content.decode()
