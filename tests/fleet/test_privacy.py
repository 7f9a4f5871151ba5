"""Drivers' phone numbers never leave the dispatcher's scope: every demo user (each role at
city, district and community level, plus site-level users) × every fleet endpoint that could
carry one. Who should see which phone is computed here by walking parent links, independently
of the selectors under test."""

from __future__ import annotations

import pytest
from django.test import Client

from liangcao.fleet.models import Driver, VehiclePass
from liangcao.orgs.models import Membership, Node, Site, User
from liangcao.scenarios.demo import DemoResult

pytestmark = pytest.mark.django_db
DISPATCH_ROLES = {"dispatcher", "commander"}


def expected_phones(user: User) -> set[str]:
    parent = dict(Node.objects.values_list("id", "parent_id"))
    roots = set(
        Membership.objects.filter(
            user=user, role__in=DISPATCH_ROLES, node__isnull=False
        ).values_list("node_id", flat=True)
    )

    def covered(node_id: int | None) -> bool:
        while node_id is not None:
            if node_id in roots:
                return True
            node_id = parent[node_id]
        return False

    return {d.phone for d in Driver.objects.all() if covered(d.owner_id)}


def seen_phones(client: Client) -> set[str]:
    phones = set(Driver.objects.values_list("phone", flat=True))
    pages: list[str] = []
    for path in ("/api/v1/fleet/drivers?limit=500", "/fleet/drivers/", "/api/v1/fleet/passes"):
        pages.append(client.get(path).content.decode())
    for driver_id in Driver.objects.values_list("pk", flat=True):
        pages.append(client.get(f"/api/v1/fleet/drivers/{driver_id}").content.decode())
        pages.append(client.get(f"/fleet/drivers/{driver_id}/").content.decode())
    for pass_id in VehiclePass.objects.values_list("pk", flat=True):
        pages.append(client.get(f"/fleet/passes/{pass_id}/").content.decode())
        pages.append(client.get(f"/api/v1/fleet/passes/{pass_id}").content.decode())
    for site_id in (
        Site.objects.filter(kind=kind).order_by("code").values_list("pk", flat=True).first()
        for kind in ("transfer_station", "checkpoint")
    ):
        pages.append(client.get(f"/fleet/stations/{site_id}/").content.decode())
        pages.append(client.get(f"/fleet/checkpoint/{site_id}/").content.decode())
    pages.append(client.get("/api/v1/fleet/vehicles?limit=500").content.decode())
    pages.append(client.get("/api/v1/fleet/trust").content.decode())
    return {p for p in phones if any(p in page for page in pages)}


def test_phones_reach_dispatchers_and_commanders_in_scope_only(demo: DemoResult) -> None:
    usernames = [u for u, role, _ in demo.users if role != "superuser"]
    wrong: list[str] = []
    dispatchers_seeing = 0
    for user in User.objects.filter(username__in=usernames).order_by("username"):
        client = Client()
        client.force_login(user)
        expected, seen = expected_phones(user), seen_phones(client)
        if seen != expected:
            wrong.append(f"{user.username}: saw {sorted(seen)}, expected {sorted(expected)}")
        dispatchers_seeing += bool(seen)
    assert wrong == []
    assert dispatchers_seeing >= 4  # city and district dispatchers and commanders


def test_anonymous_callers_see_no_fleet_data(demo: DemoResult) -> None:
    client = Client()
    driver = Driver.objects.first()
    assert driver is not None
    for path in (
        "/api/v1/fleet/drivers",
        f"/api/v1/fleet/drivers/{driver.pk}",
        "/api/v1/fleet/trust",
    ):
        assert client.get(path).status_code == 401
    for path in ("/fleet/drivers/", f"/fleet/drivers/{driver.pk}/", "/fleet/checkpoint/sw.js"):
        response = client.get(path)
        assert response.status_code == 302 and "/login/" in response["Location"]
