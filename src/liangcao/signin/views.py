"""The second sign-in step: enrol an authenticator (QR code) or enter its code."""

from __future__ import annotations

from base64 import b32encode
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


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """Enrol: show the QR code and secret of a new device; a correct code confirms it."""
    user: User = request.user  # type: ignore[assignment]
    if second_factor.confirmed_device(user) is not None:
        return _step(request, "signin-verify")
    device = second_factor.enrolment_device(user)
    context: dict[str, Any] = {"next": _next_url(request), "error": False}
    status = 200
    if request.method == "POST":
        try:
            second_factor.enrolment_confirm(
                request=request, user=user, code=request.POST.get("code", "")
            )
        except Invalid:
            context["error"] = True
            status = 422
        else:
            return redirect(_next_url(request))
    context["qr_svg"] = second_factor.enrolment_qr_svg(device)
    context["secret"] = b32encode(device.bin_key).decode()
    return render(request, "signin/setup.html", context, status=status)


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """Enter the code from the authenticator app."""
    user: User = request.user  # type: ignore[assignment]
    if second_factor.confirmed_device(user) is None:
        return _step(request, "signin-setup")
    context: dict[str, Any] = {"next": _next_url(request), "error": False}
    status = 200
    if request.method == "POST":
        try:
            second_factor.second_factor_verify(
                request=request, user=user, code=request.POST.get("code", "")
            )
        except Invalid:
            context["error"] = True
            status = 422
        else:
            return redirect(_next_url(request))
    return render(request, "signin/verify.html", context, status=status)


def _step(request: HttpRequest, name: str) -> HttpResponse:
    return redirect(f"{reverse(name)}?{urlencode({'next': _next_url(request)})}")
