"""The scope matrix: every role at city, district, community and site level × every list and
detail endpoint (API and web). Objects outside a user's subtree never appear (leaks = 0) and
their detail pages answer 404.

What a user should see is computed here independently of the selectors under test, by walking
parent links in Python. Every URL pattern and every OpenAPI path must be classified below, so a
new endpoint cannot escape the matrix unnoticed.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from openpyxl import load_workbook

from liangcao.config.api import api
from liangcao.orgs.models import Membership, Node, Site, User
from liangcao.scenarios.demo import DemoResult

# --- the inventory: every endpoint, and how the matrix treats it -------------------------
API_SCOPED_LISTS = {"/api/v1/nodes": "node", "/api/v1/sites": "site"}
API_SCOPED_DETAILS = {"/api/v1/nodes/{node_id}": "node", "/api/v1/sites/{site_id}": "site"}
# City-wide reference data and the caller's own account: nothing to leak across subtrees.
API_UNSCOPED = {
    "/api/v1/items",
    "/api/v1/items/{item_id}",
    "/api/v1/kits",
    "/api/v1/kits/{kit_id}",
    "/api/v1/me",
    "/api/v1/me/tokens",
    "/api/v1/me/tokens/{token_id}/revoke",
}
# The ledger's endpoints: scope proven role × endpoint in tests/stock/test_stock_scope.py.
API_STOCK = {
    "/api/v1/stock/balances",
    "/api/v1/stock/documents",
    "/api/v1/stock/documents/{document_id}",
    "/api/v1/stock/adjustments",
    "/api/v1/stock/documents/{document_id}/reverse",
    "/api/v1/stock/shipments/{document_id}/dispatch",
    "/api/v1/stock/shipments/{document_id}/receive",
    "/api/v1/stock/shipments/{document_id}/close",
    "/api/v1/stock/shipments/{document_id}/cancel",
    "/api/v1/stock/card",
    "/api/v1/stock/lots/{lot_id}/trace",
    "/api/v1/stock/pick",
}
WEB_STOCK = {
    "stock-overview",
    "stock-overview-export",
    "stock-card",
    "stock-card-export",
    "stock-lot-trace",
    "stock-lot-trace-export",
    "stock-document",
    "stock-receive",
    "stock-count-open",
    "stock-count",
    "stock-count-post",
    "stock-count-export",
}
# Demand lists: scope proven role × endpoint in tests/demand/test_demand_scope.py.
API_DEMAND = {
    "/api/v1/requisitions",
    "/api/v1/requisitions/inbox",
    "/api/v1/requisitions/overdue-fast-tracks",
    "/api/v1/requisitions/{requisition_id}",
    "/api/v1/requisitions/{requisition_id}/submit",
    "/api/v1/requisitions/{requisition_id}/sign",
    "/api/v1/requisitions/{requisition_id}/fast-track",
    "/api/v1/requisitions/{requisition_id}/escalate",
    "/api/v1/requisitions/{requisition_id}/cancel",
    "/api/v1/requisitions/{requisition_id}/close",
}
WEB_DEMAND = {
    "demand-list",
    "demand-export",
    "demand-inbox",
    "demand-new",
    "demand-template",
    "demand-detail",
    "demand-action",
}
# Shipment pages: scope proven in tests/logistics/test_shipment_pages.py.
WEB_LOGISTICS = {
    "shipment-list",
    "shipment-export",
    "shipment-detail",
    "shipment-note",
    "shipment-note-pdf",
    "shipment-action",
}
# Allocation runs: scope proven in tests/allocation/test_run_pages.py.
API_ALLOCATION = {
    "/api/v1/allocation/runs",
    "/api/v1/allocation/runs/{run_id}",
    "/api/v1/allocation/runs/{run_id}/overrides",
    "/api/v1/allocation/runs/{run_id}/commit",
    "/api/v1/allocation/runs/{run_id}/discard",
}
WEB_ALLOCATION = {
    "allocation-workbench",
    "allocation-run",
    "allocation-run-action",
    "allocation-run-export",
}
# Master data: authority (commander subtrees) proven in tests/masterdata/.
WEB_MASTERDATA = {
    "masterdata-home",
    "masterdata-template",
    "masterdata-import",
    "masterdata-node-edit",
    "masterdata-site-edit",
    "masterdata-roles",
    "masterdata-role-revoke",
}
# Donations and purchases: scope proven role × endpoint in tests/donations/test_scope.py.
API_DONATIONS = {
    "/api/v1/donations",
    "/api/v1/donations/{donation_id}",
    "/api/v1/donations/{donation_id}/trace",
    "/api/v1/donations/{donation_id}/inspect",
    "/api/v1/donations/{donation_id}/receive",
    "/api/v1/donations/{donation_id}/allocate",
    "/api/v1/procurement/purchases",
}
WEB_DONATIONS = {
    "donation-list",
    "donation-new",
    "donation-action",
    "donation-detail",
    "donation-certificate",
    "donation-certificate-pdf",
}
# The public portal: no sign-in by design, no personal data (tests/portal/test_privacy.py).
WEB_PUBLIC = {
    "portal-home": "/public/",
    "portal-verify": "/public/verify/",
    "portal-list": "/public/donations/",
    "portal-download": "/public/stock.csv",
    "portal-donation": "/public/donations/JZ-000001/",
    "portal-publication-file": "/public/publications/2022-01-15/manifest.json",
}
# Route plans: scope proven role × endpoint in tests/logistics/test_route_plans.py.
API_ROUTE_PLANS = {
    "/api/v1/logistics/route-plans",
    "/api/v1/logistics/route-plans/{plan_id}",
    "/api/v1/logistics/route-plans/{plan_id}/start",
    # A shipment's transport choices: scope in tests/logistics/test_dispatch_api.py.
    "/api/v1/logistics/shipments/{document_id}/transport-choices",
}
WEB_ROUTE_PLANS = {
    "route-plan-list",
    "route-plan-detail",
    "route-plan-sheets",
    "route-plan-action",
}
# Fleet, passes, checkpoints, relays: scope and phone privacy proven role × endpoint in
# tests/fleet/test_privacy.py, tests/fleet/test_api.py and tests/fleet/test_pages.py.
API_FLEET = {
    "/api/v1/fleet/vehicles",
    "/api/v1/fleet/vehicles/{vehicle_id}",
    "/api/v1/fleet/drivers",
    "/api/v1/fleet/drivers/{driver_id}",
    "/api/v1/fleet/passes",
    "/api/v1/fleet/passes/{pass_id}",
    "/api/v1/fleet/passes/{pass_id}/revoke",
    "/api/v1/fleet/passes/{pass_id}/reissue",
    "/api/v1/fleet/trust",
    "/api/v1/fleet/checkpoints/{site_id}/scans",
}
WEB_FLEET = {
    "vehicle-list",
    "vehicle-detail",
    "driver-list",
    "driver-detail",
    "pass-list",
    "pass-detail",
    "passkey-list",
    "checkpoint-list",
    "checkpoint-sw",
    "checkpoint",
    "station-list",
    "station-board",
    "station-action",
}
# The last 100 metres: scope and personal data proven role × endpoint in
# tests/community/test_privacy.py (the supplier portal and group buys also in test_pages.py);
# the resident page is reached by a signed compound token.
API_COMMUNITY = {
    "/api/v1/community/households",
    "/api/v1/community/households/{household_id}",
    "/api/v1/community/offers",
    "/api/v1/community/orders",
    "/api/v1/community/orders/overdue",
    "/api/v1/community/orders/{order_id}",
    "/api/v1/community/group-buys",
    "/api/v1/community/group-buys/{group_buy_id}",
    "/api/v1/community/door-runs",
    "/api/v1/community/handovers",
    "/api/v1/community/service-level",
    "/api/v1/community/escalations",
    "/api/v1/community/assignments",
    "/api/v1/community/suppliers/{supplier_id}/drop",
    "/api/v1/community/suppliers/{supplier_id}/orders",
    "/api/v1/community/supplier-orders/{order_id}/{step}",
    "/api/v1/community/care",
    "/api/v1/community/care/visits",
}
WEB_COMMUNITY = {
    "community-households",
    "community-households-export",
    "community-compound-qr",
    "community-orders",
    "community-run",
    "community-sw",
    "community-resident",
    "community-care",
    "community-run-confirm",
    "community-group-buys",
    "community-group-buy",
    "community-supplier",
}
# Readiness: scope proven role × endpoint in tests/readiness/test_readiness_scope.py.
API_READINESS = {
    "/api/v1/readiness/levels",
    "/api/v1/readiness/cover",
    "/api/v1/readiness/declarations",
    "/api/v1/readiness/playbooks/{playbook_id}/start",
    "/api/v1/readiness/switch-runs/{run_id}",
    "/api/v1/readiness/switch-runs/{run_id}/steps/{step_id}/done",
}
WEB_READINESS = {
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
# Daily reports: scope proven role × endpoint in tests/reports/test_reports.py.
API_REPORTS = {"/api/v1/reports", "/api/v1/reports/{report_id}"}
WEB_REPORTS = {"report-list", "report-detail", "report-export", "report-pdf"}
# Market prices: scope proven role × endpoint in tests/market/test_market.py.
API_MARKET = {"/api/v1/market/prices", "/api/v1/market/alerts"}
WEB_MARKET = {"market-home", "market-new", "market-import", "market-template", "market-chart"}
WEB_SCOPED_LISTS = {"node-list": "node", "site-list": "site", "site-export": "site", "home": "site"}
WEB_SCOPED_DETAILS = {"node-detail": "node", "site-detail": "site"}
WEB_UNSCOPED = {
    "login",
    "logout",
    "healthz",
    "item-list",
    "item-detail",
    "kit-list",
    "kit-detail",
    "catalog-export",
    "catalog-import",
    "profile",
    "token-revoke",
    "set_language",
    "signin-setup",
    "signin-verify",
}


def _url_names(patterns: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[str]:
    for p in patterns:
        if isinstance(p, URLResolver):
            if p.namespace in {"admin", "api-v1"}:
                continue  # admin: superusers only; the API is checked through OpenAPI
            yield from _url_names(p.url_patterns, prefix)
        elif p.name:
            yield p.name


def test_every_endpoint_is_in_the_matrix() -> None:
    openapi_paths = set(api.get_openapi_schema()["paths"])
    classified_api = (
        set(API_SCOPED_LISTS)
        | set(API_SCOPED_DETAILS)
        | API_UNSCOPED
        | API_STOCK
        | API_DEMAND
        | API_ALLOCATION
        | API_DONATIONS
        | API_ROUTE_PLANS
        | API_FLEET
        | API_COMMUNITY
        | API_READINESS
        | API_REPORTS
        | API_MARKET
    )
    assert openapi_paths - classified_api == set(), "new API path: add it to the scope matrix"
    web_names = set(_url_names(get_resolver().url_patterns))
    classified_web = (
        set(WEB_SCOPED_LISTS)
        | set(WEB_SCOPED_DETAILS)
        | WEB_UNSCOPED
        | WEB_STOCK
        | WEB_DEMAND
        | WEB_LOGISTICS
        | WEB_ALLOCATION
        | WEB_MASTERDATA
        | WEB_DONATIONS
        | set(WEB_PUBLIC)
        | WEB_ROUTE_PLANS
        | WEB_FLEET
        | WEB_COMMUNITY
        | WEB_READINESS
        | WEB_REPORTS
        | WEB_MARKET
    )
    assert web_names - classified_web == set(), "new web page: add it to the scope matrix"


# --- expected visibility, computed without the selectors ---------------------------------
def expected_visibility(user: User) -> tuple[set[str], set[str]]:
    nodes = list(Node.objects.values_list("id", "parent_id", "code"))
    parent = {i: p for i, p, _ in nodes}
    code = {i: c for i, _, c in nodes}
    roots = set(
        Membership.objects.filter(user=user, node__isnull=False).values_list("node_id", flat=True)
    )

    def under_a_root(node_id: int | None) -> bool:
        while node_id is not None:
            if node_id in roots:
                return True
            node_id = parent[node_id]
        return False

    visible_node_ids = {i for i in parent if under_a_root(i)}
    own_sites = set(
        Membership.objects.filter(user=user, site__isnull=False).values_list("site_id", flat=True)
    )
    visible_sites = {
        c
        for i, n, c in Site.objects.values_list("id", "node_id", "code")
        if n in visible_node_ids or i in own_sites
    }
    return {code[i] for i in visible_node_ids}, visible_sites


def _api_list(client: Client, path: str) -> set[str]:
    codes: set[str] = set()
    offset = 0
    while True:
        response = client.get(path, {"limit": 500, "offset": offset})
        assert response.status_code == 200, response.content
        body = response.json()
        codes |= {row["code"] for row in body["items"]}
        offset += 500
        if offset >= body["count"]:
            return codes


def _web_rows(client: Client, url: str, attribute: str) -> set[str]:
    codes: set[str] = set()
    page = 1
    while True:
        response = client.get(url, {"page": page} if "?" not in url else None)
        assert response.status_code == 200
        html = response.content.decode()
        codes |= set(re.findall(rf'data-{attribute}="([^"]+)"', html))
        if f"page={page + 1}" not in html:
            return codes
        page += 1


def _site_export_codes(client: Client) -> set[str]:
    response = client.get("/sites/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content), read_only=True)["sites"]
    return {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}


@pytest.fixture
def matrix_users(demo: DemoResult) -> list[User]:
    """Every demo user with a role (11 roles × city/district/community, plus site-level users)."""
    usernames = [u for u, role, _ in demo.users if role != "superuser"]
    assert len(usernames) >= 11 * 3 + 2
    return list(User.objects.filter(username__in=usernames).order_by("username"))


def test_lists_never_leak_across_subtrees(matrix_users: list[User]) -> None:
    leaks: list[str] = []
    missing: list[str] = []
    for user in matrix_users:
        client = Client()
        client.force_login(user)
        nodes, sites = expected_visibility(user)
        seen = {
            "api nodes": (_api_list(client, "/api/v1/nodes"), nodes),
            "api sites": (_api_list(client, "/api/v1/sites"), sites),
            "web sites": (_web_rows(client, "/sites/", "site"), sites),
            "web export": (_site_export_codes(client), sites),
            "web node search": (
                _web_rows(client, "/nodes/?q=d0", "node"),
                {n for n in nodes if "d0" in n},
            ),
        }
        for name, (got, expected) in seen.items():
            leaks += [f"{user.username} {name}: {c}" for c in sorted(got - expected)]
            missing += [f"{user.username} {name}: {c}" for c in sorted(expected - got)]
    assert leaks == [], f"{len(leaks)} leaks"
    assert missing == []


def _sample(codes: set[str], n: int) -> list[str]:
    """Up to n codes spread evenly over the sorted set (siblings and distant branches alike)."""
    ordered = sorted(codes)
    return ordered[:: max(1, len(ordered) // n)][:n] if ordered else []


def test_details_outside_the_subtree_answer_404(matrix_users: list[User]) -> None:
    all_nodes = dict(Node.objects.values_list("code", "id"))
    all_sites = dict(Site.objects.values_list("code", "id"))
    wrong: list[str] = []
    for user in matrix_users:
        client = Client()
        client.force_login(user)
        nodes, sites = expected_visibility(user)
        for kind, objects, visible in (("node", all_nodes, nodes), ("site", all_sites, sites)):
            for code in _sample(set(objects) - visible, 6) + _sample(visible & set(objects), 3):
                pk = objects[code]
                expected = 200 if code in visible else 404
                for url in (f"/api/v1/{kind}s/{pk}", f"/{kind}s/{pk}/"):
                    status = client.get(url).status_code
                    if status != expected:
                        wrong.append(f"{user.username} {url} ({code}): {status} != {expected}")
    assert wrong == []


def test_district_commander_sees_own_district_only(client_for: Callable[[str], Client]) -> None:
    client = client_for("district-commander")
    district = Node.objects.get(code="d01")
    body = client.get("/api/v1/nodes", {"kind": "district"}).json()
    assert [n["code"] for n in body["items"]] == ["d01"]
    sites = _api_list(client, "/api/v1/sites")
    assert sites and all(
        Site.objects.get(code=c).node_id
        in set(Node.objects.filter(code__startswith="d01").values_list("id", flat=True))
        for c in sites
    )
    assert client.get(f"/api/v1/nodes/{district.parent_id}").status_code == 404


def test_hospital_requester_sees_only_their_hospital(client_for: Callable[[str], Client]) -> None:
    client = client_for("hospital-requester")
    sites = _api_list(client, "/api/v1/sites")
    hospital = Membership.objects.get(user__username="hospital-requester").site
    assert hospital is not None
    assert sites == {hospital.code}
    assert _api_list(client, "/api/v1/nodes") == set()


def test_anonymous_callers_get_nothing(demo: DemoResult) -> None:
    client = Client()
    site = Site.objects.first()
    assert site is not None
    for path in (
        "/api/v1/nodes",
        "/api/v1/sites",
        f"/api/v1/sites/{site.pk}",
        "/api/v1/items",
        "/api/v1/me",
    ):
        assert client.get(path).status_code == 401
    for path in ("/", "/sites/", f"/sites/{site.pk}/", "/catalog/"):
        response = client.get(path)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_public_portal_pages_need_no_sign_in(demo: DemoResult) -> None:
    """Every portal page answers an anonymous visitor (404 only for what does not exist)."""
    client = Client()
    for name, path in WEB_PUBLIC.items():
        status = client.get(path).status_code
        expected = 404 if name in {"portal-donation", "portal-publication-file"} else 200
        assert status == expected, (name, path, status)
    for path in ("/donations/", "/api/v1/donations", "/api/v1/procurement/purchases"):
        assert client.get(path).status_code in {302, 401}
