"""A district commander in a real browser (Playwright driving Debian's chromium, headless):
signs in, sees only their district's sites, switches the language, logs out.

Screenshots are saved under test-artifacts/ as evidence of what a person sees.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from liangcao.orgs.models import Node, Site
from liangcao.scenarios.demo import DEMO_PASSWORD, demo_load
from tests.browsers import chromium, pass_second_factor, screenshot

pytestmark = [pytest.mark.browser]


@pytest.fixture
def city(transactional_db: None, live_server: object) -> tuple[str, set[str], set[str], str]:
    """The small demo city, loaded before Playwright's event loop starts in this thread."""
    demo_load(size="small", seed=7)
    own = set(Site.objects.filter(node__code__startswith="d01").values_list("code", flat=True))
    others = set(Site.objects.values_list("code", flat=True)) - own
    return str(live_server), own, others, Node.objects.get(code="d01").name_zh


@pytest.fixture
def browser(city: object) -> Iterator[Browser]:
    with chromium() as b:
        yield b


def shot(page: Page, name: str) -> None:
    screenshot(page, name)


def test_district_commander_session(
    city: tuple[str, set[str], set[str], str], browser: Browser
) -> None:
    base, own_sites, other_sites, district_name = city
    assert own_sites and other_sites

    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")  # a phone
    page.goto(f"{base}/")
    assert "/login/" in page.url
    page.fill("input[name=username]", "district-commander")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("[data-testid=login-submit]")
    pass_second_factor(page)
    page.wait_for_selector("[data-testid=roles]")
    assert district_name in page.inner_text("[data-testid=roles]")
    shot(page, "district-commander-dashboard-zh")

    page.goto(f"{base}/sites/")
    seen: set[str] = set()
    while True:
        seen |= {
            row.get_attribute("data-site") or "" for row in page.query_selector_all("tr[data-site]")
        }
        next_link = page.query_selector("nav.pager a:has-text('下一页')")
        if next_link is None:
            break
        next_link.click()
        page.wait_for_load_state()
    assert seen == own_sites
    assert not seen & other_sites
    shot(page, "district-commander-sites-zh")

    # HTMX search narrows the table in place.
    hospital = sorted(c for c in own_sites if c.startswith("hosp"))[0]
    page.fill("[data-testid=site-search]", hospital)
    page.wait_for_function(
        "n => document.querySelectorAll('tr[data-site]').length === n", arg=1, timeout=5000
    )
    assert page.get_attribute("tr[data-site]", "data-site") == hospital

    page.click("[data-testid=lang-en]")
    page.wait_for_selector("text=Log out")
    assert page.inner_text("nav.mainnav").find("Dashboard") >= 0
    shot(page, "district-commander-sites-en")

    page.click("[data-testid=logout]")
    page.wait_for_selector("[data-testid=login-submit]")
    assert "/login/" in page.url
    page.goto(f"{base}/sites/")
    assert "/login/" in page.url
