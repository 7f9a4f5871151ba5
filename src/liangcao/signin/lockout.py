"""Sign-in lockout: three limits at once, and the page that says for how long.

django-axes counts failures per (username, address), per username and per address
(`AXES_LOCKOUT_PARAMETERS`), but compares them all with one `AXES_FAILURE_LIMIT`. A username
guessed at from many addresses, or an address guessing at many usernames, needs a higher limit
than one pair — otherwise a stranger locks the commander out with five guesses. The handler
below scales each count by its own limit, so each limit trips exactly at its own number.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import (
    get_client_username,
    get_cool_off,
    get_failure_limit,
    get_lockout_parameters,
)
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def _own_limit(parameter: str | list[str], pair_limit: int) -> int:
    if parameter == "username":
        return int(settings.AXES_USERNAME_FAILURE_LIMIT)
    if parameter == "ip_address":
        return int(settings.AXES_ADDRESS_FAILURE_LIMIT)
    return pair_limit


class LimitsHandler(AxesDatabaseHandler):  # type: ignore[misc]
    """The database handler with a limit per lockout parameter (see the module docstring)."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        pair_limit = get_failure_limit(request, credentials)
        parameters = get_lockout_parameters(request, credentials)
        worst = 0
        for parameter, attempts in zip(
            parameters, self.get_user_attempts(request, credentials), strict=True
        ):
            count = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            # Scaled so that reaching this parameter's own limit reaches the pair limit.
            worst = max(worst, count * pair_limit // _own_limit(parameter, pair_limit))
        return worst

    def reset_user_attempts(
        self, request: HttpRequest, credentials: dict[str, Any] | None = None
    ) -> int:
        """A successful sign-in clears only that (username, address) pair's failures: signing
        in with one's own account must not wipe an address's guesses at other usernames."""
        username = get_client_username(request, credentials)
        deleted, _ = AccessAttempt.objects.filter(
            username=username,
            ip_address=request.axes_ip_address,  # type: ignore[attr-defined]
        ).delete()
        return int(deleted)


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The lockout page (HTTP 429), naming how many minutes sign-in stays paused."""
    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else None
    return render(request, "signin/locked_out.html", {"minutes": minutes}, status=429)
