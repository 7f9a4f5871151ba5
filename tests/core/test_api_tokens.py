"""API tokens: a user creates one, scripts use it as a Bearer token, revoking it shuts them out."""

from __future__ import annotations

from collections.abc import Callable

from django.core.management import call_command
from django.test import Client

from liangcao.core.models import ApiToken
from liangcao.orgs.models import User


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_token_created_on_profile_page_works_until_revoked(
    client_for: Callable[[str], Client],
) -> None:
    web = client_for("district-commander")
    page = web.post("/profile/", {"name": "reporting script"})
    assert page.status_code == 200
    raw = page.context["new_token"]
    assert raw.startswith("lc_")
    stored = ApiToken.objects.get(name="reporting script")
    assert raw not in (stored.digest, stored.prefix)  # only a digest is stored

    script = Client()
    me = script.get("/api/v1/me", **bearer(raw))
    assert me.status_code == 200 and me.json()["username"] == "district-commander"
    assert {m["node_code"] for m in me.json()["memberships"]} == {"d01"}

    web.post(f"/profile/tokens/{stored.pk}/revoke/")
    assert script.get("/api/v1/me", **bearer(raw)).status_code == 401


def test_token_api_shows_secret_once_and_never_lists_it(
    client_for: Callable[[str], Client],
) -> None:
    client = client_for("city-inspector")
    created = client.post("/api/v1/me/tokens", {"name": "audit"}, content_type="application/json")
    assert created.status_code == 201
    raw = created.json()["token"]
    listed = client.get("/api/v1/me/tokens").json()
    assert [t["name"] for t in listed] == ["audit"] and "token" not in listed[0]
    revoked = client.post(f"/api/v1/me/tokens/{created.json()['id']}/revoke", **bearer(raw))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]


def test_users_cannot_revoke_each_others_tokens(
    client_for: Callable[[str], Client], user_named: Callable[[str], User]
) -> None:
    owner = client_for("city-commander")
    token_id = owner.post(
        "/api/v1/me/tokens", {"name": "mine"}, content_type="application/json"
    ).json()["id"]
    other = client_for("district-commander")
    assert other.post(f"/api/v1/me/tokens/{token_id}/revoke").status_code == 404
    assert ApiToken.objects.get(pk=token_id).revoked_at is None


def test_blank_token_name_is_a_field_error(client_for: Callable[[str], Client]) -> None:
    response = client_for("city-commander").post(
        "/api/v1/me/tokens", {"name": "  "}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "name", "message": "1 至 100 个字符"}]


def test_malformed_body_is_a_field_error(client_for: Callable[[str], Client]) -> None:
    response = client_for("city-commander").post(
        "/api/v1/me/tokens", {"nom": "x"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "name"


def test_wrong_or_made_up_tokens_are_refused(demo: object) -> None:
    client = Client()
    assert client.get("/api/v1/sites", **bearer("lc_not-a-real-token")).status_code == 401
    assert client.get("/api/v1/sites", **bearer("something-else")).status_code == 401


def test_manage_py_creates_and_revokes_tokens(
    user_named: Callable[[str], User], capsys: object
) -> None:
    call_command("api_token", "create", "city-dispatcher", "--name", "dispatch board")
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    raw = out.strip().splitlines()[-1]
    assert raw.startswith("lc_")
    client = Client()
    assert client.get("/api/v1/me", **bearer(raw)).json()["username"] == "city-dispatcher"
    token = ApiToken.objects.get(name="dispatch board")
    call_command("api_token", "revoke", str(token.pk))
    assert client.get("/api/v1/me", **bearer(raw)).status_code == 401
