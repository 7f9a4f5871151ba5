"""Debian's chromium under Playwright, launched the one way every browser test uses.

Playwright's sync API runs an event loop in the test's thread: load data with the ORM in a
fixture that runs before `chromium()` starts, and keep ORM calls out of the test body.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from liangcao.signin.demo import demo_totp_code

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@contextmanager
def chromium() -> Iterator[Browser]:
    """Headless chromium; skips (fails under CI=true) when Debian's chromium is missing."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Debian's chromium is missing: `make test` installs it")
        pytest.skip("Debian's chromium is not installed")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page: Page, name: str) -> None:
    """Save a full-page screenshot under test-artifacts/ (kept as CI evidence)."""
    path = ARTIFACTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)


def pass_second_factor(page: Page) -> None:
    """After the password: enter the demo key's current code when the second step asks for it
    (commanders, approvers and superusers; signin/demo.py). A code is accepted once per
    device, so a user signing in again within the same 30 s waits for the next code."""
    page.wait_for_url(lambda url: "/login/" not in url)
    for _ in range(2):
        if "/signin/verify/" not in page.url:
            return
        page.fill("input[name=code]", demo_totp_code())
        with page.expect_navigation():
            page.click("[data-testid=otp-submit]")
        if "/signin/verify/" in page.url:
            time.sleep(30.5 - time.time() % 30)


def sign_in(
    browser: Browser, base: str, username: str, *, width: int = 412, height: int = 915
) -> Page:
    """A new phone-sized Chinese session signed in as a demo user (second factor included)."""
    from liangcao.scenarios.demo import DEMO_PASSWORD

    page = browser.new_context(
        viewport={"width": width, "height": height}, locale="zh-CN"
    ).new_page()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("[data-testid=login-submit]")
    pass_second_factor(page)
    page.wait_for_selector("[data-testid=username]")
    return page
