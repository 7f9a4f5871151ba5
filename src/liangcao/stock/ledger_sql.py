"""The append-only guard on `stock_movement`, as vendor-specific SQL.

PostgreSQL: row triggers reject UPDATE and DELETE; a statement trigger rejects TRUNCATE of a
non-empty table (emptying an empty table changes nothing, and test databases are flushed that
way). SQLite: row triggers reject UPDATE and DELETE. SQLite drops a table's triggers when a
migration rebuilds the table: any later migration that alters `stock_movement` must call
`install_triggers` again (tests/stock/test_append_only.py checks the triggers exist).
"""

from __future__ import annotations

from typing import Any

TABLE = "stock_movement"
TRIGGER_NAMES = {
    "postgresql": {
        "stock_movement_no_update",
        "stock_movement_no_delete",
        "stock_movement_no_truncate",
    },
    "sqlite": {"stock_movement_no_update", "stock_movement_no_delete"},
}

_PG_INSTALL = [
    """
    CREATE OR REPLACE FUNCTION stock_movement_reject() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'stock_movement is append-only: % rejected', TG_OP;
    END $$
    """,
    """
    CREATE OR REPLACE FUNCTION stock_movement_reject_truncate() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM stock_movement) THEN
        RAISE EXCEPTION 'stock_movement is append-only: TRUNCATE rejected';
      END IF;
      RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER stock_movement_no_update BEFORE UPDATE ON stock_movement "
    "FOR EACH ROW EXECUTE FUNCTION stock_movement_reject()",
    "CREATE TRIGGER stock_movement_no_delete BEFORE DELETE ON stock_movement "
    "FOR EACH ROW EXECUTE FUNCTION stock_movement_reject()",
    "CREATE TRIGGER stock_movement_no_truncate BEFORE TRUNCATE ON stock_movement "
    "FOR EACH STATEMENT EXECUTE FUNCTION stock_movement_reject_truncate()",
]
_PG_DROP = [
    "DROP TRIGGER IF EXISTS stock_movement_no_update ON stock_movement",
    "DROP TRIGGER IF EXISTS stock_movement_no_delete ON stock_movement",
    "DROP TRIGGER IF EXISTS stock_movement_no_truncate ON stock_movement",
    "DROP FUNCTION IF EXISTS stock_movement_reject()",
    "DROP FUNCTION IF EXISTS stock_movement_reject_truncate()",
]
_SQLITE_INSTALL = [
    "CREATE TRIGGER IF NOT EXISTS stock_movement_no_update BEFORE UPDATE ON stock_movement "
    "BEGIN SELECT RAISE(ABORT, 'stock_movement is append-only: UPDATE rejected'); END",
    "CREATE TRIGGER IF NOT EXISTS stock_movement_no_delete BEFORE DELETE ON stock_movement "
    "BEGIN SELECT RAISE(ABORT, 'stock_movement is append-only: DELETE rejected'); END",
]
_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS stock_movement_no_update",
    "DROP TRIGGER IF EXISTS stock_movement_no_delete",
]


def _run(connection: Any, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def install_triggers(connection: Any) -> None:
    """Create the append-only triggers on the connection's database (idempotent)."""
    if connection.vendor == "postgresql":
        _run(connection, _PG_DROP[:3] + _PG_INSTALL)
    elif connection.vendor == "sqlite":
        _run(connection, _SQLITE_INSTALL)
    else:
        raise NotImplementedError(f"no append-only triggers for {connection.vendor}")


def drop_triggers(connection: Any) -> None:
    """Remove the triggers (reverse migration, and test teardown of committed data only)."""
    if connection.vendor == "postgresql":
        _run(connection, _PG_DROP)
    elif connection.vendor == "sqlite":
        _run(connection, _SQLITE_DROP)


def installed_triggers(connection: Any) -> set[str]:
    """Names of the append-only triggers present on `stock_movement`."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [TABLE],
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE]
            )
        return {row[0] for row in cursor.fetchall()} & TRIGGER_NAMES.get(connection.vendor, set())
