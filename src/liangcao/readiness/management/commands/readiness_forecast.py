"""Print the consumption forecast of a node's items with its backtest error (MAE, MAPE)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from liangcao.orgs.models import Node, User
from liangcao.readiness.selectors import HISTORY_DAYS, cover_report, system_reader


class Command(BaseCommand):
    help = "Forecast per item for a node (default: the root) with the backtest error."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--node", default="", help="node code (default: the root)")
        parser.add_argument("--as-of", type=date.fromisoformat, default=None)
        parser.add_argument("--history", type=int, default=HISTORY_DAYS)

    def handle(self, *args: Any, **options: Any) -> None:
        node = (
            Node.objects.filter(code=options["node"]).first()
            if options["node"]
            else Node.objects.filter(parent__isnull=True).order_by("code").first()
        )
        if node is None:
            raise CommandError("no such node")
        reader: User = system_reader()
        report = cover_report(
            user=reader, node_id=node.pk, as_of=options["as_of"], history_days=options["history"]
        )
        self.stdout.write(
            f"{node.code} as of {report.as_of}: level {report.level.level.code}, "
            f"population {report.population}"
        )
        self.stdout.write("item        method α    β    rate/day  MAE      MAPE    days")
        for r in report.rows:
            mae = "-" if r.mae is None else f"{r.mae:.2f}"
            mape = "-" if r.mape is None else f"{r.mape:.1%}"
            days = "-" if r.days is None else f"{r.days:.1f}"
            self.stdout.write(
                f"{r.item.code:<11} {r.fit.method:<6} {r.fit.alpha:<4} {r.fit.beta:<4} "
                f"{r.rate:>8.2f}  {mae:>7}  {mape:>6}  {days}"
            )
