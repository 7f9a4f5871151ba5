"""Demand lists, roles × endpoints: nobody reads or acts on a list outside their subtree.

Expected visibility is computed here from parent links, independently of the selectors: a list
is visible when its requesting site is, or when its serving level lies in the user's subtree.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import uuid4

from django.test import Client

from liangcao.demand import services
from liangcao.demand.models import Requisition
from liangcao.demand.services import LineIn
from liangcao.orgs.models import Membership, Node, Site, User
from liangcao.scenarios.demo import DemoResult
from tests.orgs.test_scope_matrix import API_DEMAND, _web_rows, expected_visibility

ACTIONS = ["submit", "sign", "fast-track", "escalate", "cancel", "close"]
BODIES: dict[str, dict[str, object]] = {
    "submit": {},
    "sign": {"approve": True},
    "fast-track": {"reason": "urgent"},
    "escalate": {"quantities": {"1": 1}},
    "cancel": {"reason": "test"},
    "close": {},
}


def make_lists(user_named: Callable[[str], User]) -> list[Requisition]:
    admin = user_named("admin")
    lists = []
    for site in Site.objects.filter(
        kind__in=["community_point", "hospital", "testing_site"]
    ).order_by("code"):
        lists.append(
            services.requisition_create(
                user=admin, site_id=site.pk, lines=[LineIn("MASK-N95", 100)], submit=True
            )
        )
    return lists


def visible_lists(user: User) -> set[str]:
    nodes, sites = expected_visibility(user)
    return {
        number
        for number, site_code, serving in Requisition.objects.values_list(
            "number", "site__code", "serving_node__code"
        )
        if site_code in sites or serving in nodes
    }


def test_every_demand_endpoint_is_exercised_here() -> None:
    exercised = {
        "/api/v1/requisitions",
        "/api/v1/requisitions/inbox",
        "/api/v1/requisitions/overdue-fast-tracks",
        "/api/v1/requisitions/{requisition_id}",
    }
    exercised |= {f"/api/v1/requisitions/{{requisition_id}}/{a}" for a in ACTIONS}
    assert exercised == API_DEMAND


def test_no_user_reads_or_acts_outside_their_subtree(
    demo: DemoResult, user_named: Callable[[str], User]
) -> None:
    lists = make_lists(user_named)
    assert len({r.site.node.parent_id for r in lists}) > 1  # lists in several branches
    leaks: list[str] = []
    wrong: list[str] = []
    users = User.objects.filter(is_superuser=False, memberships__isnull=False).distinct()
    for user in users:
        client = Client()
        client.force_login(user)
        expected = visible_lists(user)
        for path in (
            "/api/v1/requisitions",
            "/api/v1/requisitions/inbox",
            "/api/v1/requisitions/overdue-fast-tracks",
        ):
            got = {r["number"] for r in client.get(path, {"limit": 500}).json()["items"]}
            leaks += [f"{user.username} {path}: {n}" for n in sorted(got - expected)]
        listed = {
            r["number"] for r in client.get("/api/v1/requisitions", {"limit": 500}).json()["items"]
        }
        if listed != expected:
            wrong.append(f"{user.username} list: missing {sorted(expected - listed)}")
        web = _web_rows(client, "/demand/", "requisition")
        web |= _web_rows(client, "/demand/inbox/", "requisition")
        leaks += [f"{user.username} web: {n}" for n in sorted(web - expected)]
        for req in lists:
            want = 200 if req.number in expected else 404
            for url in (f"/api/v1/requisitions/{req.pk}", f"/demand/{req.pk}/"):
                status = client.get(url).status_code
                if status != want:
                    wrong.append(f"{user.username} GET {url}: {status}")
        hidden = [r for r in lists if r.number not in expected]
        for req in hidden[:: max(1, len(hidden) // 3)]:  # a spread of lists the user cannot see
            web_status = client.post(f"/demand/{req.pk}/sign/", {"form_token": "t"}).status_code
            if web_status != 404:
                wrong.append(f"{user.username} web sign {req.number}: {web_status}")
            for action in ACTIONS:
                status = client.post(
                    f"/api/v1/requisitions/{req.pk}/{action}",
                    BODIES[action],
                    content_type="application/json",
                    HTTP_IDEMPOTENCY_KEY=str(uuid4()),
                ).status_code
                if status != 404:
                    wrong.append(f"{user.username} {action} {req.number}: {status}")
    assert leaks == [], f"{len(leaks)} leaks"
    assert wrong == []
    assert Requisition.objects.filter(state="submitted").count() == len(lists)  # nothing acted on


def test_seeing_a_list_is_not_the_right_to_sign_it(
    demo: DemoResult, client_for: Callable[[str], Client], user_named: Callable[[str], User]
) -> None:
    community = Membership.objects.get(user=user_named("community-requester")).node
    site = Site.objects.get(node=community, kind="community_point")
    req = services.requisition_create(
        user=user_named("community-requester"),
        site_id=site.pk,
        lines=[LineIn("RICE", 10)],
        submit=True,
    )
    inspector = client_for("district-inspector")
    assert inspector.get(f"/api/v1/requisitions/{req.pk}").status_code == 200
    response = inspector.post(
        f"/api/v1/requisitions/{req.pk}/sign",
        {"approve": True},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=str(uuid4()),
    )
    assert response.status_code == 403
    street = client_for("street-approver")
    response = street.post(
        f"/api/v1/requisitions/{req.pk}/sign",
        {"approve": True},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=str(uuid4()),
    )
    assert response.status_code == 200 and response.json()["state"] == "approved"
    assert Node.objects.get(code=response.json()["serving_node_code"]).kind == "street"
