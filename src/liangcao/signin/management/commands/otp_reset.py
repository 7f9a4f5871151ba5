"""`manage.py otp_reset USERNAME`: an administrator removes a user's authenticator (a lost or
replaced phone); the user enrols a new one at the next sign-in."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from liangcao.core.errors import NotFound
from liangcao.signin.second_factor import second_factor_reset


class Command(BaseCommand):
    help = "Remove a user's two-factor device; they enrol again at their next sign-in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            removed = second_factor_reset(username=options["username"])
        except NotFound as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Removed {removed} device(s) of {options['username']}; "
                "they set up a new authenticator at their next sign-in."
            )
        )
