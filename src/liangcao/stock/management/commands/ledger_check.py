"""`manage.py ledger_check`: recompute every balance and walk every hash chain."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from liangcao.stock.audit import ledger_verify


class Command(BaseCommand):
    help = "Verify the stock ledger; exits non-zero naming the first mismatch or tampered row."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        report = ledger_verify()
        took = time.monotonic() - started
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(problem)
            raise CommandError(f"ledger check FAILED: {report.problems[0]}")
        self.stdout.write(
            f"ledger ok: {report.movements} movements, {report.balances} balances, {took:.1f} s"
        )
