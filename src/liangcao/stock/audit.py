"""Verification of the whole ledger: `manage.py ledger_check` and the seal.

`ledger_verify` walks every movement in id order, recomputes its hash, checks that its stored
heads are the hashes of the previous movements on the same two balance rows, and recomputes
every balance (on hand from movements, reserved from open reservations, head from the last
movement). A careful attacker who edits a movement and re-hashes it is still caught: the next
movement on that row, or the row's head, names the old hash.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Sum

from liangcao.stock.models import Balance, Movement, Reservation, ReservationState
from liangcao.stock.services import movement_hash

BalanceKey = tuple[int, int, int]


@dataclass(frozen=True)
class LedgerReport:
    movements: int
    balances: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def _movements() -> Iterator[Any]:
    return (
        Movement.objects.order_by("id")
        .values_list(
            "id",
            "document_id",
            "line_id",
            "item_id",
            "lot_id",
            "quantity",
            "from_location_id",
            "to_location_id",
            "actor_id",
            "created_at",
            "reverses_id",
            "from_head",
            "to_head",
            "hash",
        )
        .iterator(chunk_size=20_000)
    )


def ledger_verify(*, max_problems: int = 20) -> LedgerReport:
    """Recompute balances from movements and walk every hash chain; report the first problems
    (in movement order, then balance order)."""
    problems: list[str] = []
    heads: dict[BalanceKey, str] = {}
    sums: dict[BalanceKey, int] = defaultdict(int)
    count = 0
    for row in _movements():
        (mid, doc, line, item, lot, qty, src, dst, actor, at, rev, fhead, thead, digest) = row
        count += 1
        from_key, to_key = (src, item, lot), (dst, item, lot)
        expected = movement_hash(
            document_id=doc,
            line_id=line,
            item_id=item,
            lot_id=lot,
            quantity=qty,
            from_location_id=src,
            to_location_id=dst,
            actor_id=actor,
            created_at=at,
            reverses_id=rev,
            from_head=fhead,
            to_head=thead,
        )
        if len(problems) < max_problems:
            if expected != digest:
                problems.append(f"movement {mid}: content does not match its hash (tampered)")
            if fhead != heads.get(from_key, ""):
                problems.append(
                    f"movement {mid}: from-head is not the hash of the previous movement on "
                    f"balance (location {src}, item {item}, lot {lot}) — chain broken"
                )
            if thead != heads.get(to_key, ""):
                problems.append(
                    f"movement {mid}: to-head is not the hash of the previous movement on "
                    f"balance (location {dst}, item {item}, lot {lot}) — chain broken"
                )
        heads[from_key] = heads[to_key] = str(digest)
        sums[from_key] -= qty
        sums[to_key] += qty
    reserved = {
        b: int(s or 0)
        for b, s in Reservation.objects.filter(state=ReservationState.OPEN)
        .values_list("balance_id")
        .annotate(s=Sum("quantity"))
        .values_list("balance_id", "s")
    }
    n_balances = 0
    for pk, loc, item, lot, on_hand, res, head in (
        Balance.objects.order_by("id")
        .values_list("id", "location_id", "item_id", "lot_id", "on_hand", "reserved", "head")
        .iterator(chunk_size=20_000)
    ):
        n_balances += 1
        key = (loc, item, lot)
        if len(problems) >= max_problems:
            continue
        computed = sums.pop(key, 0)
        if on_hand != computed:
            problems.append(
                f"balance {pk} (location {loc}, item {item}, lot {lot}): on hand {on_hand}, "
                f"movements give {computed}"
            )
        if res != reserved.get(pk, 0):
            problems.append(
                f"balance {pk}: reserved {res}, open reservations give {reserved.get(pk, 0)}"
            )
        if head != heads.get(key, ""):
            problems.append(f"balance {pk}: head is not the hash of its last movement")
    for key, total in sums.items():
        if total and len(problems) < max_problems:
            problems.append(f"movements give {total} at {key} but there is no balance row")
    return LedgerReport(count, n_balances, problems)


def ledger_seal() -> tuple[str, int]:
    """One SHA-256 over every balance head, in (location, item, lot) order: a digest that can be
    published; any later edit of history changes it. Returns (digest, rows)."""
    digest = hashlib.sha256()
    rows = 0
    for key in (
        Balance.objects.order_by("location_id", "item_id", "lot_id")
        .values_list("location_id", "item_id", "lot_id", "head")
        .iterator(chunk_size=20_000)
    ):
        digest.update("|".join(map(str, key)).encode() + b"\n")
        rows += 1
    return digest.hexdigest(), rows
