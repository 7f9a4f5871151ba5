"""Phone first: every page each role can reach fits a 360 px wide screen without sideways
scrolling (wide tables scroll inside their own box, the page does not). A real browser visits
every navigation link and the first detail page of each list, for each role."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

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
]
SKIP = ("/logout", "/admin", "/api/", ".xlsx", ".pdf", "/i18n/", "/static/", "/note/")


@pytest.fixture
def city(transactional_db: None, live_server: Any, empty_ledger_after: None) -> str:
    demo_load(size="small", seed=7)
    day3_load(requisitions=12, sites=6)
    return str(live_server.url)


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
