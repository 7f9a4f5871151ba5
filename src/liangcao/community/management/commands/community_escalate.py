"""Escalate overdue household orders to their street's commander (run it every few minutes,
e.g. from cron or a scheduler beside the worker; running it twice escalates nothing twice)."""

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from liangcao.community.services import orders_escalate


class Command(BaseCommand):
    help = "Escalate open household orders older than --hours (default 48) to the street."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hours", type=int, default=48)

    def handle(self, *args: Any, **options: Any) -> None:
        count = orders_escalate(after=timedelta(hours=options["hours"]))
        self.stdout.write(f"escalated {count} orders")
