"""A checkpoint officer's phone (Playwright driving Debian's chromium): the checkpoint page
verifies passes in the browser (Ed25519 in WebCrypto) with the same answers as the server;
with the network cut after the page loaded it still verifies a pass, queues the scan, and
syncs it exactly once when the network is back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import segno
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils import timezone
from playwright.sync_api import Browser

from liangcao.fleet import passes, services
from liangcao.fleet.models import Driver, Scan, Vehicle
from liangcao.orgs.models import Membership, Node, Site, User
from liangcao.scenarios.demo import DEMO_PASSWORD, demo_load
from tests.browsers import chromium, screenshot

pytestmark = [pytest.mark.browser]


@dataclass
class Gate:
    base: str
    checkpoint_id: int
    cases: dict[str, tuple[str, str]]  # name → (code, the server's verdict)
    photo: Path


@pytest.fixture
def gate(transactional_db: None, live_server: object, tmp_path: Path) -> Gate:
    """The demo city, a checkpoint officer in district d01 and one pass per answer, all made
    before Playwright's event loop starts in this thread."""
    demo_load(size="small", seed=7)
    admin = User.objects.get(username="admin")
    city, d01, d02 = (
        Node.objects.get(parent__isnull=True),
        Node.objects.get(code="d01"),
        Node.objects.get(code="d02"),
    )
    checkpoint = Site.objects.filter(kind="checkpoint", node__code__startswith="d01").first()
    assert checkpoint is not None
    officer = User.objects.create_user(username="gate-officer", password=DEMO_PASSWORD)
    Membership.objects.create(user=officer, role="checkpoint_officer", site=checkpoint)
    vehicle = Vehicle.objects.filter(owner=city).order_by("plate").first()
    driver = Driver.objects.filter(owner=city).first()
    assert vehicle is not None and driver is not None
    now = timezone.now()

    def issue(zones: list[Node], start: timedelta = timedelta(minutes=-5), hours: int = 24) -> str:
        return services.pass_issue(
            user=admin,
            spec=services.PassSpec(
                vehicle_id=vehicle.pk,
                driver_id=driver.pk,
                zone_ids=[z.pk for z in zones],
                purpose="browser test",
                valid_from=now + start,
                valid_until=now + start + timedelta(hours=hours),
            ),
        ).code

    old_key_pass = issue([d01])
    old_key = passes.decode(old_key_pass)[0].key_id
    services.passkey_rotate(user=admin)
    services.passkey_end(user=admin, key_id=old_key, revoke=True)
    valid = issue([d01])
    revoked_pass = services.pass_issue(
        user=admin,
        spec=services.PassSpec(vehicle.pk, [city.pk], "to revoke", now, now + timedelta(days=1)),
    )
    services.pass_revoke(user=admin, pass_id=revoked_pass.pk, reason="stolen")
    _, body, _ = passes.decode(valid)
    raw = bytearray(passes.b64url_decode(valid))
    raw[20] ^= 0x01
    codes = {
        "valid": valid,
        "city pass": issue([city]),
        "forged signature": passes.b64url(body + Ed25519PrivateKey.generate().sign(body)),
        "one byte edited": passes.b64url(bytes(raw)),
        "revoked key": old_key_pass,
        "revoked pass": revoked_pass.code,
        "expired": issue([d01], start=timedelta(days=-3)),
        "other zone": issue([d02]),
    }
    cases = {
        name: (code, services.pass_verify(code=code, checkpoint_node_id=checkpoint.node_id))
        for name, code in codes.items()
    }
    photo = tmp_path / "pass.png"
    segno.make(valid, error="m").save(str(photo), scale=6, border=4)
    return Gate(str(live_server), checkpoint.pk, cases, photo)


def test_checkpoint_verifies_offline_and_syncs_each_scan_once(gate: Gate) -> None:
    expected = {
        "valid": "valid",
        "city pass": "valid",
        "forged signature": "forged",
        "one byte edited": "forged",
        "revoked key": "revoked",
        "revoked pass": "revoked",
        "expired": "expired",
        "other zone": "wrong_zone",
    }
    assert {n: v for n, (_, v) in gate.cases.items()} == expected  # the server's answers
    with chromium() as browser:
        queued = at_the_gate(gate, browser, expected)
    # Playwright's loop has stopped: count what the server stored.
    assert Scan.objects.count() == 3  # the photo, and the two offline scans once each
    assert sorted(Scan.objects.values_list("result", flat=True)) == ["revoked", "valid", "valid"]
    assert {str(c) for c in Scan.objects.values_list("client_id", flat=True)} >= {
        q["client_id"] for q in json.loads(queued)
    }


def at_the_gate(gate: Gate, browser: Browser, expected: dict[str, str]) -> str:
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{gate.base}/login/")
    page.fill("input[name=username]", "gate-officer")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_selector("[data-testid=roles]")
    url = f"{gate.base}/fleet/checkpoint/{gate.checkpoint_id}/"
    page.goto(url)
    page.wait_for_selector("#checkpoint[data-ready='1']")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # fits a phone

    # The browser's verifier gives the server's answer for every case.
    browser_answers = page.evaluate(
        """async (cases) => {
            const trust = JSON.parse(localStorage.getItem("lc-trust"));
            const ctx = JSON.parse(document.getElementById("checkpoint-context").textContent);
            const out = {};
            for (const [name, code] of Object.entries(cases)) {
                const now = Date.now() / 1000;
                out[name] = (await LiangcaoPass.verify(code, trust, now, ctx.ancestors)).result;
            }
            return out;
        }""",
        {n: code for n, (code, _) in gate.cases.items()},
    )
    assert browser_answers == expected

    # A photo of the pass (jsQR where the browser has no BarcodeDetector) → valid, logged.
    page.set_input_files("[data-testid=photo]", str(gate.photo))
    page.wait_for_selector("[data-testid=result][data-result='valid']")
    page.wait_for_selector("[data-testid=queue][data-count='0']")

    # Network cut: the page (served by its service worker) still verifies and queues.
    context.set_offline(True)
    page.reload()
    page.wait_for_selector("#checkpoint[data-ready='1']")
    assert page.get_attribute("[data-testid=list-age]", "data-minutes") == "0"
    page.fill("[data-testid=code]", gate.cases["valid"][0])
    page.click("[data-testid=check]")
    page.wait_for_selector("[data-testid=result][data-result='valid']")
    assert int(page.get_attribute("[data-testid=result]", "data-ms") or 9999) < 1000
    page.fill("[data-testid=code]", gate.cases["revoked pass"][0])
    page.click("[data-testid=check]")
    page.wait_for_selector("[data-testid=result][data-result='revoked']")
    page.click("[data-testid=sync]")
    page.wait_for_timeout(300)
    assert page.get_attribute("[data-testid=queue]", "data-count") == "2"
    screenshot(page, "checkpoint-offline-queued")
    queued = page.evaluate(f"localStorage.getItem('lc-scan-queue-{gate.checkpoint_id}')")

    # Back online: the queue drains; sending the same scans again (a lost answer) adds nothing.
    context.set_offline(False)
    page.click("[data-testid=sync]")
    page.wait_for_selector("[data-testid=queue][data-count='0']")
    page.evaluate(f"localStorage.setItem('lc-scan-queue-{gate.checkpoint_id}', {queued!r})")
    page.click("[data-testid=sync]")
    page.wait_for_selector("[data-testid=queue][data-count='0']")
    page.goto(url)
    assert page.locator("li[data-scan]").count() == 3
    context.close()
    return str(queued)
