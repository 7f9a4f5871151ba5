"""Catalog import and export as .xlsx: a bad sheet is refused whole, with every bad row named."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from openpyxl import Workbook, load_workbook

from liangcao.catalog.models import Item, Kit
from liangcao.catalog.selectors import catalog_export_xlsx
from liangcao.catalog.services import ITEM_COLUMNS, catalog_import_xlsx
from liangcao.core.errors import Invalid
from liangcao.scenarios.demo import DemoResult


def workbook(
    items: list[list[Any]], headers: list[str] | None = None, kits: list[list[Any]] | None = None
) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "items"
    sheet.append(headers or list(ITEM_COLUMNS))
    for row in items:
        sheet.append(row)
    if kits is not None:
        kit_sheet = book.create_sheet("kits")
        kit_sheet.append(
            ["kit_code", "kit_name_zh", "kit_name_en", "kit_kind", "item_code", "quantity"]
        )
        for row in kits:
            kit_sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


GOOD = ["GOWN-X", "防护服X", "Coverall X", "tier1", "piece", "1,50", "yes", "yes", 1095]


def snapshot() -> list[tuple[Any, ...]]:
    return list(Item.objects.order_by("code").values_list(*ITEM_COLUMNS)) + list(
        Kit.objects.order_by("code").values_list("code", "name_zh")
    )


def test_export_then_import_changes_nothing(demo: DemoResult) -> None:
    before = snapshot()
    summary = catalog_import_xlsx(content=catalog_export_xlsx())
    assert summary.items_created == 0 and summary.items_updated == len(before) - Kit.objects.count()
    assert summary.kits_updated == Kit.objects.count()
    assert snapshot() == before


def test_new_items_and_kits_are_created(demo: DemoResult) -> None:
    content = workbook(
        [GOOD],
        kits=[
            ["KIT-NEW", "新包", "New kit", "kit", "GOWN-X", 2],
            ["KIT-NEW", "新包", "New kit", "kit", "MASK-N95", 4],
        ],
    )
    summary = catalog_import_xlsx(content=content)
    assert (summary.items_created, summary.kits_created) == (1, 1)
    item = Item.objects.get(code="GOWN-X")
    assert (item.pack_sizes, item.lot_tracked, item.shelf_life_days) == ([1, 50], True, 1095)
    lines = dict(Kit.objects.get(code="KIT-NEW").lines.values_list("item__code", "quantity"))
    assert lines == {"GOWN-X": 2, "MASK-N95": 4}


@pytest.mark.usefixtures("english")
def test_missing_column_is_refused_and_nothing_changes(demo: DemoResult) -> None:
    before = snapshot()
    headers = [c for c in ITEM_COLUMNS if c != "unit"]
    with pytest.raises(Invalid) as caught:
        catalog_import_xlsx(content=workbook([GOOD[:4] + GOOD[5:]], headers=headers))
    assert [(e.field, e.message) for e in caught.value.errors] == [("unit", "missing column")]
    assert snapshot() == before


@pytest.mark.usefixtures("english")
def test_duplicate_code_and_bad_rows_are_all_reported(demo: DemoResult) -> None:
    before = snapshot()
    rows = [
        GOOD,
        ["GOWN-X", "重复", "dup", "tier1", "piece", "", "no", "no", None],
        ["BAD CODE", "坏", "", "tier9", "crate", "a,b", "maybe", "no", -3],
        ["LOT-NO", "无批次", "", "daily", "kg", "", "no", "yes", None],
    ]
    with pytest.raises(Invalid) as caught:
        catalog_import_xlsx(content=workbook(rows))
    found = {(e.row, e.field) for e in caught.value.errors}
    assert (3, "code") in found  # the duplicate, on Excel row 3
    assert {
        (4, "code"),
        (4, "category"),
        (4, "unit"),
        (4, "pack_sizes"),
        (4, "lot_tracked"),
        (4, "shelf_life_days"),
    } <= found
    assert (5, "expiry_tracked") in found
    duplicate = next(e for e in caught.value.errors if e.row == 3)
    assert "first on row 2" in duplicate.message
    assert snapshot() == before


def test_kit_naming_an_unknown_item_is_refused(demo: DemoResult) -> None:
    before = snapshot()
    with pytest.raises(Invalid) as caught:
        catalog_import_xlsx(content=workbook([GOOD], kits=[["K", "包", "", "kit", "NOPE", 1]]))
    assert [(e.row, e.field) for e in caught.value.errors] == [(2, "item_code")]
    assert snapshot() == before


@pytest.mark.usefixtures("english")
def test_not_a_workbook_is_refused(demo: DemoResult) -> None:
    with pytest.raises(Invalid, match=r"Not a readable \.xlsx file"):
        catalog_import_xlsx(content=b"name,code\nx,y\n")


def test_city_procurement_officer_imports_through_the_web(
    client_for: Callable[[str], Client],
) -> None:
    client = client_for("city-procurement-officer")
    bad = workbook([GOOD, GOOD])
    response = client.post("/catalog/import/", {"file": io.BytesIO(bad)})
    assert response.status_code == 422
    assert "重复（首次出现在第 2 行）" in response.content.decode()  # the page is in Chinese
    assert not Item.objects.filter(code="GOWN-X").exists()
    upload = io.BytesIO(workbook([GOOD]))
    upload.name = "catalog.xlsx"
    response = client.post("/catalog/import/", {"file": upload})
    assert response.status_code == 302
    assert Item.objects.filter(code="GOWN-X").exists()


def test_district_users_cannot_import_the_city_catalog(client_for: Callable[[str], Client]) -> None:
    client = client_for("district-procurement-officer")
    response = client.post("/catalog/import/", {"file": io.BytesIO(workbook([GOOD]))})
    assert response.status_code == 403
    assert not Item.objects.filter(code="GOWN-X").exists()


def test_export_downloads_a_workbook_with_every_item(client_for: Callable[[str], Client]) -> None:
    response = client_for("community-grid-worker").get("/catalog/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content))["items"]
    codes = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert codes == set(Item.objects.values_list("code", flat=True))
