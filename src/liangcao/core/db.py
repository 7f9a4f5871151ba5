"""Hand-written statements on hot paths, run as prepared statements on PostgreSQL.

Django's PostgreSQL backend binds parameters on the client, so the server plans every
statement again: on the ledger's posting path that planning cost more than executing
(0.8 ms of a 1.9 ms transfer). `hot_sql` sends the parameters separately and prepares the
statement on its connection (psycopg keeps up to `prepared_max` per connection), so a
statement run again is only executed. Integers are sent as bigint, so one statement text has
one plan whatever the size of its numbers. Errors arrive as Django's database exceptions, as
from any Django cursor, and the statement runs inside the caller's transaction.

Prepared statements live on the server connection: behind a pooler in transaction mode, add
`?prepare_threshold=none` to DATABASE_URL (config/env.py) and `hot_sql` only binds on the server.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from django.db import connection

try:
    import psycopg
    from psycopg.types.numeric import Int8Dumper
except ImportError:  # pragma: no cover - psycopg is a dependency; SQLite never needs it
    psycopg = None  # type: ignore[assignment]


def hot_sql(sql: str, params: Sequence[Any], *, fetch: bool = True) -> list[tuple[Any, ...]]:
    """Run `sql` (%s placeholders) with `params`; the rows when `fetch`."""
    if connection.vendor != "postgresql" or psycopg is None:
        with connection.cursor() as django_cursor:
            django_cursor.execute(sql, params)
            return list(django_cursor.fetchall()) if fetch else []
    connection.ensure_connection()
    connection.validate_no_broken_transaction()
    raw = connection.connection
    started = time.monotonic()
    with connection.wrap_database_errors:
        cursor: psycopg.Cursor[tuple[Any, ...]] = psycopg.Cursor(raw)
        try:
            cursor.adapters.register_dumper(int, Int8Dumper)
            cursor.execute(sql, params, prepare=raw.prepare_threshold is not None)
            return cursor.fetchall() if fetch else []
        finally:
            cursor.close()
            if connection.queries_logged:  # as Django's debug cursor does (query counts)
                connection.queries_log.append(
                    {"sql": sql, "time": f"{time.monotonic() - started:.3f}"}
                )
