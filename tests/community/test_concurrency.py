"""Races on real concurrent connections (PostgreSQL): many taps at once for one household give
one order; one confirmation synced by many requests at once is recorded once and posts one
ledger document."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable

import pytest
from django.db import connection, connections

from liangcao.community.models import Handover, Order
from liangcao.community.services import (
    LineIn,
    door_run_create,
    handover_record,
    order_enter,
    resident_order_place,
)
from liangcao.core.errors import Conflict
from liangcao.orgs.models import User
from liangcao.scenarios.demo import demo_load
from liangcao.stock.models import Document
from tests.community.conftest import place_of


def run_clients(n: int, work: Callable[[int], None]) -> list[BaseException]:
    """n threads, each with its connection open before they start together."""
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def client(i: int) -> None:
        try:
            connection.ensure_connection()
            Order.objects.exists()
            barrier.wait()
            work(i)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("empty_ledger_after"),
]


def test_many_taps_at_once_give_one_order() -> None:
    demo_load(size="small", seed=7)
    place = place_of()
    refused: list[int] = []

    def tap(i: int) -> None:
        try:
            resident_order_place(
                token=place.token,
                household_code=place.household.code,
                room=place.household.room,
                lines=[LineIn("EGG", 1 + i % 3)],
            )
        except Conflict:
            refused.append(i)

    assert run_clients(12, tap) == []
    assert Order.objects.filter(household=place.household).count() == 1
    assert len(refused) == 11


def test_one_confirmation_synced_at_once_is_recorded_once() -> None:
    demo_load(size="small", seed=7)
    place = place_of()
    grid = User.objects.get(username="community-grid-worker")
    order = order_enter(user=grid, household_id=place.household.pk, lines=[LineIn("BOX-FAMILY", 1)])
    door_run_create(user=grid, point_id=place.point.pk)
    client_id = str(uuid.uuid4())
    created: list[bool] = []

    def sync(i: int) -> None:
        result = handover_record(
            user=grid, client_id=client_id, order_id=order.pk, code=order.confirm_code
        )
        created.append(result.created)

    errors = run_clients(8, sync)
    assert errors == [] or all(isinstance(e, Conflict) for e in errors), errors
    assert Handover.objects.filter(order=order).count() == 1
    assert created.count(True) == 1
    handover = Handover.objects.get(order=order)
    assert handover.document_id is not None
    issued = Document.objects.filter(idempotency_key=f"handover:{client_id}")
    assert issued.count() == 1
