"""Lockout: per (username, address), per username and per address, and a page saying how long."""

from __future__ import annotations

from django.test import Client, override_settings

from liangcao.scenarios.demo import DEMO_PASSWORD, DemoResult

LIMITS = {
    "AXES_FAILURE_LIMIT": 3,
    "AXES_USERNAME_FAILURE_LIMIT": 6,
    "AXES_ADDRESS_FAILURE_LIMIT": 8,
    "AXES_COOLOFF_TIME": 0.25,  # 15 minutes
}


def _guess(address: str, username: str) -> int:
    client = Client(REMOTE_ADDR=address)
    return client.post("/login/", {"username": username, "password": "guess"}).status_code


def _sign_in(address: str, username: str) -> int:
    client = Client(REMOTE_ADDR=address)
    return client.post("/login/", {"username": username, "password": DEMO_PASSWORD}).status_code


@override_settings(**LIMITS)
def test_guesses_from_many_addresses_lock_the_username(demo: DemoResult) -> None:
    for n in range(6):  # two guesses from each of three addresses: no pair reaches its limit
        _guess(f"203.0.113.{n // 2 + 1}", "depot-keeper")
    # Now even the keeper, from her own address, waits: the username itself is locked.
    assert _sign_in("198.51.100.7", "depot-keeper") == 429
    # Other people are not affected.
    assert _sign_in("198.51.100.7", "hospital-requester") == 302


@override_settings(**LIMITS)
def test_below_the_username_limit_the_owner_still_signs_in(demo: DemoResult) -> None:
    for n in range(5):
        _guess(f"203.0.113.{n + 1}", "depot-keeper")
    assert _sign_in("198.51.100.7", "depot-keeper") == 302


@override_settings(**LIMITS)
def test_one_address_guessing_many_usernames_is_locked(demo: DemoResult) -> None:
    names = ["depot-keeper", "hospital-requester", "city-commander", "district-commander"]
    for n in range(8):  # two guesses per username: no pair and no username reaches its limit
        _guess("203.0.113.50", names[n % 4])
    assert _sign_in("203.0.113.50", "community-inspector") == 429
    assert _sign_in("198.51.100.7", "community-inspector") == 302


@override_settings(**LIMITS)
def test_signing_in_with_ones_own_account_does_not_clear_an_address(demo: DemoResult) -> None:
    names = ["depot-keeper", "hospital-requester", "city-commander", "district-commander"]
    for n in range(7):
        _guess("203.0.113.50", names[n % 4])
    assert _sign_in("203.0.113.50", "community-inspector") == 302  # the attacker's own account
    _guess("203.0.113.50", "depot-keeper")
    assert _sign_in("203.0.113.50", "community-inspector") == 429


@override_settings(**LIMITS)
def test_the_lockout_page_says_for_how_long(demo: DemoResult) -> None:
    client = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(3):
        client.post("/login/", {"username": "depot-keeper", "password": "guess"})
    zh = client.post("/login/", {"username": "depot-keeper", "password": DEMO_PASSWORD})
    assert zh.status_code == 429
    assert "15 分钟" in zh.content.decode()
    en = client.post(
        "/login/",
        {"username": "depot-keeper", "password": DEMO_PASSWORD},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "Try again in 15 minutes." in en.content.decode()
