"""TOTP two-factor: who must use it, enrolment, verification and an administrator's reset.

Commanders and approvers (and superusers) move and approve the city's stock, so a password
alone is not enough for them: after the password they enter a code from an authenticator app
(django-otp's TOTP device). API Bearer tokens are not asked for a code: a token is created by a
user who has already passed both factors on the web (the profile page sits behind the second
factor), is stored only as a hash, can be revoked, and is meant for scripts that cannot answer
a prompt. A session that has not passed the second factor is not accepted by the API.
"""

from __future__ import annotations

import io

import segno
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from liangcao.core.errors import FieldError, Invalid, NotFound
from liangcao.orgs.models import Role, User
from liangcao.orgs.selectors import scope_for_user

SECOND_FACTOR_ROLES = frozenset({Role.COMMANDER, Role.APPROVER})
DEVICE_NAME = "authenticator"


def second_factor_required(user: User) -> bool:
    """Whether the user must pass a TOTP code after the password (superusers, commanders and
    approvers anywhere in the tree)."""
    scope = scope_for_user(user)
    return scope.everything or bool(scope.roles & SECOND_FACTOR_ROLES)


def confirmed_device(user: User) -> TOTPDevice | None:
    """The user's enrolled authenticator, if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def enrolment_device(user: User) -> TOTPDevice:
    """The unconfirmed device an enrolment shows as a QR code (created on first call).

    Raises Invalid when the user already has a confirmed device: replacing it takes an
    administrator's reset, so a stolen password alone cannot enrol the thief's phone.
    """
    with transaction.atomic():
        if confirmed_device(user) is not None:
            raise Invalid(_("Already enrolled"), [FieldError("device", _("already enrolled"))])
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
        return device


def enrolment_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL of the device as an inline SVG QR code."""
    buffer = io.BytesIO()
    segno.make(device.config_url, error="m").save(buffer, kind="svg", scale=4, xmldecl=False)
    return buffer.getvalue().decode()


def _check_code(device: TOTPDevice, code: str) -> None:
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == device.digits) or not device.verify_token(code):
        raise Invalid(_("Wrong code"), [FieldError("code", _("wrong or expired code"))])


def enrolment_confirm(*, request: HttpRequest, user: User, code: str) -> TOTPDevice:
    """Confirm the enrolment device with a code from the app and mark the session verified.
    Raises Invalid (wrong code, or already enrolled)."""
    device = enrolment_device(user)
    _check_code(device, code)
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    otp_login(request, device)
    return device


def second_factor_verify(*, request: HttpRequest, user: User, code: str) -> TOTPDevice:
    """Check a code against the user's device and mark the session verified.

    Repeated wrong codes are throttled by the device (each failure doubles the wait).
    Raises NotFound (no device: enrol first), Invalid (wrong code or throttled).
    """
    device = confirmed_device(user)
    if device is None:
        raise NotFound(_("No authenticator enrolled"))
    _check_code(device, code)
    otp_login(request, device)
    return device


def second_factor_reset(*, username: str) -> int:
    """Remove every authenticator of a user (a lost phone); they enrol again at the next
    sign-in. Returns how many devices were removed. Raises NotFound for an unknown user."""
    user = User.objects.filter(username=username).first()
    if user is None:
        raise NotFound(_("No user %(username)s") % {"username": username})
    with transaction.atomic(durable=True):
        deleted, _by_model = TOTPDevice.objects.filter(user=user).delete()
    return int(deleted)
