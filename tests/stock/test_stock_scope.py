"""Scope of the ledger: roles × every stock endpoint (API and web).

What each user should see is computed independently of the selectors under test
(`expected_visibility` walks parent links in Python). Stock sits in three depots of different
districts and the city depot; every read must show exactly the visible sites' stock, every
out-of-scope detail answers 404, and posting where the role may not post answers 403/404.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from django.test import Client

from liangcao.orgs.models import Site, User
from liangcao.stock import services
from liangcao.stock.models import Document, Lot
from tests.orgs.test_scope_matrix import API_STOCK, WEB_STOCK, expected_visibility
from tests.stock.conftest import Stock

pytestmark = pytest.mark.django_db
DEPOTS = ["depot-city", "depot-d01", "depot-d02", "depot-d03"]
USERS = [
    "depot-keeper",
    "district-warehouse-keeper",
    "district-commander",
    "district-inspector",
    "community-commander",
    "hospital-requester",
    "city-inspector",
    "city-commander",
]


@pytest.fixture
def stocked(stock: Stock) -> dict[str, Document]:
    """A lot of masks received at every depot, plus a transfer city → d02."""
    docs = {
        code: stock.receive(code, "MASK-N95", 100, lot=f"LOT-{code}", expiry="2027-06-30")
        for code in DEPOTS
    }
    docs["transfer"] = services.transfer_post(
        actor=stock.admin,
        from_site_id=stock.site("depot-city").pk,
        to_site_id=stock.site("depot-d02").pk,
        lines=[services.LineSpec(item_id=stock.item("MASK-N95").pk, quantity=10)],
    )
    return docs


def _post(client: Client, path: str, body: dict[str, object]) -> int:
    return client.post(
        path, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex
    ).status_code


def test_every_stock_endpoint_is_covered_here() -> None:
    # The matrix below exercises these names; a new endpoint must be added to both lists.
    assert len(API_STOCK) == 12 and len(WEB_STOCK) == 12


@pytest.mark.parametrize("username", USERS)
def test_stock_reads_show_exactly_the_users_sites(
    username: str, stocked: dict[str, Document], stock: Stock
) -> None:
    user = User.objects.get(username=username)
    client = Client()
    client.force_login(user)
    _, visible = expected_visibility(user)
    mask = stock.item("MASK-N95")
    body = client.get("/api/v1/stock/balances", {"limit": 500}).json()
    assert {row["site_code"] for row in body["items"]} == set(DEPOTS) & visible
    docs = client.get("/api/v1/stock/documents", {"limit": 500}).json()["items"]
    doc_ids = {d["id"] for d in docs}
    wrong: list[str] = []
    for code in DEPOTS:
        site = stock.site(code)
        expected = 200 if code in visible else 404
        lot = Lot.objects.get(code=f"LOT-{code}")
        for url, params in (
            ("/api/v1/stock/balances", {"site": site.pk}),
            ("/api/v1/stock/card", {"site": site.pk, "item": mask.pk}),
            ("/api/v1/stock/pick", {"site": site.pk, "item": mask.pk, "quantity": 1}),
            (f"/api/v1/stock/lots/{lot.pk}/trace", {}),
            (f"/api/v1/stock/documents/{stocked[code].pk}", {}),
            ("/stock/", {"site": site.pk}),
            ("/stock/export.xlsx", {"site": site.pk}),
            ("/stock/card/", {"site": site.pk, "item": mask.pk}),
            ("/stock/card/export.xlsx", {"site": site.pk, "item": mask.pk}),
            (f"/stock/lots/{lot.pk}/", {}),
            (f"/stock/lots/{lot.pk}/export.xlsx", {}),
            (f"/stock/documents/{stocked[code].pk}/", {}),
        ):
            status = client.get(url, params).status_code
            if status != expected:
                wrong.append(f"{url} {params} ({code}): {status} != {expected}")
        if (stocked[code].pk in doc_ids) != (code in visible):
            wrong.append(f"document list and {code} disagree")
    assert wrong == []
    page = client.get("/stock/").content.decode()
    for code in DEPOTS:
        assert (f'data-stock="{code}/MASK-N95"' in page) == (code in visible), code


def test_keeper_cannot_post_at_another_depot(
    stocked: dict[str, Document], stock: Stock, client_for: Callable[[str], Client]
) -> None:
    keeper = client_for("depot-keeper")  # warehouse keeper at depot-city only
    mask = stock.item("MASK-N95")
    line = {"item_id": mask.pk, "quantity": 1}
    d01, city = stock.site("depot-d01").pk, stock.site("depot-city").pk
    issue = {"kind": "issue", "site_id": d01, "lines": [line]}
    assert _post(keeper, "/api/v1/stock/documents", issue) == 404
    transfer_out = {"kind": "transfer", "site_id": d01, "to_site_id": city, "lines": [line]}
    assert _post(keeper, "/api/v1/stock/documents", transfer_out) == 404
    transfer_in = {"kind": "transfer", "site_id": city, "to_site_id": d01, "lines": [line]}
    assert _post(keeper, "/api/v1/stock/documents", transfer_in) == 404
    reverse = f"/api/v1/stock/documents/{stocked['depot-d01'].pk}/reverse"
    assert _post(keeper, reverse, {"reason": "not mine"}) == 404
    own = {"kind": "issue", "site_id": city, "lines": [line]}
    assert _post(keeper, "/api/v1/stock/documents", own) == 201


def test_readers_see_stock_but_cannot_post_it(
    stocked: dict[str, Document], stock: Stock, client_for: Callable[[str], Client]
) -> None:
    inspector = client_for("city-inspector")
    city = stock.site("depot-city").pk
    line = {"item_id": stock.item("MASK-N95").pk, "quantity": 1}
    assert (
        _post(
            inspector,
            "/api/v1/stock/documents",
            {"kind": "issue", "site_id": city, "lines": [line]},
        )
        == 403
    )
    assert (
        _post(
            inspector,
            "/api/v1/stock/adjustments",
            {"site_id": city, "reason": "x", "lines": [{"item_id": line["item_id"], "delta": 1}]},
        )
        == 403
    )
    assert inspector.post("/stock/counts/new/", {"site": city}).status_code == 403
    assert inspector.get("/stock/", {"site": city}).status_code == 200


def test_district_users_never_see_another_districts_stock_by_node_filter(
    stocked: dict[str, Document], stock: Stock, client_for: Callable[[str], Client]
) -> None:
    client = client_for("district-commander")  # d01
    d02 = Site.objects.get(code="depot-d02").node_id
    body = client.get("/api/v1/stock/balances", {"node": d02}).json()
    assert body["items"] == []
    assert client.get("/stock/", {"node": d02}).status_code == 200
    assert "depot-d02" not in client.get("/stock/", {"node": d02}).content.decode()
