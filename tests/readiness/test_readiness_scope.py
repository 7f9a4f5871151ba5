"""Readiness, roles × endpoints: nobody reads days of cover, reorder suggestions, switch runs
or declarations of a node outside their subtree (404), and only commanders act (403).

Expected visibility comes from tests/orgs/test_scope_matrix.expected_visibility (parent links
walked in Python, independent of the selectors)."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from liangcao.orgs.models import Node, User
from liangcao.readiness import services
from liangcao.readiness.models import LevelDeclaration, Playbook, SwitchRun
from tests.orgs.test_scope_matrix import (
    API_READINESS,
    WEB_READINESS,
    _sample,
    expected_visibility,
)
from tests.readiness.conftest import Ledger

EXERCISED_API = {
    "/api/v1/readiness/levels",
    "/api/v1/readiness/cover",
    "/api/v1/readiness/declarations",
    "/api/v1/readiness/playbooks/{playbook_id}/start",
    "/api/v1/readiness/switch-runs/{run_id}",
    "/api/v1/readiness/switch-runs/{run_id}/steps/{step_id}/done",
}
EXERCISED_WEB = {
    "readiness-dashboard",
    "readiness-cover",
    "readiness-reorder",
    "readiness-reorder-export",
    "readiness-levels",
    "readiness-switch",
    "readiness-switch-run",
    "readiness-switch-done",
    "readiness-notifications",
}


def test_every_readiness_endpoint_is_exercised_here() -> None:
    assert API_READINESS == EXERCISED_API
    assert WEB_READINESS == EXERCISED_WEB


@pytest.fixture
def users(ledger: Ledger) -> list[User]:
    ledger.receive("depot-d01", "FLOUR", 500)
    ledger.issue("depot-d01", "FLOUR", 50, day=-1)
    names = [
        "city-commander",
        "district-commander",
        "district-inspector",
        "community-commander",
        "street-approver",
        "depot-keeper",
        "hospital-requester",
    ]
    return list(User.objects.filter(username__in=names).order_by("username"))


def test_cover_and_reorder_answer_404_outside_the_subtree(users: list[User]) -> None:
    all_nodes = dict(Node.objects.values_list("code", "id"))
    wrong: list[str] = []
    for user in users:
        client = Client()
        client.force_login(user)
        visible, _sites = expected_visibility(user)
        for code in _sample(set(all_nodes) - visible, 4) + _sample(visible, 3):
            pk = all_nodes[code]
            expected = 200 if code in visible else 404
            for url in (
                f"/api/v1/readiness/cover?node_id={pk}",
                f"/readiness/?node={pk}",
                f"/readiness/dashboard/?node={pk}",
                f"/readiness/reorder/?node={pk}",
                f"/readiness/reorder.xlsx?node={pk}",
            ):
                status = client.get(url).status_code
                if status != expected:
                    wrong.append(f"{user.username} {url} ({code}): {status} != {expected}")
        # Pages without a node show the user's own top node, or nothing for site-only users.
        page = client.get("/readiness/").content.decode()
        shown = [c for c in all_nodes if f'data-node="{c}"' in page]
        if any(c not in visible for c in shown):
            wrong.append(f"{user.username} /readiness/ shows {shown}")
        if not visible and 'data-testid="cover"' in page:
            wrong.append(f"{user.username} sees a cover table without a node")
    assert wrong == []


def test_the_reorder_export_holds_only_the_node_asked(client: Client, users: list[User]) -> None:
    client.force_login(User.objects.get(username="district-commander"))
    d01 = Node.objects.get(code="d01")
    response = client.get(f"/readiness/reorder.xlsx?node={d01.pk}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows and {r[0] for r in rows} == {"d01"}
    assert {"RICE", "OIL", "WATER"} <= {r[1] for r in rows}


def test_switch_runs_and_declarations_keep_to_the_scope(users: list[User]) -> None:
    admin = User.objects.get(username="admin")
    playbook = Playbook.objects.get(code="city-switch")
    run = services.switch_start(actor=admin, playbook_id=playbook.pk, drill=True)
    step = run.steps.order_by("step__number").first()
    assert step is not None
    d02 = Node.objects.get(code="d02")
    for user in users:
        client = Client()
        client.force_login(user)
        city_level = user.username.startswith("city-")
        expected = 200 if city_level else 404
        assert client.get(f"/api/v1/readiness/switch-runs/{run.pk}").status_code == expected
        assert client.get(f"/readiness/switch/{run.pk}/").status_code == expected
        done = client.post(
            f"/api/v1/readiness/switch-runs/{run.pk}/steps/{step.pk}/done",
            {},
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=f"done-{user.pk}",
        )
        assert done.status_code == (200 if city_level else 404), user.username
        if city_level:
            step.refresh_from_db()
            assert step.done_at is not None
        web = client.post(f"/readiness/switch/{run.pk}/done/", {"step": step.pk, "form_token": "x"})
        assert web.status_code == (302 if city_level else 404)
        start = client.post(
            f"/api/v1/readiness/playbooks/{playbook.pk}/start",
            {"drill": True},
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=f"start-{user.pk}",
        )
        # Out of scope 404; in scope but a running switch → 409 for the commander.
        assert start.status_code == (409 if city_level else 404), user.username
        declare = client.post(
            "/api/v1/readiness/declarations",
            {"node_id": d02.pk, "level": "level1"},
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=f"declare-{user.pk}",
        )
        assert declare.status_code == (201 if city_level else 404), user.username
        for url in ("/readiness/levels/", "/readiness/switch/", "/readiness/notifications/"):
            assert client.get(url).status_code == 200
        switch_page = client.get("/readiness/switch/").content.decode()
        assert ('data-playbook="city-switch"' in switch_page) == city_level
        levels_page = client.get("/readiness/levels/").content.decode()
        assert "一级响应" in levels_page  # the level list is city-wide reference
        assert client.get("/api/v1/readiness/levels").status_code == 200
    assert LevelDeclaration.objects.filter(node=d02).count() == 1
    assert SwitchRun.objects.count() == 1


def test_anonymous_callers_get_nothing(users: list[User]) -> None:
    client = Client()
    assert client.get("/api/v1/readiness/levels").status_code == 401
    assert client.get("/readiness/").status_code == 302
