"""The route plan pages on a 360 px phone in chromium: the demo plan, solved, shows its SVG
route map and tables without sideways scrolling; the run sheets too."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser

from liangcao.logistics.models import PlanStatus, RoutePlan
from liangcao.logistics.planning import route_plan_execute
from liangcao.scenarios.demo import DEMO_PASSWORD, demo_load
from tests.browsers import chromium, screenshot

pytestmark = [pytest.mark.browser]


@pytest.fixture
def solved(transactional_db: None, live_server: Any) -> dict[str, Any]:
    demo_load(size="small", seed=7)
    plan = RoutePlan.objects.get()
    RoutePlan.objects.filter(pk=plan.pk).update(status=PlanStatus.QUEUED, time_limit=1)
    route_plan_execute(plan_id=plan.pk)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SOLVED, plan.error
    return {"base": str(live_server.url), "plan": plan.pk, "routes": len(plan.result["routes"])}


@pytest.fixture
def browser(solved: dict[str, Any]) -> Iterator[Browser]:
    with chromium() as b:
        yield b


def test_route_map_and_run_sheets_fit_a_phone(solved: dict[str, Any], browser: Browser) -> None:
    base, plan = solved["base"], solved["plan"]
    page = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN").new_page()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "district-dispatcher")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_selector("[data-testid=username]")
    page.goto(f"{base}/logistics/routes/{plan}/")
    assert page.locator("[data-testid=route-map] polyline").count() == solved["routes"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "routing/plan-360")
    page.goto(f"{base}/logistics/routes/{plan}/sheets/")
    assert page.locator("section.sheet").count() == solved["routes"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "routing/run-sheets-360")
