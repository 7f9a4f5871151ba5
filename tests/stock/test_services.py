"""Stories of the ledger services: receive, issue, transfer, reserve, ship, reverse, count."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from liangcao.core.errors import Conflict, Forbidden, Invalid
from liangcao.orgs.models import User
from liangcao.stock import selectors, services
from liangcao.stock.audit import ledger_verify
from liangcao.stock.models import (
    Balance,
    CountLine,
    Discrepancy,
    DocumentState,
    LocationKind,
    Movement,
)
from tests.stock.conftest import Stock

pytestmark = pytest.mark.django_db


def on_hand(site_code: str, item_code: str, stock: Stock) -> tuple[int, int]:
    rows = Balance.objects.filter(
        location__key=f"store:{stock.site(site_code).pk}:", item=stock.item(item_code)
    )
    return sum(r.on_hand for r in rows), sum(r.reserved for r in rows)


def test_receipt_then_issue_leaves_the_difference_and_the_ledger_checks_out(stock: Stock) -> None:
    stock.receive("depot-city", "THERMO-IR", 100)
    services.issue_post(
        actor=stock.admin,
        site_id=stock.site("depot-city").pk,
        lines=[services.LineSpec(item_id=stock.item("THERMO-IR").pk, quantity=30)],
    )
    assert on_hand("depot-city", "THERMO-IR", stock) == (70, 0)
    consumed = Balance.objects.get(
        location__kind=LocationKind.CONSUMPTION, item=stock.item("THERMO-IR")
    )
    supplier = Balance.objects.get(location__kind=LocationKind.SUPPLIER)
    assert (consumed.on_hand, supplier.on_hand) == (30, -100)
    assert ledger_verify().ok


@pytest.mark.usefixtures("english")
def test_issuing_more_than_available_is_a_conflict_naming_item_site_and_quantity(
    stock: Stock,
) -> None:
    stock.receive("depot-city", "THERMO-IR", 10)
    with pytest.raises(Conflict) as caught:
        services.issue_post(
            actor=stock.admin,
            site_id=stock.site("depot-city").pk,
            lines=[services.LineSpec(item_id=stock.item("THERMO-IR").pk, quantity=11)],
        )
    assert "THERMO-IR" in caught.value.message
    assert "depot-city" in caught.value.message
    assert "10 available" in caught.value.message
    assert on_hand("depot-city", "THERMO-IR", stock) == (10, 0)
    assert Movement.objects.count() == 1


def test_transfer_picks_the_lot_that_expires_first(stock: Stock) -> None:
    stock.receive("depot-city", "MASK-N95", 50, lot="LATE", expiry="2028-06-30")
    stock.receive("depot-city", "MASK-N95", 30, lot="EARLY", expiry="2027-01-31")
    services.transfer_post(
        actor=stock.admin,
        from_site_id=stock.site("depot-city").pk,
        to_site_id=stock.site("depot-d01").pk,
        lines=[services.LineSpec(item_id=stock.item("MASK-N95").pk, quantity=40)],
    )
    moved = dict(
        Movement.objects.filter(document__kind="transfer").values_list("lot__code", "quantity")
    )
    assert moved == {"EARLY": 30, "LATE": 10}
    picks = selectors.pick_suggest(
        user=stock.admin,
        site_id=stock.site("depot-city").pk,
        item_id=stock.item("MASK-N95").pk,
        quantity=5,
    )
    assert [(p.lot_code, p.quantity, p.expiry) for p in picks] == [("LATE", 5, date(2028, 6, 30))]
    assert ledger_verify().ok


def test_receipt_of_a_lot_tracked_item_needs_its_lot_and_expiry(stock: Stock) -> None:
    site, item = stock.site("depot-city"), stock.item("MASK-N95")
    for spec in (
        services.LineSpec(item_id=item.pk, quantity=1),
        services.LineSpec(item_id=item.pk, quantity=1, lot_code="A"),
    ):
        with pytest.raises(Invalid):
            services.receipt_post(
                actor=stock.admin,
                site_id=site.pk,
                source_kind="donor",
                source_party="Red Cross",
                lines=[spec],
            )
    assert not Movement.objects.exists()


@pytest.mark.usefixtures("english")
def test_a_reservation_makes_stock_unavailable_until_the_shipment_is_cancelled(
    stock: Stock,
) -> None:
    stock.receive("depot-city", "THERMO-IR", 10)
    item = stock.item("THERMO-IR")
    shipment = services.shipment_reserve(
        actor=stock.admin,
        from_site_id=stock.site("depot-city").pk,
        to_site_id=stock.site("depot-d01").pk,
        lines=[services.LineSpec(item_id=item.pk, quantity=8)],
    )
    assert on_hand("depot-city", "THERMO-IR", stock) == (10, 8)
    with pytest.raises(Conflict, match="2 available"):
        services.issue_post(
            actor=stock.admin,
            site_id=stock.site("depot-city").pk,
            lines=[services.LineSpec(item_id=item.pk, quantity=3)],
        )
    services.shipment_cancel(actor=stock.admin, document_id=shipment.pk)
    assert on_hand("depot-city", "THERMO-IR", stock) == (10, 0)
    with pytest.raises(Conflict):
        services.shipment_dispatch(actor=stock.admin, document_id=shipment.pk)
    assert ledger_verify().ok


def test_a_shipment_travels_and_arrives_short_damaged_and_with_excess(stock: Stock) -> None:
    stock.receive("depot-city", "THERMO-IR", 100)
    stock.receive("depot-city", "MASK-N95", 100, lot="A", expiry="2027-03-01")
    thermo, mask = stock.item("THERMO-IR"), stock.item("MASK-N95")
    shipment = services.shipment_reserve(
        actor=stock.admin,
        from_site_id=stock.site("depot-city").pk,
        to_site_id=stock.site("depot-d01").pk,
        lines=[
            services.LineSpec(item_id=thermo.pk, quantity=40),
            services.LineSpec(item_id=mask.pk, quantity=20),
        ],
    )
    services.shipment_dispatch(actor=stock.admin, document_id=shipment.pk)
    assert on_hand("depot-city", "THERMO-IR", stock) == (60, 0)
    t_line, m_line = shipment.lines.order_by("number")
    services.shipment_receive(
        actor=stock.admin,
        document_id=shipment.pk,
        lines=[
            services.ReceiveSpec(line_id=t_line.pk, received=30, damaged=2, reason="crushed box"),
            services.ReceiveSpec(line_id=m_line.pk, received=22, reason="packed extra"),
        ],
    )
    shipment.refresh_from_db()
    assert shipment.state == DocumentState.PARTIALLY_RECEIVED
    assert on_hand("depot-d01", "THERMO-IR", stock) == (30, 0)
    assert on_hand("depot-d01", "MASK-N95", stock) == (22, 0)
    services.shipment_close(actor=stock.admin, document_id=shipment.pk, reason="lost in transit")
    shipment.refresh_from_db()
    assert shipment.state == DocumentState.CLOSED
    found = sorted(Discrepancy.objects.values_list("kind", "quantity"))
    assert found == [("damaged", 2), ("excess", 2), ("short", 8)]
    transit = Balance.objects.filter(location__kind=LocationKind.IN_TRANSIT)
    assert sum(b.on_hand for b in transit) == 0
    assert ledger_verify().ok


@pytest.mark.usefixtures("english")
def test_a_reversal_restores_every_balance_and_cannot_be_repeated(stock: Stock) -> None:
    stock.receive("depot-city", "THERMO-IR", 50)
    item = stock.item("THERMO-IR")
    transfer = services.transfer_post(
        actor=stock.admin,
        from_site_id=stock.site("depot-city").pk,
        to_site_id=stock.site("depot-d01").pk,
        lines=[services.LineSpec(item_id=item.pk, quantity=20)],
    )
    reversal = services.document_reverse(
        actor=stock.admin, document_id=transfer.pk, reason="wrong depot"
    )
    assert on_hand("depot-city", "THERMO-IR", stock) == (50, 0)
    assert on_hand("depot-d01", "THERMO-IR", stock) == (0, 0)
    mirror = Movement.objects.get(document=reversal)
    assert mirror.reverses == Movement.objects.get(document=transfer)
    with pytest.raises(Conflict, match="reversed"):
        services.document_reverse(actor=stock.admin, document_id=transfer.pk, reason="again")
    assert ledger_verify().ok


@pytest.mark.usefixtures("english")
def test_a_receipt_whose_stock_was_issued_cannot_be_reversed(stock: Stock) -> None:
    receipt = stock.receive("depot-city", "THERMO-IR", 10)
    services.issue_post(
        actor=stock.admin,
        site_id=stock.site("depot-city").pk,
        lines=[services.LineSpec(item_id=stock.item("THERMO-IR").pk, quantity=5)],
    )
    with pytest.raises(Conflict, match="5 available"):
        services.document_reverse(actor=stock.admin, document_id=receipt.pk, reason="mistake")
    receipt.refresh_from_db()
    assert receipt.state == DocumentState.POSTED


def test_a_blind_count_books_the_variance_as_an_approved_adjustment(
    stock: Stock, user_named: object
) -> None:
    stock.receive("depot-city", "THERMO-IR", 10)
    stock.receive("depot-city", "MASK-N95", 40, lot="A", expiry="2027-03-01")
    keeper = User.objects.get(username="depot-keeper")
    approver = User.objects.get(username="city-approver")
    sheet = services.count_sheet_open(actor=keeper, site_id=stock.site("depot-city").pk)
    lines = {
        ln.item.code: ln for ln in CountLine.objects.filter(sheet=sheet).select_related("item")
    }
    assert set(lines) == {"THERMO-IR", "MASK-N95"}
    assert all(ln.book is None for ln in lines.values()), "the counter must not see the book"
    services.count_sheet_record(
        actor=keeper,
        sheet_id=sheet.pk,
        counts={lines["THERMO-IR"].pk: 12, lines["MASK-N95"].pk: 35},
    )
    with pytest.raises(Forbidden):
        services.count_sheet_post(actor=keeper, sheet_id=sheet.pk)
    variance = {ln.item.code: v for ln, _, v in selectors.count_variance(sheet=sheet)}
    assert variance == {"THERMO-IR": 2, "MASK-N95": -5}
    adjustment = services.count_sheet_post(actor=approver, sheet_id=sheet.pk)
    assert adjustment.approved_by == approver
    assert on_hand("depot-city", "THERMO-IR", stock) == (12, 0)
    assert on_hand("depot-city", "MASK-N95", stock) == (35, 0)
    with pytest.raises(Conflict):
        services.count_sheet_post(actor=approver, sheet_id=sheet.pk)
    assert ledger_verify().ok


def test_an_adjustment_needs_a_reason_and_an_approver(stock: Stock) -> None:
    stock.receive("depot-city", "THERMO-IR", 10)
    site, item = stock.site("depot-city"), stock.item("THERMO-IR")
    lines = [services.AdjustSpec(item_id=item.pk, delta=-3)]
    keeper = User.objects.get(username="depot-keeper")
    with pytest.raises(Forbidden):
        services.adjustment_post(actor=keeper, site_id=site.pk, reason="broken", lines=lines)
    with pytest.raises(Invalid):
        services.adjustment_post(actor=stock.admin, site_id=site.pk, reason=" ", lines=lines)
    commander = User.objects.get(username="city-commander")
    services.adjustment_post(actor=commander, site_id=site.pk, reason="broken", lines=lines)
    assert on_hand("depot-city", "THERMO-IR", stock) == (7, 0)


def test_the_same_idempotency_key_finds_the_first_document(stock: Stock) -> None:
    stock.receive("depot-city", "THERMO-IR", 10)
    args = {
        "actor": stock.admin,
        "site_id": stock.site("depot-city").pk,
        "lines": [services.LineSpec(item_id=stock.item("THERMO-IR").pk, quantity=4)],
        "idempotency_key": "k-1",
    }
    first = services.issue_post(**args)  # type: ignore[arg-type]
    second = services.issue_post(**args)  # type: ignore[arg-type]
    assert first.pk == second.pk
    assert on_hand("depot-city", "THERMO-IR", stock) == (6, 0)


def test_the_stock_card_shows_a_running_balance_across_cursor_pages(stock: Stock) -> None:
    for qty in (10, 20, 30):
        stock.receive("depot-city", "THERMO-IR", qty)
    services.issue_post(
        actor=stock.admin,
        site_id=stock.site("depot-city").pk,
        lines=[services.LineSpec(item_id=stock.item("THERMO-IR").pk, quantity=15)],
    )
    site, item = stock.site("depot-city").pk, stock.item("THERMO-IR").pk
    first = selectors.stock_card(user=stock.admin, site_id=site, item_id=item, limit=2)
    assert [ln.balance for ln in first.lines] == [10, 30]
    assert first.next_cursor is not None
    second = selectors.stock_card(
        user=stock.admin, site_id=site, item_id=item, after=first.next_cursor, limit=2
    )
    assert second.opening == 30
    assert [(ln.quantity_in, ln.quantity_out, ln.balance) for ln in second.lines] == [
        (30, 0, 60),
        (0, 15, 45),
    ]
    assert second.next_cursor is None


def test_a_lot_can_be_traced_from_receipt_to_consumption(stock: Stock) -> None:
    stock.receive("depot-city", "MASK-N95", 100, lot="TRACE-1", expiry="2027-05-01")
    mask = stock.item("MASK-N95")
    services.transfer_post(
        actor=stock.admin,
        from_site_id=stock.site("depot-city").pk,
        to_site_id=stock.site("depot-d01").pk,
        lines=[services.LineSpec(item_id=mask.pk, quantity=60)],
    )
    hospital = User.objects.get(username="hospital-requester").memberships.get().site
    assert hospital is not None
    services.issue_post(
        actor=stock.admin,
        site_id=stock.site("depot-d01").pk,
        to_site_id=hospital.pk,
        lines=[services.LineSpec(item_id=mask.pk, quantity=25)],
    )
    lot = mask.lots.get(code="TRACE-1")
    with translation.override("en"):
        _, lines, now_at = selectors.lot_trace(user=stock.admin, lot_id=lot.pk)
    assert [ln.document_kind for ln in lines] == ["receipt", "transfer", "issue"]
    assert now_at == {
        "Store · depot-city": 40,
        "Store · depot-d01": 35,
        f"Consumption · {hospital.code}": 25,
    }
