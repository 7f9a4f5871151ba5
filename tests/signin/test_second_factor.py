"""Two-factor for commanders and approvers: no page without the code, enrolment with a QR
code, wrong codes refused, an administrator's reset, and API tokens unaffected."""

from __future__ import annotations

import re
from base64 import b32decode

import pytest
from django.core.management import call_command
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from liangcao.core.services import api_token_create
from liangcao.orgs.models import User
from liangcao.scenarios.demo import DEMO_PASSWORD, DemoResult
from liangcao.signin.demo import DEMO_TOTP_KEY


def _password_only(username: str) -> Client:
    client = Client()
    response = client.post("/login/", {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    return client


def _code(key: bytes) -> str:
    return f"{totp(key):06d}"


PAGES = ["/", "/sites/", "/nodes/", "/demand/", "/stock/", "/allocation/", "/profile/", "/admin/"]


@pytest.mark.parametrize("username", ["city-commander", "district-approver", "admin"])
def test_no_page_without_the_second_factor(demo: DemoResult, username: str) -> None:
    client = _password_only(username)
    for page in PAGES:
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith("/signin/verify/?next="), page
    # The API does not take the half-signed-in session either.
    assert client.get("/api/v1/me").status_code == 401


def test_a_keeper_needs_no_second_factor(demo: DemoResult) -> None:
    assert _password_only("depot-keeper").get("/").status_code == 200


def test_wrong_code_is_refused(demo: DemoResult) -> None:
    client = _password_only("city-commander")
    wrong = f"{(int(_code(DEMO_TOTP_KEY)) + 1) % 1_000_000:06d}"
    response = client.post("/signin/verify/", {"code": wrong, "next": "/"})
    assert response.status_code == 422
    assert "验证码错误" in response.content.decode()
    assert client.get("/").status_code == 302


def test_a_valid_code_lets_the_commander_in(demo: DemoResult) -> None:
    client = _password_only("city-commander")
    response = client.post("/signin/verify/", {"code": _code(DEMO_TOTP_KEY), "next": "/sites/"})
    assert response.status_code == 302 and response["Location"] == "/sites/"
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me").status_code == 200


def test_enrolment_with_the_qr_code_and_an_admin_reset(demo: DemoResult) -> None:
    call_command("otp_reset", "district-commander")
    assert not TOTPDevice.objects.filter(user__username="district-commander").exists()
    client = _password_only("district-commander")
    assert client.get("/demand/")["Location"].startswith("/signin/setup/")
    page = client.get("/signin/setup/").content.decode()
    assert "<svg" in page
    secret = re.search(r'data-testid="otp-secret"[^>]*>([A-Z2-7]+)<', page)
    assert secret is not None
    key = b32decode(secret.group(1))
    ok = client.post("/signin/setup/", {"code": _code(key), "next": "/demand/"})
    assert ok.status_code == 302 and ok["Location"] == "/demand/"
    assert client.get("/demand/").status_code == 200
    device = TOTPDevice.objects.get(user__username="district-commander")
    assert device.confirmed and device.bin_key == key
    # Enrolled: a password alone cannot enrol another phone.
    again = _password_only("district-commander")
    assert again.get("/signin/setup/")["Location"].startswith("/signin/verify/")


def test_bearer_tokens_need_no_second_factor(demo: DemoResult) -> None:
    commander = User.objects.get(username="city-commander")
    _, token = api_token_create(user_id=commander.pk, name="script")
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
