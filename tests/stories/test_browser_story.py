"""The demand-to-delivery story again, in a real browser (Playwright + Debian's chromium), on a
phone-sized screen, each person in their own session. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from liangcao.catalog.models import Item
from liangcao.orgs.models import Membership, Site, User
from liangcao.scenarios.demo import demo_load
from liangcao.stock.models import LocationKind
from liangcao.stock.services import LineSpec, receipt_post
from tests.browsers import chromium, screenshot, sign_in

pytestmark = [pytest.mark.browser]


@pytest.fixture
def city(transactional_db: None, live_server: Any, empty_ledger_after: None) -> dict[str, Any]:
    """Demo city with masks in the district and city depots (set up before Playwright starts)."""
    demo_load(size="small", seed=7)
    masks = Item.objects.get(code="MASK-N95")
    supplier = Site.objects.filter(kind="supplier_site").first()
    assert supplier is not None
    for code, qty in (("depot-d01", 400), ("depot-city", 2000)):
        receipt_post(
            actor=User.objects.get(username="admin"),
            site_id=Site.objects.get(code=code).pk,
            source_kind=LocationKind.SUPPLIER,
            source_site_id=supplier.pk,
            lines=[LineSpec(masks.pk, qty, lot_code=f"L-{code}", expiry=date(2027, 12, 31))],
        )
    community = Membership.objects.get(user__username="community-requester").node
    point = Site.objects.get(node=community, kind="community_point")
    return {"base": str(live_server.url), "point": point.pk}


@pytest.fixture
def browser(city: dict[str, Any]) -> Iterator[Browser]:
    with chromium() as b:
        yield b


def shot(page: Page, name: str) -> None:
    screenshot(page, f"story/{name}")


def click_and_wait(page: Page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def test_demand_to_delivery_in_a_browser(city: dict[str, Any], browser: Browser) -> None:
    base = city["base"]
    requester = sign_in(browser, base, "community-requester")
    requester.goto(f"{base}/demand/new/")
    requester.select_option("[data-testid=demand-site]", str(city["point"]))
    requester.select_option("select[name=item_0]", "MASK-N95")
    requester.fill("input[name=quantity_0]", "1000")
    shot(requester, "01-requester-new-list")
    click_and_wait(requester, "[data-testid=demand-create]")
    list_url = requester.url
    number = requester.inner_text("h1").split()[0]
    assert requester.inner_text("[data-testid=req-state]") == "已提交"

    for approver in ("street-approver", "district-approver"):
        page = sign_in(browser, base, approver)
        page.goto(f"{base}/demand/inbox/")
        click_and_wait(page, f"tr[data-requisition='{number}'] a")
        shot(page, f"02-{approver}-signs")
        click_and_wait(page, "[data-testid=action-sign]")
    assert "已批准" in page.inner_text("[data-testid=req-state]")

    def run_allocation(commander: str, pool: str) -> None:
        page = sign_in(browser, base, commander)
        page.goto(f"{base}/allocation/")
        page.select_option("[data-testid=run-node]", label=pool)
        click_and_wait(page, "[data-testid=run-start]")
        page.wait_for_selector("[data-testid=run-commit]")
        shot(page, f"03-{commander}-proposal")
        click_and_wait(page, "[data-testid=run-commit]")
        assert page.inner_text("[data-testid=run-status]") == "已提交" or "提交" in page.inner_text(
            "[data-testid=run-status]"
        )

    run_allocation("district-commander", "东城区")

    district = sign_in(browser, base, "district-approver")
    district.goto(list_url)
    line_input = district.locator("input[name^=escalate_]")
    line_input.fill("600")
    district.fill("[data-testid=action-comment]", "district depot empty")
    click_and_wait(district, "[data-testid=action-escalate]")
    shot(district, "04-escalated-to-city")
    child_number = district.inner_text("h1").split()[0]
    assert child_number.startswith(number)

    city_approver = sign_in(browser, base, "city-approver")
    city_approver.goto(f"{base}/demand/inbox/")
    click_and_wait(city_approver, f"tr[data-requisition='{child_number}'] a")
    click_and_wait(city_approver, "[data-testid=action-sign]")
    run_allocation("city-commander", "安宁市")

    for keeper in ("district-warehouse-keeper", "city-warehouse-keeper"):
        page = sign_in(browser, base, keeper)
        page.goto(f"{base}/logistics/shipments/?direction=out")
        click_and_wait(page, "tr[data-shipment] a")
        page.select_option("[data-testid=vehicle]", index=1)  # a vehicle and driver of the fleet
        page.select_option("[data-testid=driver]", index=1)
        click_and_wait(page, "[data-testid=action-dispatch]")
        assert page.inner_text("[data-testid=shipment-state]") == "已发运"

    receiver = sign_in(browser, base, "community-warehouse-keeper")
    receiver.goto(f"{base}/logistics/shipments/?direction=in")
    links = [a.get_attribute("href") for a in receiver.query_selector_all("tr[data-shipment] a")]
    assert len(links) == 2
    short_shipment = None
    for href in links:
        receiver.goto(f"{base}{href}")
        quantity = int(receiver.inner_text("tr[data-line] td:nth-child(3)"))
        if quantity == 400:
            receiver.fill("input[name^=received_]", "400")
        else:
            receiver.fill("input[name^=received_]", "500")
            receiver.fill("input[name^=damaged_]", "50")
            receiver.fill("input[name^=reason_]", "one case crushed")
            short_shipment = href
        shot(receiver, f"05-receive-{quantity}")
        click_and_wait(receiver, "[data-testid=action-receive]")
    assert short_shipment is not None

    city_keeper = sign_in(browser, base, "city-warehouse-keeper")
    city_keeper.goto(f"{base}{short_shipment}")
    city_keeper.fill("input[name=reason]", "one case missing")
    click_and_wait(city_keeper, "[data-testid=action-close]")
    assert city_keeper.inner_text("[data-testid=shipment-state]") == "已关闭"
    shot(city_keeper, "06-short-shipment-closed")

    for url in (list_url, None):
        if url is None:
            requester.goto(f"{base}/demand/?q={child_number}")
            click_and_wait(requester, f"tr[data-requisition='{child_number}'] a")
        else:
            requester.goto(url)
        click_and_wait(requester, "[data-testid=action-close]")
        assert requester.inner_text("[data-testid=req-state]") == "已关闭"
    shot(requester, "07-list-closed")
    assert re.search(r"500", requester.inner_text("tr[data-line]"))
