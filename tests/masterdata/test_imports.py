"""Master data from spreadsheets: a district commander sets up her district; a bad row in any
template names its row, column and reason and imports nothing; roles only within one's
subtree; a generated city imports quickly."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable

import pytest
from django.test import Client

from liangcao.masterdata.services import (
    nodes_import,
    opening_stock_import,
    sites_import,
    users_import,
)
from liangcao.orgs.models import Membership, Node, NodeClosure, Site, User
from liangcao.scenarios.demo import DemoResult
from liangcao.stock.audit import ledger_verify
from liangcao.stock.models import Balance, Document
from tests.masterdata.helpers import book, generated_city, upload

ITEM = "MASK-SURG"  # lot- and expiry-tracked in the demo catalogue


def _counts() -> tuple[int, int, int, int, int, int]:
    return (
        Node.objects.count(),
        NodeClosure.objects.count(),
        Site.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
        Document.objects.count(),
    )


def test_district_commander_sets_up_a_street(client_for: Callable[[str], Client]) -> None:
    client = client_for("district-commander")
    status, html = upload(
        client,
        "nodes",
        [
            {"code": "d01-new", "kind": "street", "name_zh": "新街道", "parent_code": "d01"},
            {
                "code": "d01-new-c1",
                "kind": "community",
                "name_zh": "新社区",
                "parent_code": "d01-new",
            },
        ],
    )
    assert status == 200, html
    community = Node.objects.get(code="d01-new-c1")
    ancestors = set(
        NodeClosure.objects.filter(descendant=community).values_list("ancestor__code", flat=True)
    )
    assert ancestors == {"city", "d01", "d01-new", "d01-new-c1"}
    site = {
        "code": "d01-new-p1",
        "kind": "distribution_point",
        "name_zh": "新发放点",
        "node_code": "d01-new-c1",
        "latitude": 30.6,
        "longitude": 114.2,
    }
    assert upload(client, "sites", [site])[0] == 200
    keeper = {
        "username": "new-keeper",
        "role": "warehouse_keeper",
        "password": "Lockdown-2022-keeper",
        "site_code": "d01-new-p1",
    }
    assert upload(client, "users", [keeper])[0] == 200
    assert User.objects.get(username="new-keeper").check_password("Lockdown-2022-keeper")
    stock = {
        "site_code": "d01-new-p1",
        "item_code": ITEM,
        "quantity": 500,
        "lot_code": "OB-1",
        "expiry": "2025-06-30",
    }
    assert upload(client, "opening_stock", [stock])[0] == 200
    held = Balance.objects.get(location__site__code="d01-new-p1", item__code=ITEM, held=True)
    assert held.on_hand == 500
    # Booked once: a second import of the same site is refused and books nothing.
    status, html = upload(client, "opening_stock", [stock])
    assert status == 409 and "d01-new-p1 已有期初库存" in html
    held.refresh_from_db()
    assert held.on_hand == 500
    assert ledger_verify().problems == []


GOOD = {
    "nodes": {"code": "d01-ok", "kind": "street", "name_zh": "好街道", "parent_code": "d01"},
    "sites": {
        "code": "d01-okp",
        "kind": "hub",
        "name_zh": "好站点",
        "node_code": "d01",
        "latitude": 30.5,
        "longitude": 114.3,
    },
    "users": {
        "username": "ok-user",
        "role": "requester",
        "password": "Lockdown-2022-ok",
        "node_code": "d01",
    },
    "opening_stock": {
        "site_code": "SITE",
        "item_code": ITEM,
        "quantity": 5,
        "lot_code": "OB",
        "expiry": "2025-01-01",
    },
}
BAD = {
    "nodes": (
        {"code": "d01-bad", "kind": "community", "name_zh": "坏", "parent_code": "d01"},
        "kind",
        "应位于第 3 级",  # the page is Chinese: so is the reason
    ),
    "sites": (
        {
            "code": "d01-badp",
            "kind": "hub",
            "name_zh": "坏",
            "node_code": "d01",
            "latitude": 95,
            "longitude": 114.3,
        },
        "latitude",
        "应为 -90 到 90 之间的数字",
    ),
    "users": (
        {
            "username": "bad-user",
            "role": "pilot",
            "password": "Lockdown-2022-ok",
            "node_code": "d01",
        },
        "role",
        "必须是以下之一",  # the page is Chinese: so is the reason
    ),
    "opening_stock": (
        {
            "site_code": "SITE",
            "item_code": ITEM,
            "quantity": 0,
            "lot_code": "OB2",
            "expiry": "2025-01-01",
        },
        "quantity",
        "不能小于 1",
    ),
}


@pytest.mark.parametrize("kind", list(GOOD))
def test_a_bad_row_names_row_column_and_reason_and_imports_nothing(
    client_for: Callable[[str], Client], kind: str
) -> None:
    site = Site.objects.filter(node__code__startswith="d01", kind="reserve_depot").first() or (
        Site.objects.filter(node__code__startswith="d01").first()
    )
    assert site is not None
    fill = lambda row: {k: (site.code if v == "SITE" else v) for k, v in row.items()}  # noqa: E731
    bad, column, reason = BAD[kind]
    before = _counts()
    status, html = upload(client_for("district-commander"), kind, [fill(GOOD[kind]), fill(bad)])
    assert status == 422
    assert re.search(rf"<td>3</td><td>{column}</td><td>[^<]*{reason}", html.replace("\n", ""))
    assert _counts() == before


def test_supplier_staff_are_granted_at_a_supplier_site_only(
    client_for: Callable[[str], Client],
) -> None:
    from liangcao.core.errors import Invalid
    from liangcao.masterdata.services import role_grant
    from liangcao.orgs.models import SiteKind

    client = client_for("district-commander")
    before = _counts()
    hospital = Site.objects.filter(kind=SiteKind.HOSPITAL, node__code__startswith="d01").first()
    assert hospital is not None
    rows = [
        {"username": "district-requester", "role": "supplier", "node_code": "d01"},
        {"username": "district-requester", "role": "supplier", "site_code": hospital.code},
    ]
    status, html = upload(client, "users", rows)
    html = html.replace("\n", "")
    assert status == 422
    for row in (2, 3):
        assert f"<td>{row}</td><td>role</td><td>保供企业人员只能在保供企业的站点" in html
    assert _counts() == before
    admin = User.objects.get(username="admin")
    with pytest.raises(Invalid) as refused:
        role_grant(granter=admin, username="district-requester", role="supplier", node_code="d01")
    assert [e.field for e in refused.value.errors] == ["role"]
    shop = Site.objects.filter(kind=SiteKind.SUPPLIER_SITE).first()
    assert shop is not None
    granted = role_grant(
        granter=admin, username="district-requester", role="supplier", site_code=shop.code
    )
    assert (granted.role, granted.site_id) == ("supplier", shop.pk)


def test_district_commander_cannot_grant_at_the_city_or_another_district(
    client_for: Callable[[str], Client],
) -> None:
    client = client_for("district-commander")
    before = _counts()
    rows = [
        {"username": "district-requester", "role": "approver", "node_code": "city"},
        {"username": "district-requester", "role": "approver", "node_code": "d02"},
        {"username": "district-requester", "role": "commander", "node_code": "d01"},
    ]
    status, html = upload(client, "users", rows)
    assert status == 422
    html = html.replace("\n", "")
    assert "<td>2</td><td>node_code</td><td>city：不存在，或不在您管辖的范围内" in html
    assert "<td>3</td><td>node_code</td><td>d02：不存在，或不在您管辖的范围内" in html
    assert "<td>4</td><td>role</td><td>您不能在此处授予“组长”角色（只能在您的层级以下授予）" in html
    assert _counts() == before
    # The same rules on the page.
    page = client.post(
        "/masterdata/roles/",
        {"username": "district-requester", "role": "approver", "node_code": "d02"},
    )
    assert page.status_code == 422
    peer = client.post(
        "/masterdata/roles/",
        {"username": "district-requester", "role": "commander", "node_code": "d01"},
    )
    assert peer.status_code == 403
    below = client.post(
        "/masterdata/roles/",
        {"username": "district-requester", "role": "commander", "node_code": "d01-s01"},
    )
    assert below.status_code == 302
    assert _counts()[4] == before[4] + 1


def test_only_commanders_change_master_data(client_for: Callable[[str], Client]) -> None:
    for username in ("district-approver", "depot-keeper", "community-inspector"):
        client = client_for(username)
        assert client.get("/masterdata/").status_code == 403
        assert upload(client, "nodes", [GOOD["nodes"]])[0] == 403


def test_edits_stay_inside_the_commanders_subtree(client_for: Callable[[str], Client]) -> None:
    client = client_for("district-commander")
    own = Node.objects.get(code="d01-s01")
    other = Node.objects.get(code="d02")
    assert client.get(f"/masterdata/nodes/{other.pk}/edit/").status_code == 404
    assert 'data-testid="edit-node"' in client.get(f"/nodes/{own.pk}/").content.decode()
    approver_page = client_for("district-approver").get(f"/nodes/{own.pk}/").content.decode()
    assert 'data-testid="edit-node"' not in approver_page
    response = client.post(
        f"/masterdata/nodes/{own.pk}/edit/", {"name_zh": "改名街道", "name_en": "", "population": 9}
    )
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.name_zh == "改名街道" and own.population == 9
    other_site = Site.objects.filter(node__code__startswith="d02").first()
    assert other_site is not None
    assert client.get(f"/masterdata/sites/{other_site.pk}/edit/").status_code == 404
    site = Site.objects.filter(node__code__startswith="d01").first()
    assert site is not None
    bad = client.post(
        f"/masterdata/sites/{site.pk}/edit/",
        {"name_zh": site.name_zh, "kind": site.kind, "latitude": "north", "longitude": "1"},
    )
    assert bad.status_code == 422
    assert client.get("/masterdata/templates/sites.xlsx").status_code == 200


SCALE = max(1, int(os.environ.get("LIANGCAO_STRESS_SCALE", "1")))


@pytest.mark.stress
def test_a_generated_city_imports_quickly(demo: DemoResult) -> None:
    """LIANGCAO_STRESS_SCALE=10 is the full city: 10,000 nodes, 500 sites, 1,000 users and
    opening stock at every site, in under 60 s; the default is a tenth of that."""
    admin = User.objects.get(username="admin")
    rows = generated_city(
        parent="d01",
        prefix="g",
        nodes=1000 * SCALE,
        sites=50 * SCALE,
        users=100 * SCALE,
        item=ITEM,
    )
    started = time.monotonic()
    times: dict[str, float] = {}
    for kind, run in (
        ("nodes", nodes_import),
        ("sites", sites_import),
        ("users", users_import),
        ("opening_stock", opening_stock_import),
    ):
        content = book(kind, rows[kind])
        begun = time.monotonic()
        summary = run(user=admin, content=content)
        times[kind] = time.monotonic() - begun
        assert summary.created == len(rows[kind])
    elapsed = time.monotonic() - started
    print(f"generated city x{SCALE}: {elapsed:.1f} s", {k: round(v, 1) for k, v in times.items()})
    assert elapsed < 60
    assert Node.objects.filter(code__startswith="g").count() == 1000 * SCALE
    assert Balance.objects.filter(location__site__code__startswith="gp", held=True).count() == (
        50 * SCALE
    )
    assert ledger_verify().problems == []  # balances = sum of movements, hash chains intact


def test_out_of_range_cells_are_named_not_crashed(client_for: Callable[[str], Client]) -> None:
    client = client_for("district-commander")
    before = _counts()
    status, html = upload(
        client,
        "nodes",
        [
            {
                "code": "d01-big",
                "kind": "street",
                "name_zh": "大",
                "parent_code": "d01",
                "population": 2**63,
            }
        ],
    )
    assert status == 422 and "population" in html
    status, html = upload(
        client, "users", [{"username": "no-password", "role": "requester", "node_code": "d01"}]
    )
    assert status == 422 and "新用户必填" in html
    site = Site.objects.filter(node__code__startswith="d01").first()
    assert site is not None
    nan = client.post(
        f"/masterdata/sites/{site.pk}/edit/",
        {"name_zh": site.name_zh, "kind": site.kind, "latitude": "nan", "longitude": "inf"},
    )
    assert nan.status_code == 422
    assert _counts() == before
