"""Debian's chromium under Playwright, launched the one way every browser test uses.

Playwright's sync API runs an event loop in the test's thread: load data with the ORM in a
fixture that runs before `chromium()` starts, and keep ORM calls out of the test body.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import urlsplit

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


class NetworkCut:
    """A TCP relay between the browser and the live server that the test can cut.

    Playwright's `set_offline` does not reach a service worker's own requests, so a page that
    a service worker controls may still reach the server "offline". Pointing the browser at this
    relay and cutting it makes every request fail, whoever sends it: `cut()` closes the open
    connections and refuses new ones until `restore()`.
    """

    def __init__(self, target: str) -> None:
        parts = urlsplit(target)
        self._target = (parts.hostname or "localhost", parts.port or 80)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._down = False
        self._closed = False
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                if self._down:
                    client.close()
                    continue
                try:
                    upstream = socket.create_connection(self._target)
                except OSError:
                    client.close()
                    continue
                self._open.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while chunk := src.recv(65536):
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                self._drop(s)

    def _drop(self, s: socket.socket) -> None:
        with self._lock:
            self._open.discard(s)
        with suppress(OSError):
            s.shutdown(socket.SHUT_RDWR)
        s.close()

    def cut(self) -> None:
        with self._lock:
            self._down = True
            doomed = list(self._open)
        for s in doomed:
            self._drop(s)

    def restore(self) -> None:
        with self._lock:
            self._down = False

    def close(self) -> None:
        self._closed = True
        self.cut()
        self._listener.close()
