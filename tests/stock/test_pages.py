"""Stock pages: the receive form posts once however often it is tapped, the overview flags
what needs attention, the count sheet is blind for the counter, every table exports .xlsx."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation
from openpyxl import load_workbook

from liangcao.stock import services
from liangcao.stock.models import CountSheet, Document, DocumentKind
from tests.stock.conftest import Stock

pytestmark = pytest.mark.django_db


def test_a_double_tapped_receive_form_posts_once(
    stock: Stock, client_for: Callable[[str], Client]
) -> None:
    keeper = client_for("depot-keeper")
    page = keeper.get("/stock/receive/").content.decode()
    token = re.search(r'name="form_token" value="([0-9a-f]+)"', page)
    assert token is not None
    form = {
        "form_token": token.group(1),
        "site": stock.site("depot-city").pk,
        "source_kind": "supplier",
        "source_site": stock.supplier().pk,
        "item": ["MASK-N95", "THERMO-IR", ""],
        "quantity": ["300", "20", ""],
        "lot": ["N95-77", "", ""],
        "expiry": ["2027-10-31", "", ""],
    }
    first = keeper.post("/stock/receive/", form)
    second = keeper.post("/stock/receive/", form)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    receipts = Document.objects.filter(kind=DocumentKind.RECEIPT)
    assert receipts.count() == 1
    assert receipts.get().movements.count() == 2


def test_a_receive_form_with_a_bad_line_says_which(
    stock: Stock, client_for: Callable[[str], Client]
) -> None:
    keeper = client_for("depot-keeper")
    response = keeper.post(
        "/stock/receive/",
        {
            "form_token": "t1",
            "site": stock.site("depot-city").pk,
            "source_kind": "supplier",
            "source_site": stock.supplier().pk,
            "item": ["NO-SUCH"],
            "quantity": ["1"],
            "lot": [""],
            "expiry": [""],
        },
    )
    assert response.status_code == 422
    assert "NO-SUCH" in response.content.decode()
    assert not Document.objects.exists()


def test_the_overview_flags_low_stock_and_lots_expiring_soon(
    stock: Stock, client_for: Callable[[str], Client]
) -> None:
    soon = (timezone.localdate() + timedelta(days=10)).isoformat()
    stock.receive("depot-city", "MASK-N95", 40, lot="SOON", expiry=soon)
    stock.receive("depot-city", "THERMO-IR", 10)
    stock.receive("depot-city", "GOWN-ISO", 10)
    services.shipment_reserve(
        actor=stock.admin,
        from_site_id=stock.site("depot-city").pk,
        to_site_id=stock.site("depot-d01").pk,
        lines=[services.LineSpec(item_id=stock.item("THERMO-IR").pk, quantity=10)],
    )
    html = (
        client_for("city-commander")
        .get("/stock/", {"site": stock.site("depot-city").pk})
        .content.decode()
    )
    rows = dict(re.findall(r'<tr data-stock="depot-city/([A-Z0-9-]+)"(?: class="([^"]*)")?', html))
    assert "near-expiry" in rows["MASK-N95"]
    assert "low-stock" in rows["THERMO-IR"]
    assert rows["GOWN-ISO"] == ""


def test_the_count_sheet_hides_the_book_from_the_counter(
    stock: Stock, client_for: Callable[[str], Client]
) -> None:
    stock.receive("depot-city", "THERMO-IR", 4321)
    keeper = client_for("depot-keeper")
    opened = keeper.post("/stock/counts/new/", {"site": stock.site("depot-city").pk})
    assert opened.status_code == 302
    sheet = CountSheet.objects.get()
    page = keeper.get(opened["Location"]).content.decode()
    assert "4321" not in page and "variance-table" not in page
    line = sheet.lines.get()
    assert keeper.post(opened["Location"], {f"count-{line.pk}": "4300"}).status_code == 302
    approver = client_for("city-approver")
    review = approver.get(opened["Location"]).content.decode()
    assert "variance-table" in review and "-21" in review
    posted = approver.post(f"/stock/counts/{sheet.pk}/post/", {"form_token": "count-1"})
    assert posted.status_code == 302 and "/stock/documents/" in posted["Location"]
    sheet.refresh_from_db()
    assert sheet.adjustment is not None and sheet.adjustment.movements.get().quantity == 21


def test_every_stock_table_exports_to_xlsx(
    stock: Stock, client_for: Callable[[str], Client]
) -> None:
    stock.receive("depot-city", "MASK-N95", 40, lot="X-1", expiry="2027-01-01")
    site, item = stock.site("depot-city").pk, stock.item("MASK-N95")
    lot = item.lots.get(code="X-1")
    client = client_for("city-commander")
    sheet = services.count_sheet_open(actor=stock.admin, site_id=site)
    for url, params, title, first_header in (
        ("/stock/export.xlsx", {"site": site}, "库存", "单位"),
        ("/stock/card/export.xlsx", {"site": site, "item": item.pk}, "库存卡", "库存流水"),
        (f"/stock/lots/{lot.pk}/export.xlsx", {}, "批次追溯", "库存流水"),
        (f"/stock/counts/{sheet.pk}/export.xlsx", {}, "盘点表", "明细"),
    ):
        response = client.get(url, params)
        assert response.status_code == 200, url
        book = load_workbook(io.BytesIO(response.content), read_only=True)
        rows = list(book[title].iter_rows(values_only=True))
        assert rows[0][0] == first_header and len(rows) == 2, (url, rows)


def test_a_reason_the_system_wrote_reads_in_the_readers_language(
    stock: Stock, client_for: Callable[[str], Client]
) -> None:
    """Purchases, donations, stock counts and opening balances carry reasons the system wrote;
    the document page words them (a reason a person typed is shown as typed)."""
    from liangcao.orgs.models import User

    admin = User.objects.get(username="admin")
    written = services.receipt_post(
        actor=admin,
        site_id=stock.site("depot-city").pk,
        source_kind="supplier",
        source_site_id=stock.supplier().pk,
        lines=[services.LineSpec(stock.item("THERMO-IR").pk, 5)],
    )
    cases = [("stock count #12", "盘点 #12"), ("donation D-7", "捐赠 D-7"), ("by hand", "by hand")]
    keeper = client_for("depot-keeper")
    for stored, shown in cases:
        Document.objects.filter(pk=written.pk).update(reason=stored)
        page = keeper.get(f"/stock/documents/{written.pk}/").content.decode()
        assert f"<dd>{shown}</dd>" in page
    with translation.override("en"):
        written.reason = "stock count #12"
        assert written.reason_text == "stock count #12"
