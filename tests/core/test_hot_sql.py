"""core.db.hot_sql: the ledger's hot statements are prepared once per connection on
PostgreSQL, run in the caller's transaction, and fail with Django's exceptions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import IntegrityError, connection, transaction

from liangcao.core.db import hot_sql

pytestmark = pytest.mark.django_db

INSERT = "INSERT INTO hot_sql_probe (id, label) VALUES (%s, %s)"
COUNT = "SELECT count(*) FROM hot_sql_probe WHERE id > %s AND label <> %s"


@pytest.fixture(autouse=True)
def probe() -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE hot_sql_probe (id bigint PRIMARY KEY, label text)")
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE hot_sql_probe")


def test_rows_in_the_callers_transaction() -> None:
    hot_sql(INSERT, [1, "kept"], fetch=False)
    with transaction.atomic():
        hot_sql(INSERT, [2, "rolled back"], fetch=False)
        assert hot_sql(COUNT, [0, "-"]) == [(2,)]
        transaction.set_rollback(True)
    assert hot_sql(COUNT, [0, "-"]) == [(1,)]


def test_a_constraint_violation_is_djangos_integrity_error() -> None:
    hot_sql(INSERT, [1, "first"], fetch=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        hot_sql(INSERT, [1, "again"], fetch=False)
    assert hot_sql(COUNT, [0, "-"]) == [(1,)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_postgresql_prepares_the_statement_once_and_reuses_it() -> None:
    for n in (1, 2**40):  # small and big numbers: one statement, one plan (bigint)
        hot_sql(COUNT, [n, "x"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall() if "FROM hot_sql_probe" in row[0]]
    assert prepared == [COUNT.replace("%s", "$1", 1).replace("%s", "$2", 1)]


def test_counted_like_any_query() -> None:
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        hot_sql(COUNT, [0, "-"])
    assert len(queries.captured_queries) == 1
    assert "FROM hot_sql_probe" in queries.captured_queries[0]["sql"]
