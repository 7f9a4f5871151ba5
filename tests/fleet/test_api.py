"""The fleet API: dispatchers register vehicles and drivers and issue passes; bad input is a
422 naming the field; a checkpoint's scan sent twice is stored once."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from liangcao.fleet.models import Scan, Vehicle
from liangcao.orgs.models import Membership, Node, Site, User
from tests.fleet.conftest import Fleet

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]


def post(client: Client, path: str, body: Any, key: str | None = None) -> Any:
    return client.post(
        path,
        data=json.dumps(body),
        content_type="application/json",
        headers={"Idempotency-Key": key or uuid.uuid4().hex},
    )


def test_district_dispatcher_registers_a_vehicle_and_a_driver(
    fleet: Fleet, client_for: ClientFor
) -> None:
    client = client_for("district-dispatcher")
    body = {
        "plate": "豫e d 0199",
        "kind": "van",
        "capacity_kg": 1200,
        "capacity_m3": "6.5",
        "owner_id": fleet.district.pk,
    }
    response = post(client, "/api/v1/fleet/vehicles", body)
    assert response.status_code == 201, response.content
    assert response.json()["plate"] == "豫ED0199"
    again = post(client, "/api/v1/fleet/vehicles", body)
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "plate"
    other = post(
        client,
        "/api/v1/fleet/vehicles",
        {**body, "plate": "X1", "owner_id": fleet.other_district.pk},
    )
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "owner_id"
    driver = post(
        client,
        "/api/v1/fleet/drivers",
        {"name": "周师傅", "phone": "139 0000 0001", "owner_id": fleet.district.pk},
    )
    assert driver.status_code == 201
    listed = client.get("/api/v1/fleet/drivers?limit=500").json()["items"]
    assert "139 0000 0001" in {d["phone"] for d in listed}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"capacity_kg": 2**31}, "capacity_kg"),
        ({"capacity_kg": 2**63}, "capacity_kg"),
        ({"capacity_kg": "many"}, "capacity_kg"),
        ({"capacity_m3": "-1"}, "capacity_m3"),
        ({"plate": "A" * 1_000_000}, "plate"),
        ({"plate": "豫E\x0012"}, "plate"),
        ({"kind": "rocket"}, "kind"),
        ({"owner_id": 2**63}, "owner_id"),
    ],
)
def test_bad_vehicle_input_is_422_naming_the_field(
    fleet: Fleet, client_for: ClientFor, change: dict[str, Any], field: str
) -> None:
    body = {
        "plate": "豫E0001X",
        "kind": "van",
        "capacity_kg": 1,
        "capacity_m3": "1",
        "owner_id": fleet.city.pk,
    }
    before = Vehicle.objects.count()
    response = post(client_for("city-dispatcher"), "/api/v1/fleet/vehicles", {**body, **change})
    assert response.status_code == 422, response.content
    assert field in {e["field"] for e in response.json()["errors"]}
    assert Vehicle.objects.count() == before


def test_pass_issue_through_the_api_and_bad_windows(fleet: Fleet, client_for: ClientFor) -> None:
    client = client_for("city-dispatcher")
    now = timezone.now()
    body = {
        "vehicle_id": fleet.vehicle(fleet.city).pk,
        "zone_ids": [fleet.district.pk],
        "purpose": "medicine run",
        "valid_from": now.isoformat(),
        "valid_until": (now + timedelta(days=2)).isoformat(),
    }
    response = post(client, "/api/v1/fleet/passes", body)
    assert response.status_code == 201, response.content
    issued = response.json()
    assert issued["zone_codes"] == ["d01"] and issued["issuer_code"] == fleet.city.code
    backwards = post(client, "/api/v1/fleet/passes", {**body, "valid_until": body["valid_from"]})
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["field"] == "valid_until"
    no_zone = post(client, "/api/v1/fleet/passes", {**body, "zone_ids": []})
    assert no_zone.status_code == 422 and no_zone.json()["errors"][0]["field"] == "zone_ids"
    revoked = post(client, f"/api/v1/fleet/passes/{issued['id']}/revoke", {"reason": "lost"})
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert issued["id"] in client.get("/api/v1/fleet/trust").json()["revoked_passes"]
    # a community dispatcher sees none of the city's passes
    assert (
        client_for("community-dispatcher").get(f"/api/v1/fleet/passes/{issued['id']}").status_code
        == 404
    )


def test_a_scan_synced_twice_is_stored_once(fleet: Fleet) -> None:
    checkpoint = fleet.checkpoint(fleet.district)
    officer = User.objects.create(username="cp-officer")
    Membership.objects.create(user=officer, role="checkpoint_officer", site=checkpoint)
    client = Client()
    client.force_login(officer)
    issued = fleet.issue(zones=[fleet.district])
    scan = {
        "client_id": str(uuid.uuid4()),
        "code": issued.code,
        "result": "valid",
        "scanned_at": timezone.now().isoformat(),
    }
    path = f"/api/v1/fleet/checkpoints/{checkpoint.pk}/scans"
    first = post(client, path, scan, key=scan["client_id"])
    replay = post(client, path, scan, key=scan["client_id"])
    fresh_key = post(client, path, scan)  # same scan under another key: still one row
    assert first.status_code == 201 and replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert fresh_key.status_code == 200 and fresh_key.json()["created"] is False
    assert Scan.objects.filter(client_id=scan["client_id"]).count() == 1
    row = Scan.objects.get()
    assert (row.vehicle_pass_id, row.plate, row.checkpoint_id) == (
        issued.pk,
        issued.vehicle.plate,
        checkpoint.pk,
    )
    other = Site.objects.filter(kind="checkpoint").exclude(pk=checkpoint.pk).first()
    assert other is not None
    elsewhere = post(
        client,
        f"/api/v1/fleet/checkpoints/{other.pk}/scans",
        {**scan, "client_id": str(uuid.uuid4())},
    )
    assert elsewhere.status_code == 404  # not this officer's checkpoint
    late = post(
        client, path, {**scan, "client_id": str(uuid.uuid4()), "scanned_at": "2020-01-01T00:00:00Z"}
    )
    assert late.status_code == 422 and late.json()["errors"][0]["field"] == "scanned_at"
    assert Node.objects.filter(pk=checkpoint.node_id).exists()
