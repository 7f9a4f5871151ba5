"""Signing in and out, lockout after repeated failures, and the language switch."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client, override_settings

from liangcao.scenarios.demo import DEMO_PASSWORD, DemoResult
from liangcao.signin.demo import demo_totp_code


def test_login_page_is_the_front_door(demo: DemoResult) -> None:
    response = Client().get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/login/")
    assert "登录" in response.content.decode()  # zh-Hans by default


def test_commander_signs_in_and_sees_the_city(demo: DemoResult) -> None:
    client = Client()
    response = client.post(
        "/login/", {"username": "city-commander", "password": DEMO_PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0].startswith("/signin/verify/")  # the second factor
    response = client.post("/signin/verify/", {"code": demo_totp_code()}, follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="my-area"' in html and "安宁市" in html
    response = client.post("/logout/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/login/")
    assert client.get("/").status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_failures_lock_out_that_user_from_that_address_only(demo: DemoResult) -> None:
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(3):
        attacker.post("/login/", {"username": "city-commander", "password": "guess"})
    locked = attacker.post("/login/", {"username": "city-commander", "password": DEMO_PASSWORD})
    assert locked.status_code == 429
    # The commander, from her own address, is not locked out by the stranger's guesses.
    commander = Client(REMOTE_ADDR="198.51.100.7")
    ok = commander.post("/login/", {"username": "city-commander", "password": DEMO_PASSWORD})
    assert ok.status_code == 302


def test_language_switch_to_english_and_back(client_for: Callable[[str], Client]) -> None:
    client = client_for("district-commander")
    assert "仪表板" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Dashboard" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "仪表板" in client.get("/").content.decode()


def test_health_check_reaches_the_database(db: None) -> None:
    assert Client().get("/healthz").json() == {"status": "ok"}


def test_each_role_sees_its_own_work(client_for: Callable[[str], Client]) -> None:
    def work(username: str) -> str:
        html = client_for(username).get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        start = html.index('data-testid="my-work"')
        return html[start : html.index("</section>", start)]

    keeper = work("depot-keeper")
    assert "My stores" in keeper and "Front-line hospitals" not in keeper
    commander = work("city-commander")
    assert "Front-line hospitals" in commander and "My stores" not in commander
    assert "Catalog import" in commander  # city-level commanders edit the catalog
    assert "Catalog import" not in work("district-commander")
    assert "read-only" in work("community-inspector")
