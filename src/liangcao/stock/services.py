"""Every write to the ledger: receipts, transfers, issues, adjustments, reversals, shipments,
stock counts (docs/ledger.md).

Public services open `transaction.atomic(durable=True)` and retry the whole transaction on a
serialization failure or deadlock (bounded, then Unavailable). They are built from internal,
non-durable steps (`_post_lines`, `_reserve_lines`, `LockedBalances`) that a larger service —
committing an allocation run into many documents — can compose in one transaction.

Locking: a document row is locked before any balance row; balance rows are locked in one
global order (location, item, lot) by a single ordered `SELECT … FOR UPDATE`, then movements are
inserted and balances updated with `F()` expressions. On SQLite the IMMEDIATE transaction mode
serialises writers instead. A shortage, a violated CHECK or a stale state is a Conflict (409)
naming the item, the location and the available quantity — never a 500.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liangcao.catalog.models import Item
from liangcao.core.db import hot_sql
from liangcao.core.errors import Conflict, FieldError, Forbidden, Invalid, NotFound, Unavailable
from liangcao.orgs.models import Role, Site, SiteKind, User
from liangcao.orgs.selectors import site_get, site_list
from liangcao.stock.models import (
    HELD_KINDS,
    OPENING_REASON,
    Balance,
    CountLine,
    CountSheet,
    CountState,
    Discrepancy,
    DiscrepancyKind,
    Document,
    DocumentKind,
    DocumentLine,
    DocumentState,
    Location,
    LocationKind,
    Lot,
    Movement,
    Reservation,
    ReservationState,
)
from liangcao.stock.signals import shipment_changed

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Who may move stock in or out of a site's store, and who may approve adjustments.
POSTING_ROLES = frozenset({Role.WAREHOUSE_KEEPER, Role.COMMANDER})
# The receiving site confirms what arrived: its keeper, commander or requester (the clinic that
# asked for the goods signs for them from the delivery note's QR code).
RECEIVING_ROLES = POSTING_ROLES | {Role.REQUESTER}
# Door delivery: grid workers hand standard boxes over from their community point to households.
HANDOVER_ROLES = POSTING_ROLES | {Role.GRID_WORKER}
APPROVING_ROLES = frozenset({Role.APPROVER, Role.COMMANDER})
MAX_ATTEMPTS = 8
MAX_LINES = 500
# Excess found on a receipt may be at most the line's own quantity (or this, for small lines):
# a mistyped figure must not book millions of units out of nowhere.
MIN_EXCESS_BOUND = 10
_TRANSIENT_SQLSTATES = {"40001", "40P01", "55P03"}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# --- transactions and retries ------------------------------------------------------------
def _is_transient(exc: BaseException) -> bool:
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate in _TRANSIENT_SQLSTATES:
        return True
    return "database is locked" in str(exc)


def run_durable(work: Callable[[], T]) -> T:
    """Run `work` in one durable transaction, retried on deadlock or serialization failure.

    Raises Unavailable after MAX_ATTEMPTS transient failures; a CHECK or unique violation that
    escaped the explicit checks becomes a Conflict.
    """
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            with transaction.atomic(durable=True):
                return work()
        except IntegrityError as exc:
            raise Conflict(
                _("The stock changed meanwhile; nothing was posted (%(error)s)") % {"error": exc}
            ) from exc
        except DatabaseError as exc:
            if not _is_transient(exc):
                raise
            logger.warning("ledger transaction retry %d after transient error: %s", attempt, exc)
            if attempt == MAX_ATTEMPTS:
                raise Unavailable(_("The ledger is busy; please retry in a moment")) from exc
            time.sleep(random.uniform(0, 0.005 * 2**attempt))  # noqa: S311 - jitter, not security
    raise AssertionError("unreachable")  # pragma: no cover


# --- scope and permissions ---------------------------------------------------------------
# How an action reads inside an error message ("You may not <action> at <site>").
ACTION_LABELS = {
    "receive goods": _("receive goods"),
    "move stock": _("move stock"),
    "issue stock": _("issue stock"),
    "approve adjustments": _("approve adjustments"),
    "reverse documents": _("reverse documents"),
    "ship stock": _("ship stock"),
    "count stock": _("count stock"),
    "post stock counts": _("post stock counts"),
    "book opening stock": _("book opening stock"),
    "relay": _("relay"),
    "dispatch": _("dispatch"),
    "receive": _("receive"),
    "cancel": _("cancel"),
    "close": _("close"),
}


def _site_for(actor: User, site_id: int, roles: frozenset[str], action: str) -> Site:
    """The site, if the actor may see it (else NotFound) and holds one of `roles` there
    (else Forbidden)."""
    if actor.is_superuser:
        site = Site.objects.filter(pk=site_id).first()
        if site is None:
            raise NotFound(_("No such site"))
        return site
    site = site_get(user=actor, site_id=site_id)
    if not site_list(user=actor, roles=roles).filter(pk=site_id).exists():
        raise Forbidden(
            _("You may not %(action)s at %(site)s")
            % {"action": ACTION_LABELS.get(action, action), "site": site.code}
        )
    return site


def _sites_for(actor: User, site_ids: Sequence[int], roles: frozenset[str], action: str) -> None:
    """Like `_site_for` for several sites in one query (the posting hot path)."""
    wanted = set(site_ids)
    if actor.is_superuser:
        found = set(Site.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    else:
        found = set(
            site_list(user=actor, roles=roles).filter(pk__in=wanted).values_list("pk", flat=True)
        )
    for site_id in sorted(wanted - found):
        _site_for(actor, site_id, roles, action)  # raises NotFound or Forbidden


def _any_site(site_id: int) -> Site:
    site = Site.objects.filter(pk=site_id, is_active=True).first()
    if site is None:
        raise NotFound(_("No such site"))
    return site


# --- locations and lots ------------------------------------------------------------------
def _location_key(
    kind: str, *, site_id: int | None, party: str, document_id: int | None, zone: str
) -> str:
    if kind == LocationKind.STORE:
        return f"store:{site_id}:{zone}"
    if kind == LocationKind.IN_TRANSIT:
        return f"transit:{document_id}"
    if kind in {LocationKind.DONOR, LocationKind.HOUSEHOLD}:
        return f"{kind}:{party}"
    return f"{kind}:{site_id}"


def location_for(
    kind: str,
    *,
    site_id: int | None = None,
    party: str = "",
    document_id: int | None = None,
    zone: str = "",
) -> Location:
    """The location of `kind` for one site, party or document, created on first use."""
    key = _location_key(kind, site_id=site_id, party=party, document_id=document_id, zone=zone)
    found = Location.objects.filter(key=key).first()
    if found is not None:
        return found
    location, _created = Location.objects.get_or_create(
        key=key,
        defaults={
            "kind": kind,
            "site_id": site_id,
            "party": party,
            "document_id": document_id,
            "zone": zone,
        },
    )
    return location


def _sql(sql: str, params: Sequence[Any], *, fetch: bool = True) -> list[tuple[Any, ...]]:
    """Run one hand-written statement of the posting hot path (these run on every posting,
    where the ORM's query building would cost more than the database; bench/ledger.py), as a
    prepared statement on PostgreSQL (`core.db.hot_sql`)."""
    return hot_sql(sql, params, fetch=fetch)


def _stores(*site_ids: int) -> dict[int, Location]:
    """The main store of each site, in one query when they exist."""
    keys = [f"store:{s}:" for s in site_ids]
    marks = ", ".join(["%s"] * len(keys))
    rows = _sql(f"SELECT id, key, site_id FROM stock_location WHERE key IN ({marks})", keys)  # noqa: S608
    found = {
        site: Location(id=pk, key=key, kind=LocationKind.STORE, site_id=site)
        for pk, key, site in rows
    }
    for site_id in site_ids:
        if site_id not in found:
            found[site_id] = location_for(LocationKind.STORE, site_id=site_id)
    return found


def _posting_stores(
    actor: User, site_ids: Sequence[int], roles: frozenset[str], action: str
) -> dict[int, Location]:
    """The stores of sites where the actor may post (NotFound/Forbidden otherwise); a
    superuser's check and the store lookup are one query on this hot path."""
    if not actor.is_superuser:
        _sites_for(actor, site_ids, roles, action)
        return _stores(*site_ids)
    marks = ", ".join(["%s"] * len(site_ids))
    rows = _sql(
        "SELECT s.id, l.id, l.key FROM orgs_site s LEFT JOIN stock_location l "  # noqa: S608
        f"ON l.key = ('store:' || CAST(s.id AS TEXT) || ':') WHERE s.id IN ({marks})",
        list(site_ids),
    )
    if len(rows) != len(set(site_ids)):
        raise NotFound(_("No such site"))
    stores = {
        site: Location(id=pk, key=key, kind=LocationKind.STORE, site_id=site)
        for site, pk, key in rows
        if pk is not None
    }
    for site in site_ids:
        if site not in stores:
            stores[site] = location_for(LocationKind.STORE, site_id=site)
    return stores


def default_lot(item_id: int) -> Lot:
    """The single lot of an item without lot tracking (code "")."""
    lot = Lot.objects.filter(item_id=item_id, code="").first()
    if lot is None:
        lot, _created = Lot.objects.get_or_create(item_id=item_id, code="")
    return lot


def _items(item_ids: Iterable[int]) -> dict[int, Item]:
    ids = set(item_ids)
    found = {i.pk: i for i in Item.objects.filter(pk__in=ids)}
    missing = sorted(ids - set(found))
    if missing:
        raise Invalid(
            _("Unknown item"),
            [FieldError("item_id", _("no item with id %(id)s") % {"id": i}) for i in missing],
        )
    return found


def _line_items(lines: Sequence[LineSpec]) -> dict[int, Item]:
    """The lines' items, each line within its item's own limit (`Item.max_line_quantity`)."""
    items = _items(line.item_id for line in lines)
    errors = [
        FieldError(
            f"lines.{i}.quantity",
            _("at most %(limit)s") % {"limit": items[line.item_id].max_line_quantity},
        )
        for i, line in enumerate(lines)
        if (limit := items[line.item_id].max_line_quantity) is not None and line.quantity > limit
    ]
    if errors:
        raise Invalid(_("Quantity above the item's limit"), errors)
    return items


def _receipt_lot(item: Item, *, code: str | None, expiry: date | None, source: str) -> Lot:
    code = (code or "").strip()
    if not item.lot_tracked:
        if code:
            raise Invalid(
                _("%(item)s is not tracked by lot") % {"item": item.code},
                [FieldError("lot_code", _("leave empty: this item has no lots"))],
            )
        return default_lot(item.pk)
    if not code:
        raise Invalid(
            _("%(item)s needs a lot code") % {"item": item.code},
            [FieldError("lot_code", _("required"))],
        )
    if item.expiry_tracked and expiry is None:
        raise Invalid(
            _("%(item)s needs an expiry date") % {"item": item.code},
            [FieldError("expiry", _("required"))],
        )
    lot = Lot.objects.filter(item=item, code=code).first()
    if lot is None:
        lot, _created = Lot.objects.get_or_create(
            item=item, code=code, defaults={"expiry": expiry, "source": source[:120]}
        )
    if expiry is not None and lot.expiry != expiry:
        raise Invalid(
            _("Lot %(lot)s of %(item)s has expiry %(expiry)s")
            % {"lot": code, "item": item.code, "expiry": lot.expiry},
            [
                FieldError(
                    "expiry",
                    _("lot %(lot)s expires %(expiry)s") % {"lot": code, "expiry": lot.expiry},
                )
            ],
        )
    return lot


def _describe(location_id: int) -> str:
    loc = Location.objects.select_related("site").get(pk=location_id)
    where = loc.site.code if loc.site else loc.party or loc.key
    return where if loc.kind == LocationKind.STORE else f"{loc.get_kind_display()} {where}"


# --- the locked working set --------------------------------------------------------------
BalanceKey = tuple[int, int, int]  # (location, item, lot)


def movement_hash(
    *,
    document_id: int,
    line_id: int,
    item_id: int,
    lot_id: int,
    quantity: int,
    from_location_id: int,
    to_location_id: int,
    actor_id: int,
    created_at: datetime,
    reverses_id: int | None,
    from_head: str,
    to_head: str,
) -> str:
    """SHA-256 over a movement's canonical content and the heads of the two rows it touches."""
    micros = (created_at - _EPOCH) // timedelta(microseconds=1)
    text = (
        f"v1|{document_id}|{line_id}|{item_id}|{lot_id}|{quantity}|{from_location_id}|"
        f"{to_location_id}|{actor_id}|{micros}|{reverses_id or ''}|{from_head}|{to_head}"
    )
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class _Row:
    balance: Balance
    on_hand: int
    reserved: int
    head: str
    d_on_hand: int = 0
    d_reserved: int = 0


@dataclass
class LockedBalances:
    """Balance rows locked for one transaction, their pending changes and new movements.

    Lock everything a step needs in one call to `lock` (one ordered SELECT … FOR UPDATE), then
    `pick`, `move`, `reserve` in memory, and `flush` once: movements are inserted and each
    touched row gets one `F()` update. Never call `lock` twice in one step (that would break
    the global lock order); rows created on demand are the only exception, and a deadlock
    they cause is retried.
    """

    actor_id: int
    now: datetime = field(default_factory=timezone.now)
    rows: dict[BalanceKey, _Row] = field(default_factory=dict)
    movements: list[Movement] = field(default_factory=list)
    # Ids drawn from the document and line sequences by `lock_stores` (PostgreSQL), and rows
    # to insert in the same statement as the movements (see `_document_deferred`).
    preallocated: tuple[int, list[int]] | None = None
    pending: list[tuple[str, list[Any]]] = field(default_factory=list)

    def lock(self, wants: Iterable[tuple[int, int, int | None]]) -> None:
        """Lock (location, item, lot) rows; lot None locks every lot of (location, item)."""
        clauses: list[str] = []
        params: list[int] = []
        for location_id, item_id, lot_id in sorted(
            set(wants), key=lambda k: (k[0], k[1], k[2] or 0)
        ):
            if lot_id is None:
                clauses.append("(location_id = %s AND item_id = %s)")
                params += [location_id, item_id]
            else:
                clauses.append("(location_id = %s AND item_id = %s AND lot_id = %s)")
                params += [location_id, item_id, lot_id]
        if not clauses:
            return
        # Hand-written SQL: this statement runs on every posting (see bench/ledger.py).
        sql = (
            "SELECT id, location_id, item_id, lot_id, held, on_hand, reserved, head "  # noqa: S608
            f"FROM stock_balance WHERE {' OR '.join(clauses)} "
            "ORDER BY location_id, item_id, lot_id"
        )
        if connection.features.has_select_for_update:
            sql += " FOR UPDATE"
        for row in _sql(sql, params):
            self._keep(*row)

    def _keep(
        self,
        pk: int,
        loc: int,
        item: int,
        lot: int,
        held: Any,
        on_hand: int,
        reserved: int,
        head: str,
    ) -> None:
        """Remember one locked balance row, as read."""
        b = Balance(
            id=pk,
            location_id=loc,
            item_id=item,
            lot_id=lot,
            held=bool(held),
            on_hand=on_hand,
            reserved=reserved,
            head=head,
        )
        self.rows[(loc, item, lot)] = _Row(b, on_hand, reserved, head)

    def lock_stores(
        self, site_ids: Sequence[int], item_ids: Sequence[int], *, new_lines: int = 0
    ) -> dict[int, Location]:
        """Lock every row of `item_ids` in the stores of `site_ids` (one ordered statement) and
        return the stores those rows revealed, by site. With `new_lines` on PostgreSQL the same
        statement draws a document id and that many line ids (`preallocated`)."""
        keys = [f"store:{s}:" for s in site_ids]
        ids = ""
        if new_lines and connection.vendor == "postgresql":
            ids = (
                ", (SELECT nextval('stock_document_id_seq')), (SELECT array_agg("  # noqa: S608
                f"nextval('stock_documentline_id_seq')) FROM generate_series(1, {int(new_lines)}))"
            )
        sql = (
            "SELECT b.id, b.location_id, b.item_id, b.lot_id, b.held, b.on_hand, b.reserved, "  # noqa: S608
            f"b.head, l.site_id, l.key{ids} FROM stock_balance b "
            "JOIN stock_location l ON l.id = b.location_id "
            f"WHERE l.key IN ({', '.join(['%s'] * len(keys))}) "
            f"AND b.item_id IN ({', '.join(['%s'] * len(item_ids))}) "
            "ORDER BY b.location_id, b.item_id, b.lot_id"
        )
        if connection.features.has_select_for_update:
            sql += " FOR UPDATE OF b"
        stores: dict[int, Location] = {}
        for pk, loc, item, lot, held, on_hand, reserved, head, site, key, *drawn in _sql(
            sql, [*keys, *item_ids]
        ):
            if drawn:
                self.preallocated = (int(drawn[0]), [int(i) for i in drawn[1]])
            self._keep(pk, loc, item, lot, held, on_hand, reserved, head)
            stores[site] = Location(id=loc, key=key, kind=LocationKind.STORE, site_id=site)
        return stores

    def row(self, key: BalanceKey) -> _Row:
        """A locked row, creating (and locking) it when it does not exist yet."""
        found = self.rows.get(key)
        if found is not None:
            return found
        location_id, item_id, lot_id = key
        held = Location.objects.filter(pk=location_id, kind__in=HELD_KINDS).exists()
        Balance.objects.bulk_create(
            [Balance(location_id=location_id, item_id=item_id, lot_id=lot_id, held=held)],
            ignore_conflicts=True,
        )
        self.lock([key])
        return self.rows[key]

    def available(self, key: BalanceKey) -> int:
        r = self.rows.get(key)
        return 0 if r is None else r.on_hand - r.reserved

    def pick(
        self,
        *,
        location_id: int,
        item_id: int,
        lot_id: int | None,
        quantity: int,
        reserved_ok: bool = False,
    ) -> list[tuple[BalanceKey, int]]:
        """Split `quantity` over lots first-expiry-first-out (or take the given lot).

        `reserved_ok` counts reserved stock as available (moving what a reservation holds).
        Raises Conflict naming item, location and what is available.
        """
        if lot_id is not None:
            candidates = [(location_id, item_id, lot_id)]
        else:
            candidates = [k for k in self.rows if k[0] == location_id and k[1] == item_id]
            if len(candidates) > 1:
                expiry = dict(
                    Lot.objects.filter(pk__in=[k[2] for k in candidates]).values_list(
                        "id", "expiry"
                    )
                )
                candidates.sort(
                    key=lambda k: (expiry[k[2]] is None, expiry[k[2]] or date.min, k[2])
                )
        taken: list[tuple[BalanceKey, int]] = []
        left = quantity
        for key in candidates:
            r = self.rows.get(key)
            if r is None:
                continue
            free = r.on_hand if reserved_ok else r.on_hand - r.reserved
            if free <= 0:
                continue
            take = min(free, left)
            taken.append((key, take))
            left -= take
            if left == 0:
                return taken
        total = sum(
            (r.on_hand if reserved_ok else r.on_hand - r.reserved)
            for k, r in self.rows.items()
            if k[0] == location_id and k[1] == item_id and (lot_id is None or k[2] == lot_id)
        )
        item = Item.objects.filter(pk=item_id).values_list("code", flat=True).first()
        if item is None:
            raise Invalid(
                _("Unknown item"),
                [FieldError("item_id", _("no item with id %(id)s") % {"id": item_id})],
            )
        raise Conflict(
            _("Not enough %(item)s at %(place)s: %(available)s available, %(requested)s requested")
            % {
                "item": item,
                "place": _describe(location_id),
                "available": max(total, 0),
                "requested": quantity,
            },
            [FieldError("quantity", _("%(available)s available") % {"available": max(total, 0)})],
        )

    def move(
        self,
        *,
        line: DocumentLine,
        key: BalanceKey,
        to_location_id: int,
        quantity: int,
        release_reserved: int = 0,
        reverses_id: int | None = None,
    ) -> None:
        """Move `quantity` of the key's lot to another location (both rows locked already or
        created here), releasing `release_reserved` of the source row's reservation."""
        source = self.rows[key]
        target = self.row((to_location_id, key[1], key[2]))
        if source.balance.held:
            free = source.on_hand - source.reserved + release_reserved
            if quantity > free:
                raise Conflict(
                    _(
                        "Not enough %(item)s at %(place)s: %(available)s available, "
                        "%(requested)s requested"
                    )
                    % {
                        "item": line.item.code,
                        "place": _describe(key[0]),
                        "available": free,
                        "requested": quantity,
                    },
                    [FieldError("quantity", _("%(available)s available") % {"available": free})],
                )
        digest = movement_hash(
            document_id=line.document_id,
            line_id=line.pk,
            item_id=key[1],
            lot_id=key[2],
            quantity=quantity,
            from_location_id=key[0],
            to_location_id=to_location_id,
            actor_id=self.actor_id,
            created_at=self.now,
            reverses_id=reverses_id,
            from_head=source.head,
            to_head=target.head,
        )
        self.movements.append(
            Movement(
                document_id=line.document_id,
                line=line,
                item_id=key[1],
                lot_id=key[2],
                quantity=quantity,
                from_location_id=key[0],
                to_location_id=to_location_id,
                actor_id=self.actor_id,
                created_at=self.now,
                reverses_id=reverses_id,
                from_head=source.head,
                to_head=target.head,
                hash=digest,
            )
        )
        source.on_hand -= quantity
        source.reserved -= release_reserved
        source.d_on_hand -= quantity
        source.d_reserved -= release_reserved
        source.head = digest
        target.on_hand += quantity
        target.d_on_hand += quantity
        target.head = digest

    def reserve(self, key: BalanceKey, quantity: int) -> None:
        r = self.rows[key]
        r.reserved += quantity
        r.d_reserved += quantity

    def flush(self) -> None:
        """Insert the movements and write every touched balance row with a relative
        (on_hand + delta) update — on PostgreSQL in one statement, as this runs on every
        posting (bench/ledger.py)."""
        touched = [
            r for r in self.rows.values() if r.d_on_hand or r.d_reserved or r.head != r.balance.head
        ]
        if connection.vendor == "postgresql" and touched:
            _flush_postgresql(self.movements, touched, self.pending)
            self.pending = []
        else:
            Movement.objects.bulk_create(self.movements)
            for r in touched:
                Balance.objects.filter(pk=r.balance.pk).update(
                    on_hand=F("on_hand") + r.d_on_hand,
                    reserved=F("reserved") + r.d_reserved,
                    head=r.head,
                )
        for r in touched:
            r.balance.on_hand, r.balance.reserved, r.balance.head = r.on_hand, r.reserved, r.head
            r.d_on_hand = r.d_reserved = 0
        self.movements = []


_MOVEMENT_COLUMNS = (
    "document_id, line_id, item_id, lot_id, quantity, from_location_id, to_location_id, "
    "actor_id, created_at, reverses_id, from_head, to_head, hash"
)


def _flush_postgresql(
    movements: list[Movement], touched: list[_Row], pending: list[tuple[str, list[Any]]]
) -> None:
    params: list[Any] = [p for _, values in pending for p in values]
    for m in movements:
        params += [
            m.document_id,
            m.line_id,
            m.item_id,
            m.lot_id,
            m.quantity,
            m.from_location_id,
            m.to_location_id,
            m.actor_id,
            m.created_at,
            m.reverses_id,
            m.from_head,
            m.to_head,
            m.hash,
        ]
    for r in touched:
        params += [r.balance.pk, r.d_on_hand, r.d_reserved, r.head]
    rows = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(movements))
    deltas = ", ".join(["(%s::bigint, %s::bigint, %s::bigint, %s)"] * len(touched))
    ctes = [sql for sql, _ in pending]
    if movements:
        ctes.append(
            f"inserted AS (INSERT INTO stock_movement ({_MOVEMENT_COLUMNS}) VALUES {rows})"  # noqa: S608
        )
    insert = f"WITH {', '.join(ctes)} " if ctes else ""
    _sql(
        insert + "UPDATE stock_balance AS b SET on_hand = b.on_hand + v.d_on_hand, "  # noqa: S608
        "reserved = b.reserved + v.d_reserved, head = v.head "
        f"FROM (VALUES {deltas}) AS v(id, d_on_hand, d_reserved, head) WHERE b.id = v.id",
        params,
        fetch=False,
    )


# --- documents -----------------------------------------------------------------------------
@dataclass(frozen=True)
class LineSpec:
    """One requested line: an item, a quantity and optionally a lot (None: first expiry first).

    Receipts name the lot by `lot_code` and `expiry` instead of `lot_id`.
    """

    item_id: int
    quantity: int
    lot_id: int | None = None
    lot_code: str | None = None
    expiry: date | None = None


@dataclass(frozen=True)
class AdjustSpec:
    """One adjustment line: a signed change of one item (and lot) in a store."""

    item_id: int
    delta: int
    lot_id: int | None = None


@dataclass(frozen=True)
class ReceiveSpec:
    """What arrived of one shipment line: `received` good units, `damaged` units, and why."""

    line_id: int
    received: int
    damaged: int = 0
    reason: str = ""


def _check_lines(lines: Sequence[LineSpec]) -> None:
    ceiling = settings.LEDGER_MAX_LINE_QUANTITY
    errors = [
        FieldError(f"lines.{i}.quantity", _("must be a positive integer"))
        for i, line in enumerate(lines)
        if not isinstance(line.quantity, int)
        or isinstance(line.quantity, bool)
        or line.quantity <= 0
    ]
    errors += [
        FieldError(f"lines.{i}.quantity", _("at most %(limit)s") % {"limit": ceiling})
        for i, line in enumerate(lines)
        if isinstance(line.quantity, int) and line.quantity > ceiling
    ]
    if not lines:
        errors.append(FieldError("lines", _("at least one line")))
    if len(lines) > MAX_LINES:
        errors.append(FieldError("lines", _("at most %(count)s lines") % {"count": MAX_LINES}))
    if errors:
        raise Invalid(_("Invalid document lines"), errors)


def _existing(actor: User, key: str) -> Document | None:
    if not key:
        return None
    return Document.objects.filter(created_by=actor, idempotency_key=key).first()


def _new_document(
    actor: User,
    kind: str,
    state: str,
    *,
    source: Site | int | None,
    dest: Site | int | None,
    reason: str = "",
    key: str = "",
    reverses: Document | None = None,
) -> Document:
    return Document.objects.create(
        kind=kind,
        state=state,
        source_site_id=source.pk if isinstance(source, Site) else source,
        dest_site_id=dest.pk if isinstance(dest, Site) else dest,
        reason=reason[:300],
        created_by=actor,
        idempotency_key=key,
        reverses=reverses,
    )


def _new_lines(
    document: Document, specs: Sequence[tuple[Item | int, int | None, int, Location, Location]]
) -> list[DocumentLine]:
    lines = [
        DocumentLine(
            document=document,
            number=n,
            item_id=item.pk if isinstance(item, Item) else item,
            lot_id=lot_id,
            quantity=qty,
            from_location=src,
            to_location=dst,
        )
        for n, (item, lot_id, qty, src, dst) in enumerate(specs, start=1)
    ]
    created = DocumentLine.objects.bulk_create(lines)
    if any(line.pk is None for line in created):  # backends without RETURNING
        by_number = {ln.number: ln for ln in DocumentLine.objects.filter(document=document)}
        created = [by_number[line.number] for line in lines]
    return created


def _new_document_with_lines(
    actor: User,
    kind: str,
    state: str,
    *,
    source: int | None,
    dest: int | None,
    key: str,
    specs: Sequence[tuple[Item | int, int | None, int, Location, Location]],
) -> tuple[Document, list[DocumentLine]]:
    """A document and its lines; on PostgreSQL one INSERT … WITH statement (hot path)."""
    if connection.vendor != "postgresql":
        document = _new_document(actor, kind, state, source=source, dest=dest, key=key)
        return document, _new_lines(document, specs)
    now = timezone.now()
    values = ", ".join(
        ["(%s::int, %s::bigint, %s::bigint, %s::int, %s::bigint, %s::bigint)"] * len(specs)
    )
    params: list[Any] = [kind, state, source, dest, actor.pk, key, now, now]
    for n, (item, lot_id, qty, src, dst) in enumerate(specs, start=1):
        params += [n, item.pk if isinstance(item, Item) else item, lot_id, qty, src.pk, dst.pk]
    returned_rows = _sql(
        "WITH d AS (INSERT INTO stock_document (kind, state, source_site_id, dest_site_id, "  # noqa: S608
        "reason, created_by_id, idempotency_key, created_at, updated_at) "
        "VALUES (%s, %s, %s, %s, '', %s, %s, %s, %s) RETURNING id) "
        "INSERT INTO stock_documentline (document_id, number, item_id, lot_id, quantity, "
        "from_location_id, to_location_id, received) "
        "SELECT d.id, v.n, v.item, v.lot, v.qty, v.src, v.dst, 0 "
        f"FROM d, (VALUES {values}) AS v(n, item, lot, qty, src, dst) "
        "RETURNING id, document_id, number",
        params,
    )
    returned = sorted(returned_rows, key=lambda r: r[2])
    document = Document(
        id=returned[0][1],
        kind=kind,
        state=state,
        source_site_id=source,
        dest_site_id=dest,
        created_by=actor,
        idempotency_key=key,
        created_at=now,
        updated_at=now,
    )
    lines = []
    for (pk, _unused, number), (item, lot_id, qty, src, dst) in zip(returned, specs, strict=True):
        line = DocumentLine(
            id=pk,
            document=document,
            number=number,
            item_id=item.pk if isinstance(item, Item) else item,
            lot_id=lot_id,
            quantity=qty,
            from_location=src,
            to_location=dst,
        )
        lines.append(line)
    return document, lines


def _document_deferred(
    ledger: LockedBalances,
    actor: User,
    kind: str,
    state: str,
    *,
    source: int | None,
    dest: int | None,
    key: str,
    specs: Sequence[tuple[Item | int, int | None, int, Location, Location]],
) -> tuple[Document, list[DocumentLine]]:
    """A document and its lines with preallocated ids, inserted by the ledger's flush in the
    same statement as the movements (PostgreSQL hot path: one write statement per posting)."""
    assert ledger.preallocated is not None  # noqa: S101 - the caller checked
    document_id, line_ids = ledger.preallocated
    now = ledger.now
    document = Document(
        id=document_id,
        kind=kind,
        state=state,
        source_site_id=source,
        dest_site_id=dest,
        created_by=actor,
        idempotency_key=key,
        created_at=now,
        updated_at=now,
    )
    ledger.pending.append(
        (
            "new_document AS (INSERT INTO stock_document (id, kind, state, source_site_id, "
            "dest_site_id, reason, created_by_id, idempotency_key, created_at, updated_at) "
            "VALUES (%s, %s, %s, %s, %s, '', %s, %s, %s, %s))",
            [document_id, kind, state, source, dest, actor.pk, key, now, now],
        )
    )
    lines: list[DocumentLine] = []
    values: list[Any] = []
    for pk, (n, (item, lot_id, qty, src, dst)) in zip(
        line_ids, enumerate(specs, start=1), strict=True
    ):
        item_id = item.pk if isinstance(item, Item) else item
        lines.append(
            DocumentLine(
                id=pk,
                document=document,
                number=n,
                item_id=item_id,
                lot_id=lot_id,
                quantity=qty,
                from_location=src,
                to_location=dst,
            )
        )
        values += [pk, document_id, n, item_id, lot_id, qty, src.pk, dst.pk]
    rows = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, 0)"] * len(lines))
    ledger.pending.append(
        (
            "new_lines AS (INSERT INTO stock_documentline (id, document_id, number, item_id, "  # noqa: S608
            f"lot_id, quantity, from_location_id, to_location_id, received) VALUES {rows})",
            values,
        )
    )
    return document, lines


def _post_lines(
    actor: User,
    document: Document,
    lines: Sequence[DocumentLine],
    ledger: LockedBalances | None = None,
) -> None:
    """Internal step: move every line from its from- to its to-location (lot None: FEFO).

    Locks all rows the lines may touch in one ordered query (unless `ledger` already holds
    them); raises Conflict on a shortage. Composable inside a larger transaction.
    """
    if ledger is None:
        ledger = LockedBalances(actor_id=actor.pk)
        wants: list[tuple[int, int, int | None]] = []
        for line in lines:
            wants.append((line.from_location_id, line.item_id, line.lot_id))
            wants.append((line.to_location_id, line.item_id, line.lot_id))
        ledger.lock(wants)
    for line in lines:
        source_held = line.from_location.kind in HELD_KINDS
        if source_held:
            picks = ledger.pick(
                location_id=line.from_location_id,
                item_id=line.item_id,
                lot_id=line.lot_id,
                quantity=line.quantity,
            )
        else:
            assert line.lot_id is not None  # noqa: S101 - virtual sources always name the lot
            key = (line.from_location_id, line.item_id, line.lot_id)
            ledger.row(key)
            picks = [(key, line.quantity)]
        for key, qty in picks:
            ledger.move(line=line, key=key, to_location_id=line.to_location_id, quantity=qty)
    ledger.flush()


def receipt_post(
    *,
    actor: User,
    site_id: int,
    source_kind: str,
    lines: Sequence[LineSpec],
    source_site_id: int | None = None,
    source_party: str = "",
    idempotency_key: str = "",
) -> Document:
    """Receive goods into a site's store from a supplier site, a donor or production.

    Receipts name each lot (code and expiry) unless the item has no lots. Invariants: one
    document, one movement per line. Raises NotFound/Forbidden (scope), Invalid (lines, lots).
    """
    _check_lines(lines)
    if source_kind not in {LocationKind.SUPPLIER, LocationKind.DONOR, LocationKind.PRODUCTION}:
        raise Invalid(
            _("Unknown source"), [FieldError("source_kind", _("supplier, donor or production"))]
        )
    if source_kind == LocationKind.DONOR and not source_party.strip():
        raise Invalid(
            _("Name the donor"), [FieldError("source_party", _("required for donations"))]
        )
    if source_kind != LocationKind.DONOR and source_site_id is None:
        raise Invalid(_("Name the source site"), [FieldError("source_site_id", _("required"))])

    def work() -> Document:
        found = _existing(actor, idempotency_key)
        if found is not None:
            return found
        site = _site_for(actor, site_id, POSTING_ROLES, "receive goods")
        source_site = _any_site(source_site_id) if source_site_id is not None else None
        if (
            source_kind == LocationKind.SUPPLIER
            and source_site
            and (source_site.kind != SiteKind.SUPPLIER_SITE)
        ):
            raise Invalid(
                _("Not a supplier site"), [FieldError("source_site_id", _("supplier site"))]
            )
        source = location_for(source_kind, site_id=source_site_id, party=source_party.strip()[:80])
        store = _stores(site.pk)[site.pk]
        items = _line_items(lines)
        label = source_party or (source_site.code if source_site else "")
        specs = [
            (
                items[s.item_id],
                _receipt_lot(items[s.item_id], code=s.lot_code, expiry=s.expiry, source=label).pk,
                s.quantity,
                source,
                store,
            )
            for s in lines
        ]
        document = _new_document(
            actor,
            DocumentKind.RECEIPT,
            DocumentState.POSTED,
            source=source_site,
            dest=site,
            key=idempotency_key,
        )
        _post_lines(actor, document, _new_lines(document, specs))
        return document

    return _idempotent_run(actor, idempotency_key, work)


def _idempotent_run(actor: User, key: str, work: Callable[[], Document]) -> Document:
    """run_durable, and when a concurrent twin won the idempotency key, return its document."""
    try:
        return run_durable(work)
    except Conflict:
        found = _existing(actor, key)
        if found is not None:
            return found
        raise


def transfer_post(
    *,
    actor: User,
    from_site_id: int,
    to_site_id: int,
    lines: Sequence[LineSpec],
    idempotency_key: str = "",
) -> Document:
    """Move stock between two stores the actor manages, in one step (no transit).

    Lots not named are picked first-expiry-first-out. Raises NotFound/Forbidden (scope),
    Invalid (lines), Conflict (not enough available stock; nothing is posted).
    """
    _check_lines(lines)
    if from_site_id == to_site_id:
        raise Invalid(
            _("Source and destination are the same"), [FieldError("to_site_id", _("differs"))]
        )

    def work() -> Document:
        found = _existing(actor, idempotency_key)
        if found is not None:
            return found
        sites = [from_site_id, to_site_id]
        if not actor.is_superuser:
            _sites_for(actor, sites, POSTING_ROLES, "move stock")
        # Lock first, finding the stores through their rows: one statement instead of two on
        # the hot path. A store without rows for these items yet takes the general lookup.
        ledger = LockedBalances(actor_id=actor.pk)
        stores = ledger.lock_stores(sites, sorted({s.item_id for s in lines}), new_lines=len(lines))
        if len(stores) < len(sites):
            stores |= _posting_stores(
                actor, [s for s in sites if s not in stores], POSTING_ROLES, "move stock"
            )
        # Items are not fetched: an unknown item has no stock, and `pick` says which.
        specs = [
            (s.item_id, s.lot_id, s.quantity, stores[from_site_id], stores[to_site_id])
            for s in lines
        ]
        # With ids drawn by the lock, the document is written together with the movements.
        write = _new_document_with_lines
        if ledger.preallocated:
            write = functools.partial(_document_deferred, ledger)
        document, new_lines = write(
            actor,
            DocumentKind.TRANSFER,
            DocumentState.POSTED,
            source=from_site_id,
            dest=to_site_id,
            key=idempotency_key,
            specs=specs,
        )
        _post_lines(actor, document, new_lines, ledger)
        return document

    return _idempotent_run(actor, idempotency_key, work)


def issue_post(
    *,
    actor: User,
    site_id: int,
    lines: Sequence[LineSpec],
    to_site_id: int | None = None,
    household: str = "",
    idempotency_key: str = "",
) -> Document:
    """Issue stock from a store to a using unit (consumption at `to_site_id`, default the store's
    own site) or to a household (grid workers too: the door handover).

    Raises NotFound/Forbidden (scope), Invalid (lines), Conflict (not enough available stock).
    """
    _check_lines(lines)

    def work() -> Document:
        found = _existing(actor, idempotency_key)
        if found is not None:
            return found
        roles = HANDOVER_ROLES if household.strip() else POSTING_ROLES
        site = _site_for(actor, site_id, roles, "issue stock")
        user_site = _any_site(to_site_id) if to_site_id is not None else site
        if household.strip():
            target = location_for(LocationKind.HOUSEHOLD, party=household.strip()[:80])
        else:
            target = location_for(LocationKind.CONSUMPTION, site_id=user_site.pk)
        store = _stores(site.pk)[site.pk]
        items = _line_items(lines)
        document = _new_document(
            actor,
            DocumentKind.ISSUE,
            DocumentState.POSTED,
            source=site,
            dest=user_site,
            key=idempotency_key,
        )
        specs = [(items[s.item_id], s.lot_id, s.quantity, store, target) for s in lines]
        _post_lines(actor, document, _new_lines(document, specs))
        return document

    return _idempotent_run(actor, idempotency_key, work)


def _adjustment_lines(
    document: Document,
    store: Location,
    adjust: Location,
    changes: Sequence[tuple[Item, int, int]],
) -> list[DocumentLine]:
    specs = [
        (item, lot_id, abs(delta), adjust if delta > 0 else store, store if delta > 0 else adjust)
        for item, lot_id, delta in changes
        if delta != 0
    ]
    return _new_lines(document, specs)


def adjustment_post(
    *,
    actor: User,
    site_id: int,
    reason: str,
    lines: Sequence[AdjustSpec],
    idempotency_key: str = "",
) -> Document:
    """Correct a store's stock by signed quantities, with a reason, approved by the actor
    (an approver or commander over the site).

    Raises NotFound/Forbidden, Invalid (no reason, zero deltas, lot missing on a lot-tracked
    item), Conflict (a decrease below what is available).
    """
    if not reason.strip():
        raise Invalid(_("Give a reason"), [FieldError("reason", _("required"))])
    if not lines or any(s.delta == 0 for s in lines):
        raise Invalid(_("Invalid adjustment lines"), [FieldError("lines", _("non-zero deltas"))])
    if any(abs(s.delta) > settings.LEDGER_MAX_LINE_QUANTITY for s in lines):
        raise Invalid(
            _("Invalid adjustment lines"),
            [
                FieldError(
                    "lines",
                    _("at most %(limit)s per line") % {"limit": settings.LEDGER_MAX_LINE_QUANTITY},
                )
            ],
        )

    def work() -> Document:
        found = _existing(actor, idempotency_key)
        if found is not None:
            return found
        site = _site_for(actor, site_id, APPROVING_ROLES, "approve adjustments")
        items = _items(s.item_id for s in lines)
        changes: list[tuple[Item, int, int]] = []
        for s in lines:
            item = items[s.item_id]
            lot_id = s.lot_id
            if lot_id is None:
                if item.lot_tracked:
                    raise Invalid(
                        _("Name the lot of %(item)s") % {"item": item.code},
                        [FieldError("lot_id", _("required"))],
                    )
                lot_id = default_lot(item.pk).pk
            elif not Lot.objects.filter(pk=lot_id, item=item).exists():
                raise Invalid(
                    _("Unknown lot"),
                    [FieldError("lot_id", _("not a lot of %(item)s") % {"item": item.code})],
                )
            changes.append((item, lot_id, s.delta))
        store = _stores(site.pk)[site.pk]
        adjust = location_for(LocationKind.ADJUSTMENT, site_id=site.pk)
        document = _new_document(
            actor,
            DocumentKind.ADJUSTMENT,
            DocumentState.POSTED,
            source=site,
            dest=site,
            reason=reason,
            key=idempotency_key,
        )
        document.approved_by = actor
        document.save(update_fields=["approved_by"])
        _post_lines(actor, document, _adjustment_lines(document, store, adjust, changes))
        return document

    return _idempotent_run(actor, idempotency_key, work)


def _lock_document(document_id: int, kinds: Iterable[str]) -> Document:
    document = (
        Document.objects.select_for_update(of=("self",))
        .filter(pk=document_id, kind__in=list(kinds))
        .first()
    )
    if document is None:
        raise NotFound(_("No such document"))
    return document


def _document_sites(document: Document) -> list[int]:
    return [s for s in (document.source_site_id, document.dest_site_id) if s is not None]


def _visible_document(actor: User, document: Document) -> None:
    if actor.is_superuser:
        return
    visible = site_list(user=actor).filter(pk__in=_document_sites(document)).exists()
    if not visible:
        raise NotFound(_("No such document"))


def document_reverse(
    *, actor: User, document_id: int, reason: str, idempotency_key: str = ""
) -> Document:
    """Undo a posted receipt, transfer, issue or adjustment with a reversing document.

    Every movement gets a mirror movement (`reverses` set); the original is marked reversed,
    never edited. Raises NotFound (unknown or out of scope), Forbidden, Invalid (no reason),
    Conflict (already reversed, or the stock has moved on).
    """
    if not reason.strip():
        raise Invalid(_("Give a reason"), [FieldError("reason", _("required"))])

    def work() -> Document:
        found = _existing(actor, idempotency_key)
        if found is not None:
            return found
        original = _lock_document(
            document_id,
            [
                DocumentKind.RECEIPT,
                DocumentKind.TRANSFER,
                DocumentKind.ISSUE,
                DocumentKind.ADJUSTMENT,
            ],
        )
        _visible_document(actor, original)
        for site_id in _document_sites(original):
            if (
                Location.objects.filter(
                    key=f"store:{site_id}:", pk__in=original.lines.values("to_location")
                ).exists()
                or Location.objects.filter(
                    key=f"store:{site_id}:", pk__in=original.lines.values("from_location")
                ).exists()
            ):
                _site_for(actor, site_id, POSTING_ROLES, "reverse documents")
        if original.state != DocumentState.POSTED:
            raise Conflict(
                _("Document %(id)s is %(state)s; it cannot be reversed")
                % {"id": original.pk, "state": DocumentState(original.state).label}
            )
        moves = list(original.movements.select_related("item").order_by("id"))
        reversal = _new_document(
            actor,
            DocumentKind.REVERSAL,
            DocumentState.POSTED,
            source=original.source_site,
            dest=original.dest_site,
            reason=reason,
            key=idempotency_key,
            reverses=original,
        )
        lines = _new_lines(
            reversal,
            [(m.item, m.lot_id, m.quantity, m.to_location, m.from_location) for m in moves],
        )
        ledger = LockedBalances(actor_id=actor.pk)
        ledger.lock(
            [
                k
                for m in moves
                for k in (
                    (m.from_location_id, m.item_id, m.lot_id),
                    (m.to_location_id, m.item_id, m.lot_id),
                )
            ]
        )
        for m, line in zip(moves, lines, strict=True):
            key = (m.to_location_id, m.item_id, m.lot_id)
            ledger.row(key)
            ledger.move(
                line=line,
                key=key,
                to_location_id=m.from_location_id,
                quantity=m.quantity,
                reverses_id=m.pk,
            )
        ledger.flush()
        original.state = DocumentState.REVERSED
        original.save(update_fields=["state", "updated_at"])
        return reversal

    return _idempotent_run(actor, idempotency_key, work)


# --- shipments -------------------------------------------------------------------------------
def _reserve_lines(actor: User, lines: Sequence[DocumentLine]) -> list[Reservation]:
    """Internal step: reserve every line's quantity at its from-location (lot None: FEFO).

    Raises Conflict when the available quantity (on hand minus reserved) is short.
    """
    ledger = LockedBalances(actor_id=actor.pk)
    ledger.lock([(ln.from_location_id, ln.item_id, ln.lot_id) for ln in lines])
    reservations: list[Reservation] = []
    for line in lines:
        for key, qty in ledger.pick(
            location_id=line.from_location_id,
            item_id=line.item_id,
            lot_id=line.lot_id,
            quantity=line.quantity,
        ):
            ledger.reserve(key, qty)
            reservations.append(
                Reservation(
                    line=line,
                    balance=ledger.rows[key].balance,
                    quantity=qty,
                    state=ReservationState.OPEN,
                )
            )
    ledger.flush()
    return Reservation.objects.bulk_create(reservations)


def shipment_reserve(
    *,
    actor: User,
    from_site_id: int,
    to_site_id: int,
    lines: Sequence[LineSpec],
    idempotency_key: str = "",
) -> Document:
    """Open a shipment from one store to a site and reserve its lines (FEFO lots).

    Reserved stock stays on hand but is no longer available to others. Raises NotFound/
    Forbidden (scope at the source), Invalid, Conflict (not enough available).
    """
    _check_lines(lines)
    if from_site_id == to_site_id:
        raise Invalid(
            _("Source and destination are the same"), [FieldError("to_site_id", _("differs"))]
        )

    def work() -> Document:
        found = _existing(actor, idempotency_key)
        if found is not None:
            return found
        source = _site_for(actor, from_site_id, POSTING_ROLES, "ship stock")
        dest = _any_site(to_site_id)
        stores = _stores(source.pk, dest.pk)
        items = _line_items(lines)
        document = _new_document(
            actor,
            DocumentKind.SHIPMENT,
            DocumentState.RESERVED,
            source=source,
            dest=dest,
            key=idempotency_key,
        )
        specs = [
            (items[s.item_id], s.lot_id, s.quantity, stores[source.pk], stores[dest.pk])
            for s in lines
        ]
        _reserve_lines(actor, _new_lines(document, specs))
        return document

    return _idempotent_run(actor, idempotency_key, work)


@dataclass(frozen=True)
class ShipmentSpec:
    """One shipment of a batch: from a store to a site, its lines, its idempotency key."""

    from_site_id: int
    to_site_id: int
    lines: Sequence[LineSpec]
    idempotency_key: str = ""


def shipments_reserve_step(
    *, actor: User, shipments: Sequence[ShipmentSpec], progress: Callable[[int], None] | None = None
) -> list[Document]:
    """Internal step: open and reserve many shipments inside the caller's transaction (run it
    in `run_durable`). Every balance row they touch is locked by one ordered statement, so
    either all are reserved or a Conflict names what is short and the caller's transaction
    posts nothing. `progress` is told the share of shipments written (0–100).

    Raises NotFound/Forbidden (scope at a source), Invalid (lines, same site), Conflict.
    """
    errors: list[FieldError] = []
    for n, spec in enumerate(shipments):
        try:
            _check_lines(spec.lines)
        except Invalid as exc:
            errors += [FieldError(f"shipments.{n}.{e.field}", e.message) for e in exc.errors]
        if spec.from_site_id == spec.to_site_id:
            errors.append(FieldError(f"shipments.{n}.to_site_id", _("differs from the source")))
    if errors:
        raise Invalid(_("Invalid shipments"), errors)
    items = _line_items([line for spec in shipments for line in spec.lines])
    sources = {
        site_id: _site_for(actor, site_id, POSTING_ROLES, "ship stock")
        for site_id in sorted({spec.from_site_id for spec in shipments})
    }
    dests = {site_id: _any_site(site_id) for site_id in sorted({s.to_site_id for s in shipments})}
    stores = _stores(*sorted(set(sources) | set(dests)))
    documents: list[Document] = []
    lines: list[DocumentLine] = []
    for n, spec in enumerate(shipments, start=1):
        document = _new_document(
            actor,
            DocumentKind.SHIPMENT,
            DocumentState.RESERVED,
            source=sources[spec.from_site_id],
            dest=dests[spec.to_site_id],
            key=spec.idempotency_key,
        )
        documents.append(document)
        lines += _new_lines(
            document,
            [
                (
                    items[line.item_id],
                    line.lot_id,
                    line.quantity,
                    stores[spec.from_site_id],
                    stores[spec.to_site_id],
                )
                for line in spec.lines
            ],
        )
        if progress is not None and n % max(1, len(shipments) // 10) == 0:
            progress(80 * n // len(shipments))
    _reserve_lines(actor, lines)
    if progress is not None:
        progress(90)
    return documents


# Who may take which action on a shipment, and in which states: the one rule that the services
# enforce and that pages read (`shipment_actions`) to offer only what the user may do.
SHIPMENT_ACTIONS: dict[str, tuple[bool, frozenset[str], frozenset[str]]] = {
    # action: (at the source?, roles there, states it applies to)
    "dispatch": (True, POSTING_ROLES, frozenset({DocumentState.RESERVED})),
    "cancel": (True, POSTING_ROLES, frozenset({DocumentState.RESERVED})),
    "receive": (
        False,
        RECEIVING_ROLES,
        frozenset({DocumentState.DISPATCHED, DocumentState.PARTIALLY_RECEIVED}),
    ),
    "close": (
        True,
        POSTING_ROLES,
        frozenset(
            {DocumentState.DISPATCHED, DocumentState.PARTIALLY_RECEIVED, DocumentState.RECEIVED}
        ),
    ),
}


def shipment_actions(*, actor: User, document: Document) -> dict[str, bool]:
    """Which shipment actions this user may take on it now (the services' own rule)."""
    out = {}
    for action, (at_source, roles, states) in SHIPMENT_ACTIONS.items():
        site_id = document.source_site_id if at_source else document.dest_site_id
        out[action] = document.state in states and (
            actor.is_superuser
            or site_list(user=actor, roles=roles).filter(pk=site_id or 0).exists()
        )
    return out


def _shipment(
    actor: User, document_id: int, states: set[str], action: str, at_source: bool
) -> Document:
    document = _lock_document(document_id, [DocumentKind.SHIPMENT])
    _visible_document(actor, document)
    site_id = document.source_site_id if at_source else document.dest_site_id
    assert site_id is not None  # noqa: S101 - shipments always have both ends
    roles = SHIPMENT_ACTIONS[action][1] if action in SHIPMENT_ACTIONS else POSTING_ROLES
    try:
        _site_for(actor, site_id, roles, action)
    except NotFound:  # the shipment is visible from its other end: forbidden, not missing
        raise Forbidden(
            _("You may not %(action)s shipment %(id)s")
            % {"action": ACTION_LABELS.get(action, action), "id": document.pk}
        ) from None
    if document.state not in states:
        raise Conflict(
            _("Shipment %(id)s is %(state)s; cannot %(action)s")
            % {
                "id": document.pk,
                "state": DocumentState(document.state).label,
                "action": ACTION_LABELS.get(action, action),
            }
        )
    document_id = document.pk
    # Followers react after the ledger committed; their failure is theirs to retry (robust:
    # logged, never reported to the caller as if nothing had been posted).
    transaction.on_commit(
        lambda: shipment_changed.send(sender=Document, document_id=document_id), robust=True
    )
    return document


@dataclass(frozen=True)
class TransportSpec:
    """How a shipment leaves: a vehicle and driver (ids of the fleet), or collected by the
    recipient. The ledger knows no vehicle: it hands this to the registered recorder."""

    vehicle_id: int | None = None
    driver_id: int | None = None
    collected_by_recipient: bool = False


# Records (and checks) a shipment's transport inside the dispatch's transaction; registered by
# the app that owns transport (logistics, at start-up), so the ledger imports none of it.
TransportRecorder = Callable[[User, Document, TransportSpec], None]
_transport_recorders: list[TransportRecorder] = []


def transport_recorder_register(recorder: TransportRecorder) -> None:
    """Register the step that records a dispatched shipment's transport (once per recorder)."""
    if recorder not in _transport_recorders:
        _transport_recorders.append(recorder)


def shipment_dispatch(
    *, actor: User, document_id: int, transport: TransportSpec | None = None
) -> Document:
    """Send a reserved shipment: its reserved stock moves from the store to in-transit.

    With `transport` (the API and the pages always give one), the registered recorder checks
    and records it in the same transaction: no vehicle and driver (and not collected by the
    recipient) is Invalid naming the fields, and nothing moves. Without it the ledger alone
    moves the goods (internal callers, tests). Raises NotFound/Forbidden, Invalid, Conflict
    (not in state reserved).
    """
    if transport is not None and not _transport_recorders:
        raise RuntimeError("no transport recorder is registered (is logistics installed?)")

    def work() -> Document:
        document = _shipment(actor, document_id, {DocumentState.RESERVED}, "dispatch", True)
        if transport is not None:
            for record in _transport_recorders:
                record(actor, document, transport)
        transit = location_for(LocationKind.IN_TRANSIT, document_id=document.pk)
        reservations = list(
            Reservation.objects.filter(line__document=document, state=ReservationState.OPEN)
            .select_related("balance", "line__item")
            .order_by("id")
        )
        ledger = LockedBalances(actor_id=actor.pk)
        ledger.lock(
            [(r.balance.location_id, r.balance.item_id, r.balance.lot_id) for r in reservations]
        )
        for r in reservations:
            key = (r.balance.location_id, r.balance.item_id, r.balance.lot_id)
            ledger.move(
                line=r.line,
                key=key,
                to_location_id=transit.pk,
                quantity=r.quantity,
                release_reserved=r.quantity,
            )
        ledger.flush()
        Reservation.objects.filter(pk__in=[r.pk for r in reservations]).update(
            state=ReservationState.CONSUMED
        )
        document.state = DocumentState.DISPATCHED
        document.save(update_fields=["state", "updated_at"])
        return document

    return run_durable(work)


def shipment_receive(*, actor: User, document_id: int, lines: Sequence[ReceiveSpec]) -> Document:
    """Receive (part of) a dispatched shipment at its destination.

    Good units move from in-transit to the destination store, damaged units to loss at the
    destination; units beyond what is outstanding are excess, booked from count adjustment at
    the destination. Damage and excess are recorded as discrepancies with a reason. Raises
    NotFound/Forbidden, Invalid (unknown line, negative numbers, missing reason), Conflict
    (wrong state).
    """
    ceiling = settings.LEDGER_MAX_LINE_QUANTITY
    errors = [
        FieldError(f"lines.{i}", _("received and damaged must be ≥ 0 and not both 0"))
        for i, s in enumerate(lines)
        if s.received < 0 or s.damaged < 0 or s.received + s.damaged == 0
    ]
    errors += [
        FieldError(f"lines.{i}.received", _("at most %(limit)s") % {"limit": ceiling})
        for i, s in enumerate(lines)
        if s.received > ceiling or s.damaged > ceiling
    ]
    errors += [
        FieldError(f"lines.{i}.reason", _("give a reason for damaged units"))
        for i, s in enumerate(lines)
        if s.damaged and not s.reason.strip()
    ]
    if errors or not lines:
        raise Invalid(_("Invalid receipt lines"), errors or [FieldError("lines", _("required"))])

    def work() -> Document:
        document = _shipment(
            actor,
            document_id,
            {DocumentState.DISPATCHED, DocumentState.PARTIALLY_RECEIVED},
            "receive",
            False,
        )
        assert document.dest_site_id is not None  # noqa: S101
        by_id = {ln.pk: ln for ln in document.lines.select_related("item", "document")}
        unknown = [s.line_id for s in lines if s.line_id not in by_id]
        if unknown:
            raise Invalid(
                _("Unknown line"),
                [
                    FieldError("line_id", _("%(line)s not on this shipment") % {"line": u})
                    for u in unknown
                ],
            )
        transit = location_for(LocationKind.IN_TRANSIT, document_id=document.pk)
        store = _stores(document.dest_site_id)[document.dest_site_id]
        loss = location_for(LocationKind.LOSS, site_id=document.dest_site_id)
        adjust = location_for(LocationKind.ADJUSTMENT, site_id=document.dest_site_id)
        ledger = LockedBalances(actor_id=actor.pk)
        ledger.lock([(transit.pk, by_id[s.line_id].item_id, None) for s in lines])
        discrepancies: list[Discrepancy] = []
        for s in lines:
            line = by_id[s.line_id]
            outstanding = line.quantity - line.received
            if s.damaged > outstanding:
                raise Invalid(
                    _("More damaged than outstanding"),
                    [FieldError("damaged", _("%(count)s outstanding") % {"count": outstanding})],
                )
            good = min(s.received, outstanding - s.damaged)
            excess = s.received - good
            if excess > max(line.quantity, MIN_EXCESS_BOUND):
                raise Invalid(
                    _("Excess beyond the shipped quantity"),
                    [
                        FieldError(
                            "received",
                            _("at most %(limit)s")
                            % {"limit": outstanding + max(line.quantity, MIN_EXCESS_BOUND)},
                        )
                    ],
                )
            for target, qty in ((store.pk, good), (loss.pk, s.damaged)):
                if qty:
                    for key, take in ledger.pick(
                        location_id=transit.pk, item_id=line.item_id, lot_id=None, quantity=qty
                    ):
                        ledger.move(line=line, key=key, to_location_id=target, quantity=take)
            if excess:
                if not s.reason.strip():
                    raise Invalid(
                        _("Give a reason for the excess"),
                        [FieldError("reason", _("required for excess"))],
                    )
                lot_id = line.lot_id or _last_lot(line)
                ledger.row((adjust.pk, line.item_id, lot_id))
                ledger.move(
                    line=line,
                    key=(adjust.pk, line.item_id, lot_id),
                    to_location_id=store.pk,
                    quantity=excess,
                )
                discrepancies.append(
                    Discrepancy(
                        line=line,
                        kind=DiscrepancyKind.EXCESS,
                        quantity=excess,
                        reason=s.reason,
                        recorded_by=actor,
                    )
                )
            if s.damaged:
                discrepancies.append(
                    Discrepancy(
                        line=line,
                        kind=DiscrepancyKind.DAMAGED,
                        quantity=s.damaged,
                        reason=s.reason,
                        recorded_by=actor,
                    )
                )
            line.received += good + s.damaged
            line.save(update_fields=["received"])
        ledger.flush()
        Discrepancy.objects.bulk_create(discrepancies)
        done = all(ln.received >= ln.quantity for ln in by_id.values())
        document.state = DocumentState.RECEIVED if done else DocumentState.PARTIALLY_RECEIVED
        document.save(update_fields=["state", "updated_at"])
        return document

    return run_durable(work)


def _last_lot(line: DocumentLine) -> int:
    lot_id = line.movements.order_by("-id").values_list("lot_id", flat=True).first()
    return lot_id if lot_id is not None else default_lot(line.item_id).pk


def shipment_close(*, actor: User, document_id: int, reason: str = "") -> Document:
    """Close a dispatched shipment: whatever is still in transit is written off as short (loss
    at the source site) with a discrepancy. Raises NotFound/Forbidden, Invalid (a shortage
    without reason), Conflict (wrong state)."""

    def work() -> Document:
        document = _shipment(
            actor,
            document_id,
            {DocumentState.DISPATCHED, DocumentState.PARTIALLY_RECEIVED, DocumentState.RECEIVED},
            "close",
            True,
        )
        lines = list(document.lines.select_related("item", "document"))
        short = [(ln, ln.quantity - ln.received) for ln in lines if ln.received < ln.quantity]
        if short:
            if not reason.strip():
                raise Invalid(
                    _("Give a reason for the shortage"), [FieldError("reason", _("required"))]
                )
            transit = location_for(LocationKind.IN_TRANSIT, document_id=document.pk)
            loss = location_for(LocationKind.LOSS, site_id=document.source_site_id)
            ledger = LockedBalances(actor_id=actor.pk)
            ledger.lock([(transit.pk, ln.item_id, None) for ln, _ in short])
            for line, qty in short:
                for key, take in ledger.pick(
                    location_id=transit.pk, item_id=line.item_id, lot_id=None, quantity=qty
                ):
                    ledger.move(line=line, key=key, to_location_id=loss.pk, quantity=take)
            ledger.flush()
            Discrepancy.objects.bulk_create(
                [
                    Discrepancy(
                        line=ln,
                        kind=DiscrepancyKind.SHORT,
                        quantity=q,
                        reason=reason,
                        recorded_by=actor,
                    )
                    for ln, q in short
                ]
            )
        document.state = DocumentState.CLOSED
        document.reason = reason[:300] or document.reason
        document.save(update_fields=["state", "reason", "updated_at"])
        return document

    return run_durable(work)


def shipment_cancel(*, actor: User, document_id: int) -> Document:
    """Cancel a shipment not yet dispatched: its reservations are released.

    Raises NotFound/Forbidden, Conflict (already dispatched, closed or cancelled).
    """

    def work() -> Document:
        document = _shipment(actor, document_id, {DocumentState.RESERVED}, "cancel", True)
        _release_reservations(actor, document)
        document.state = DocumentState.CANCELLED
        document.save(update_fields=["state", "updated_at"])
        return document

    return run_durable(work)


def shipment_relay(
    *,
    actor: User,
    document_id: int,
    to_site_id: int,
    idempotency_key: str = "",
    on_posted: Callable[[Document, Document], None] | None = None,
) -> Document:
    """Hand a shipment that reached a transfer station on to its next leg, without unloading
    into the station's store: everything still in transit on the inbound shipment moves to the
    in-transit location of a new, dispatched shipment from the station to `to_site_id`.

    The inbound lines count as received (their leg ended at the station); the outbound
    shipment is received, closed or traced like any other. `on_posted(inbound, outbound)`
    runs in the same transaction, so a caller's own record (logistics' relay row with both
    vehicles) commits with the movements or not at all. Raises NotFound/Forbidden (posting
    roles at the station), Invalid (not a transfer station, same destination), Conflict (not
    in transit, nothing outstanding).
    """

    def work() -> Document:
        found = _existing(actor, idempotency_key)
        if found is not None:
            return found
        inbound = _shipment(
            actor,
            document_id,
            {DocumentState.DISPATCHED, DocumentState.PARTIALLY_RECEIVED},
            "relay",
            False,
        )
        station = _any_site(inbound.dest_site_id or 0)
        if station.kind != SiteKind.TRANSFER_STATION:
            raise Invalid(
                _("Only shipments to a transfer station are relayed"),
                [FieldError("document_id", _("not addressed to a transfer station"))],
            )
        if to_site_id == station.pk:
            raise Invalid(
                _("The next leg leaves the station"),
                [FieldError("to_site_id", _("another site than the station"))],
            )
        dest = _any_site(to_site_id)
        lines = [
            (ln, ln.quantity - ln.received)
            for ln in inbound.lines.select_related("item").order_by("number")
            if ln.received < ln.quantity
        ]
        if not lines:
            raise Conflict(_("Shipment %(id)s has nothing left in transit") % {"id": inbound.pk})
        stores = _stores(station.pk, dest.pk)
        outbound = _new_document(
            actor,
            DocumentKind.SHIPMENT,
            DocumentState.DISPATCHED,
            source=station,
            dest=dest,
            key=idempotency_key,
        )
        new_lines = _new_lines(
            outbound,
            [(ln.item, ln.lot_id, qty, stores[station.pk], stores[dest.pk]) for ln, qty in lines],
        )
        from_transit = location_for(LocationKind.IN_TRANSIT, document_id=inbound.pk)
        to_transit = location_for(LocationKind.IN_TRANSIT, document_id=outbound.pk)
        ledger = LockedBalances(actor_id=actor.pk)
        ledger.lock([(from_transit.pk, ln.item_id, None) for ln, _ in lines])
        for (line, qty), new_line in zip(lines, new_lines, strict=True):
            new_line.item = line.item
            for key, take in ledger.pick(
                location_id=from_transit.pk, item_id=line.item_id, lot_id=None, quantity=qty
            ):
                ledger.move(line=new_line, key=key, to_location_id=to_transit.pk, quantity=take)
            line.received = line.quantity
            line.save(update_fields=["received"])
        ledger.flush()
        inbound.state = DocumentState.RECEIVED
        inbound.save(update_fields=["state", "updated_at"])
        outbound_id = outbound.pk
        transaction.on_commit(
            lambda: shipment_changed.send(sender=Document, document_id=outbound_id)
        )
        if on_posted is not None:
            on_posted(inbound, outbound)
        return outbound

    return _idempotent_run(actor, idempotency_key, work)


def _release_reservations(actor: User, document: Document) -> None:
    """Internal step: give back every open reservation of a document."""
    reservations = list(
        Reservation.objects.filter(
            line__document=document, state=ReservationState.OPEN
        ).select_related("balance")
    )
    ledger = LockedBalances(actor_id=actor.pk)
    ledger.lock(
        [(r.balance.location_id, r.balance.item_id, r.balance.lot_id) for r in reservations]
    )
    for r in reservations:
        ledger.reserve((r.balance.location_id, r.balance.item_id, r.balance.lot_id), -r.quantity)
    ledger.flush()
    Reservation.objects.filter(pk__in=[r.pk for r in reservations]).update(
        state=ReservationState.RELEASED
    )


# --- stock counts ----------------------------------------------------------------------------
def count_sheet_open(*, actor: User, site_id: int) -> CountSheet:
    """Open a blind count sheet for a site's store, one line per lot in stock there.

    Raises NotFound/Forbidden.
    """

    def work() -> CountSheet:
        site = _site_for(actor, site_id, POSTING_ROLES, "count stock")
        store = _stores(site.pk)[site.pk]
        sheet = CountSheet.objects.create(location=store, state=CountState.OPEN, created_by=actor)
        CountLine.objects.bulk_create(
            [
                CountLine(sheet=sheet, item_id=item_id, lot_id=lot_id)
                for item_id, lot_id in Balance.objects.filter(location=store, on_hand__gt=0)
                .order_by("item_id", "lot_id")
                .values_list("item_id", "lot_id")
            ]
        )
        return sheet

    return run_durable(work)


def _count_sheet(actor: User, sheet_id: int, roles: frozenset[str], action: str) -> CountSheet:
    sheet = (
        CountSheet.objects.select_for_update(of=("self",))
        .select_related("location")
        .filter(pk=sheet_id)
        .first()
    )
    if sheet is None or sheet.location.site_id is None:
        raise NotFound(_("No such count sheet"))
    try:
        _site_for(actor, sheet.location.site_id, roles, action)
    except NotFound:
        raise NotFound(_("No such count sheet")) from None
    if sheet.state != CountState.OPEN:
        raise Conflict(
            _("Count sheet %(id)s is %(state)s")
            % {"id": sheet.pk, "state": CountState(sheet.state).label}
        )
    return sheet


def count_sheet_record(
    *, actor: User, sheet_id: int, counts: dict[int, int], found: Sequence[LineSpec] = ()
) -> CountSheet:
    """Record counted quantities on an open sheet (by line id), and lots found that the sheet
    did not list (`found`: item, lot_id or none, quantity). Raises NotFound/Forbidden, Invalid
    (negative counts, unknown lines), Conflict (sheet not open)."""
    bad = [FieldError(f"counts.{k}", _("must be ≥ 0")) for k, v in counts.items() if v < 0]
    if bad:
        raise Invalid(_("Invalid counts"), bad)

    def work() -> CountSheet:
        sheet = _count_sheet(actor, sheet_id, POSTING_ROLES, "count stock")
        lines = {ln.pk: ln for ln in sheet.lines.all()}
        unknown = [
            FieldError(f"counts.{k}", _("not on this sheet")) for k in counts if k not in lines
        ]
        if unknown:
            raise Invalid(_("Unknown count lines"), unknown)
        for line_id, counted in counts.items():
            CountLine.objects.filter(pk=line_id).update(counted=counted)
        items = _items(s.item_id for s in found)
        for s in found:
            lot_id = s.lot_id if s.lot_id is not None else default_lot(s.item_id).pk
            if not Lot.objects.filter(pk=lot_id, item=items[s.item_id]).exists():
                raise Invalid(_("Unknown lot"), [FieldError("lot_id", _("not a lot of this item"))])
            CountLine.objects.update_or_create(
                sheet=sheet, item_id=s.item_id, lot_id=lot_id, defaults={"counted": s.quantity}
            )
        return sheet

    return run_durable(work)


def count_sheet_post(*, actor: User, sheet_id: int, idempotency_key: str = "") -> Document:
    """Review and post a count: the variance (counted − book, read under row locks) is booked
    as one adjustment document so the store then holds exactly what was counted.

    Only an approver or commander over the site may post. Raises NotFound/Forbidden, Invalid
    (uncounted lines), Conflict (sheet not open; a decrease below reserved stock).
    """

    def work() -> Document:
        existing = _existing(actor, idempotency_key)
        if existing is not None:
            return existing
        sheet = _count_sheet(actor, sheet_id, APPROVING_ROLES, "post stock counts")
        lines = list(sheet.lines.select_related("item"))
        missing = [
            FieldError(f"lines.{ln.pk}", _("not counted")) for ln in lines if ln.counted is None
        ]
        if missing:
            raise Invalid(_("Count every line before posting"), missing)
        store = sheet.location
        adjust = location_for(LocationKind.ADJUSTMENT, site_id=store.site_id)
        # Lock the store's rows first so the book cannot change between reading and posting.
        ledger = LockedBalances(actor_id=actor.pk)
        ledger.lock(
            [(store.pk, ln.item_id, ln.lot_id) for ln in lines]
            + [(adjust.pk, ln.item_id, ln.lot_id) for ln in lines]
        )
        changes: list[tuple[Item, int, int]] = []
        for ln in lines:
            row = ledger.rows.get((store.pk, ln.item_id, ln.lot_id))
            book = row.on_hand if row else 0
            CountLine.objects.filter(pk=ln.pk).update(book=book)
            assert ln.counted is not None  # noqa: S101 - checked above
            changes.append((ln.item, ln.lot_id, ln.counted - book))
        document = _new_document(
            actor,
            DocumentKind.ADJUSTMENT,
            DocumentState.POSTED,
            source=store.site,
            dest=store.site,
            reason=f"stock count #{sheet.pk}",
            key=idempotency_key,
        )
        document.approved_by = actor
        document.save(update_fields=["approved_by"])
        for line in _adjustment_lines(document, store, adjust, changes):
            assert line.lot_id is not None  # noqa: S101 - count lines always name the lot
            key = (line.from_location_id, line.item_id, line.lot_id)
            ledger.row(key)
            ledger.move(
                line=line, key=key, to_location_id=line.to_location_id, quantity=line.quantity
            )
        ledger.flush()
        sheet.state = CountState.POSTED
        sheet.adjustment = document
        sheet.save(update_fields=["state", "adjustment"])
        return document

    return _idempotent_run(actor, idempotency_key, work)


# --- one entry point for the API ----------------------------------------------------------------
def document_post(
    *,
    actor: User,
    kind: str,
    lines: Sequence[LineSpec],
    site_id: int,
    to_site_id: int | None = None,
    source_kind: str = "",
    source_site_id: int | None = None,
    source_party: str = "",
    household: str = "",
    idempotency_key: str = "",
) -> Document:
    """Create and post a document of `kind` (receipt, transfer, issue, or shipment — which is
    reserved, not yet dispatched). `site_id` is the store the stock leaves (receipts: enters).
    Raises whatever the service of that kind raises; Invalid for an unknown kind."""
    if kind == DocumentKind.RECEIPT:
        return receipt_post(
            actor=actor,
            site_id=site_id,
            source_kind=source_kind,
            lines=lines,
            source_site_id=source_site_id,
            source_party=source_party,
            idempotency_key=idempotency_key,
        )
    if kind in {DocumentKind.TRANSFER, DocumentKind.SHIPMENT}:
        if to_site_id is None:
            raise Invalid(_("Name the destination"), [FieldError("to_site_id", _("required"))])
        post = transfer_post if kind == DocumentKind.TRANSFER else shipment_reserve
        return post(
            actor=actor,
            from_site_id=site_id,
            to_site_id=to_site_id,
            lines=lines,
            idempotency_key=idempotency_key,
        )
    if kind == DocumentKind.ISSUE:
        return issue_post(
            actor=actor,
            site_id=site_id,
            lines=lines,
            to_site_id=to_site_id,
            household=household,
            idempotency_key=idempotency_key,
        )
    raise Invalid(
        _("Unknown document kind"), [FieldError("kind", _("receipt, transfer, issue, shipment"))]
    )


@dataclass(frozen=True)
class OpeningSpec:
    """One opening-stock line: a quantity of an item (and lot) already in a site's store."""

    site_id: int
    item_id: int
    quantity: int
    lot_code: str | None = None
    expiry: date | None = None


def _opening_lots(items: dict[int, Item], lines: Sequence[OpeningSpec]) -> dict[int, int]:
    """The lot of each line (by index), checked like a receipt's and created in bulk."""
    wanted: dict[tuple[int, str], date | None] = {}
    for s in lines:
        item = items[s.item_id]
        code = (s.lot_code or "").strip()
        if item.lot_tracked and not code:
            raise Invalid(
                _("%(item)s needs a lot code") % {"item": item.name},
                [FieldError("lot_code", _("required"))],
            )
        if not item.lot_tracked and code:
            raise Invalid(
                _("%(item)s is not tracked by lot") % {"item": item.name},
                [FieldError("lot_code", _("leave empty"))],
            )
        if item.expiry_tracked and s.expiry is None:
            raise Invalid(
                _("%(item)s needs an expiry date") % {"item": item.name},
                [FieldError("expiry", _("required"))],
            )
        if code:
            wanted.setdefault((s.item_id, code), s.expiry)
    codes = {c for _, c in wanted}
    existing = Lot.objects.filter(item_id__in={i for i, _ in wanted}, code__in=codes)
    known = {(lot.item_id, lot.code): lot for lot in existing}
    Lot.objects.bulk_create(
        [
            Lot(item_id=i, code=c, expiry=e, source=OPENING_REASON)
            for (i, c), e in wanted.items()
            if (i, c) not in known
        ],
        ignore_conflicts=True,
    )
    lots = {(lot.item_id, lot.code): lot for lot in Lot.objects.filter(code__in=codes)}
    out: dict[int, int] = {}
    for n, s in enumerate(lines):
        code = (s.lot_code or "").strip()
        if not code:
            out[n] = default_lot(s.item_id).pk
            continue
        lot = lots[(s.item_id, code)]
        if s.expiry is not None and lot.expiry != s.expiry:
            raise Invalid(
                _("Lot %(lot)s of %(item)s has expiry %(expiry)s")
                % {"lot": code, "item": items[s.item_id].name, "expiry": lot.expiry},
                [
                    FieldError(
                        "expiry",
                        _("lot %(lot)s expires %(expiry)s") % {"lot": code, "expiry": lot.expiry},
                    )
                ],
            )
        out[n] = lot.pk
    return out


def opening_balance_post(*, actor: User, lines: Sequence[OpeningSpec]) -> list[Document]:
    """Book the stock a city already holds when it starts using Liangcao: one posted
    adjustment document per site ("opening balance"), from the site's count-adjustment
    location into its store, lots named as on a receipt. All sites in one transaction: every
    line is booked or none; once per site. Built for a whole city at once: locations, lots and
    balance rows are created in bulk and locked in one ordered statement.
    Raises NotFound/Forbidden (an approver or commander over every site), Invalid (quantities,
    lots), Conflict (a site that already has opening stock)."""
    if not lines or any(s.quantity < 1 for s in lines):
        raise Invalid(
            _("The opening stock has errors"), [FieldError("lines", _("positive quantities"))]
        )
    site_ids = sorted({s.site_id for s in lines})
    by_site: dict[int, list[int]] = {}
    for n, spec in enumerate(lines):
        by_site.setdefault(spec.site_id, []).append(n)

    def where(site_id: int) -> dict[str, Any]:
        return {"site_id": site_id, "party": "", "document_id": None, "zone": ""}

    def work() -> list[Document]:
        if not actor.is_superuser:
            _sites_for(actor, site_ids, APPROVING_ROLES, "book opening stock")
        booked = Document.objects.filter(
            kind=DocumentKind.ADJUSTMENT, reason=OPENING_REASON, dest_site_id__in=site_ids
        ).values_list("dest_site__code", flat=True)
        if booked:
            raise Conflict(
                _("Opening stock is booked once per site"),
                [
                    FieldError(
                        "site_code", _("%(site)s already has opening stock") % {"site": code}
                    )
                    for code in booked
                ],
            )
        Location.objects.bulk_create(
            [
                Location(key=_location_key(kind, **where(s)), kind=kind, site_id=s)
                for s in site_ids
                for kind in (LocationKind.STORE, LocationKind.ADJUSTMENT)
            ],
            ignore_conflicts=True,
        )
        stores = _posting_stores(actor, site_ids, APPROVING_ROLES, "book opening stock")
        adjusts = {
            loc.site_id: loc
            for loc in Location.objects.filter(
                key__in=[_location_key(LocationKind.ADJUSTMENT, **where(s)) for s in site_ids]
            )
        }
        items = _items(s.item_id for s in lines)
        lot_of = _opening_lots(items, lines)
        keys = [
            (loc.pk, s.item_id, lot_of[n], loc.kind in HELD_KINDS)
            for n, s in enumerate(lines)
            for loc in (stores[s.site_id], adjusts[s.site_id])
        ]
        Balance.objects.bulk_create(
            [Balance(location_id=loc, item_id=i, lot_id=lot, held=h) for loc, i, lot, h in keys],
            ignore_conflicts=True,
        )
        ledger = LockedBalances(actor_id=actor.pk)
        ledger.lock((loc, i, lot) for loc, i, lot, _ in keys)
        documents = Document.objects.bulk_create(
            [
                Document(
                    kind=DocumentKind.ADJUSTMENT,
                    state=DocumentState.POSTED,
                    source_site_id=s,
                    dest_site_id=s,
                    reason=OPENING_REASON,
                    created_by=actor,
                    approved_by=actor,
                )
                for s in site_ids
            ]
        )
        if any(d.pk is None for d in documents):  # backends without RETURNING ids
            documents = list(
                Document.objects.filter(
                    kind=DocumentKind.ADJUSTMENT, reason=OPENING_REASON, dest_site_id__in=site_ids
                ).order_by("dest_site_id")
            )
        for document in documents:
            site_id = document.dest_site_id
            assert site_id is not None  # noqa: S101 - set just above
            rows = [
                (
                    items[lines[n].item_id],
                    lot_of[n],
                    lines[n].quantity,
                    adjusts[site_id],
                    stores[site_id],
                )
                for n in by_site[site_id]
            ]
            _post_lines(actor, document, _new_lines(document, rows), ledger)
        return documents

    return run_durable(work)
