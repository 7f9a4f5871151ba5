"""Idempotency keys: a retried stock POST is applied once (architecture.md, "Errors and input").

Told through the stock API: a keeper issues masks and her phone retries.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone

from liangcao.core.idempotency import idempotency_key_purge
from liangcao.core.models import IdempotencyKey, IdempotencyState
from liangcao.orgs.models import User
from liangcao.scenarios.demo import DemoResult
from liangcao.stock.models import Document
from tests.stock.conftest import Stock

ISSUE_PATH = "/api/v1/stock/documents"


def _issue(stock: Stock, quantity: int = 5) -> dict[str, object]:
    return {
        "kind": "issue",
        "site_id": stock.site("depot-city").pk,
        "lines": [{"item_id": stock.item("THERMO-IR").pk, "quantity": quantity}],
    }


def _post(client: Client, body: dict[str, object], key: str | None) -> object:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(ISSUE_PATH, body, content_type="application/json", **headers)


@pytest.fixture
def stock(demo: DemoResult) -> Stock:
    return Stock(admin=User.objects.get(username="admin"))


@pytest.fixture
def keeper(stock: Stock, client_for: Callable[[str], Client]) -> Client:
    stock.receive("depot-city", "THERMO-IR", 100)
    return client_for("depot-keeper")


@pytest.mark.django_db
def test_a_post_without_a_key_is_refused_and_changes_nothing(keeper: Client, stock: Stock) -> None:
    response = _post(keeper, _issue(stock), None)
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "Idempotency-Key" in response.json()["message"]  # type: ignore[attr-defined]
    assert not Document.objects.filter(kind="issue").exists()


@pytest.mark.django_db
def test_a_retry_with_the_same_key_replays_the_first_answer(keeper: Client, stock: Stock) -> None:
    first = _post(keeper, _issue(stock), "phone-1")
    second = _post(keeper, _issue(stock), "phone-1")
    assert first.status_code == second.status_code == 201  # type: ignore[attr-defined]
    assert first.json() == second.json()  # type: ignore[attr-defined]
    assert second["Idempotent-Replayed"] == "true"  # type: ignore[index]
    assert Document.objects.filter(kind="issue").count() == 1


@pytest.mark.django_db
def test_the_same_key_with_a_different_body_is_invalid(keeper: Client, stock: Stock) -> None:
    assert _post(keeper, _issue(stock, 5), "phone-2").status_code == 201  # type: ignore[attr-defined]
    response = _post(keeper, _issue(stock, 6), "phone-2")
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert Document.objects.filter(kind="issue").count() == 1


@pytest.mark.django_db
def test_a_key_still_in_flight_conflicts_until_it_goes_stale(keeper: Client, stock: Stock) -> None:
    user = User.objects.get(username="depot-keeper")
    from liangcao.core.idempotency import request_fingerprint

    fingerprint = request_fingerprint(method="POST", path=ISSUE_PATH, data=_issue(stock))
    row = IdempotencyKey.objects.create(
        user=user,
        key="phone-3",
        fingerprint=fingerprint,
        state=IdempotencyState.IN_FLIGHT,
        started_at=timezone.now(),
    )
    assert _post(keeper, _issue(stock), "phone-3").status_code == 409  # type: ignore[attr-defined]
    IdempotencyKey.objects.filter(pk=row.pk).update(
        started_at=timezone.now() - timedelta(minutes=2)
    )
    assert _post(keeper, _issue(stock), "phone-3").status_code == 201  # type: ignore[attr-defined]
    assert Document.objects.filter(kind="issue").count() == 1


@pytest.mark.django_db
def test_keys_belong_to_one_user(
    keeper: Client, stock: Stock, client_for: Callable[[str], Client]
) -> None:
    commander = client_for("city-commander")
    assert _post(keeper, _issue(stock), "same").status_code == 201  # type: ignore[attr-defined]
    assert _post(commander, _issue(stock), "same").status_code == 201  # type: ignore[attr-defined]
    assert Document.objects.filter(kind="issue").count() == 2


@pytest.mark.django_db
def test_a_refused_request_frees_its_key_for_a_later_retry(keeper: Client, stock: Stock) -> None:
    too_many = _issue(stock, 150)
    assert _post(keeper, too_many, "phone-4").status_code == 409  # type: ignore[attr-defined]
    stock.receive("depot-city", "THERMO-IR", 100)
    assert _post(keeper, too_many, "phone-4").status_code == 201  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_keys_are_kept_for_a_day(keeper: Client, stock: Stock) -> None:
    _post(keeper, _issue(stock), "old")
    _post(keeper, _issue(stock), "older")
    IdempotencyKey.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=23))
    IdempotencyKey.objects.filter(key="older").update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    assert idempotency_key_purge(older_than=timedelta(minutes=1)) == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["old"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_requests_racing_with_one_key_post_once(
    keeper: Client, stock: Stock, empty_ledger_after: None
) -> None:
    user = User.objects.get(username="depot-keeper")
    body = _issue(stock)
    statuses: list[int] = []
    bodies: list[object] = []
    barrier = threading.Barrier(8)

    def send() -> None:
        client = Client()
        client.force_login(user)
        barrier.wait()
        try:
            response = _post(client, body, "racing-key")
            statuses.append(response.status_code)  # type: ignore[attr-defined]
            if response.status_code == 201:  # type: ignore[attr-defined]
                bodies.append(response.json())  # type: ignore[attr-defined]
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(statuses) <= {201, 409} and 201 in statuses, statuses
    assert all(b == bodies[0] for b in bodies)
    assert Document.objects.filter(kind="issue").count() == 1


def test_old_keys_are_purged_but_never_within_a_day(keeper: Client) -> None:
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    user = User.objects.get(username="depot-keeper")
    now = timezone.now()
    for key in ("fresh", "day-old", "old"):
        IdempotencyKey.objects.create(
            user=user, key=key, fingerprint="f", started_at=now, state=IdempotencyState.DONE
        )
    IdempotencyKey.objects.filter(key="day-old").update(created_at=now - timedelta(hours=20))
    IdempotencyKey.objects.filter(key="old").update(created_at=now - timedelta(hours=30))
    call_command("purge_idempotency_keys", "--hours", "1")  # asks for 1 h; a day is kept anyway
    assert set(IdempotencyKey.objects.values_list("key", flat=True)) == {"fresh", "day-old"}
