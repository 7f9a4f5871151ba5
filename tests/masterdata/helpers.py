"""Filled master-data workbooks for the tests, and a generated city of any size."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from liangcao.core.xlsx import write_workbook
from liangcao.masterdata.excel import columns


def book(kind: str, rows: Sequence[dict[str, object]]) -> bytes:
    cols = columns(kind)
    return write_workbook([(kind, cols, [[row.get(c, "") for c in cols] for row in rows])])


def upload(client: Client, kind: str, rows: Sequence[dict[str, object]]) -> tuple[int, str]:
    content = book(kind, rows)
    file = SimpleUploadedFile(f"{kind}.xlsx", content)
    response = client.post(f"/masterdata/import/{kind}/", {"file": file})
    return response.status_code, response.content.decode()


def generated_city(
    *, parent: str, prefix: str, nodes: int, sites: int, users: int, item: str
) -> dict[str, list[dict[str, object]]]:
    """Rows for a city part under `parent` (a district): streets of 10 communities each, whose
    compounds fill the node count; sites on the communities; keepers at the sites; stock."""
    tree: list[dict[str, object]] = []
    communities: list[str] = []
    streets = max(1, nodes // 100)
    per_street = max(1, (nodes - streets) // streets)
    for s in range(streets):
        street = f"{prefix}s{s:03d}"
        tree.append(
            {"code": street, "kind": "street", "name_zh": f"街道{s}", "parent_code": parent}
        )
        for c in range(min(10, per_street)):
            community = f"{street}c{c:02d}"
            communities.append(community)
            tree.append(
                {
                    "code": community,
                    "kind": "community",
                    "name_zh": f"社区{c}",
                    "parent_code": street,
                    "population": 3000,
                }
            )
        for k in range(per_street - min(10, per_street)):
            tree.append(
                {
                    "code": f"{street}k{k:03d}",
                    "kind": "compound",
                    "name_zh": f"小区{k}",
                    "parent_code": communities[-1 - k % 10],
                }
            )
    tree = tree[:nodes]
    placed = [r["code"] for r in tree if r["kind"] == "community"]
    site_rows = [
        {
            "code": f"{prefix}p{i:04d}",
            "kind": "distribution_point",
            "name_zh": f"发放点{i}",
            "node_code": placed[i % len(placed)],
            "latitude": 30.5 + i / 10000,
            "longitude": 114.3,
            "designated": "no",
        }
        for i in range(sites)
    ]
    user_rows = [
        {
            "username": f"{prefix}u{i:04d}",
            "role": "warehouse_keeper",
            "password": "Lockdown-2022-keeper",
            "site_code": site_rows[i % sites]["code"],
        }
        for i in range(users)
    ]
    stock_rows = [
        {
            "site_code": r["code"],
            "item_code": item,
            "quantity": 100 + i,
            "lot_code": f"OB{i}",
            "expiry": "2025-06-30",
        }
        for i, r in enumerate(site_rows)
    ]
    return {"nodes": tree, "sites": site_rows, "users": user_rows, "opening_stock": stock_rows}
