"""The fleet pages, as dispatchers, keepers, checkpoint officers and outsiders use them."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client

from liangcao.fleet.models import PassKey, Vehicle, VehiclePass
from liangcao.orgs.models import Membership, Site, User
from tests.fleet.conftest import Fleet

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]


def plates(client: Client) -> set[str]:
    return set(
        re.findall(r'data-vehicle="([^"]+)"', client.get("/fleet/vehicles/").content.decode())
    )


def test_each_dispatcher_sees_the_vehicles_of_their_area(
    fleet: Fleet, client_for: ClientFor
) -> None:
    city = set(Vehicle.objects.values_list("plate", flat=True))
    district = set(Vehicle.objects.filter(owner=fleet.district).values_list("plate", flat=True))
    assert plates(client_for("city-dispatcher")) == city
    assert plates(client_for("district-dispatcher")) == district != set()
    assert plates(client_for("community-dispatcher")) == set()
    assert plates(client_for("city-inspector")) == set()
    outside = Vehicle.objects.filter(owner=fleet.city).first()
    assert outside is not None
    assert (
        client_for("district-dispatcher").get(f"/fleet/vehicles/{outside.pk}/").status_code == 404
    )


def test_dispatcher_registers_a_vehicle_on_the_page_and_bad_input_names_the_field(
    fleet: Fleet, client_for: ClientFor
) -> None:
    client = client_for("district-dispatcher")
    token = client.get("/fleet/vehicles/").context["form_token"]
    form = {
        "plate": "豫E D0300",
        "kind": "van",
        "capacity_kg": "900",
        "capacity_m3": "4",
        "owner_id": str(fleet.district.pk),
    }
    bad = client.post("/fleet/vehicles/", {**form, "form_token": token, "capacity_m3": "lots"})
    assert bad.status_code == 200 and "capacity_m3" in bad.content.decode()
    assert not Vehicle.objects.filter(plate="豫ED0300").exists()
    token = client.get("/fleet/vehicles/").context["form_token"]
    assert client.post("/fleet/vehicles/", {**form, "form_token": token}).status_code == 302
    assert Vehicle.objects.get(plate="豫ED0300").owner == fleet.district


def test_dispatcher_issues_a_pass_and_sees_its_qr_code(fleet: Fleet, client_for: ClientFor) -> None:
    client = client_for("district-dispatcher")
    page = client.get("/fleet/passes/")
    vehicle = Vehicle.objects.filter(owner=fleet.district).first()
    assert vehicle is not None
    response = client.post(
        "/fleet/passes/",
        {
            "form_token": page.context["form_token"],
            "vehicle_id": vehicle.pk,
            "zone_ids": [fleet.district.pk],
            "purpose": "送药",
            "valid_from": page.context["valid_from"],
            "valid_until": page.context["valid_until"],
        },
    )
    assert response.status_code == 302
    issued = VehiclePass.objects.get(purpose="送药")
    detail = client.get(response["Location"]).content.decode()
    assert 'data-testid="pass-qr"' in detail and issued.code[:8] in detail
    assert client_for("city-dispatcher").get(f"/fleet/passes/{issued.pk}/").status_code == 200
    assert client_for("community-dispatcher").get(f"/fleet/passes/{issued.pk}/").status_code == 404


def test_only_city_commanders_rotate_keys(fleet: Fleet, client_for: ClientFor) -> None:
    before = PassKey.objects.count()
    district = client_for("district-commander")
    token = district.get("/fleet/keys/").context["form_token"]
    assert (
        district.post("/fleet/keys/", {"form_token": token, "action": "rotate"}).status_code == 403
    )
    city = client_for("city-commander")
    token = city.get("/fleet/keys/").context["form_token"]
    assert city.post("/fleet/keys/", {"form_token": token, "action": "rotate"}).status_code == 302
    assert PassKey.objects.count() == before + 1
    assert client_for("hospital-requester").get("/fleet/keys/").status_code == 403


def test_checkpoint_page_is_for_its_officers(fleet: Fleet, client_for: ClientFor) -> None:
    checkpoint = fleet.checkpoint(fleet.district)
    elsewhere = fleet.checkpoint(fleet.other_district)
    officer = User.objects.create(username="gate")
    Membership.objects.create(user=officer, role="checkpoint_officer", site=checkpoint)
    client = Client()
    client.force_login(officer)
    page = client.get(f"/fleet/checkpoint/{checkpoint.pk}/")
    assert page.status_code == 200 and 'id="checkpoint-context"' in page.content.decode()
    assert client.get(f"/fleet/checkpoint/{elsewhere.pk}/").status_code == 404
    assert (
        client_for("district-inspector").get(f"/fleet/checkpoint/{checkpoint.pk}/").status_code
        == 404
    )
    sw = client.get("/fleet/checkpoint/sw.js")
    assert sw["Content-Type"].startswith("text/javascript") and b"caches" in sw.content
    station = Site.objects.get(code="ts-1")
    assert client_for("city-inspector").get(f"/fleet/stations/{station.pk}/").status_code == 200
