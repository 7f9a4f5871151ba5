"""Phone first: every page each role can reach fits a 360 px wide screen without sideways
scrolling (wide tables scroll inside their own box, the page does not). A real browser visits
every navigation link and the first detail page of each list, for each role."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from liangcao.community.models import Household
from liangcao.community.services import LineIn, group_buy_create, order_enter, orders_assign
from liangcao.orgs.models import Membership, User
from liangcao.scenarios.day3 import day3_load
from liangcao.scenarios.demo import demo_load
from tests.browsers import chromium, screenshot, sign_in

pytestmark = [pytest.mark.browser]

ROLES = [
    "city-commander",
    "district-commander",
    "street-approver",
    "community-requester",
    "hospital-requester",
    "depot-keeper",
    "city-inspector",
    "community-grid-worker",
    "shop-supplier",
]
SKIP = ("/logout", "/admin", "/api/", ".xlsx", ".pdf", "/i18n/", "/static/", "/note/")


@pytest.fixture
def city(transactional_db: None, live_server: Any, empty_ledger_after: None) -> str:
    demo_load(size="small", seed=7)
    day3_load(requisitions=12, sites=6)
    _community_orders()
    return str(live_server.url)


def _community_orders() -> None:
    """A group buy the grid worker's households join, their orders assigned to suppliers: the
    group-buy pages and the supplier portal have rows to lay out."""
    grid = User.objects.get(username="community-grid-worker")
    community = Membership.objects.get(user=grid).node
    households = list(Household.objects.filter(compound__parent=community).order_by("pk")[:4])
    group = group_buy_create(
        user=grid, leader_household_id=households[0].pk, title="周末蔬菜团购（第一期）"
    )
    for household in households:
        lines = [LineIn("RICE", 1), LineIn("OIL", 1), LineIn("EGG", 2), LineIn("MILK", 1)]
        order_enter(user=grid, household_id=household.pk, lines=lines, group_buy_id=group.pk)
    orders_assign()


@pytest.fixture
def browser(city: str) -> Iterator[Browser]:
    with chromium() as b:
        yield b


def links(page: Page, selector: str) -> list[str]:
    hrefs = page.eval_on_selector_all(selector, "els => els.map(e => e.getAttribute('href'))")
    return [h for h in hrefs if h and h.startswith("/") and not any(s in h for s in SKIP)]


def overflow(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_every_page_fits_a_360_px_phone(city: str, browser: Browser) -> None:
    too_wide: list[str] = []
    visited = 0
    for username in ROLES:
        page = sign_in(browser, city, username, width=360, height=740)
        pages = ["/", *links(page, "nav a, header a, main a")]
        seen: set[str] = set()
        for path in pages:
            if path in seen:
                continue
            seen.add(path)
            page.goto(f"{city}{path}")
            visited += 1
            if overflow(page) > 0:
                too_wide.append(f"{username} {path}: {overflow(page)} px too wide")
                screenshot(page, f"phone-width/{username}{path.replace('/', '_')}")
            # The first row of a list opens a detail page: check that one too.
            for detail in links(page, "main table a")[:1]:
                if detail not in seen:
                    seen.add(detail)
                    page.goto(f"{city}{detail}")
                    visited += 1
                    if overflow(page) > 0:
                        too_wide.append(f"{username} {detail}: {overflow(page)} px too wide")
        page.context.close()
    assert visited > 40
    assert too_wide == [], "\n".join(too_wide)
