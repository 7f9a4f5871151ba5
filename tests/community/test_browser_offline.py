"""In a real browser on a phone-sized screen: a resident orders by the compound's QR address
(and is refused, in Chinese, when ordering again); a volunteer opens a door run, the network
is cut, two households confirm with their codes, the page reloads with the queue kept on the
phone (a service worker caches the page), the network comes back and each confirmation is
recorded once — also when the phone syncs the same queue again — and the ledger shows the
standard box at the household. The household's QR code works the same way: the volunteer's
phone opens the address it holds with the network cut, the service worker serves the
confirmation page for an order it never saw, the confirmation joins the same queue (opening the
QR code again adds nothing) and is recorded once when the network is back."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
from playwright.sync_api import Browser

from liangcao.catalog.models import Kit
from liangcao.community.models import Handover, Household, Order, OrderState
from liangcao.community.services import LineIn, door_run_create, order_enter
from liangcao.orgs.models import User
from liangcao.scenarios.demo import demo_load
from liangcao.stock.models import Balance
from tests.browsers import NetworkCut, chromium, screenshot, sign_in
from tests.community.conftest import place_of

pytestmark = [pytest.mark.browser]
T = TypeVar("T")


def off_loop(fn: Callable[[], T]) -> T:
    """Run ORM reads outside Playwright's event loop thread."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn).result()


@pytest.fixture
def story(transactional_db: None, live_server: Any, empty_ledger_after: None) -> dict[str, Any]:
    demo_load(size="small", seed=7)
    place = place_of()
    grid = User.objects.get(username="community-grid-worker")
    third = Household.objects.filter(compound=place.compound).order_by("pk")[2]
    orders = [
        order_enter(user=grid, household_id=h.pk, lines=[LineIn("BOX-FAMILY", 1)])
        for h in (place.household, place.neighbour)
    ]
    run = door_run_create(user=grid, point_id=place.point.pk)
    return {
        "base": str(live_server.url),
        "token": place.token,
        "third": (third.room, third.code),
        "run": run.pk,
        "orders": [(o.pk, o.confirm_code, o.household_id) for o in orders],
    }


@pytest.fixture
def browser(story: dict[str, Any]) -> Iterator[Browser]:
    with chromium() as b:
        yield b


@pytest.fixture
def network(story: dict[str, Any]) -> Iterator[NetworkCut]:
    """The phone reaches the server through a relay the test cuts: `set_offline` alone does not
    stop a service worker's requests."""
    relay = NetworkCut(story["base"])
    yield relay
    relay.close()


def test_resident_orders_and_volunteer_delivers_offline(
    story: dict[str, Any], browser: Browser, network: NetworkCut
) -> None:
    base = network.url
    # A resident scans the QR code: no sign-in, no app.
    resident = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    page = resident.new_page()
    page.goto(f"{base}/c/{story['token']}/")
    room, code = story["third"]
    page.fill("[data-testid=room]", room)
    page.fill("[data-testid=household-code]", code)
    page.fill("[data-testid=q-EGG]", "2")
    with page.expect_navigation():
        page.click("[data-testid=resident-submit]")
    assert page.inner_text("[data-testid=confirm-code]").strip().isdigit()
    qr_url = page.get_attribute("[data-testid=confirm-qr]", "data-url") or ""
    assert "/community/runs/confirm/?order=" in qr_url
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "community/01-resident-ordered")
    page.goto(f"{base}/c/{story['token']}/")
    page.fill("[data-testid=room]", room)
    page.fill("[data-testid=household-code]", code)
    page.fill("[data-testid=q-EGG]", "1")
    with page.expect_navigation():
        page.click("[data-testid=resident-submit]")
    assert "每 3 天" in page.inner_text("[data-testid=resident-error]")
    screenshot(page, "community/02-resident-refused")

    # The volunteer opens the door run while online, then loses the network.
    volunteer = sign_in(browser, base, "community-grid-worker")
    context = volunteer.context
    volunteer.goto(f"{base}/community/runs/{story['run']}/")
    volunteer.evaluate("navigator.serviceWorker.ready.then(() => true)")
    volunteer.reload()  # now controlled by the service worker, which caches the page
    volunteer.wait_for_function("navigator.serviceWorker.controller !== null")
    context.set_offline(True)
    network.cut()
    for order_id, confirm, _ in story["orders"]:
        volunteer.fill(f"[data-testid=code-{order_id}]", confirm)
        volunteer.click(f"[data-testid=confirm-{order_id}]")
        volunteer.wait_for_selector(f"[data-testid=state-{order_id}]:has-text('已保存在本机')")
    assert volunteer.inner_text("[data-testid=pending]").strip() == "⏳ 2"
    queued = volunteer.evaluate("localStorage.getItem('liangcao-handovers')")
    volunteer.reload()  # offline: the service worker serves the cached page; the queue survives
    assert volunteer.inner_text("[data-testid=pending]").strip() == "⏳ 2"
    screenshot(volunteer, "community/03-volunteer-offline")
    assert off_loop(lambda: Handover.objects.count()) == 0

    network.restore()
    context.set_offline(False)
    volunteer.wait_for_function(
        "document.querySelector('[data-testid=pending]').textContent === ''"
    )
    for order_id, _, _ in story["orders"]:
        volunteer.wait_for_selector(f"[data-testid=state-{order_id}]:has-text('已送达并记录')")
    screenshot(volunteer, "community/04-volunteer-synced")
    # The phone syncs the same queue again (say it lost the answers): nothing is added.
    volunteer.evaluate(f"localStorage.setItem('liangcao-handovers', {queued!r})")
    volunteer.reload()
    volunteer.wait_for_function(
        "document.querySelector('[data-testid=pending]').textContent === ''"
    )

    def recorded() -> tuple[int, list[str], dict[int, dict[int, int]], dict[int, int]]:
        kit = {ln.item_id: ln.quantity for ln in Kit.objects.get(code="BOX-FAMILY").lines.all()}
        ids = [o for o, _, _ in story["orders"]]
        at_door = {
            h: dict(
                Balance.objects.filter(location__key=f"household:hh-{h}").values_list(
                    "item_id", "on_hand"
                )
            )
            for _, _, h in story["orders"]
        }
        return (
            Handover.objects.filter(order_id__in=ids).count(),
            list(Order.objects.filter(pk__in=ids).values_list("state", flat=True)),
            at_door,
            kit,
        )

    count, states, at_door, kit = off_loop(recorded)
    assert count == 2
    assert states == [OrderState.DELIVERED, OrderState.DELIVERED]
    assert all(held == kit for held in at_door.values())


def test_the_households_qr_code_confirms_offline_and_syncs_once(
    story: dict[str, Any], browser: Browser, network: NetworkCut
) -> None:
    base = network.url
    volunteer = sign_in(browser, base, "community-grid-worker")
    context = volunteer.context
    # The volunteer opened the door run once online: the service worker is installed.
    volunteer.goto(f"{base}/community/runs/{story['run']}/")
    volunteer.evaluate("navigator.serviceWorker.ready.then(() => true)")
    volunteer.reload()
    volunteer.wait_for_function("navigator.serviceWorker.controller !== null")
    context.set_offline(True)
    network.cut()

    # At each door the phone's camera opens the household's QR code: never opened online.
    for order_id, confirm, _ in story["orders"]:
        qr = f"{base}/community/runs/confirm/?order={order_id}&code={confirm}"
        volunteer.goto(qr)
        volunteer.wait_for_selector(f"[data-testid=state-{order_id}]:has-text('已保存在本机')")
        volunteer.goto(qr)  # scanned twice: still one confirmation waiting for this order
    assert volunteer.inner_text("[data-testid=confirm-order]") == str(story["orders"][-1][0])
    assert volunteer.inner_text("[data-testid=pending]").strip() == "⏳ 2"
    screenshot(volunteer, "community/05-qr-confirmed-offline")
    # The door-run page shows the same queue.
    volunteer.goto(f"{base}/community/runs/{story['run']}/")
    assert volunteer.inner_text("[data-testid=pending]").strip() == "⏳ 2"
    for order_id, _, _ in story["orders"]:
        assert "已保存在本机" in volunteer.inner_text(f"[data-testid=state-{order_id}]")
    assert off_loop(lambda: Handover.objects.count()) == 0

    network.restore()
    context.set_offline(False)
    volunteer.wait_for_function(
        "document.querySelector('[data-testid=pending]').textContent === ''"
    )
    for order_id, _, _ in story["orders"]:
        volunteer.wait_for_selector(f"[data-testid=state-{order_id}]:has-text('已送达并记录')")
    # Scanning an already recorded QR code again records nothing more.
    order_id, confirm, _ = story["orders"][0]
    volunteer.goto(f"{base}/community/runs/confirm/?order={order_id}&code={confirm}")
    volunteer.wait_for_selector(f"[data-testid=state-{order_id}]:has-text('已送达并记录')")

    def recorded() -> tuple[int, list[str]]:
        ids = [o for o, _, _ in story["orders"]]
        return (
            Handover.objects.filter(order_id__in=ids).count(),
            list(Order.objects.filter(pk__in=ids).values_list("state", flat=True)),
        )

    count, states = off_loop(recorded)
    assert count == 2
    assert states == [OrderState.DELIVERED, OrderState.DELIVERED]
