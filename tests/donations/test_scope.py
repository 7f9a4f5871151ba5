"""Donations and purchases, role × endpoint: every demo user (11 roles at city, district and
community level, plus site-level users) sees exactly the donations and purchases of sites in
their subtree (lists, details, trace, certificate: others answer 404), and may act only with
the right role there (403 otherwise). Expectations are computed here by walking parent links,
independently of the selectors."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from liangcao.catalog.models import Item
from liangcao.donations.models import Donation
from liangcao.donations.services import (
    DONATION_ROLES,
    InspectLine,
    PledgeLine,
    donation_inspect,
    donation_pledge,
    donation_receive,
)
from liangcao.orgs.models import Membership, Node, Site, User
from liangcao.procurement.models import Purchase
from liangcao.procurement.services import PROCUREMENT_ROLES, purchase_record
from liangcao.scenarios.demo import DemoResult
from liangcao.stock.services import POSTING_ROLES
from tests.donations.helpers import post

pytestmark = pytest.mark.django_db


def sites_with_roles(user: User, roles: frozenset[str] | None) -> set[int]:
    parent = dict(Node.objects.values_list("id", "parent_id"))
    memberships = Membership.objects.filter(user=user)
    if roles is not None:
        memberships = memberships.filter(role__in=roles)
    roots = {m.node_id for m in memberships if m.node_id}
    own = {m.site_id for m in memberships if m.site_id}

    def under(node_id: int | None) -> bool:
        while node_id is not None:
            if node_id in roots:
                return True
            node_id = parent[node_id]
        return False

    return {
        pk for pk, node in Site.objects.values_list("id", "node_id") if under(node) or pk in own
    }


@pytest.fixture
def world(demo: DemoResult) -> dict[str, Donation]:
    admin = User.objects.get(username="admin")
    rice = Item.objects.get(code="RICE")
    city_depot = Site.objects.get(code="depot-city")
    d01_depot = Site.objects.get(code="depot-d01")
    d01 = Node.objects.get(code="d01")

    def make(site: Site, receive: bool) -> Donation:
        d = donation_pledge(
            actor=admin,
            intake_site_id=site.pk,
            donor_kind="organisation",
            donor_name="单位",
            designation="region",
            designated_node_id=d01.pk,
            lines=[PledgeLine(rice.pk, 10, expiry=date(2027, 1, 1))],
        )
        if receive:
            line = d.lines.get()
            donation_inspect(actor=admin, donation_id=d.pk, lines=[InspectLine(line.pk, 10)])
            d = donation_receive(actor=admin, donation_id=d.pk)
        return d

    supplier = Site.objects.filter(kind="supplier_site").first()
    assert supplier is not None
    for site in (city_depot, d01_depot):
        purchase_record(
            actor=admin,
            supplier_id=supplier.pk,
            site_id=site.pk,
            item_id=rice.pk,
            quantity=5,
            unit_price=Decimal("4.00"),
            lot_code="R1",
            expiry=date(2027, 1, 1),
        )
    return {
        "city-received": make(city_depot, True),
        "city-pledged": make(city_depot, False),
        "d01-received": make(d01_depot, True),
        "d01-pledged": make(d01_depot, False),
    }


def test_donations_and_purchases_role_by_endpoint(world: dict[str, Donation]) -> None:
    users = User.objects.filter(is_superuser=False, memberships__isnull=False).distinct()
    assert users.count() >= 35
    outside = Site.objects.get(code__startswith="hosp", node__code="d02")
    rice = Item.objects.get(code="RICE")
    supplier = Site.objects.filter(kind="supplier_site").first()
    assert supplier is not None
    wrong: list[str] = []

    def check(user: User, what: str, got: object, expected: object) -> None:
        if got != expected:
            wrong.append(f"{user.username} {what}: {got} != {expected}")

    for user in users:
        client = Client()
        client.force_login(user)
        visible = sites_with_roles(user, None)
        may_take = sites_with_roles(user, DONATION_ROLES)
        may_ship = sites_with_roles(user, POSTING_ROLES)
        may_buy = sites_with_roles(user, PROCUREMENT_ROLES)
        seen = {d.pk for d in world.values() if d.intake_site_id in visible}
        api = {row["id"] for row in client.get("/api/v1/donations").json()["items"]}
        web = {
            int(x)
            for x in re.findall(
                r'data-donation="(\d+)"', client.get("/donations/").content.decode()
            )
        }
        check(user, "api list", api, seen)
        check(user, "web list", web, seen)
        purchases = {
            row["site_id"] for row in client.get("/api/v1/procurement/purchases").json()["items"]
        }
        expected_purchases = set(Purchase.objects.values_list("site_id", flat=True)) & visible
        check(user, "purchases", purchases, expected_purchases)
        for name, donation in world.items():
            ok = donation.intake_site_id in visible
            for url in (
                f"/api/v1/donations/{donation.pk}",
                f"/api/v1/donations/{donation.pk}/trace",
                f"/donations/{donation.pk}/",
            ):
                check(user, url, client.get(url).status_code, 200 if ok else 404)
            if name.endswith("received"):
                status = client.get(f"/donations/{donation.pk}/certificate/").status_code
                check(user, f"certificate {name}", status, 200 if ok else 404)
                # Allocation outside the designation: 404 unseen, 403 without the role, and
                # for those who may ship from the intake site, refused as outside (422).
                response = post(
                    client,
                    f"/api/v1/donations/{donation.pk}/allocate",
                    {
                        "to_site_id": outside.pk,
                        "lines": [{"line_id": donation.lines.get().pk, "quantity": 1}],
                    },
                )
                expected = 404 if not ok else 422 if donation.intake_site_id in may_ship else 403
                check(user, f"allocate {name}", response.status_code, expected)
            else:
                # Receiving a pledge not yet inspected: 404 / 403 / 409 (the state, nothing done).
                response = post(client, f"/api/v1/donations/{donation.pk}/receive")
                expected = 404 if not ok else 409 if donation.intake_site_id in may_take else 403
                check(user, f"receive {name}", response.status_code, expected)
        site = Site.objects.get(code="depot-d01")
        response = post(
            client,
            "/api/v1/procurement/purchases",
            {
                "supplier_id": supplier.pk,
                "site_id": site.pk,
                "item_id": rice.pk,
                "quantity": 1,
                "unit_price": "4.00",
                "lot_code": "R1",
                "expiry": "2027-01-01",
            },
        )
        expected = 404 if site.pk not in visible else 201 if site.pk in may_buy else 403
        check(user, "purchase at depot-d01", response.status_code, expected)
    assert wrong == []
    assert Donation.objects.filter(state="pledged").count() == 2  # nothing was received
