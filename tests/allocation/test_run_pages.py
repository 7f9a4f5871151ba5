"""The commander's workbench and the runs API: start, follow, override, commit once; scoped."""

from __future__ import annotations

import time
from collections.abc import Callable
from uuid import uuid4

import pytest
from django.test import Client

from liangcao.allocation.models import AllocationRun, RunStatus
from liangcao.orgs.models import Node
from liangcao.scenarios.day3 import day3_load
from liangcao.scenarios.demo import DemoResult
from liangcao.stock.models import Document, DocumentKind

ClientFor = Callable[[str], Client]


@pytest.fixture
def day3(demo: DemoResult) -> None:
    day3_load(requisitions=30, sites=12)


def test_commander_runs_overrides_and_commits_through_the_pages(
    day3: None, client_for: ClientFor
) -> None:
    client = client_for("city-commander")
    page = client.get("/allocation/")
    response = client.post(
        "/allocation/",
        {"form_token": page.context["form_token"], "node": Node.objects.get(code="city").pk},
    )
    assert response.status_code == 302
    run = AllocationRun.objects.get()
    html = client.get(response["Location"]).content.decode()
    assert run.status == RunStatus.PROPOSED
    assert 'data-testid="by-class"' in html and 'data-testid="baselines"' in html
    # The baselines by their Chinese names, not their codes (fcfs, proportional).
    assert "先到先得" in html and "按需求比例分配" in html and "fcfs" not in html
    first = run.result["allocations"][0]
    page = client.get(f"/allocation/runs/{run.pk}/")
    client.post(
        f"/allocation/runs/{run.pk}/override/",
        {
            "form_token": page.context["form_token"] + "o",
            "demand": first["demand"],
            "source": first["source"],
            "quantity": str(first["qty"] - 1),
            "reason": "donor delivery",
        },
    )
    assert run.overrides.get().reason == "donor delivery"
    after = client.get(f"/allocation/runs/{run.pk}/")
    row = next(r for r in after.context["rows"] if r["demand"] == first["demand"])
    assert row["allocated"] == row["proposed"] - 1  # the page shows the plan as overridden
    assert first["demand"] in after.context["line_choices"]
    assert first["source"] in after.context["source_choices"]
    token = after.context["form_token"] + "c"
    client.post(f"/allocation/runs/{run.pk}/commit/", {"form_token": token})
    shipments = Document.objects.filter(kind=DocumentKind.SHIPMENT).count()
    client.post(f"/allocation/runs/{run.pk}/commit/", {"form_token": token})  # double tap
    assert Document.objects.filter(kind=DocumentKind.SHIPMENT).count() == shipments > 0
    assert AllocationRun.objects.get().status == RunStatus.COMMITTED
    committed = client.get(f"/allocation/runs/{run.pk}/").content.decode()
    assert committed.count("/logistics/shipments/") >= shipments  # links to what it opened


def test_api_commit_is_idempotent(day3: None, client_for: ClientFor) -> None:
    client = client_for("city-commander")
    started = time.monotonic()
    created = client.post(
        "/api/v1/allocation/runs",
        {"node_id": Node.objects.get(code="city").pk},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=str(uuid4()),
    )
    assert created.status_code == 201
    run_id = created.json()["id"]
    detail = client.get(f"/api/v1/allocation/runs/{run_id}").json()
    assert time.monotonic() - started < 5
    assert detail["status"] == "proposed" and detail["lines"]
    assert {ln["reason"]["code"] for ln in detail["lines"]} <= {
        "met_in_full",
        "supply_exhausted",
        "unreachable",
        "lower_class_first",
        "region_floor",
    }
    url = f"/api/v1/allocation/runs/{run_id}/commit"
    assert client.post(url, {}, content_type="application/json").status_code == 400  # no key
    first = client.post(url, {}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="commit-1")
    count = Document.objects.filter(kind=DocumentKind.SHIPMENT).count()
    again = client.post(url, {}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="commit-1")
    assert first.status_code == again.status_code == 202
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Document.objects.filter(kind=DocumentKind.SHIPMENT).count() == count


def test_runs_are_scoped_to_the_commanders_level(day3: None, client_for: ClientFor) -> None:
    city = client_for("city-commander")
    run_id = city.post(
        "/api/v1/allocation/runs",
        {"node_id": Node.objects.get(code="city").pk},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=str(uuid4()),
    ).json()["id"]
    district = client_for("district-commander")
    assert district.get(f"/api/v1/allocation/runs/{run_id}").status_code == 404
    assert district.get(f"/allocation/runs/{run_id}/").status_code == 404
    assert run_id not in [r["id"] for r in district.get("/api/v1/allocation/runs").json()["items"]]
    assert (
        district.post(
            f"/api/v1/allocation/runs/{run_id}/commit",
            {},
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="k",
        ).status_code
        == 404
    )
    assert (
        district.post(f"/allocation/runs/{run_id}/commit/", {"form_token": "t"}).status_code == 404
    )
    approver = client_for("city-approver")
    assert (
        approver.post(
            "/api/v1/allocation/runs",
            {"node_id": Node.objects.get(code="city").pk},
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=str(uuid4()),
        ).status_code
        == 403
    )
    assert (
        approver.post(
            f"/api/v1/allocation/runs/{run_id}/commit",
            {},
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="k",
        ).status_code
        == 403
    )
    own = district.post(
        "/api/v1/allocation/runs",
        {"node_id": Node.objects.get(code="d01").pk},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=str(uuid4()),
    )
    assert own.status_code == 201
    assert city.get(f"/api/v1/allocation/runs/{own.json()['id']}").status_code == 200


def test_run_exports_its_proposal_with_explanations(day3: None, client_for: ClientFor) -> None:
    import io

    from openpyxl import load_workbook

    city = client_for("city-commander")
    run_id = city.post(
        "/api/v1/allocation/runs",
        {"node_id": Node.objects.get(code="city").pk},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=str(uuid4()),
    ).json()["id"]
    book = load_workbook(io.BytesIO(city.get(f"/allocation/runs/{run_id}/export.xlsx").content))
    run = AllocationRun.objects.get(pk=run_id)
    assert book.sheetnames == ["分配方案", "明细"]  # a Chinese reader's sheets and headers
    assert [c.value for c in book["分配方案"][1]][-1] == "数量"
    allocations = list(book["分配方案"].iter_rows(min_row=2, values_only=True))
    assert sum(r[5] for r in allocations) == sum(a["qty"] for a in run.result["allocations"])
    lines = list(book["明细"].iter_rows(min_row=2, values_only=True))
    assert len(lines) == len(run.result["lines"]) and all(r[8] for r in lines)
    assert (
        client_for("district-commander").get(f"/allocation/runs/{run_id}/export.xlsx").status_code
        == 404
    )


def test_commanders_inbox_shows_open_demand_and_shipments_in_transit(
    day3: None, client_for: ClientFor
) -> None:
    city = client_for("city-commander")
    html = city.get("/demand/inbox/").content.decode()
    assert 'data-testid="open-demand"' in html
    run_id = city.post(
        "/api/v1/allocation/runs",
        {"node_id": Node.objects.get(code="city").pk},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=str(uuid4()),
    ).json()["id"]
    city.post(
        f"/api/v1/allocation/runs/{run_id}/commit",
        {},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="c1",
    )
    shipment = Document.objects.filter(kind=DocumentKind.SHIPMENT).first()
    assert shipment is not None
    city.post(
        f"/api/v1/stock/shipments/{shipment.pk}/dispatch",
        {"collected_by_recipient": True},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="d1",
    )
    html = city.get("/demand/inbox/").content.decode()
    assert 'data-testid="in-transit"' in html and f"/logistics/shipments/{shipment.pk}/" in html
    sheet = city.get("/logistics/shipments/export.xlsx")
    assert sheet.status_code == 200 and sheet.content[:2] == b"PK"


def test_a_run_can_be_limited_to_one_region(day3: None, client_for: ClientFor) -> None:
    client = client_for("city-commander")
    page = client.get("/allocation/")
    district = Node.objects.get(code="d02")
    client.post(
        "/allocation/",
        {
            "form_token": page.context["form_token"],
            "node": Node.objects.get(code="city").pk,
            "region": district.pk,
        },
    )
    run = AllocationRun.objects.get()
    assert run.filters["region"] == district.pk
    regions = {d["region"][1] for d in run.instance["demands"]}
    assert run.instance["demands"], "day 3 has open demand in d02"
    assert regions <= {"d02"}
