"""The four master-data templates: one sheet each, a header row and one example row.

Headers are the column names the import reads (`services.py`); the example row shows the
format and is ignored on import when left as is (its code starts with "example").
"""

from __future__ import annotations

from liangcao.core.xlsx import write_workbook

TEMPLATES: dict[str, tuple[tuple[str, ...], tuple[str, ...], list[object]]] = {
    # kind: (required columns, optional columns, example row in column order)
    "nodes": (
        ("code", "kind", "name_zh"),
        ("name_en", "parent_code", "population"),
        ["example-s01", "street", "示例街道", "Example street", "d01", 12000],
    ),
    "sites": (
        ("code", "kind", "name_zh", "node_code", "latitude", "longitude"),
        ("name_en", "address", "designated"),
        [
            "example-h01",
            "hospital",
            "示例医院",
            "d01",
            30.52,
            114.31,
            "Example hospital",
            "示例路 1 号",
            "no",
        ],
    ),
    "users": (
        ("username", "role"),
        ("first_name", "last_name", "email", "password", "node_code", "site_code"),
        [
            "example-keeper",
            "warehouse_keeper",
            "张",
            "三",
            "",
            "change-me-now-2022",
            "",
            "example-h01",
        ],
    ),
    "opening_stock": (
        ("site_code", "item_code", "quantity"),
        ("lot_code", "expiry"),
        ["example-h01", "MASK-SURG", 1000, "L2022-01", "2025-01-31"],
    ),
}
EXAMPLE_PREFIX = "example"


def columns(kind: str) -> tuple[str, ...]:
    required, optional, _ = TEMPLATES[kind]
    return required + optional


def template_xlsx(kind: str) -> bytes:
    """A blank template of one kind (sheet named like the kind)."""
    _, _, example = TEMPLATES[kind]
    return write_workbook([(kind, columns(kind), [example])])
