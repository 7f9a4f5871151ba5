"""Household personal data × every role: only grid workers and commanders whose subtree holds
the compound read it (API list and detail, the web list, the .xlsx export, the door-run page);
everyone else in scope gets 403, out of scope 404; no order, group-buy, overdue or service
endpoint ever carries a name, phone or address; every read of personal data is logged.

Who may read is computed here by walking parent links, independently of the selectors."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable

import pytest
from django.test import Client
from openpyxl import load_workbook

from liangcao.community.models import Household, HouseholdRead
from liangcao.community.services import LineIn, door_run_create, group_buy_create, order_enter
from liangcao.orgs.models import Membership, Node, NodeKind, Role, User
from tests.community.conftest import Place

PERSONAL = {Role.GRID_WORKER, Role.COMMANDER}


def may_read(user: User, household: Household) -> bool:
    if user.is_superuser:
        return True
    parent = dict(Node.objects.values_list("id", "parent_id"))
    chain, node = set(), household.compound_id
    while node is not None:
        chain.add(node)
        node = parent[node]
    return Membership.objects.filter(user=user, role__in=PERSONAL, node_id__in=chain).exists()


def sees(user: User, household: Household) -> bool:
    """Whether the compound is in the user's scope at all (any role, any node above it)."""
    if user.is_superuser:
        return True
    parent = dict(Node.objects.values_list("id", "parent_id"))
    chain, node = set(), household.compound_id
    while node is not None:
        chain.add(node)
        node = parent[node]
    return Membership.objects.filter(user=user, node_id__in=chain).exists()


@pytest.fixture
def outsiders(place: Place) -> list[str]:
    """A commander and a grid worker of another district: nothing of ours is theirs."""
    other = Node.objects.filter(kind=NodeKind.DISTRICT).exclude(
        pk=place.community.parent.parent_id  # type: ignore[union-attr]
    )[0]
    names = []
    for role in (Role.COMMANDER, Role.GRID_WORKER):
        user = User.objects.create_user(username=f"other-{role}", password="x")
        Membership.objects.create(user=user, role=role, node=other)
        names.append(user.username)
    return names


def test_household_personal_data_by_role(
    place: Place, outsiders: list[str], client_for: Callable[[str], Client]
) -> None:
    grid = User.objects.get(username="community-grid-worker")
    household = place.household
    order = order_enter(user=grid, household_id=household.pk, lines=[LineIn("BOX-FAMILY", 1)])
    group = group_buy_create(user=grid, leader_household_id=household.pk, title="团购")
    run = door_run_create(user=grid, point_id=place.point.pk)
    secrets_of = [household.phone, household.contact_name]
    assert all(secrets_of)
    checked = 0
    for user in User.objects.order_by("username"):
        client = client_for(user.username)
        allowed, visible = may_read(user, household), sees(user, household)
        reads_before = HouseholdRead.objects.filter(user=user).count()

        detail = client.get(f"/api/v1/community/households/{household.pk}")
        listing = client.get(f"/api/v1/community/households?compound={household.compound_id}")
        everything = client.get("/api/v1/community/households?limit=500")
        page = client.get(f"/community/households/?compound={household.compound_id}")
        export = client.get("/community/households/export.xlsx")
        door = client.get(f"/community/runs/{run.pk}/")
        if allowed:
            assert detail.status_code == 200 and detail.json()["phone"] == household.phone
            assert household.phone in listing.content.decode()
            assert household.phone in page.content.decode()
            assert door.status_code == 200 and household.address in door.content.decode()
            sheet = load_workbook(io.BytesIO(export.content)).active
            assert sheet is not None
            assert household.phone in [str(c.value) for row in sheet.iter_rows() for c in row]
            # Each read above is logged: detail, list page, web page, export, door run.
            vias = set(
                HouseholdRead.objects.filter(user=user, household=household).values_list(
                    "via", flat=True
                )
            )
            assert {"api-detail", "api-list", "web-list", "export", "door-run"} <= vias
        else:
            expected = 404 if not visible else 403
            assert detail.status_code == expected, (user.username, detail.status_code)
            assert door.status_code == expected, (user.username, door.status_code)
            for response in (listing, page):
                assert response.status_code in (403, 404), (user.username, response.status_code)
            assert export.status_code == 403 or household.phone not in export.content.decode(
                "latin-1"
            )
            if everything.status_code == 200:  # a grid worker elsewhere: only their own
                assert household.phone not in everything.content.decode()
            else:
                assert everything.status_code == 403
            assert HouseholdRead.objects.filter(user=user).count() == reads_before
        # No order, group-buy, overdue or service answer carries personal data, for anyone.
        for path in (
            "/api/v1/community/orders?limit=500",
            f"/api/v1/community/orders/{order.pk}",
            f"/api/v1/community/group-buys/{group.pk}",
            "/api/v1/community/orders/overdue",
            "/api/v1/community/service-level",
            "/community/orders/",
            "/community/group-buys/",
            f"/community/group-buys/{group.pk}/",
            "/community/supplier/",
        ):
            body = client.get(path).content.decode()
            assert not any(s in body for s in secrets_of), (user.username, path)
            assert household.address not in body or "runs" in path
        visible_orders = client.get("/api/v1/community/orders?limit=500").json()["items"]
        assert ([o["id"] for o in visible_orders] == [order.pk]) == visible, user.username
        checked += 1
    assert checked > 30


def test_the_resident_page_shows_no_household_data(place: Place) -> None:
    page = Client().get(f"/c/{place.token}/").content.decode()
    assert place.household.phone not in page and place.household.contact_name not in page
    assert place.household.code not in page


def test_handover_out_of_scope_is_not_found(
    place: Place, outsiders: list[str], client_for: Callable[[str], Client]
) -> None:
    grid = User.objects.get(username="community-grid-worker")
    order = order_enter(user=grid, household_id=place.household.pk, lines=[LineIn("BOX-FAMILY", 1)])
    door_run_create(user=grid, point_id=place.point.pk)
    order.refresh_from_db()
    body = {"client_id": str(uuid.uuid4()), "order_id": order.pk, "code": order.confirm_code}
    for username, status in (
        ("other-commander", 404),
        ("community-inspector", 403),
        ("community-grid-worker", 201),
    ):
        response = client_for(username).post(
            "/api/v1/community/handovers",
            json.dumps(body),
            content_type="application/json",
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        assert response.status_code == status, (username, response.content)
