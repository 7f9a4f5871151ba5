"""Append-only guard on stock_movement (vendor-specific SQL in stock/ledger_sql.py).

SQLite drops triggers when it rebuilds a table: a later migration that alters stock_movement
must run `install_triggers` again.
"""

from typing import Any

from django.db import migrations

from liangcao.stock.ledger_sql import drop_triggers, install_triggers


def forwards(apps: Any, schema_editor: Any) -> None:
    install_triggers(schema_editor.connection)


def backwards(apps: Any, schema_editor: Any) -> None:
    drop_triggers(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("stock", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
