"""The command dashboard: what its charts are fed, drill-down links, and a real browser
drawing the chart (Playwright + Debian's chromium)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from django.test import Client
from playwright.sync_api import Browser

from liangcao.demand import services as demand
from liangcao.orgs.models import Node, Site, User
from liangcao.readiness.dashboard import dashboard
from liangcao.scenarios.demo import DEMO_PASSWORD, demo_load
from tests.browsers import chromium, pass_second_factor, screenshot
from tests.readiness.conftest import Ledger


def test_the_dashboard_feeds_cover_demand_transit_and_alerts(ledger: Ledger) -> None:
    ledger.receive("depot-d01", "FLOUR", 1000)
    ledger.issue("depot-d01", "FLOUR", 100, day=-1)
    point = Site.objects.filter(kind="community_point", node__code__startswith="d01-").first()
    assert point is not None
    demand.requisition_create(
        user=ledger.admin, site_id=point.pk, lines=[demand.LineIn("MASK-SURG", 40)], submit=True
    )
    city = Node.objects.get(code="city")
    board = dashboard(user=ledger.admin, node_id=city.pk)
    data = board.chart_data()
    assert [a["code"] for a in data["areas"]] == list(
        Node.objects.filter(parent=city).order_by("code").values_list("code", flat=True)
    )
    daily = next(s for s in data["cover"] if s["category"] == "daily")
    d01 = [a["code"] for a in data["areas"]].index("d01")
    # FLOUR in d01: 900 left at ~100 a day; RICE has a per-head norm and no stock: 0 days.
    assert daily["values"][d01] == 0
    assert {"item": "MASK-SURG", "demand": 40, "available": 0} in data["demand"]
    assert all(t["shipments"] == 0 for t in data["in_transit"])
    assert "RICE" in {a["item"].code for a in board.below_target}
    commander = User.objects.get(username="district-commander")
    assert (
        dashboard(user=commander, node_id=Node.objects.get(code="d01").pk)
        .areas[0]
        .code.startswith("d01-")
    )


def test_the_dashboard_page_embeds_its_data_and_drills_down(ledger: Ledger) -> None:
    client = Client()
    client.force_login(User.objects.get(username="city-commander"))
    html = client.get("/readiness/dashboard/").content.decode()
    assert "web/vendor/echarts/echarts.min.js" in html
    data = json.loads(re.search(r'id="dashboard-data"[^>]*>(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    d01 = Node.objects.get(code="d01")
    assert {"id": d01.pk, "code": "d01", "name": d01.name_zh} in data["areas"]
    assert f'href="?node={d01.pk}"' in html
    drilled = client.get(f"/readiness/dashboard/?node={d01.pk}").content.decode()
    assert f"/nodes/{d01.pk}/" in drilled and f"?node={d01.pk}" in drilled


@pytest.fixture
def live_city(transactional_db: None, live_server: object) -> str:
    demo_load(size="small", seed=7)
    return str(live_server)


@pytest.fixture
def browser(live_city: str) -> Iterator[Browser]:
    with chromium() as b:
        yield b


@pytest.mark.browser
def test_a_commander_sees_the_cover_chart_drawn_on_a_phone(
    live_city: str, browser: Browser
) -> None:
    page = browser.new_page(viewport={"width": 360, "height": 800}, locale="zh-CN")
    page.goto(f"{live_city}/login/?next=/readiness/dashboard/")
    page.fill("input[name=username]", "city-commander")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("[data-testid=login-submit]")
    pass_second_factor(page)  # commanders sign in with a second factor
    if "/readiness/dashboard/" not in page.url:
        page.goto(f"{live_city}/readiness/dashboard/")
    page.wait_for_selector("#chart-cover[data-rendered=true] svg", timeout=15000)
    bars = page.locator("#chart-cover svg path").count()
    assert bars > 3
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width}px wide on a 360px phone"
    screenshot(page, "readiness-dashboard-phone-zh")
    page.click("[data-node=d01]")
    page.wait_for_selector("#chart-cover[data-rendered=true] svg", timeout=15000)
    assert "node=" in page.url
    # Every new page fits a 360 px phone without sideways scrolling.
    too_wide = []
    for path in (
        "/readiness/",
        "/readiness/reorder/",
        "/readiness/levels/",
        "/readiness/switch/",
        "/readiness/notifications/",
        "/reports/",
        "/market/",
        "/market/new/",
        "/market/import/",
        "/market/chart/",
    ):
        page.goto(f"{live_city}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 360:
            too_wide.append(f"{path}: {width}px")
    page.wait_for_selector("#chart-prices[data-rendered=true] svg", timeout=15000)
    assert too_wide == []
