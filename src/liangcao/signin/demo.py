"""Two-factor for the demo city: every demo commander, approver and superuser gets an
authenticator with one published demo key, so `make run` works with one app entry (or with
`manage.py demo_totp_code`). Demo data only: a real city's users enrol their own phones."""

from __future__ import annotations

from base64 import b32encode
from collections.abc import Iterable

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from liangcao.orgs.models import User
from liangcao.signin.second_factor import DEVICE_NAME, second_factor_required

DEMO_TOTP_KEY = b"liangcao-demo-2fa-20"
DEMO_TOTP_SECRET = b32encode(DEMO_TOTP_KEY).decode()  # NRUWC3THMNQW6LLEMVWW6LJSMZQS2MRQ


def demo_totp_code() -> str:
    """The current six-digit code of the demo key."""
    return f"{totp(DEMO_TOTP_KEY):06d}"


def demo_second_factor_load(usernames: Iterable[str]) -> int:
    """Give each demo user who needs a second factor a confirmed device with the demo key.
    Caller holds the transaction. Returns how many devices were created."""
    candidates = User.objects.filter(username__in=list(usernames))
    users = [u for u in candidates if second_factor_required(u)]
    TOTPDevice.objects.bulk_create(
        [
            TOTPDevice(user=u, name=DEVICE_NAME, confirmed=True, key=DEMO_TOTP_KEY.hex())
            for u in users
        ]
    )
    return len(users)
