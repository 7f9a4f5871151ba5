"""Reads of the ledger, each scoped to what the acting user may see.

A user sees the stock of the sites in their scope (orgs.selectors.site_list); anything else is
reported as missing (NotFound), never as forbidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.core import signing
from django.db.models import F, Min, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils.translation import gettext_lazy as _

from liangcao.catalog.models import Item
from liangcao.core.errors import BadRequest, FieldError, Invalid, NotFound
from liangcao.orgs.models import Site, SiteKind, User
from liangcao.orgs.selectors import site_get, site_list
from liangcao.stock.models import (
    Balance,
    CountLine,
    CountSheet,
    Document,
    Location,
    LocationKind,
    Lot,
    Movement,
)

MAX_PAGE = 500


def balance_list(
    *,
    user: User,
    site_id: int | None = None,
    node_id: int | None = None,
    item_id: int | None = None,
    category: str | None = None,
    lot_id: int | None = None,
    search: str | None = None,
    by_lot: bool = False,
) -> QuerySet[Balance, dict[str, object]]:
    """Store stock per (site, item) — or per lot with `by_lot` or `lot_id` — in the user's
    scope: on_hand, reserved, available, earliest expiry of the lots in stock.

    Filters: one site, a node's subtree, an item, a category, a lot, a text search on the item.
    Rows with nothing on hand and nothing reserved are left out. Raises NotFound for a site
    outside the scope.
    """
    if site_id is not None:
        site_get(user=user, site_id=site_id)
    sites = site_list(user=user, node_id=node_id)
    if site_id is not None:
        sites = sites.filter(pk=site_id)
    qs = Balance.objects.filter(
        location__kind=LocationKind.STORE,
        location__site_id__in=sites.order_by().values("pk"),
    ).exclude(on_hand=0, reserved=0)
    if item_id is not None:
        qs = qs.filter(item_id=item_id)
    if category:
        qs = qs.filter(item__category=category)
    if lot_id is not None:
        qs = qs.filter(lot_id=lot_id)
    if search:
        qs = qs.filter(
            Q(item__code__icontains=search)
            | Q(item__name_zh__icontains=search)
            | Q(item__name_en__icontains=search)
            | Q(lot__code__icontains=search)
        )
    group = [
        "location__site_id",
        "location__site__code",
        "location__site__name_zh",
        "item_id",
        "item__code",
        "item__name_zh",
        "item__name_en",
        "item__unit",
        "item__category",
    ]
    if by_lot or lot_id is not None:
        group += ["lot_id", "lot__code", "lot__expiry"]
    grouped: QuerySet[Balance, dict[str, object]] = (
        qs.values(*group)
        .annotate(
            on_hand_sum=Sum("on_hand"),
            reserved_sum=Sum("reserved"),
            available=Sum(F("on_hand") - F("reserved")),
            earliest_expiry=Min("lot__expiry", filter=Q(on_hand__gt=0)),
        )
        .order_by("location__site__code", "item__code", *(["lot_id"] if len(group) > 9 else []))
    )
    return grouped


@dataclass(frozen=True)
class CardLine:
    """One movement on a stock card, signed from the location's point of view."""

    movement_id: int
    created_at: datetime
    document_id: int
    document_kind: str
    lot_id: int
    lot_code: str
    counterpart: str
    quantity_in: int
    quantity_out: int
    balance: int


@dataclass(frozen=True)
class StockCard:
    site: Site
    item: Item
    location: Location | None
    lines: list[CardLine]
    next_cursor: str | None
    opening: int


def _store(site: Site) -> Location | None:
    return Location.objects.filter(key=f"store:{site.pk}:").first()


_CARD_CURSOR_SALT = "liangcao.stock.card"


def _card_cursor(key: tuple[int, int, int | None], last_id: int, balance: int) -> str:
    """An opaque, signed cursor carrying where the page ended and the running balance there,
    so the next page needs no sum over history (a card may have 100,000 movements)."""
    return signing.dumps([*key, last_id, balance], salt=_CARD_CURSOR_SALT, compress=True)


def _read_card_cursor(token: str, key: tuple[int, int, int | None]) -> tuple[int, int]:
    try:
        site_id, item_id, lot_id, last_id, balance = signing.loads(token, salt=_CARD_CURSOR_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise BadRequest(
            _("Bad cursor"), [FieldError("cursor", _("not a cursor from this card"))]
        ) from None
    if (site_id, item_id, lot_id) != key:
        raise BadRequest(_("Bad cursor"), [FieldError("cursor", _("belongs to another card"))])
    return int(last_id), int(balance)


def stock_card(
    *,
    user: User,
    site_id: int,
    item_id: int,
    lot_id: int | None = None,
    after: str | None = None,
    limit: int = 100,
) -> StockCard:
    """The movements of one item (optionally one lot) at one site's store, oldest first, with
    the running balance; `after` is the `next_cursor` of the previous page.

    Raises NotFound (site outside scope, unknown item), BadRequest (a forged or foreign cursor).
    """
    site = site_get(user=user, site_id=site_id)
    item = Item.objects.filter(pk=item_id).first()
    if item is None:
        raise NotFound(_("No such item"))
    key = (site.pk, item_id, lot_id)
    start, opening = _read_card_cursor(after, key) if after else (0, 0)
    limit = max(1, min(limit, MAX_PAGE))
    location = _store(site)
    if location is None:
        return StockCard(site, item, None, [], None, 0)
    base = Movement.objects.filter(item_id=item_id)
    if lot_id is not None:
        base = base.filter(lot_id=lot_id)
    into = base.filter(to_location=location, id__gt=start).order_by("id")[: limit + 1]
    out_of = base.filter(from_location=location, id__gt=start).order_by("id")[: limit + 1]
    # Two index range scans (item, to|from, id) merged here: an OR would read every row.
    rows = sorted([*into.values_list("id", flat=True), *out_of.values_list("id", flat=True)])[
        : limit + 1
    ]
    has_more = len(rows) > limit
    ids = rows[:limit]
    movements = (
        Movement.objects.filter(pk__in=ids)
        .select_related("document", "lot", "from_location__site", "to_location__site")
        .order_by("id")
    )
    running = opening
    lines: list[CardLine] = []
    for m in movements:
        incoming = m.to_location_id == location.pk
        other = m.from_location if incoming else m.to_location
        running += m.quantity if incoming else -m.quantity
        where = other.site.code if other.site else other.party or other.key
        lines.append(
            CardLine(
                movement_id=m.pk,
                created_at=m.created_at,
                document_id=m.document_id,
                document_kind=m.document.kind,
                lot_id=m.lot_id,
                lot_code=m.lot.code,
                counterpart=f"{other.get_kind_display()} · {where}",
                quantity_in=m.quantity if incoming else 0,
                quantity_out=0 if incoming else m.quantity,
                balance=running,
            )
        )
    cursor = _card_cursor(key, ids[-1], running) if has_more and ids else None
    return StockCard(site, item, location, lines, cursor, opening)


@dataclass(frozen=True)
class TraceLine:
    movement_id: int
    created_at: datetime
    document_id: int
    document_kind: str
    quantity: int
    from_label: str
    to_label: str


def _label(location: Location) -> str:
    where = location.site.code if location.site else location.party or location.key
    return f"{location.get_kind_display()} · {where}"


def lot_trace(*, user: User, lot_id: int) -> tuple[Lot, list[TraceLine], dict[str, int]]:
    """Every movement of one lot the user may see (either end, or its document's source or
    destination, at a site in scope), in order,
    and where the lot is now (held quantities by location label).

    Raises NotFound when the lot is unknown or none of its movements is in scope.
    """
    lot = Lot.objects.select_related("item").filter(pk=lot_id).first()
    if lot is None:
        raise NotFound(_("No such lot"))
    qs = Movement.objects.filter(lot=lot)
    if not user.is_superuser:
        sites = site_list(user=user).order_by().values("pk")
        qs = qs.filter(
            Q(from_location__site_id__in=sites)
            | Q(to_location__site_id__in=sites)
            # in transit → in transit (a relay at a transfer station): seen from the next leg
            | Q(document__source_site_id__in=sites)
            | Q(document__dest_site_id__in=sites)
        )
    movements = list(
        qs.select_related("document", "from_location__site", "to_location__site").order_by("id")[
            :5000
        ]
    )
    if not movements:
        raise NotFound(_("No such lot"))
    lines = [
        TraceLine(
            m.pk,
            m.created_at,
            m.document_id,
            m.document.kind,
            m.quantity,
            _label(m.from_location),
            _label(m.to_location),
        )
        for m in movements
    ]
    now: dict[str, int] = {}
    for m in movements:
        for loc, sign in ((m.from_location, -1), (m.to_location, 1)):
            now[_label(loc)] = now.get(_label(loc), 0) + sign * m.quantity
    return lot, lines, {k: v for k, v in now.items() if v > 0}


def document_list(*, user: User, site_id: int | None = None) -> QuerySet[Document]:
    """Documents touching a site in the user's scope, newest first."""
    qs = Document.objects.select_related("source_site", "dest_site")
    if not user.is_superuser:
        sites = site_list(user=user).order_by().values("pk")
        qs = qs.filter(Q(source_site_id__in=sites) | Q(dest_site_id__in=sites))
    if site_id is not None:
        qs = qs.filter(Q(source_site_id=site_id) | Q(dest_site_id=site_id))
    return qs.order_by("-id")


def document_get(*, user: User, document_id: int) -> Document:
    """One visible document with its lines. Raises NotFound when unknown or out of scope."""
    document = (
        document_list(user=user)
        .prefetch_related("lines__item", "lines__lot")
        .filter(pk=document_id)
        .first()
    )
    if document is None:
        raise NotFound(_("No such document"))
    return document


@dataclass(frozen=True)
class Pick:
    lot_id: int
    lot_code: str
    expiry: date | None
    quantity: int


def pick_suggest(*, user: User, site_id: int, item_id: int, quantity: int) -> list[Pick]:
    """Which lots to pick, first expiry first out, for `quantity` of an item at a site's store
    (fewer than asked when stock is short). Raises NotFound out of scope."""
    site = site_get(user=user, site_id=site_id)
    if quantity <= 0:
        raise Invalid(_("Quantity must be positive"), [FieldError("quantity", _("more than 0"))])
    rows = (
        Balance.objects.filter(
            location__key=f"store:{site.pk}:", item_id=item_id, on_hand__gt=F("reserved")
        )
        .select_related("lot")
        .annotate(expiry_missing=Coalesce(F("lot__expiry"), Value(date.max)))
        .order_by("expiry_missing", "lot_id")
    )
    picks: list[Pick] = []
    left = quantity
    for b in rows:
        if left <= 0:
            break
        take = min(b.on_hand - b.reserved, left)
        picks.append(Pick(b.lot_id, b.lot.code, b.lot.expiry, take))
        left -= take
    return picks


def count_sheet_get(*, user: User, sheet_id: int) -> CountSheet:
    """A count sheet of a store in scope. Raises NotFound otherwise."""
    sheet = CountSheet.objects.select_related("location__site").filter(pk=sheet_id).first()
    if sheet is None or sheet.location.site_id is None:
        raise NotFound(_("No such count sheet"))
    site_get(user=user, site_id=sheet.location.site_id)
    return sheet


def count_lines(*, sheet: CountSheet) -> QuerySet[CountLine]:
    return sheet.lines.select_related("item", "lot").order_by("item__code", "lot__code")


def count_variance(*, sheet: CountSheet) -> list[tuple[CountLine, int, int | None]]:
    """For review: each line with the current book quantity and the variance (counted − book).
    Callers show this only to approvers (the counter's sheet is blind)."""
    book = dict(Balance.objects.filter(location=sheet.location).values_list("lot_id", "on_hand"))
    out: list[tuple[CountLine, int, int | None]] = []
    for line in count_lines(sheet=sheet):
        b = line.book if line.book is not None else int(book.get(line.lot_id, 0) or 0)
        out.append((line, b, None if line.counted is None else line.counted - b))
    return out


def supplier_sites() -> QuerySet[Site]:
    """Active supplier sites: reference data every receiving store may name as a source."""
    return Site.objects.filter(kind=SiteKind.SUPPLIER_SITE, is_active=True).order_by("code")


def item_ids_by_code(*, codes: list[str]) -> dict[str, int]:
    """Item ids for typed or scanned item codes (unknown codes are absent)."""
    return dict(Item.objects.filter(code__in=codes).values_list("code", "pk"))


def item_choices() -> list[tuple[str, str]]:
    """(code, Chinese name) of every active item, for pickers."""
    return list(Item.objects.filter(is_active=True).order_by("code").values_list("code", "name_zh"))


# --- reads for apps that follow shipments (demand): internal, no user scope ------------------
@dataclass(frozen=True)
class ShipmentLineState:
    """What the ledger says of one shipment line: the shipment's state, units accounted for at
    the destination (good + damaged) and the damaged share of them."""

    document_id: int
    document_state: str
    item_id: int
    received: int
    damaged: int


OPEN_SHIPMENT_STATES = frozenset({"reserved", "dispatched", "partially_received"})


def shipment_lines_to(*, document_id: int, dest_site_id: int) -> dict[int, int] | None:
    """Item id → line id of a shipment to that site (None when there is no such shipment)."""
    document = Document.objects.filter(
        pk=document_id, kind="shipment", dest_site_id=dest_site_id
    ).first()
    if document is None:
        return None
    return dict(document.lines.values_list("item_id", "id"))


def shipment_line_states(*, line_ids: list[int]) -> dict[int, ShipmentLineState]:
    """The ledger's view of these shipment lines, in two queries."""
    from liangcao.stock.models import Discrepancy, DocumentLine

    damaged: dict[int, int] = dict(
        Discrepancy.objects.filter(line_id__in=line_ids, kind="damaged")
        .values("line_id")
        .annotate(total=Sum("quantity"))
        .values_list("line_id", "total")
    )
    return {
        pk: ShipmentLineState(
            document_id=doc,
            document_state=state,
            item_id=item,
            received=received,
            damaged=damaged.get(pk, 0),
        )
        for pk, doc, state, item, received in DocumentLine.objects.filter(
            pk__in=line_ids
        ).values_list("id", "document_id", "document__state", "item_id", "received")
    }


CONSUMED_KINDS = (LocationKind.CONSUMPTION, LocationKind.HOUSEHOLD)


def consumption_by_day(
    *,
    user: User,
    since: datetime,
    until: datetime,
    node_id: int | None = None,
    site_id: int | None = None,
    item_ids: list[int] | None = None,
) -> list[tuple[int, int, date, int]]:
    """Net consumption (issues from stores in scope to consumption or households, minus their
    reversals) as (site id, item id, local day, quantity) rows, for `since` ≤ time < `until`.

    Scoped like balance_list: stores of the sites the user may see (optionally under a node or
    one site). Raises NotFound for a site outside the scope.
    """
    if site_id is not None:
        site_get(user=user, site_id=site_id)
    sites = site_list(user=user, node_id=node_id)
    if site_id is not None:
        sites = sites.filter(pk=site_id)
    site_ids = sites.order_by().values("pk")
    base = Movement.objects.filter(created_at__gte=since, created_at__lt=until)
    if item_ids is not None:
        base = base.filter(item_id__in=item_ids)
    out_of_store = base.filter(
        from_location__kind=LocationKind.STORE,
        from_location__site_id__in=site_ids,
        to_location__kind__in=CONSUMED_KINDS,
    )
    back_to_store = base.filter(
        to_location__kind=LocationKind.STORE,
        to_location__site_id__in=site_ids,
        from_location__kind__in=CONSUMED_KINDS,
    )
    totals: dict[tuple[int, int, date], int] = {}
    for qs, site_field, sign in (
        (out_of_store, "from_location__site_id", 1),
        (back_to_store, "to_location__site_id", -1),
    ):
        rows = (
            qs.annotate(day=TruncDate("created_at"))
            .values_list(site_field, "item_id", "day")
            .annotate(total=Sum("quantity"))
            .order_by()
        )
        for site, item, day, total in rows:
            key = (int(site), int(item), day)
            totals[key] = totals.get(key, 0) + sign * int(total)
    return sorted((s, i, d, q) for (s, i, d), q in totals.items())
