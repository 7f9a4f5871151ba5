"""`manage.py demo_totp_code`: the current code of the demo city's published TOTP key (for
`make run` without an authenticator app). Real users' keys are never printed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from liangcao.signin.demo import DEMO_TOTP_SECRET, demo_totp_code


class Command(BaseCommand):
    help = "Print the current two-factor code of the demo key (demo users only)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{demo_totp_code()}  (demo key {DEMO_TOTP_SECRET})")
