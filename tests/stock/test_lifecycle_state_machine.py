"""The lifecycle as a hypothesis state machine: random receive / issue / transfer / reserve /
dispatch / receive-shipment / close / cancel / reverse / count steps.

The test keeps its own books (what it received, what left through consumption and loss, what
counts adjusted, what each store should hold and have reserved) and after every step checks
the ledger against them — never against the balances under test alone — and runs
`ledger_verify`. Each example runs inside a savepoint that is rolled back afterwards.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from liangcao.core.errors import Conflict
from liangcao.orgs.models import User
from liangcao.stock import services
from liangcao.stock.audit import ledger_verify
from liangcao.stock.models import Balance, CountLine, LocationKind
from tests.stock.conftest import Stock

SCALE = max(1, int(os.environ.get("LIANGCAO_STRESS_SCALE", "1")))
SITES = ["depot-city", "depot-d01", "depot-d02"]
ITEMS = ["THERMO-IR", "MASK-N95"]  # no lots; one lot (so the test's books are per item)

sites = st.sampled_from(SITES)
items = st.sampled_from(ITEMS)
quantities = st.integers(min_value=1, max_value=40)


@dataclass
class Shipment:
    source: str
    dest: str
    item: str
    quantity: int
    state: str = "reserved"
    arrived: int = 0


class LedgerMachine(RuleBasedStateMachine):
    stock: ClassVar[Stock]

    def __init__(self) -> None:
        super().__init__()
        self.savepoint = transaction.savepoint()
        self.admin: User = self.stock.admin
        self.site_id = {code: self.stock.site(code).pk for code in SITES}
        self.item_id = {code: self.stock.item(code).pk for code in ITEMS}
        self.on_hand: dict[tuple[str, str], int] = defaultdict(int)
        self.reserved: dict[tuple[str, str], int] = defaultdict(int)
        self.received: dict[str, int] = defaultdict(int)
        self.gone: dict[str, int] = defaultdict(int)
        self.adjusted: dict[str, int] = defaultdict(int)
        self.in_transit: dict[str, int] = defaultdict(int)
        self.shipments: dict[int, Shipment] = {}
        self.posted: list[tuple[int, str, str, str | None, str, int]] = []

    def teardown(self) -> None:
        transaction.savepoint_rollback(self.savepoint)

    def available(self, site: str, item: str) -> int:
        return self.on_hand[site, item] - self.reserved[site, item]

    def line(self, item: str, quantity: int, *, receipt: bool = False) -> services.LineSpec:
        lot = {"lot_code": "A", "expiry": None} if item == "MASK-N95" and receipt else {}
        if lot:
            from datetime import date

            lot["expiry"] = date(2027, 12, 31)
        return services.LineSpec(item_id=self.item_id[item], quantity=quantity, **lot)  # type: ignore[arg-type]

    # --- steps -------------------------------------------------------------------------
    @initialize()
    def opening_stock(self) -> None:
        for site in SITES:
            for item in ITEMS:
                self.receive(site, item, 60)

    @rule(site=sites, item=items, quantity=quantities)
    def receive(self, site: str, item: str, quantity: int) -> None:
        doc = services.receipt_post(
            actor=self.admin,
            site_id=self.site_id[site],
            source_kind="donor",
            source_party="Red Cross",
            lines=[self.line(item, quantity, receipt=True)],
        )
        self.on_hand[site, item] += quantity
        self.received[item] += quantity
        self.posted.append((doc.pk, "receipt", site, None, item, quantity))

    @rule(site=sites, item=items, quantity=quantities)
    def issue(self, site: str, item: str, quantity: int) -> None:
        enough = self.available(site, item) >= quantity
        try:
            doc = services.issue_post(
                actor=self.admin, site_id=self.site_id[site], lines=[self.line(item, quantity)]
            )
        except Conflict:
            assert not enough
            return
        assert enough
        self.on_hand[site, item] -= quantity
        self.gone[item] += quantity
        self.posted.append((doc.pk, "issue", site, None, item, quantity))

    @rule(source=sites, dest=sites, item=items, quantity=quantities)
    def transfer(self, source: str, dest: str, item: str, quantity: int) -> None:
        if source == dest:
            return
        enough = self.available(source, item) >= quantity
        try:
            doc = services.transfer_post(
                actor=self.admin,
                from_site_id=self.site_id[source],
                to_site_id=self.site_id[dest],
                lines=[self.line(item, quantity)],
            )
        except Conflict:
            assert not enough
            return
        assert enough
        self.on_hand[source, item] -= quantity
        self.on_hand[dest, item] += quantity
        self.posted.append((doc.pk, "transfer", source, dest, item, quantity))

    @rule(source=sites, dest=sites, item=items, quantity=quantities)
    def reserve(self, source: str, dest: str, item: str, quantity: int) -> None:
        if source == dest:
            return
        enough = self.available(source, item) >= quantity
        try:
            doc = services.shipment_reserve(
                actor=self.admin,
                from_site_id=self.site_id[source],
                to_site_id=self.site_id[dest],
                lines=[self.line(item, quantity)],
            )
        except Conflict:
            assert not enough
            return
        assert enough
        self.reserved[source, item] += quantity
        self.shipments[doc.pk] = Shipment(source, dest, item, quantity)

    def _pick(self, data: st.DataObject, states: set[str]) -> tuple[int, Shipment] | None:
        candidates = sorted(k for k, s in self.shipments.items() if s.state in states)
        if not candidates:
            return None
        key = data.draw(st.sampled_from(candidates))
        return key, self.shipments[key]

    @precondition(lambda self: any(s.state in {"reserved"} for s in self.shipments.values()))
    @rule(data=st.data())
    def dispatch(self, data: st.DataObject) -> None:
        picked = self._pick(data, {"reserved"})
        if picked is None:
            return
        key, s = picked
        services.shipment_dispatch(actor=self.admin, document_id=key)
        self.reserved[s.source, s.item] -= s.quantity
        self.on_hand[s.source, s.item] -= s.quantity
        self.in_transit[s.item] += s.quantity
        s.state = "dispatched"

    @precondition(lambda self: any(s.state in {"reserved"} for s in self.shipments.values()))
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        picked = self._pick(data, {"reserved"})
        if picked is None:
            return
        key, s = picked
        services.shipment_cancel(actor=self.admin, document_id=key)
        self.reserved[s.source, s.item] -= s.quantity
        s.state = "cancelled"

    @precondition(
        lambda self: any(s.state in {"dispatched", "partial"} for s in self.shipments.values())
    )
    @rule(data=st.data())
    def arrive(self, data: st.DataObject) -> None:
        picked = self._pick(data, {"dispatched", "partial"})
        if picked is None:
            return
        key, s = picked
        outstanding = s.quantity - s.arrived
        if outstanding == 0:
            return
        damaged = data.draw(st.integers(0, outstanding))
        received = data.draw(st.integers(0 if damaged else 1, outstanding - damaged + 3))
        line = services.Document.objects.get(pk=key).lines.get()  # type: ignore[attr-defined]
        services.shipment_receive(
            actor=self.admin,
            document_id=key,
            lines=[
                services.ReceiveSpec(
                    line_id=line.pk,
                    received=received,
                    damaged=damaged,
                    reason="checked at the door",
                )
            ],
        )
        good = min(received, outstanding - damaged)
        excess = received - good
        self.on_hand[s.dest, s.item] += received
        self.in_transit[s.item] -= good + damaged
        self.gone[s.item] += damaged
        self.adjusted[s.item] += excess
        s.arrived += good + damaged
        s.state = "partial"

    @precondition(
        lambda self: any(s.state in {"dispatched", "partial"} for s in self.shipments.values())
    )
    @rule(data=st.data())
    def close(self, data: st.DataObject) -> None:
        picked = self._pick(data, {"dispatched", "partial"})
        if picked is None:
            return
        key, s = picked
        services.shipment_close(actor=self.admin, document_id=key, reason="lost on the road")
        short = s.quantity - s.arrived
        self.in_transit[s.item] -= short
        self.gone[s.item] += short
        s.state = "closed"

    @rule(source=sites, dest=sites, item=items, quantity=quantities, data=st.data())
    def ship_all_the_way(
        self, source: str, dest: str, item: str, quantity: int, data: st.DataObject
    ) -> None:
        """A whole trip in one step: reserve, dispatch, arrive (in part), close."""
        before = set(self.shipments)
        self.reserve(source, dest, item, quantity)
        if set(self.shipments) == before:
            return
        self.dispatch(data)
        self.arrive(data)
        self.close(data)

    @precondition(lambda self: bool(self.posted))
    @rule(data=st.data())
    def reverse(self, data: st.DataObject) -> None:
        index = data.draw(st.integers(0, len(self.posted) - 1))
        doc_id, kind, site, dest, item, quantity = self.posted[index]
        # Where the stock must come back from: the receiving store (receipt, transfer).
        back_from = {"receipt": site, "transfer": dest, "issue": None}[kind]
        possible = back_from is None or self.available(back_from, item) >= quantity
        try:
            services.document_reverse(actor=self.admin, document_id=doc_id, reason="mistake")
        except Conflict:
            assert not possible
            return
        assert possible
        del self.posted[index]
        if kind == "receipt":
            self.on_hand[site, item] -= quantity
            self.received[item] -= quantity
        elif kind == "transfer":
            assert dest is not None
            self.on_hand[dest, item] -= quantity
            self.on_hand[site, item] += quantity
        else:
            self.on_hand[site, item] += quantity
            self.gone[item] -= quantity

    @rule(site=sites, item=items, delta=st.integers(-10, 10))
    def count(self, site: str, item: str, delta: int) -> None:
        sheet = services.count_sheet_open(actor=self.admin, site_id=self.site_id[site])
        lines = list(CountLine.objects.filter(sheet=sheet).select_related("item"))
        counts = {}
        changed = 0
        for ln in lines:
            book = self.on_hand[site, ln.item.code]
            if ln.item.code == item and book + delta >= 0:
                changed = delta
            counts[ln.pk] = book + (changed if ln.item.code == item else 0)
        services.count_sheet_record(actor=self.admin, sheet_id=sheet.pk, counts=counts)
        ok = self.on_hand[site, item] + changed >= self.reserved[site, item]
        try:
            services.count_sheet_post(actor=self.admin, sheet_id=sheet.pk)
        except Conflict:
            assert not ok
            return
        assert ok
        self.on_hand[site, item] += changed
        self.adjusted[item] += changed

    # --- what must hold after every step ---------------------------------------------------
    @invariant()
    def stores_match_the_books(self) -> None:
        for site in SITES:
            for item in ITEMS:
                rows = Balance.objects.filter(
                    location__key=f"store:{self.site_id[site]}:", item_id=self.item_id[item]
                ).aggregate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
                got = (rows["on_hand"] or 0, rows["reserved"] or 0)
                assert got == (self.on_hand[site, item], self.reserved[site, item]), (site, item)

    @invariant()
    def stock_is_conserved(self) -> None:
        for item in ITEMS:
            held = (
                Balance.objects.filter(
                    item_id=self.item_id[item],
                    location__kind__in=[LocationKind.STORE, LocationKind.IN_TRANSIT],
                ).aggregate(s=Sum("on_hand"))["s"]
                or 0
            )
            expected = self.received[item] - self.gone[item] + self.adjusted[item]
            assert held == expected, item
            assert held == sum(self.on_hand[s, item] for s in SITES) + self.in_transit[item]

    @invariant()
    def ledger_check_passes(self) -> None:
        report = ledger_verify()
        assert report.ok, report.problems


@pytest.mark.django_db
def test_random_lifecycles_keep_the_books_and_the_chain(stock: Stock) -> None:
    LedgerMachine.stock = stock
    runner: Any = LedgerMachine.TestCase
    runner.settings = settings(
        max_examples=25 * SCALE,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        database=None,
    )
    runner("runTest").runTest()
