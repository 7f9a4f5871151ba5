"""Bad input on ordering and on the household import: a clear field-level error and nothing
saved — malformed quantities, unknown items, orders over quota or over the price cap, and a
spreadsheet with bad rows (row, column, reason)."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from openpyxl import Workbook

from liangcao.catalog.models import Item
from liangcao.community.excel import COLUMNS, households_import_xlsx
from liangcao.community.models import Household, ItemRule, Offer, Order, OrderingRule
from liangcao.core.errors import Forbidden, Invalid
from liangcao.orgs.models import User
from tests.community.conftest import Place


def order(client: Client, household_id: int, lines: list[dict[str, Any]]) -> Any:
    return client.post(
        "/api/v1/community/orders",
        json.dumps({"household_id": household_id, "lines": lines}),
        content_type="application/json",
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        ([{"offer": "EGG", "quantity": "abc"}], "lines.0.quantity"),
        ([{"offer": "EGG", "quantity": 1.5}], "lines.0.quantity"),
        ([{"offer": "EGG", "quantity": 0}], "lines.0.quantity"),
        ([{"offer": "EGG", "quantity": -2}], "lines.0.quantity"),
        ([{"offer": "EGG", "quantity": 100}], "lines.0.quantity"),
        ([{"offer": "CAVIAR", "quantity": 1}], "lines.0.offer"),
        ([{"offer": "EGG", "quantity": 1}, {"offer": "EGG", "quantity": 1}], "lines.1.offer"),
        ([{"offer": "BOX-FAMILY", "quantity": 2}], "lines.0.quantity"),  # one box per order
        ([], "lines"),
    ],
)
def test_bad_orders_are_refused_and_nothing_is_saved(
    place: Place, client_for: Callable[[str], Client], lines: list[dict[str, Any]], field: str
) -> None:
    response = order(client_for("community-grid-worker"), place.household.pk, lines)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert field in [e["field"] for e in body["errors"]]
    assert Order.objects.count() == 0


def test_quota_and_price_cap_of_the_active_response_level(
    place: Place, client_for: Callable[[str], Client]
) -> None:
    rule = OrderingRule.objects.create(level="II", interval_days=5, is_active=True)
    ItemRule.objects.create(rule=rule, item=Item.objects.get(code="RICE"), quota=2)
    ItemRule.objects.create(rule=rule, item=Item.objects.get(code="OIL"), price_cap=5000)
    grid = client_for("community-grid-worker")
    over = order(grid, place.household.pk, [{"offer": "RICE", "quantity": 3}])
    assert over.status_code == 422
    assert "2" in over.json()["errors"][0]["message"]
    capped = order(grid, place.household.pk, [{"offer": "OIL", "quantity": 1}])
    assert capped.status_code == 422 and capped.json()["errors"][0]["field"] == "lines.0.offer"
    assert Order.objects.count() == 0
    assert order(grid, place.household.pk, [{"offer": "RICE", "quantity": 2}]).status_code == 201
    # The level's interval (5 days) applies to the next order.
    again = order(grid, place.household.pk, [{"offer": "EGG", "quantity": 1}])
    assert again.status_code == 409 and "5" in again.json()["message"]
    assert Order.objects.count() == 1


def test_resident_page_reports_bad_quantities_in_chinese(place: Place) -> None:
    resident = Client()
    offer = Offer.objects.get(item__code="EGG")
    response = resident.post(
        f"/c/{place.token}/",
        {
            "room": place.household.room,
            "household_code": place.household.code,
            f"q_{offer.pk}": "x",
        },
    )
    assert response.status_code == 422
    assert "1 到 99 之间的整数" in response.content.decode()
    assert Order.objects.count() == 0


def sheet(rows: list[list[Any]], headers: tuple[str, ...] = COLUMNS) -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "households"
    ws.append(list(headers))
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def row(compound: str, code: str, room: str, heads: Any = 3, **flags: str) -> list[Any]:
    cells = {"compound": compound, "household_code": code, "building": "9", "room": room}
    cells |= {"head_count": heads, "unit": "2", "contact_name": "赵女士", "phone": "13900000000"}
    cells |= flags
    return [cells.get(c, "") for c in COLUMNS]


def test_household_import_all_or_nothing(place: Place) -> None:
    grid = User.objects.get(username="community-grid-worker")
    compound = place.compound.code
    before = Household.objects.count()
    bad = sheet(
        [
            row(compound, "NEW1", "901", elderly_alone="是"),
            row(compound, "NEW2", "902", heads="many"),
            row("nowhere", "NEW3", "903"),
            row(compound, "NEW1", "904"),
            row(compound, "NEW5", "905", dialysis="maybe"),
        ]
    )
    with pytest.raises(Invalid) as caught:
        households_import_xlsx(user=grid, content=bad)
    problems = {(e.row, e.field) for e in caught.value.errors}
    assert problems == {
        (3, "head_count"),
        (4, "compound"),
        (5, "household_code"),
        (6, "dialysis"),
    }
    assert Household.objects.count() == before
    good = sheet([row(compound, "NEW1", "901", elderly_alone="是"), row(compound, "new2", "902")])
    assert households_import_xlsx(user=grid, content=good) == 2
    first = Household.objects.get(compound=place.compound, code="NEW1")
    assert first.elderly_alone and not first.dialysis and first.head_count == 3
    assert Household.objects.filter(compound=place.compound, code="NEW2").exists()
    # Importing the same sheet again clashes with what is registered; nothing changes.
    with pytest.raises(Invalid):
        households_import_xlsx(user=grid, content=good)
    # An inspector may not import; a sheet with a typo in a header names the column.
    with pytest.raises(Forbidden):
        households_import_xlsx(user=User.objects.get(username="community-inspector"), content=good)
    typo = sheet([row(compound, "NEW9", "909")], headers=(*COLUMNS[:-1], "dialysys"))
    with pytest.raises(Invalid) as caught:
        households_import_xlsx(user=grid, content=typo)
    assert {e.field for e in caught.value.errors} >= {"dialysys"}
    assert Household.objects.count() == before + 2


def test_household_import_page(place: Place, client_for: Callable[[str], Client]) -> None:
    grid = client_for("community-grid-worker")
    upload = io.BytesIO(sheet([row(place.compound.code, "WEB1", "801", heads=0)]))
    upload.name = "households.xlsx"
    response = grid.post("/community/households/", {"file": upload})
    assert response.status_code == 422
    assert 'data-testid="import-error"' in response.content.decode()
    assert not Household.objects.filter(code="WEB1").exists()
