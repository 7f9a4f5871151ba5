"""`manage.py load_demo [--size full|small] [--seed N] [--if-empty]`."""

from __future__ import annotations

import argparse
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from liangcao.scenarios.day3 import day3_load
from liangcao.scenarios.demo import DEMO_PASSWORD, SIZES, database_is_empty, demo_load
from liangcao.scenarios.disclosure import disclosure_load
from liangcao.scenarios.lastmile import last_mile_load
from liangcao.signin.demo import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Load the demo city (deterministic from --seed) into an empty database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", choices=sorted(SIZES), default="full")
        parser.add_argument("--seed", type=int, default=2022)
        parser.add_argument(
            "--day3",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="Add day 3 of the lockdown: 300 open demand lists, stock at 60 %% of demand "
            "(default: on for the full city, off for the small one).",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (and succeed) when a tree is already loaded.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not database_is_empty():
            if options["if_empty"]:
                self.stdout.write("Demo city already loaded; nothing to do.")
                return
            raise CommandError("The database already holds a tree; load_demo needs an empty one.")
        started = time.monotonic()
        result = demo_load(size=options["size"], seed=options["seed"])
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded the {options['size']} demo city in {elapsed:.1f} s: {result.nodes} nodes, "
                f"{result.sites} sites, {result.items} items, {result.kits} kits."
            )
        )
        day3 = options["day3"] if options["day3"] is not None else options["size"] == "full"
        if day3:
            started = time.monotonic()
            scenario = day3_load()
            self.stdout.write(
                self.style.SUCCESS(
                    f"Day 3 of the lockdown in {time.monotonic() - started:.1f} s: "
                    f"{scenario.requisitions} approved demand lists from {scenario.sites} "
                    f"sites for {scenario.items} items; stock received at 60 % of demand."
                )
            )
            started = time.monotonic()
            last_mile = last_mile_load()
            self.stdout.write(
                self.style.SUCCESS(
                    f"The last 100 metres in {time.monotonic() - started:.1f} s: standard boxes "
                    f"at {last_mile.points} community points, {last_mile.orders} household "
                    f"orders ({last_mile.assigned} with suppliers, {last_mile.escalated} "
                    f"escalated), a door run of {last_mile.door_run_orders} out."
                )
            )
        disclosure = disclosure_load()
        self.stdout.write(
            self.style.SUCCESS(
                f"Disclosure: {disclosure.purchases} purchases, {disclosure.donations} donations, "
                f"lists of {disclosure.published} published at /public/."
            )
        )
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role, where in result.users:
            self.stdout.write(f"  {username:32} {role:22} {where}")
        self.stdout.write(
            "Commanders, approvers and the superuser also enter a two-factor code: add the "
            f"demo key {DEMO_TOTP_SECRET} to an authenticator app, or run "
            "`manage.py demo_totp_code`."
        )
