"""Market prices: alerts above the baseline and on day-over-day jumps, the phone form, the
all-or-nothing .xlsx import, charts, and scope (role × endpoint)."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from liangcao.core.errors import Forbidden, Invalid, NotFound
from liangcao.market import selectors, services
from liangcao.market.models import PriceAlert, PriceReport, SampleStore
from liangcao.orgs.models import Node, User
from liangcao.scenarios.demo import DemoResult
from tests.orgs.test_scope_matrix import API_MARKET, WEB_MARKET, expected_visibility


def test_every_market_endpoint_is_exercised_here() -> None:
    assert {"/api/v1/market/prices", "/api/v1/market/alerts"} == API_MARKET
    assert {
        "market-home",
        "market-new",
        "market-import",
        "market-template",
        "market-chart",
    } == WEB_MARKET


@pytest.fixture
def store(demo: DemoResult) -> SampleStore:
    return SampleStore.objects.get(code="shop-d01-2")


def _kinds(report: PriceReport) -> set[str]:
    return set(report.alerts.values_list("kind", flat=True))


def test_alerts_above_baseline_and_on_a_day_over_day_jump(store: SampleStore) -> None:
    monitor = User.objects.get(username="district-market-monitor")
    today = timezone.localdate()
    day1, day2, day3 = (
        today - timedelta(days=12),
        today - timedelta(days=11),
        today - timedelta(days=10),
    )
    # EGG baseline 11.00; thresholds 20 % over baseline (13.20) and 10 % over the day before.
    a = services.price_report(
        actor=monitor, store_id=store.pk, item_code="EGG", price="12.00", day=day1
    )
    assert _kinds(a) == set()
    b = services.price_report(
        actor=monitor, store_id=store.pk, item_code="EGG", price="13.20", day=day2
    )
    assert _kinds(b) == set()  # exactly 20 % over baseline and exactly 10 % over 12.00
    c = services.price_report(
        actor=monitor, store_id=store.pk, item_code="EGG", price="14.53", day=day3
    )
    assert _kinds(c) == {"above_baseline", "day_jump"}
    jump = c.alerts.get(kind="day_jump")
    assert (jump.reference, jump.rise) == (Decimal("13.20"), Decimal("0.1008"))
    # Correcting day 2 upwards removes day 3's jump and gives day 2 its own alerts.
    b2 = services.price_report(
        actor=monitor, store_id=store.pk, item_code="EGG", price="13.90", day=day2
    )
    assert b2.pk == b.pk and _kinds(b2) == {"above_baseline", "day_jump"}
    assert _kinds(PriceReport.objects.get(pk=c.pk)) == {"above_baseline"}


def test_reporting_keeps_to_scope_role_and_valid_fields(store: SampleStore) -> None:
    other = SampleStore.objects.get(code="shop-d02-1")
    monitor = User.objects.get(username="district-market-monitor")
    with pytest.raises(NotFound):
        services.price_report(actor=monitor, store_id=other.pk, item_code="EGG", price="1")
    with pytest.raises(Forbidden):
        services.price_report(
            actor=User.objects.get(username="district-approver"),
            store_id=store.pk,
            item_code="EGG",
            price="1",
        )
    for field, kwargs in (
        ("price", {"item_code": "EGG", "price": "-1"}),
        ("price", {"item_code": "EGG", "price": "abc"}),
        ("item", {"item_code": "NOPE", "price": "1"}),
        (
            "day",
            {"item_code": "EGG", "price": "1", "day": timezone.localdate() + timedelta(days=1)},
        ),
    ):
        with pytest.raises(Invalid) as bad:
            services.price_report(actor=monitor, store_id=store.pk, **kwargs)  # type: ignore[arg-type]
        assert bad.value.errors[0].field == field


def _sheet(rows: list[list[object]]) -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "prices"
    ws.append(["day", "store_code", "item_code", "price"])
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_import_is_all_or_nothing_and_names_row_column_and_reason(store: SampleStore) -> None:
    client = Client()
    client.force_login(User.objects.get(username="district-market-monitor"))
    day = (timezone.localdate() - timedelta(days=20)).isoformat()
    before = PriceReport.objects.count()
    bad = _sheet(
        [
            [day, "shop-d01-1", "RICE", 6.1],
            [day, "shop-d02-1", "RICE", 6.1],  # another district's store
            [day, "shop-d01-1", "NOPE", 6.1],
            [day, "shop-d01-2", "OIL", "cheap"],
        ]
    )
    response = client.post("/market/import/", {"file": SimpleUploadedFile("p.xlsx", bad)})
    assert response.status_code == 422
    page = response.content.decode()
    assert "3 · store_code: 未知价格监测点" in page
    assert "4 · item_code: 未知物资" in page
    assert "5 · price: 不是数字" in page
    assert PriceReport.objects.count() == before
    good = _sheet([[day, "shop-d01-1", "RICE", 6.1], [day, "shop-d01-2", "OIL", 30]])
    response = client.post("/market/import/", {"file": SimpleUploadedFile("p.xlsx", good)})
    assert response.status_code == 302
    assert PriceReport.objects.count() == before + 2
    oil = PriceReport.objects.get(store=store, item__code="OIL", day=day)
    assert _kinds(oil) == {"above_baseline"}
    template = load_workbook(io.BytesIO(client.get("/market/template.xlsx").content))["prices"]
    codes = {r[1] for r in template.iter_rows(min_row=2, values_only=True)}
    assert codes == {"shop-d01-1", "shop-d01-2"}


def test_the_phone_form_and_the_api(store: SampleStore) -> None:
    client = Client()
    client.force_login(User.objects.get(username="district-market-monitor"))
    assert client.get("/market/new/").status_code == 200
    response = client.post(
        "/market/new/", {"store": store.pk, "item": "PORK", "price": "50", "form_token": "t"}
    )
    assert response.status_code == 302
    assert _kinds(PriceReport.objects.get(store=store, item__code="PORK", day=timezone.localdate()))
    bad = client.post(
        "/market/new/", {"store": store.pk, "item": "PORK", "price": "0", "form_token": "u"}
    )
    assert bad.status_code == 422 and "price" in bad.content.decode()
    api = client.post(
        "/api/v1/market/prices",
        {"store_id": store.pk, "item": "EGG", "price": "11.5"},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="p1",
    )
    assert api.status_code == 201 and api.json()["alerts"] == []
    assert (
        client.post(
            "/api/v1/market/prices",
            {"store_id": store.pk, "item": "EGG", "price": "1"},
            content_type="application/json",
        ).status_code
        == 400
    )
    invalid = client.post(
        "/api/v1/market/prices",
        {"store_id": store.pk, "item": "EGG", "price": "-3"},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="p2",
    )
    assert invalid.status_code == 422 and invalid.json()["errors"][0]["field"] == "price"


def test_scope_of_prices_alerts_and_charts(demo: DemoResult) -> None:
    stores = dict(SampleStore.objects.values_list("code", "node__code"))
    names = [
        "city-market-monitor",
        "district-market-monitor",
        "community-commander",
        "depot-keeper",
    ]
    for user in User.objects.filter(username__in=names):
        client = Client()
        client.force_login(user)
        nodes, _sites = expected_visibility(user)
        visible = {c for c, n in stores.items() if n in nodes}
        got = set()
        body = client.get("/api/v1/market/prices", {"limit": 500}).json()
        got |= {p["store_code"] for p in body["items"]}
        assert got == visible, user.username
        alerts = {a["store_code"] for a in client.get("/api/v1/market/alerts").json()["items"]}
        assert alerts <= visible and (alerts != set()) == bool(
            visible & {"shop-d01-1", "shop-d01-2"}
        )
        home = client.get("/market/").content.decode()
        assert all(f'data-price="{c}:' not in home for c in set(stores) - visible)
        assert client.get("/market/chart/").status_code == 200
        other = Node.objects.get(code="d02")
        expected = 200 if "d02" in nodes else 404
        assert client.get(f"/market/chart/?node={other.pk}").status_code == expected
        assert client.get("/market/import/").status_code == 200


def test_the_chart_series_average_each_area_by_day(demo: DemoResult) -> None:
    admin = User.objects.get(username="admin")
    data = selectors.price_series(user=admin, item_code="VEG-LEAF")
    assert data["baseline"] == 4.0
    d01 = next(s for s in data["series"] if s["area"] == "d01")
    today_prices = PriceReport.objects.filter(
        store__node__code="d01", item__code="VEG-LEAF", day=timezone.localdate()
    ).values_list("price", flat=True)
    assert d01["values"][-1] == pytest.approx(float(sum(today_prices) / len(today_prices)))
    assert PriceAlert.objects.filter(report__store__code__startswith="shop-d01-").exists()
