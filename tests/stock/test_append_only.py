"""History cannot be edited: triggers reject UPDATE and DELETE (TRUNCATE too on PostgreSQL),
and an edit made with the triggers lifted — even one that re-hashes the row — is found by
`ledger_check`. Runs on both databases."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from liangcao.stock import services
from liangcao.stock.audit import ledger_seal
from liangcao.stock.ledger_sql import TRIGGER_NAMES, installed_triggers
from liangcao.stock.models import Balance, Movement
from tests.stock.conftest import Stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(stock: Stock) -> tuple[Movement, Movement]:
    """A receipt of 100 thermometers, then an issue of 30: two movements on the store row."""
    stock.receive("depot-city", "THERMO-IR", 100)
    services.issue_post(
        actor=stock.admin,
        site_id=stock.site("depot-city").pk,
        lines=[services.LineSpec(item_id=stock.item("THERMO-IR").pk, quantity=30)],
    )
    first, second = Movement.objects.order_by("id")
    return first, second


def test_the_triggers_exist_after_migrating() -> None:
    assert installed_triggers(connection) == TRIGGER_NAMES[connection.vendor]


def test_movements_cannot_be_updated(history: tuple[Movement, Movement]) -> None:
    first, _ = history
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Movement.objects.filter(pk=first.pk).update(quantity=1)
    first.refresh_from_db()
    assert first.quantity == 100


def test_movements_cannot_be_deleted(history: tuple[Movement, Movement]) -> None:
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM stock_movement")
    assert Movement.objects.count() == 2


@pytest.mark.postgres
def test_a_non_empty_ledger_cannot_be_truncated(history: tuple[Movement, Movement]) -> None:
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # flush deferred FK checks first
        cursor.execute("TRUNCATE stock_movement CASCADE")
    assert Movement.objects.count() == 2


def test_ledger_check_passes_on_honest_history(history: tuple[Movement, Movement]) -> None:
    out = io.StringIO()
    call_command("ledger_check", stdout=out)
    assert "ledger ok: 2 movements" in out.getvalue()


def _tamper(sql: str, params: list[object]) -> None:
    """Edit stock_movement as its owner would: triggers lifted, inside the test's transaction."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks on the table
            cursor.execute("ALTER TABLE stock_movement DISABLE TRIGGER USER")
            cursor.execute(sql, params)
            cursor.execute("ALTER TABLE stock_movement ENABLE TRIGGER USER")
        else:
            from liangcao.stock.ledger_sql import drop_triggers, install_triggers

            drop_triggers(connection)
            cursor.execute(sql, params)
            install_triggers(connection)


def test_an_edited_and_rehashed_movement_is_still_caught(
    history: tuple[Movement, Movement],
) -> None:
    first, second = history
    seal_before, _ = ledger_seal()
    # A careful attacker lowers the receipt to 90, re-hashes it, and fixes the balances too.
    forged = services.movement_hash(
        document_id=first.document_id,
        line_id=first.line_id,
        item_id=first.item_id,
        lot_id=first.lot_id,
        quantity=90,
        from_location_id=first.from_location_id,
        to_location_id=first.to_location_id,
        actor_id=first.actor_id,
        created_at=first.created_at,
        reverses_id=None,
        from_head=first.from_head,
        to_head=first.to_head,
    )
    _tamper("UPDATE stock_movement SET quantity = 90, hash = %s WHERE id = %s", [forged, first.pk])
    Balance.objects.filter(location_id=first.to_location_id).update(on_hand=60)
    Balance.objects.filter(location_id=first.from_location_id).update(on_hand=-90, head=forged)
    err = io.StringIO()
    with pytest.raises(CommandError, match=f"movement {second.pk}: from-head"):
        call_command("ledger_check", stderr=err)
    assert ledger_seal()[0] != seal_before


def test_an_edit_without_rehashing_names_the_tampered_row(
    history: tuple[Movement, Movement],
) -> None:
    first, _ = history
    _tamper("UPDATE stock_movement SET quantity = 99 WHERE id = %s", [first.pk])
    with pytest.raises(CommandError, match=f"movement {first.pk}: content does not match"):
        call_command("ledger_check", stderr=io.StringIO())


def test_a_balance_edited_behind_the_ledgers_back_is_caught(
    history: tuple[Movement, Movement],
) -> None:
    first, _ = history
    Balance.objects.filter(location_id=first.to_location_id).update(on_hand=1000)
    with pytest.raises(CommandError, match="on hand 1000, movements give 70"):
        call_command("ledger_check", stderr=io.StringIO())
