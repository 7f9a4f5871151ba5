"""The second sign-in step: enrol an authenticator (QR code) or enter its code."""

from __future__ import annotations

from base64 import b32encode
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from liangcao.core.errors import Invalid
from liangcao.orgs.models import User
from liangcao.signin import second_factor


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


def _code_form(
    request: HttpRequest,
    template: str,
    check: Callable[..., object],
    extra: Callable[[], dict[str, Any]] = dict,
) -> HttpResponse:
    """Show a code form; on POST run `check` (raises Invalid for a wrong code) and go on."""
    context: dict[str, Any] = {"next": _next_url(request), "error": False}
    status = 200
    if request.method == "POST":
        try:
            check(request=request, user=request.user, code=request.POST.get("code", ""))
        except Invalid:
            context["error"] = True
            status = 422
        else:
            return redirect(_next_url(request))
    return render(request, template, {**context, **extra()}, status=status)


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """Enrol: show the QR code and secret of a new device; a correct code confirms it."""
    user: User = request.user  # type: ignore[assignment]
    if second_factor.confirmed_device(user) is not None:
        return _step(request, "signin-verify")
    device = second_factor.enrolment_device(user)

    def qr() -> dict[str, Any]:
        return {
            "qr_svg": second_factor.enrolment_qr_svg(device),
            "secret": b32encode(device.bin_key).decode(),
        }

    return _code_form(request, "signin/setup.html", second_factor.enrolment_confirm, qr)


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """Enter the code from the authenticator app."""
    user: User = request.user  # type: ignore[assignment]
    if second_factor.confirmed_device(user) is None:
        return _step(request, "signin-setup")
    return _code_form(request, "signin/verify.html", second_factor.second_factor_verify)


def _step(request: HttpRequest, name: str) -> HttpResponse:
    return redirect(f"{reverse(name)}?{urlencode({'next': _next_url(request)})}")
