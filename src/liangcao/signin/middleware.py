"""Require the second factor before any page, for the users who must have one."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from liangcao.orgs.models import User
from liangcao.signin.second_factor import confirmed_device, second_factor_required

# Reachable between the password and the code: the two sign-in steps, signing out, the
# language switch, static files and the health check.
OPEN_URL_NAMES = ("signin-setup", "signin-verify", "logout", "login", "set_language", "healthz")
OPEN_PREFIXES = ("/static/",)
API_PREFIX = "/api/"


class SecondFactorMiddleware:
    """After django_otp's OTPMiddleware: a session of a user who needs the second factor and has
    not passed it is sent to the code page (HTML) or treated as anonymous (API, so a Bearer
    token still works and a half-signed-in session gets 401)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._open_paths: frozenset[str] | None = None

    def _is_open(self, path: str) -> bool:
        if self._open_paths is None:
            self._open_paths = frozenset(reverse(name) for name in OPEN_URL_NAMES)
        return path in self._open_paths or path.startswith(OPEN_PREFIXES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            isinstance(user, User)
            and user.is_authenticated
            and not user.is_verified()  # type: ignore[attr-defined]
            and second_factor_required(user)
        ):
            if request.path.startswith(API_PREFIX):
                request.user = AnonymousUser()
            elif not self._is_open(request.path):
                step = "signin-verify" if confirmed_device(user) else "signin-setup"
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse(step)}?{query}")
        return self.get_response(request)
