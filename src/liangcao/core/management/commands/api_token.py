"""`manage.py api_token create USERNAME --name NAME` / `manage.py api_token revoke ID`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from liangcao.core import services
from liangcao.core.errors import DomainError
from liangcao.core.models import ApiToken


class Command(BaseCommand):
    help = "Create or revoke API tokens. The raw token is printed once, on the last line."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("username")
        create.add_argument("--name", required=True)
        revoke = sub.add_parser("revoke")
        revoke.add_argument("token_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "create":
                user = get_user_model().objects.filter(username=options["username"]).first()
                if user is None:
                    raise CommandError(f"No user {options['username']!r}")
                token, raw = services.api_token_create(user_id=user.pk, name=options["name"])
                self.stdout.write(f"Created token {token.pk} ({token.name}) for {user}:")
                self.stdout.write(raw)
            else:
                owner = (
                    ApiToken.objects.filter(pk=options["token_id"])
                    .values_list("user_id", flat=True)
                    .first()
                )
                if owner is None:
                    raise CommandError(f"No token {options['token_id']}")
                services.api_token_revoke(user_id=owner, token_id=options["token_id"])
                self.stdout.write(f"Revoked token {options['token_id']}")
        except DomainError as exc:
            raise CommandError(str(exc)) from None
