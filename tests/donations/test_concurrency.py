"""Many keepers allocating one designated donation at once (PostgreSQL, real connections):
the donated zone is never over-promised and a shipment from the general pool racing them
never touches it."""

from __future__ import annotations

from datetime import date

import pytest

from liangcao.catalog.models import Item
from liangcao.core.errors import Conflict
from liangcao.donations.models import DonationAllocation
from liangcao.donations.services import (
    AllocateLine,
    InspectLine,
    PledgeLine,
    donation_allocate,
    donation_inspect,
    donation_pledge,
    donation_receive,
)
from liangcao.orgs.models import Node, Site, User
from liangcao.scenarios.demo import demo_load
from liangcao.stock.models import Balance
from liangcao.stock.services import LineSpec, shipment_reserve
from tests.stock.test_concurrency import run_clients

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("empty_ledger_after"),
]
CLIENTS = 12


def test_concurrent_allocations_never_over_promise_the_donation() -> None:
    demo_load(size="small", seed=7)
    admin = User.objects.get(username="admin")
    depot = Site.objects.get(code="depot-city")
    rice = Item.objects.get(code="RICE")
    donation = donation_pledge(
        actor=admin,
        intake_site_id=depot.pk,
        donor_kind="organisation",
        donor_name="粮油公司",
        designation="region",
        designated_node_id=Node.objects.get(code="d01").pk,
        lines=[PledgeLine(rice.pk, 100, expiry=date(2027, 1, 1))],
    )
    line = donation.lines.get()
    donation_inspect(actor=admin, donation_id=donation.pk, lines=[InspectLine(line.pk, 100)])
    donation_receive(actor=admin, donation_id=donation.pk)
    inside = Site.objects.get(code__startswith="hosp", node__code="d01").pk
    outside = Site.objects.get(code__startswith="hosp", node__code="d02").pk
    refused: list[int] = []

    def work(i: int) -> None:
        try:
            if i % 4 == 3:  # an ordinary shipment from the general pool, racing the others
                shipment_reserve(
                    actor=admin,
                    from_site_id=depot.pk,
                    to_site_id=outside,
                    lines=[LineSpec(rice.pk, 20)],
                )
            else:
                donation_allocate(
                    actor=admin,
                    donation_id=donation.pk,
                    to_site_id=inside,
                    lines=[AllocateLine(line.pk, 20)],
                )
        except Conflict:
            refused.append(i)

    assert run_clients(CLIENTS, work) == []
    zone = Balance.objects.get(location__key=f"store:{depot.pk}:donation-{donation.pk}")
    assert zone.on_hand == 100 and zone.reserved == 100
    assert DonationAllocation.objects.filter(donation=donation).count() == 5
    # 9 allocations raced for 5 × 20; the 3 general-pool shipments found no rice at all.
    assert len(refused) == CLIENTS - 5 and {3, 7, 11} <= set(refused)
