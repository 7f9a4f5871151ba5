"""In a real browser on a 360 px phone, in Chinese: the corner shop's staff open the supplier
portal, accept their new orders, mark two picked and hand those two over at the community
point in one batch; the orders they did not pick stay accepted."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser

from liangcao.community.models import Household, Order, Supplier, SupplierState
from liangcao.community.services import LineIn, order_enter, orders_assign
from liangcao.orgs.models import User
from liangcao.scenarios.demo import demo_load
from tests.browsers import chromium, screenshot, sign_in
from tests.community.conftest import place_of
from tests.community.test_browser_offline import off_loop

pytestmark = [pytest.mark.browser]


@pytest.fixture
def shop(transactional_db: None, live_server: Any, empty_ledger_after: None) -> dict[str, Any]:
    demo_load(size="small", seed=7)
    place = place_of()
    grid = User.objects.get(username="community-grid-worker")
    for household in Household.objects.filter(compound__parent=place.community)[:3]:
        order_enter(user=grid, household_id=household.pk, lines=[LineIn("RICE", 1)])
    orders_assign(user=User.objects.get(username="city-commander"))
    supplier = Supplier.objects.get(site__code=f"shop-{place.community.code}")
    mine = list(
        Order.objects.filter(supplier=supplier)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)
    )
    assert len(mine) == 3
    return {"base": str(live_server.url), "orders": mine, "point": place.point.pk}


@pytest.fixture
def browser(shop: dict[str, Any]) -> Iterator[Browser]:
    with chromium() as b:
        yield b


def test_the_shop_accepts_picks_and_hands_over_on_a_phone(
    shop: dict[str, Any], browser: Browser
) -> None:
    base, orders = shop["base"], shop["orders"]
    page = sign_in(browser, base, "shop-supplier", width=360, height=740)
    page.click("[data-nav=supplier]")
    page.wait_for_selector(f"[data-testid=supplier-order-{orders[0]}]")
    assert page.inner_text(f"[data-testid=sstate-{orders[0]}]") == "已分派"
    cards = page.eval_on_selector_all(
        "[data-testid^=supplier-order-]", "els => els.map(e => e.dataset.testid)"
    )
    assert cards == [f"supplier-order-{pk}" for pk in orders]  # oldest first
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "community/10-supplier-new-orders")

    with page.expect_navigation():
        page.click("[data-testid=accept-all]")
    assert "已接 3 单" in page.inner_text(".messages")
    for pk in orders[:2]:
        with page.expect_navigation():
            page.click(f"[data-testid=pick-{pk}]")
    batch = page.inner_text(f"[data-testid=batch-{shop['point']}]")
    assert "已拣货 2 单" in batch
    screenshot(page, "community/11-supplier-batch")
    with page.expect_navigation():
        page.click(f"[data-testid=hand-over-{shop['point']}]")
    assert "已在社区服务站交接 2 单" in page.inner_text(".messages")
    assert page.query_selector(f"[data-testid=supplier-order-{orders[0]}]") is None
    page.click("[data-testid=tab-done]")
    page.wait_for_selector(f"[data-testid=supplier-order-{orders[0]}]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "community/12-supplier-handed-over")

    states = off_loop(
        lambda: dict(Order.objects.filter(pk__in=orders).values_list("pk", "supplier_state"))
    )
    assert [states[pk] for pk in orders] == [
        SupplierState.HANDED_OVER,
        SupplierState.HANDED_OVER,
        SupplierState.ACCEPTED,
    ]
