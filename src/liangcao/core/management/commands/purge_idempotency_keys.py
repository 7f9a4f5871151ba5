"""`manage.py purge_idempotency_keys [--hours N]`: drop finished idempotency keys older than N
hours (never fewer than 24: a client may retry a request for a day). Run it daily (cron)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from liangcao.core.idempotency import idempotency_key_purge


class Command(BaseCommand):
    help = "Delete idempotency keys older than --hours (at least 24)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hours", type=int, default=48)

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = idempotency_key_purge(older_than=timedelta(hours=options["hours"]))
        self.stdout.write(f"Deleted {deleted} idempotency keys.")
