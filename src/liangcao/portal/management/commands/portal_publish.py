"""`manage.py portal_publish [--day YYYY-MM-DD]`: publish a day's lists (default: yesterday)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from liangcao.core.errors import Conflict
from liangcao.portal.publication import publication_create


class Command(BaseCommand):
    help = "Publish one day's procurement, allocation, stock and donation lists with digests."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", type=date.fromisoformat, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        day = options["day"] or timezone.localdate() - timedelta(days=1)
        try:
            publication = publication_create(day=day)
        except Conflict as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{publication.day} digest {publication.digest}")
