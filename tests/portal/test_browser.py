"""The portal in a real browser at phone width (360 px): every page fits without sideways
scrolling, the strict Content-Security-Policy reports no violation (no inline script or style
anywhere), and an anonymous visitor reads the donation trace."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser

from liangcao.donations.models import Donation
from liangcao.scenarios.demo import demo_load
from liangcao.scenarios.disclosure import disclosure_load
from tests.browsers import chromium, screenshot

pytestmark = [pytest.mark.browser]


@pytest.fixture
def city(transactional_db: None, live_server: Any, empty_ledger_after: None) -> dict[str, Any]:
    demo_load(size="small", seed=7)
    disclosure_load()
    anonymous = Donation.objects.get(donor__anonymous=True)
    return {"base": str(live_server), "anonymous": anonymous.reference}


@pytest.fixture
def browser(city: object) -> Iterator[Browser]:
    with chromium() as b:
        yield b


def test_portal_fits_a_phone_and_keeps_its_csp(city: dict[str, Any], browser: Browser) -> None:
    page = browser.new_page(viewport={"width": 360, "height": 740}, locale="zh-CN")
    violations: list[str] = []
    page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )
    paths = [
        "/public/",
        "/public/procurement/",
        "/public/allocations/",
        "/public/stock/",
        "/public/donations/",
        f"/public/donations/{city['anonymous']}/",
        "/public/verify/",
    ]
    for path in paths:
        response = page.goto(city["base"] + path)
        assert response is not None and response.status == 200, path
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (path, width)
        # The stylesheet applied (a blocked stylesheet would leave the default serif body).
        assert page.evaluate("getComputedStyle(document.body).margin") == "0px"
    assert violations == []
    page.goto(city["base"] + paths[5])
    assert "匿名" in page.inner_text("[data-testid=donor]")
    assert page.query_selector_all("[data-testid=trace] tbody tr")
    screenshot(page, "portal-donation-trace-360")
