"""Route plans through the API and the pages: open shipments from a district depot become stops,
the background task (immediate in tests) solves them within the fleet's capacities and the
stops' time windows, the routes are stored and drawn, run sheets carry each shipment's
delivery-note QR; nobody outside the depot's district sees or plans any of it; bad input is a
422 naming the field."""

from __future__ import annotations

import itertools
import math
import uuid
from collections.abc import Callable
from datetime import date, time, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from liangcao.catalog.models import Item
from liangcao.logistics.models import PlanStatus, RoutePlan
from liangcao.logistics.planning import shipment_kg
from liangcao.orgs.models import Site, User
from liangcao.stock.models import Document, LocationKind
from liangcao.stock.services import LineSpec, receipt_post, shipment_reserve

ClientFor = Callable[[str], Client]
UserNamed = Callable[[str], User]
API = "/api/v1/logistics/route-plans"


def post(client: Client, path: str, body: dict[str, Any] | None = None, key: str | None = None):  # type: ignore[no-untyped-def]
    return client.post(
        path,
        body or {},
        content_type="application/json",
        headers={"Idempotency-Key": key or uuid.uuid4().hex},
    )


def district_sites(code: str) -> list[Site]:
    """Sites of a district other than its depot, nearest first is not assumed."""
    return list(
        Site.objects.filter(node__code__startswith=code)
        .exclude(code=f"depot-{code}")
        .exclude(kind="supplier_site")
        .order_by("code")
    )


@pytest.fixture
def shipments(user_named: UserNamed) -> list[Document]:
    """Rice and masks reserved from the d01 depot to four sites of d01."""
    keeper = user_named("city-warehouse-keeper")
    depot = Site.objects.get(code="depot-d01")
    supplier = Site.objects.filter(kind="supplier_site").first()
    assert supplier is not None
    rice, masks = Item.objects.get(code="RICE"), Item.objects.get(code="MASK-N95")
    receipt_post(
        actor=keeper,
        site_id=depot.pk,
        source_kind=LocationKind.SUPPLIER,
        source_site_id=supplier.pk,
        lines=[
            LineSpec(rice.pk, 5000, lot_code="R-1", expiry=date(2027, 6, 30)),
            LineSpec(masks.pk, 5000, lot_code="N95-1", expiry=date(2027, 6, 30)),
        ],
    )
    out = []
    for i, site in enumerate(district_sites("d01")[:4]):
        out.append(
            shipment_reserve(
                actor=keeper,
                from_site_id=depot.pk,
                to_site_id=site.pk,
                lines=[LineSpec(rice.pk, 300 + 100 * i), LineSpec(masks.pk, 200)],
            )
        )
    return out


def road_metres(a: Site, b: Site) -> float:
    """Great-circle distance × the road factor, written out here (not the app's helper)."""
    p1, p2 = math.radians(a.latitude), math.radians(b.latitude)
    dl = math.radians(b.longitude - a.longitude)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h)) * settings.ROUTING_ROAD_FACTOR


def test_open_shipments_become_stops_and_the_task_stores_feasible_routes(
    shipments: list[Document], client_for: ClientFor
) -> None:
    client = client_for("district-dispatcher")
    depot = Site.objects.get(code="depot-d01")
    fleet = [{"count": 2, "capacity_kg": 800}, {"count": 2, "capacity_kg": 1000}]
    body = {"depot_id": depot.pk, "fleet": fleet, "time_limit": 1}
    created = post(client, API, body)
    assert created.status_code == 201, created.content
    plan = created.json()
    assert plan["status"] == "draft"
    expected = {d.dest_site_id: shipment_kg(d) for d in shipments}
    # 1 kg per kg of rice, 0.5 kg (the default) per mask: 300 + 100 i kg of rice + 100 kg masks
    assert sorted(expected.values()) == [400, 500, 600, 700]
    assert {s["site_id"]: s["demand_kg"] for s in plan["stops"]} == expected
    assert {s["site_id"]: s["shipments"] for s in plan["stops"]} == {
        d.dest_site_id: [d.pk] for d in shipments
    }
    # A fleet whose vehicles are all smaller than the 700 kg stop is refused before solving.
    too_small = post(client, API, {**body, "fleet": [{"count": 9, "capacity_kg": 650}]})
    assert too_small.status_code == 422
    assert any(e["field"].endswith(".demand_kg") for e in too_small.json()["errors"])

    plan_id = created.json()["id"]
    started = post(client, f"{API}/{plan_id}/start")
    assert started.status_code == 202, started.content
    plan = client.get(f"{API}/{plan_id}").json()
    assert plan["status"] == "solved", plan["error"]
    assert plan["progress"] == 100

    routes = plan["routes"]
    stops = {s["number"]: s for s in plan["stops"]}
    visited = sorted(n for r in routes for n in r["stops"])
    assert visited == sorted(stops)  # every stop once
    capacities = {1: 800, 2: 1000}
    used = {1: 0, 2: 0}
    sites = {s.pk: s for s in Site.objects.filter(pk__in=[s["site_id"] for s in stops.values()])}
    total = 0.0
    for r in routes:
        used[r["fleet_row"]] += 1
        load = sum(stops[n]["demand_kg"] for n in r["stops"])
        assert load == r["load_kg"] <= capacities[r["fleet_row"]]
        path = [depot] + [sites[stops[n]["site_id"]] for n in r["stops"]] + [depot]
        total += sum(road_metres(a, b) for a, b in itertools.pairwise(path))
        for pos, n in enumerate(r["stops"], start=1):
            assert stops[n]["route"] == r["number"] and stops[n]["position"] == pos
            assert time(8, 0) <= time.fromisoformat(stops[n]["arrival"]) <= time(20, 0)
    assert used[1] <= 2 and used[2] <= 2
    assert abs(plan["distance_m"] - total) <= 2 * len(visited) + 2  # whole metres per leg

    # The page draws one polyline per route; the run sheets carry every shipment's QR.
    page = client.get(f"/logistics/routes/{plan_id}/").content.decode()
    assert page.count("<polyline") == len(routes)
    assert 'data-testid="route-map"' in page
    sheets = client.get(f"/logistics/routes/{plan_id}/sheets/").content.decode()
    assert sheets.count('data-testid="sheet-') == len(routes)
    for d in shipments:
        assert f'data-note="{d.pk}"' in sheets
    assert sheets.count('src="data:image/svg+xml') == len(shipments)


def test_time_windows_and_capacities_hold_on_given_stops(client_for: ClientFor) -> None:
    """Eight community and front-line stops with staggered windows and a small fleet."""
    client = client_for("district-dispatcher")
    depot = Site.objects.get(code="depot-d01")
    sites = district_sites("d01")[:8]
    stops = [
        {
            "site_id": s.pk,
            "demand_kg": 100 + 20 * i,
            "window_start": f"{9 + i % 4:02d}:00",
            "window_end": f"{10 + i % 4:02d}:00",
            "service_minutes": 15,
        }
        for i, s in enumerate(sites)
    ]
    body = {
        "depot_id": depot.pk,
        "fleet": [{"count": 4, "capacity_kg": 400}],
        "stops": stops,
        "time_limit": 1,
    }
    plan_id = post(client, API, body).json()["id"]
    post(client, f"{API}/{plan_id}/start")
    plan = client.get(f"{API}/{plan_id}").json()
    assert plan["status"] == "solved", plan["error"]
    by_number = {s["number"]: s for s in plan["stops"]}
    assert len(plan["routes"]) <= 4
    for r in plan["routes"]:
        assert sum(by_number[n]["demand_kg"] for n in r["stops"]) <= 400
    for s in plan["stops"]:
        arrival = time.fromisoformat(s["arrival"])
        assert (
            time.fromisoformat(s["window_start"]) <= arrival <= time.fromisoformat(s["window_end"])
        )


def test_a_supplied_road_matrix_replaces_the_coordinates(client_for: ClientFor) -> None:
    client = client_for("district-dispatcher")
    depot = Site.objects.get(code="depot-d01")
    a, b = district_sites("d01")[:2]
    matrix = [[0, 1000, 5000], [1000, 0, 1500], [5000, 1500, 0]]
    body = {
        "depot_id": depot.pk,
        "fleet": [{"count": 1, "capacity_kg": 100}],
        "stops": [{"site_id": a.pk, "demand_kg": 10}, {"site_id": b.pk, "demand_kg": 10}],
        "matrix": {"distance_m": matrix},
        "time_limit": 1,
    }
    plan_id = post(client, API, body).json()["id"]
    post(client, f"{API}/{plan_id}/start")
    plan = client.get(f"{API}/{plan_id}").json()
    assert plan["distance_m"] == 1000 + 1500 + 5000  # one vehicle: the only tour's length
    bad = post(client, API, {**body, "matrix": {"distance_m": [[0, 1], [1, 0]]}})
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["matrix.distance_m"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"fleet": []}, "fleet"),
        ({"fleet": [{"count": 0, "capacity_kg": 100}]}, "fleet.0.count"),
        ({"time_limit": 0}, "time_limit"),
        ({"end_time": "07:00"}, "end_time"),
        ({"stops": [{"site_id": 0, "demand_kg": 5}]}, "stops[0].site_id"),
        ({"stops": "STOP"}, "stops"),
        ({"stops": [{"site_id": "abc", "demand_kg": 5}]}, "stops.0.site_id"),
        ({"stops": [{"site_id": "SITE", "demand_kg": 5000}]}, "stops[0].demand_kg"),
        (
            {
                "stops": [
                    {
                        "site_id": "SITE",
                        "demand_kg": 5,
                        "window_start": "12:00",
                        "window_end": "11:00",
                    }
                ]
            },
            "stops[0].window_end",
        ),
        ({"stops": [{"site_id": "SITE"}]}, "stops[0].demand_kg"),
        ({"start_time": "08:00+08:00", "end_time": "20:00"}, "start_time"),
        (
            {"stops": [{"site_id": "SITE", "demand_kg": 5, "window_end": "11:00Z"}]},
            "stops.0.window_end",  # refused by the API schema (core.schema.LocalTime)
        ),
        ({"stops": [{"site_id": "OTHER", "demand_kg": 5}]}, "stops[0].site_id"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    client_for: ClientFor, change: dict[str, Any], field: str
) -> None:
    client = client_for("district-dispatcher")
    depot = Site.objects.get(code="depot-d01")
    mine, other = district_sites("d01")[0], district_sites("d02")[0]

    def fill(v: Any) -> Any:
        if isinstance(v, list):
            return [fill(x) for x in v]
        if isinstance(v, dict):
            return {k: fill(x) for k, x in v.items()}
        return {"SITE": mine.pk, "OTHER": other.pk}.get(v, v) if isinstance(v, str) else v

    body = {"depot_id": depot.pk, "fleet": [{"count": 2, "capacity_kg": 1000}], **fill(change)}
    before = RoutePlan.objects.count()
    response = post(client, API, body)
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in response.json()["errors"]]
    assert RoutePlan.objects.count() == before


def test_posts_need_an_idempotency_key_and_a_retry_creates_one_plan(
    client_for: ClientFor, shipments: list[Document]
) -> None:
    client = client_for("district-dispatcher")
    depot = Site.objects.get(code="depot-d01")
    body = {"depot_id": depot.pk, "fleet": [{"count": 4, "capacity_kg": 1000}]}
    before = RoutePlan.objects.count()  # the demo city has a draft plan of its own
    no_key = client.post(API, body, content_type="application/json")
    assert no_key.status_code == 400
    first = post(client, API, body, key="plan-1")
    again = post(client, API, body, key="plan-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert RoutePlan.objects.count() == before + 1
    plan_id = first.json()["id"]
    assert post(client, f"{API}/{plan_id}/start", key="start-1").status_code == 202
    assert post(client, f"{API}/{plan_id}/start", key="start-1").status_code == 202  # replayed
    assert RoutePlan.objects.get(pk=plan_id).status == PlanStatus.SOLVED


def test_scope_a_district_neither_plans_from_nor_sees_another_district(
    client_for: ClientFor, user_named: UserNamed
) -> None:
    other_depot = Site.objects.get(code="depot-d02")
    target = district_sites("d02")[0]
    body = {
        "depot_id": other_depot.pk,
        "fleet": [{"count": 1, "capacity_kg": 100}],
        "stops": [{"site_id": target.pk, "demand_kg": 10}],
        "time_limit": 1,
    }
    district = client_for("district-dispatcher")
    assert post(district, API, body).status_code == 404  # not revealed
    city = client_for("city-dispatcher")
    created = post(city, API, body)
    assert created.status_code == 201
    plan_id = created.json()["id"]
    assert post(city, f"{API}/{plan_id}/start").status_code == 202

    # role × endpoint: who sees the d02 plan, who may start it
    matrix = {
        "city-dispatcher": (200, 202),
        "city-inspector": (200, 403),
        "district-dispatcher": (404, 404),
        "district-commander": (404, 404),
        "community-dispatcher": (404, 404),
        "depot-keeper": (404, 404),
    }
    for username, (read, start) in matrix.items():
        client = client_for(username)
        assert client.get(f"{API}/{plan_id}").status_code == read, username
        ids = {p["id"] for p in client.get(API).json()["items"]}
        assert (plan_id in ids) == (read == 200), username
        assert client.get(f"/logistics/routes/{plan_id}/").status_code == read, username
        assert client.get(f"/logistics/routes/{plan_id}/sheets/").status_code == read, username
        assert (f'data-plan="{plan_id}"' in client.get("/logistics/routes/").content.decode()) == (
            read == 200
        ), username
        assert post(client, f"{API}/{plan_id}/start").status_code == start, username
    # Seeing the depot without a dispatching role: 403 on planning from it.
    inspector = client_for("city-inspector")
    assert post(inspector, API, body).status_code == 403


def test_the_web_form_plans_and_solves_the_open_shipments(
    shipments: list[Document], client_for: ClientFor
) -> None:
    client = client_for("district-dispatcher")
    page = client.get("/logistics/routes/")
    assert page.status_code == 200
    depot = Site.objects.get(code="depot-d01")
    assert f'value="{depot.pk}"' in page.content.decode()
    assert 'value="' + str(Site.objects.get(code="depot-d02").pk) + '"' not in page.content.decode()
    before = set(RoutePlan.objects.values_list("pk", flat=True))
    response = client.post(
        "/logistics/routes/",
        {
            "form_token": page.context["form_token"],
            "depot": depot.pk,
            "fleet": "2 × 1500",
            "time_limit": "1",
        },
    )
    assert response.status_code == 302
    plan = RoutePlan.objects.exclude(pk__in=before).get()
    assert response["Location"] == f"/logistics/routes/{plan.pk}/"
    assert plan.status == PlanStatus.SOLVED
    assert plan.stops.filter(route__isnull=True).count() == 0
    bad = client.post(
        "/logistics/routes/",
        {"form_token": page.context["form_token"] + "x", "depot": depot.pk, "fleet": "two"},
    )
    assert bad.status_code == 200
    assert RoutePlan.objects.count() == len(before) + 1


def test_the_demo_city_has_a_draft_plan_for_the_district_dispatcher(client_for: ClientFor) -> None:
    plans = client_for("district-dispatcher").get(API).json()["items"]
    assert [p["status"] for p in plans] == ["draft"]
    detail = client_for("district-dispatcher").get(f"{API}/{plans[0]['id']}").json()
    assert len(detail["stops"]) >= 5
    assert all(s["window_start"] and s["window_end"] for s in detail["stops"])
    assert client_for("community-dispatcher").get(API).json()["items"] == []


def test_a_running_plan_is_not_started_twice_unless_its_worker_died(
    client_for: ClientFor,
) -> None:
    client = client_for("district-dispatcher")
    plan = RoutePlan.objects.get(created_by__username="district-dispatcher")  # the demo's draft
    RoutePlan.objects.filter(pk=plan.pk).update(
        status=PlanStatus.RUNNING, heartbeat_at=timezone.now(), time_limit=1
    )
    busy = post(client, f"{API}/{plan.pk}/start")
    assert busy.status_code == 409
    RoutePlan.objects.filter(pk=plan.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=10))
    assert post(client, f"{API}/{plan.pk}/start").status_code == 202
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SOLVED
