"""`manage.py reconcile_demand`: re-derive every open demand list from the ledger (what the
worker also does every ten minutes) and say how many lists changed."""

from typing import Any

from django.core.management.base import BaseCommand

from liangcao.demand.services import requisitions_reconcile


class Command(BaseCommand):
    help = "Bring every open demand list up to date with the ledger's shipments."

    def handle(self, *args: Any, **options: Any) -> None:
        changed = requisitions_reconcile()
        self.stdout.write(f"{changed} list(s) brought up to date")
