"""Idempotency keys whose work shares the key's transaction (`atomic=True`, core/idempotency.py).

Told through household orders: a grid worker orders for a household and her phone retries,
sometimes while the first request still runs, sometimes after its server process died.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from liangcao.community.models import Order, OrderState
from liangcao.core.idempotency import request_fingerprint
from liangcao.core.models import IdempotencyKey, IdempotencyState
from liangcao.orgs.models import User
from liangcao.scenarios.demo import DemoResult, demo_load
from tests.community.conftest import Place, place_of

ORDERS = "/api/v1/community/orders"


def _body(place: Place, quantity: int = 2) -> dict[str, Any]:
    return {"household_id": place.household.pk, "lines": [{"offer": "EGG", "quantity": quantity}]}


def _post(client: Client, body: dict[str, Any], key: str) -> Any:
    return client.post(ORDERS, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.fixture
def place(demo: DemoResult) -> Place:
    return place_of()


@pytest.fixture
def grid(client_for: Callable[[str], Client]) -> Client:
    return client_for("community-grid-worker")


@pytest.mark.django_db
def test_a_retried_order_is_replayed_and_placed_once(place: Place, grid: Client) -> None:
    first = _post(grid, _body(place), "phone-1")
    second = _post(grid, _body(place), "phone-1")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Order.objects.filter(household=place.household).count() == 1
    key = IdempotencyKey.objects.get(key="phone-1")
    assert (key.state, key.status_code) == (IdempotencyState.DONE, 201)


@pytest.mark.django_db
def test_the_key_with_another_order_is_invalid(place: Place, grid: Client) -> None:
    assert _post(grid, _body(place, 2), "phone-2").status_code == 201
    response = _post(grid, _body(place, 3), "phone-2")
    assert response.status_code == 422
    assert Order.objects.filter(household=place.household).count() == 1


@pytest.mark.django_db
def test_a_refused_order_keeps_no_key_so_the_retry_can_succeed_later(
    place: Place, grid: Client
) -> None:
    assert _post(grid, _body(place), "first").status_code == 201
    refused = _post(grid, _body(place), "second")  # ordered too recently
    assert refused.status_code == 409
    assert not IdempotencyKey.objects.filter(key="second").exists()
    Order.objects.filter(household=place.household).update(state=OrderState.CANCELLED)
    assert _post(grid, _body(place), "second").status_code == 201
    assert Order.objects.filter(household=place.household).exclude(state="cancelled").count() == 1


@pytest.mark.django_db
def test_a_key_claimed_in_three_commits_is_respected_then_taken_over_when_stale(
    place: Place, grid: Client, user_named: Callable[[str], User]
) -> None:
    fingerprint = request_fingerprint(method="POST", path=ORDERS, data=_body(place))
    row = IdempotencyKey.objects.create(
        user=user_named("community-grid-worker"),
        key="phone-3",
        fingerprint=fingerprint,
        state=IdempotencyState.IN_FLIGHT,
        started_at=timezone.now(),
    )
    assert _post(grid, _body(place), "phone-3").status_code == 409
    IdempotencyKey.objects.filter(pk=row.pk).update(
        started_at=timezone.now() - timedelta(minutes=2)
    )
    assert _post(grid, _body(place), "phone-3").status_code == 201
    assert _post(grid, _body(place), "phone-3")["Idempotent-Replayed"] == "true"
    assert Order.objects.filter(household=place.household).count() == 1
    assert IdempotencyKey.objects.get(pk=row.pk).state == IdempotencyState.DONE


# --- real concurrent connections (PostgreSQL) ------------------------------------------------
def _in_thread(work: Callable[[], Any], results: list[Any]) -> threading.Thread:
    def run() -> None:
        try:
            results.append(work())
        except BaseException as exc:  # the killed request raises in its own thread
            results.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


# The order's first statement locks the household (community.services._lock_and_read).
_LOCK_HOUSEHOLD = "WITH h AS (SELECT id, compound_id, code FROM community_household"


def _waiting_backend(query_start: str, *, other_than: int = 0, timeout: float = 20.0) -> int:
    """The pid of a backend whose statement starts with `query_start` and waits on a lock."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query LIKE %s AND pid <> %s",
                [f"{query_start}%", other_than],
            )
            row = cursor.fetchone()
        if row is not None:
            return int(row[0])
        time.sleep(0.02)
    raise AssertionError(f"no backend waits in {query_start!r}")


def _database_url() -> str:
    s = connection.settings_dict
    host = f"{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
    return f"postgresql://{s['USER']}:{s['PASSWORD']}@{host}/{s['NAME']}"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_taps_with_one_key_at_once_place_one_order_and_all_get_its_answer(
    empty_ledger_after: None,
) -> None:
    demo_load(size="small", seed=7)
    place = place_of()
    grid = User.objects.get(username="community-grid-worker")
    barrier = threading.Barrier(8)
    answers: list[Any] = []

    def tap() -> tuple[int, Any, bool]:
        client = Client()
        client.force_login(grid)
        barrier.wait()
        response = _post(client, _body(place), "racing-key")
        return response.status_code, response.json(), response.has_header("Idempotent-Replayed")

    for thread in [_in_thread(tap, answers) for _ in range(8)]:
        thread.join()
    assert [a[0] for a in answers] == [201] * 8, answers
    assert all(a[1] == answers[0][1] for a in answers)
    assert sorted(a[2] for a in answers) == [False] + [True] * 7  # one placed, seven replayed
    assert Order.objects.filter(household=place.household).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_request_killed_mid_order_leaves_nothing_and_its_retry_places_once(
    empty_ledger_after: None,
) -> None:
    """The first request claims the key and waits on the household's lock (held here); the
    phone retries, and the retry waits on the key; the first request's server connection dies
    (its backend is terminated, as when a worker is killed). The retry then places the order
    exactly once, and a third try replays it."""
    demo_load(size="small", seed=7)
    place = place_of()
    grid = User.objects.get(username="community-grid-worker")

    def send() -> Any:
        # Not raising: the test client would re-raise another thread's request exception (it
        # listens to the process-wide got_request_exception signal).
        client = Client(raise_request_exception=False)
        client.force_login(grid)
        return _post(client, _body(place), "phone-crash")

    first: list[Any] = []
    retry: list[Any] = []
    with psycopg.connect(_database_url()) as holder:
        holder.execute(
            "SELECT id FROM community_household WHERE id = %s FOR UPDATE", [place.household.pk]
        )
        first_thread = _in_thread(send, first)
        doomed = _waiting_backend(_LOCK_HOUSEHOLD)
        retry_thread = _in_thread(send, retry)
        _waiting_backend('INSERT INTO "core_idempotencykey"')
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [doomed])
        first_thread.join(timeout=30)
        _waiting_backend(_LOCK_HOUSEHOLD, other_than=doomed)  # retry owns the key
        holder.rollback()  # release the household
    retry_thread.join(timeout=30)
    assert first[0].status_code == 500  # its connection died mid-order
    assert retry[0].status_code == 201, retry[0].content
    client = Client()
    client.force_login(grid)
    third = _post(client, _body(place), "phone-crash")
    assert third["Idempotent-Replayed"] == "true"
    assert third.json() == retry[0].json()
    assert Order.objects.filter(household=place.household).count() == 1
