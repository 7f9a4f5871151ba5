"""`manage.py ledger_seal`: print one digest over every balance head, for publishing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from liangcao.stock.audit import ledger_seal


class Command(BaseCommand):
    help = "Print a SHA-256 seal over all balance heads (publish it; later edits change it)."

    def handle(self, *args: Any, **options: Any) -> None:
        digest, rows = ledger_seal()
        self.stdout.write(f"{timezone.now().isoformat()} {rows} balances seal {digest}")
