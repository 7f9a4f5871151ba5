"""Writes of the last 100 metres: household orders (by QR code or by a grid worker) under the
ordering rules, group buys, door runs, door handovers (posted to the ledger) and escalation of
overdue orders to the street's commander.

Every public service is one durable transaction (the handover adds the ledger's own); each
raises core.errors domain errors whose messages are translated, so a refused order says why in
the resident's language.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from liangcao.catalog.models import Item, Kit
from liangcao.community.engine import Group, Plan, SupplierCap, assign
from liangcao.community.models import (
    CareVisit,
    DoorRun,
    Escalation,
    GroupBuy,
    Handover,
    Health,
    Household,
    Offer,
    Order,
    OrderLine,
    OrderOrigin,
    OrderState,
    Supplier,
    SupplierState,
)
from liangcao.community.selectors import (
    OPEN_STATES,
    PERSONAL_ROLES,
    compound_get,
    household_get,
    household_scope_sql,
    supplier_portal_get,
    supplier_portal_list,
)
from liangcao.core.db import hot_sql
from liangcao.core.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from liangcao.orgs.models import Node, NodeKind, Role, Site, SiteKind, User
from liangcao.orgs.selectors import scope_for_user, site_list
from liangcao.stock.services import LineSpec, issue_post

DEFAULT_INTERVAL_DAYS = 3
KIT_QUOTA = 1  # one standard box of a kind per order
MAX_QUANTITY = 99
MAX_LINES = 30
ESCALATE_AFTER = timedelta(hours=48)
_TOKEN_SALT = "liangcao.community.compound"  # noqa: S105 - a signing salt, not a secret


# --- the compound's QR code -----------------------------------------------------------------
def compound_token(*, compound_id: int) -> str:
    """The unguessable token of a compound's resident page (HMAC-signed with SECRET_KEY)."""
    return signing.Signer(salt=_TOKEN_SALT, sep=".").sign(str(compound_id))


def compound_from_token(*, token: str) -> Node:
    """The compound a token names. Raises NotFound for a forged or unknown token."""
    try:
        compound_id = int(signing.Signer(salt=_TOKEN_SALT, sep=".").unsign(token))
    except (signing.BadSignature, ValueError):
        raise NotFound(_("This QR code is not valid")) from None
    compound = Node.objects.filter(pk=compound_id, kind=NodeKind.COMPOUND).first()
    if compound is None:
        raise NotFound(_("This QR code is not valid"))
    return compound


# --- ordering -------------------------------------------------------------------------------
@dataclass(frozen=True)
class LineIn:
    """One wanted line: an offer by code (item or kit code) and a quantity (checked here, so a
    malformed quantity from a form or JSON is a field error, not a crash)."""

    offer: str
    quantity: Any


@dataclass(frozen=True)
class ActiveRule:
    """The active ordering rule as the order path reads it: days between orders, and per item
    its quota per order and price cap (None: no limit)."""

    interval_days: int
    limits: dict[int, tuple[int | None, int | None]]


def _quantity(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw.strip())
    return None


def _checked_lines(
    lines: Sequence[LineIn], rule: ActiveRule, offers: dict[str, Offer]
) -> list[tuple[Offer, int]]:
    """Offers and quantities, or Invalid naming every bad line (unknown offer, bad quantity,
    over quota, over the price cap); `offers` are the active offers by code."""
    errors: list[FieldError] = []
    out: list[tuple[Offer, int]] = []
    seen: set[str] = set()
    if not lines:
        errors.append(FieldError("lines", _("choose at least one item")))
    if len(lines) > MAX_LINES:
        errors.append(FieldError("lines", _("at most %(n)d lines") % {"n": MAX_LINES}))
    for i, line in enumerate(lines):
        code = str(line.offer or "").strip()
        offer = offers.get(code)
        quantity = _quantity(line.quantity)
        bad = len(errors)
        if offer is None:
            errors.append(
                FieldError(f"lines.{i}.offer", _("unknown item %(code)s") % {"code": code})
            )
        elif code in seen:
            errors.append(
                FieldError(f"lines.{i}.offer", _("%(code)s appears twice") % {"code": code})
            )
        if quantity is None or not 1 <= quantity <= MAX_QUANTITY:
            errors.append(
                FieldError(
                    f"lines.{i}.quantity",
                    _("a whole number from 1 to %(max)d") % {"max": MAX_QUANTITY},
                )
            )
        if offer is not None and quantity is not None and len(errors) == bad:
            quota, price_cap = rule.limits.get(offer.item_id or 0, (None, None))
            quota = KIT_QUOTA if offer.kit_id else quota
            if quota is not None and quantity > quota:
                errors.append(
                    FieldError(
                        f"lines.{i}.quantity",
                        _("at most %(quota)d of %(name)s per order")
                        % {"quota": quota, "name": offer.name},
                    )
                )
            if price_cap is not None and offer.price > price_cap:
                errors.append(
                    FieldError(
                        f"lines.{i}.offer",
                        _("%(name)s is priced above its cap and cannot be ordered now")
                        % {"name": offer.name},
                    )
                )
            seen.add(code)
            out.append((offer, quantity))
    if errors:
        raise Invalid(_("The order has errors; nothing was ordered"), errors)
    return out


# The order path's statements are hand-written and run through `core.db.hot_sql` (prepared
# once per connection on PostgreSQL): they run on every order, where building and compiling
# ORM statements cost more than the database (docs/community.md, "What one order costs").
@dataclass(frozen=True)
class _Locked:
    """The locked household (id, compound, code), the active rule and the named offers."""

    household_id: int
    compound_id: int
    code: str
    rule: ActiveRule
    offers: dict[str, Offer]


def _lock_and_read(where: str, params: Sequence[Any], codes: set[str]) -> _Locked | None:
    """One statement: lock the first household matching `where` (a condition on
    community_household's columns), and read the active rule with its item rules and the
    active offers named by `codes`. None when no household matches.

    Rows are tagged: 'h' the household (id, compound, -, -, code), 'r' one per item rule of the
    active rule (interval, item, quota, price cap), or one without an item; 'o' an offer (id,
    item, kit, price, code, Chinese and English name)."""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    names = sorted(codes) or [""]
    marks = ", ".join(["%s"] * len(names))
    # ORDER BY id, not the model's ordering: that joins the compound, which would be locked too.
    sql = (
        "WITH h AS (SELECT id, compound_id, code FROM community_household "  # noqa: S608
        f"WHERE {where} ORDER BY id LIMIT 1{lock}) "
        "SELECT 'h', id, compound_id, NULL, NULL, code, NULL, NULL FROM h "
        "UNION ALL SELECT 'r', r.interval_days, i.item_id, i.quota, i.price_cap, NULL, NULL, NULL "
        "FROM community_orderingrule r LEFT JOIN community_itemrule i ON i.rule_id = r.id "
        "WHERE r.is_active "
        "UNION ALL SELECT 'o', o.id, o.item_id, o.kit_id, o.price, COALESCE(k.code, i.code), "
        "COALESCE(k.name_zh, i.name_zh), COALESCE(k.name_en, i.name_en) "
        "FROM community_offer o LEFT JOIN catalog_item i ON i.id = o.item_id "
        "LEFT JOIN catalog_kit k ON k.id = o.kit_id "
        f"WHERE o.is_active AND (i.code IN ({marks}) OR k.code IN ({marks}))"
    )
    household: tuple[int, int, str] | None = None
    interval = DEFAULT_INTERVAL_DAYS  # without an active rule: 3 days, no limits
    limits: dict[int, tuple[int | None, int | None]] = {}
    offers: dict[str, Offer] = {}
    for tag, a, b, c, d, code, name_zh, name_en in hot_sql(sql, [*params, *names, *names]):
        if tag == "h":
            household = (a, b, code)
        elif tag == "r":
            interval = a
            if b is not None:
                limits[b] = (c, d)
        else:
            kit = None if c is None else Kit(id=c, code=code, name_zh=name_zh, name_en=name_en)
            item = (
                None if c is not None else Item(id=b, code=code, name_zh=name_zh, name_en=name_en)
            )
            offers[code] = Offer(id=a, item=item, kit=kit, price=d, is_active=True)
    if household is None:
        return None
    return _Locked(*household, ActiveRule(interval, limits), offers)


def _as_datetime(value: Any) -> datetime | None:
    """A timestamp as the database cursor returns it (SQLite: text in UTC)."""
    if value is None or isinstance(value, datetime):
        return value
    parsed = parse_datetime(str(value))
    assert parsed is not None  # noqa: S101 - written by Django
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)


_LAST_ORDER = (
    "SELECT max(created_at) AS at FROM community_order WHERE household_id = %s AND state <> %s"
)
_ORDER_COLUMNS = (
    "household_id, compound_id, origin, state, group_buy_id, supplier_state, total, "
    "confirm_code, entered_by_id, created_at"
)
_ORDER_VALUES = "%s, %s, %s, %s, CAST(%s AS bigint), %s, %s, %s, CAST(%s AS bigint), %s"
_LINE_COLUMNS = "order_id, offer_id, quantity, price"


def _write(
    order: Order, lines: list[OrderLine], *, cutoff: datetime, group_ok: bool
) -> tuple[datetime | None, int | None]:
    """Read the household's last order (after the lock, so a concurrent order of the same
    household is seen) and insert `order` with its lines unless that order is later than
    `cutoff` or the group buy is not open; returns (last order's time, new order's id or None).

    PostgreSQL: one statement (the inserts conditional on the read); SQLite: three."""
    stamp = connection.ops.adapt_datetimefield_value
    row = [
        order.household_id,
        order.compound_id,
        order.origin,
        order.state,
        order.group_buy_id,
        order.supplier_state,
        order.total,
        order.confirm_code,
        order.entered_by_id,
        stamp(order.created_at),
    ]
    last_params = [order.household_id, str(OrderState.CANCELLED)]
    if connection.vendor != "postgresql":
        last = _as_datetime(hot_sql(_LAST_ORDER, last_params)[0][0])
        if (last is not None and last > cutoff) or not group_ok:
            return last, None
        sql = (
            f"INSERT INTO community_order ({_ORDER_COLUMNS}) "  # noqa: S608 - fixed text
            f"VALUES ({_ORDER_VALUES}) RETURNING id"
        )
        order_id = int(hot_sql(sql, row)[0][0])
        values = ", ".join(["(%s, %s, %s, %s)"] * len(lines))
        hot_sql(
            f"INSERT INTO community_orderline ({_LINE_COLUMNS}) VALUES {values}",  # noqa: S608
            [v for ln in lines for v in (order_id, ln.offer_id, ln.quantity, ln.price)],
            fetch=False,
        )
        return last, order_id
    values = ", ".join(["(%s, %s, %s)"] * len(lines))
    sql = (
        f"WITH last AS ({_LAST_ORDER}), "  # noqa: S608 - fixed text, values bound
        f"new_order AS (INSERT INTO community_order ({_ORDER_COLUMNS}) "
        f"SELECT {_ORDER_VALUES} FROM last WHERE (last.at IS NULL OR last.at <= %s) AND %s "
        "RETURNING id), "
        f"new_lines AS (INSERT INTO community_orderline ({_LINE_COLUMNS}) "
        "SELECT new_order.id, v.offer, v.quantity, v.price FROM new_order "
        f"CROSS JOIN (VALUES {values}) AS v (offer, quantity, price)) "
        "SELECT last.at, new_order.id FROM last LEFT JOIN new_order ON TRUE"
    )
    params = [*last_params, *row, cutoff, group_ok]
    params += [v for ln in lines for v in (ln.offer_id, ln.quantity, ln.price)]
    last, order_id = hot_sql(sql, params)[0]
    return _as_datetime(last), order_id


def _place(
    where: str,
    params: Sequence[Any],
    lines: Sequence[LineIn],
    *,
    origin: str,
    entered_by: User | None,
    group_buy_id: int | None,
    now: datetime | None,
) -> Order | None:
    """Internal step (inside a transaction): lock the household matching `where`, apply the
    rules, write the order and its lines. None when no household matches (the caller says
    why)."""
    locked = _lock_and_read(where, params, {str(line.offer or "").strip() for line in lines})
    if locked is None:
        return None
    checked = _checked_lines(lines, locked.rule, locked.offers)
    interval = locked.rule.interval_days
    now = now or timezone.now()
    group_ok = True
    if group_buy_id is not None:
        group = GroupBuy.objects.filter(pk=group_buy_id, compound_id=locked.compound_id).first()
        group_ok = group is not None and group.is_open
    order = Order(
        household_id=locked.household_id,
        compound_id=locked.compound_id,
        origin=origin,
        group_buy_id=group_buy_id,
        total=sum(offer.price * qty for offer, qty in checked),
        confirm_code=f"{secrets.randbelow(10**6):06d}",
        entered_by=entered_by,
        created_at=now,
    )
    order.household_code = locked.code  # type: ignore[attr-defined]  # the API's answer
    placed = [OrderLine(order=order, offer=o, quantity=q, price=o.price) for o, q in checked]
    last, order_id = _write(order, placed, cutoff=now - timedelta(days=interval), group_ok=group_ok)
    if last is not None and last > now - timedelta(days=interval):
        next_at = timezone.localtime(last + timedelta(days=interval))
        raise Conflict(
            _(
                "This household ordered at %(last)s; households may order once every %(days)d "
                "days. The next order is possible from %(next)s."
            )
            % {
                "last": timezone.localtime(last).strftime("%Y-%m-%d %H:%M"),
                "days": interval,
                "next": next_at.strftime("%Y-%m-%d %H:%M"),
            }
        )
    if not group_ok:
        raise Invalid(
            _("The order has errors; nothing was ordered"),
            [FieldError("group_buy", _("no open group buy of this compound"))],
        )
    assert order_id is not None  # noqa: S101 - written unless refused above
    order.pk = order_id
    order._state.adding = False
    order._state.db = connection.alias
    order.placed_lines = placed  # type: ignore[attr-defined]
    return order


def resident_order_place(
    *,
    token: str,
    household_code: str,
    room: str,
    lines: Sequence[LineIn],
    group_buy_id: int | None = None,
    now: datetime | None = None,
) -> Order:
    """A resident orders through the compound's QR code, naming their room and household
    code. Raises NotFound (bad token, or no such room and code), Invalid (lines), Conflict
    (ordered too recently)."""
    with transaction.atomic(durable=True):
        compound = compound_from_token(token=token)
        order = _place(
            "compound_id = %s AND code = %s AND room = %s",
            [compound.pk, household_code.strip().upper(), room.strip()],
            lines,
            origin=OrderOrigin.RESIDENT,
            entered_by=None,
            group_buy_id=group_buy_id,
            now=now,
        )
        if order is None:
            raise NotFound(_("No household with this room and household code"))
        return order


def order_enter(
    *,
    user: User,
    household_id: int,
    lines: Sequence[LineIn],
    group_buy_id: int | None = None,
    now: datetime | None = None,
) -> Order:
    """A grid worker orders for a household without a phone. Raises NotFound/Forbidden
    (scope, role), Invalid (lines), Conflict (ordered too recently)."""
    with transaction.atomic(durable=True):
        return order_enter_step(
            user=user, household_id=household_id, lines=lines, group_buy_id=group_buy_id, now=now
        )


def order_enter_step(
    *,
    user: User,
    household_id: int,
    lines: Sequence[LineIn],
    group_buy_id: int | None = None,
    now: datetime | None = None,
) -> Order:
    """Internal step (inside the caller's transaction) of `order_enter`; the API runs it in the
    Idempotency-Key's transaction. The household is locked inside the user's scope by the
    order's first statement; when that finds nothing, `household_get` says why."""
    order = None
    scope = household_scope_sql(user=user)
    if scope is not None:
        condition, params = scope
        where = f"id = %s AND {condition}" if condition else "id = %s"
        order = _place(
            where,
            [household_id, *params],
            lines,
            origin=OrderOrigin.GRID_WORKER,
            entered_by=user,
            group_buy_id=group_buy_id,
            now=now,
        )
    if order is None:
        household_get(user=user, household_id=household_id)  # NotFound or Forbidden
        raise NotFound(_("No such household"))
    return order


def group_buy_create(
    *,
    user: User,
    title: str,
    leader_household_id: int | None = None,
    compound_id: int | None = None,
    leader_code: str = "",
) -> GroupBuy:
    """Open a group buy in the leader household's compound (grid workers, commanders). The
    leader is named by id, or by its household code within `compound_id` (the page's form).
    Raises Invalid (no title, unknown leader code), NotFound/Forbidden (scope, role)."""
    if not title.strip():
        raise Invalid(_("Name the group buy"), [FieldError("title", _("required"))])
    with transaction.atomic(durable=True):
        if leader_household_id is None:
            compound = compound_get(user=user, compound_id=compound_id or 0, roles=PERSONAL_ROLES)
            code = leader_code.strip().upper()
            found = Household.objects.filter(compound=compound, code=code).first()
            if found is None:
                raise Invalid(
                    _("Name the group buy's leader"),
                    [
                        FieldError(
                            "leader_code",
                            _("no household %(code)s in this compound") % {"code": code},
                        )
                    ],
                )
            leader_household_id = found.pk
        leader = household_get(user=user, household_id=leader_household_id)
        return GroupBuy.objects.create(
            compound_id=leader.compound_id, leader=leader, title=title.strip()[:80], created_by=user
        )


def group_buy_close(*, user: User, group_buy_id: int) -> GroupBuy:
    """Close a group buy: no more orders join it."""
    with transaction.atomic(durable=True):
        group = GroupBuy.objects.select_for_update().filter(pk=group_buy_id).first()
        if group is None:
            raise NotFound(_("No such group buy"))
        compound_get(user=user, compound_id=group.compound_id, roles=PERSONAL_ROLES)
        group.is_open = False
        group.save(update_fields=["is_open"])
        return group


# --- door runs and handovers ----------------------------------------------------------------
def _point_for(user: User, site_id: int) -> Site:
    site = site_list(user=user).filter(pk=site_id).first()
    if site is None or site.kind != SiteKind.COMMUNITY_POINT:
        raise NotFound(_("No such community point"))
    if not site_list(user=user, roles=PERSONAL_ROLES).filter(pk=site_id).exists():
        raise Forbidden(_("Door runs are for grid workers and commanders"))
    return site


def door_run_create(
    *, user: User, point_id: int, order_ids: Sequence[int] | None = None, limit: int = 50
) -> DoorRun:
    """Batch placed orders of the point's community into a door run carried by `user`.

    Only orders whose goods are at the point go: standard boxes only (nothing to buy), or
    paid goods the supplier has handed over to the point. Without `order_ids`, the oldest
    such orders (up to `limit`). Raises NotFound/Forbidden, Conflict when nothing is left to
    carry or a named order is not at the point yet.
    """
    with transaction.atomic(durable=True):
        point = _point_for(user, point_id)
        qs = Order.objects.select_for_update().filter(
            Q(total=0) | Q(supplier_state=SupplierState.HANDED_OVER),
            state=OrderState.PLACED,
            compound__parent_id=point.node_id,
        )
        if order_ids is not None:
            qs = qs.filter(pk__in=list(order_ids))
        orders = list(qs.order_by("created_at", "id")[:limit])
        if order_ids is not None and len(orders) != len(set(order_ids)):
            raise Conflict(_("Some orders are not waiting at this point"))
        if not orders:
            raise Conflict(_("No orders are waiting at this point"))
        run = DoorRun.objects.create(point=point, volunteer=user)
        Order.objects.filter(pk__in=[o.pk for o in orders]).update(
            door_run=run, state=OrderState.BATCHED
        )
        return run


def door_run_get(*, user: User, run_id: int) -> DoorRun:
    """A door run whose point the user may see (NotFound otherwise); its doors are personal
    data, so only grid workers and commanders open it (Forbidden)."""
    run = DoorRun.objects.select_related("point").filter(pk=run_id).first()
    if run is None or not site_list(user=user).filter(pk=run.point_id).exists():
        raise NotFound(_("No such door run"))
    if not site_list(user=user, roles=PERSONAL_ROLES).filter(pk=run.point_id).exists():
        raise Forbidden(_("Door runs are for grid workers and commanders"))
    return run


@dataclass(frozen=True)
class HandoverResult:
    handover: Handover
    created: bool


def _kit_lines(order: Order) -> list[LineSpec]:
    """The ledger lines of an order's standard boxes (kits expanded into their items)."""
    totals: dict[int, int] = {}
    for line in order.lines.select_related("offer__kit").prefetch_related("offer__kit__lines"):
        kit = line.offer.kit
        if kit is None:
            continue  # paid goods come from shops, not from the government's stock
        for kit_line in kit.lines.all():
            totals[kit_line.item_id] = (
                totals.get(kit_line.item_id, 0) + kit_line.quantity * line.quantity
            )
    return [LineSpec(item_id, qty) for item_id, qty in sorted(totals.items())]


def handover_record(
    *,
    user: User,
    client_id: str,
    order_id: int,
    code: str,
    confirmed_at: datetime | None = None,
) -> HandoverResult:
    """Record the door handover of one order, confirmed by the household's code.

    Idempotent by the phone's `client_id`: a confirmation synced twice is recorded once. The
    order is claimed first (one handover per order), then its standard boxes are issued in the
    ledger from the community point to the household's location (idempotency key
    `handover:<client_id>`), then the handover points at that document. A retry of a handover
    interrupted between those steps completes it. Raises NotFound (order out of scope),
    Forbidden (role), Invalid (bad id or code), Conflict (not on a door run; no stock).
    """
    try:
        uid = uuid.UUID(str(client_id))
    except ValueError:
        raise Invalid(_("Bad confirmation"), [FieldError("client_id", _("not a UUID"))]) from None
    existing = Handover.objects.filter(client_id=uid).first()
    if existing is not None and existing.document_id is not None:
        return HandoverResult(existing, False)
    created = False
    if existing is None:
        try:
            existing, created = _handover_claim(user, uid, order_id, code, confirmed_at)
        except IntegrityError:  # a twin of this confirmation won the race
            existing = Handover.objects.get(client_id=uid)
    if existing.document_id is not None or (not created and existing.client_id != uid):
        return HandoverResult(existing, False)
    order = existing.order
    lines = _kit_lines(order)
    if lines:
        assert order.door_run is not None  # noqa: S101 - claimed orders are on a run
        try:
            document = issue_post(
                actor=user,
                site_id=order.door_run.point_id,
                lines=lines,
                household=order.household.ledger_party,
                idempotency_key=f"handover:{uid}",
            )
        except Exception:
            if created:
                _handover_unclaim(existing)
            raise
        with transaction.atomic(durable=True):
            Handover.objects.filter(pk=existing.pk).update(document=document)
        existing.document = document
    return HandoverResult(existing, created)


def _handover_claim(
    user: User, uid: uuid.UUID, order_id: int, code: str, confirmed_at: datetime | None
) -> tuple[Handover, bool]:
    with transaction.atomic(durable=True):
        order = (
            Order.objects.select_for_update(of=("self",))
            .select_related("door_run", "household")
            .filter(pk=order_id)
            .first()
        )
        if order is None or order.door_run is None:
            raise NotFound(_("No such order on a door run"))
        if not site_list(user=user).filter(pk=order.door_run.point_id).exists():
            raise NotFound(_("No such order on a door run"))
        if not site_list(user=user, roles=PERSONAL_ROLES).filter(pk=order.door_run.point_id):
            raise Forbidden(_("Door runs are for grid workers and commanders"))
        done = Handover.objects.filter(order=order).first()
        if done is not None:
            return done, False  # confirmed already from another phone: recorded once
        if order.state != OrderState.BATCHED:
            raise Conflict(_("This order is not out for delivery"))
        if not secrets.compare_digest(str(code).strip(), order.confirm_code):
            raise Invalid(
                _("Wrong confirmation code"), [FieldError("code", _("ask the household again"))]
            )
        now = timezone.now()
        handover = Handover.objects.create(
            order=order,
            client_id=uid,
            volunteer=user,
            confirmed_at=min(confirmed_at or now, now),
        )
        Order.objects.filter(pk=order.pk).update(state=OrderState.DELIVERED, delivered_at=now)
        return handover, True


def _handover_unclaim(handover: Handover) -> None:
    """Undo a claim whose ledger posting failed: the order is back on its run."""
    with transaction.atomic(durable=True):
        Order.objects.filter(pk=handover.order_id).update(
            state=OrderState.BATCHED, delivered_at=None
        )
        Handover.objects.filter(pk=handover.pk).delete()


# --- service level --------------------------------------------------------------------------
def orders_escalate(*, now: datetime | None = None, after: timedelta = ESCALATE_AFTER) -> int:
    """Escalate every open order older than `after` (default 48 h) to its street's commander,
    once per order. Returns how many were escalated. Run by `manage.py community_escalate`
    or the `escalate_overdue` task."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        due = list(
            Order.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(state__in=OPEN_STATES, created_at__lt=now - after, escalated_at__isnull=True)
            .select_related("compound__parent")
        )
        rows = []
        for order in due:
            community = order.compound.parent
            street_id = community.parent_id if community is not None else None
            if street_id is None:
                continue
            hours = int((now - order.created_at).total_seconds() // 3600)
            rows.append(Escalation(order=order, street_id=street_id, age_hours=hours))
        Escalation.objects.bulk_create(rows, ignore_conflicts=True)
        Order.objects.filter(pk__in=[r.order_id for r in rows]).update(escalated_at=now)
    return len(rows)


def street_commanders(*, street_id: int) -> list[User]:
    """Who an escalation at this street reaches (its commanders)."""
    return list(
        User.objects.filter(memberships__node_id=street_id, memberships__role=Role.COMMANDER)
    )


# --- fulfilment network -----------------------------------------------------------------------
ASSIGNABLE = (OrderState.PLACED, OrderState.BATCHED)


def _supplier_caps(day_start: datetime) -> list[SupplierCap]:
    """Active suppliers with what is left of today's capacity, located at their sites."""
    used = dict(
        Order.objects.filter(supplier__isnull=False, created_at__gte=day_start)
        .exclude(state=OrderState.CANCELLED)
        .order_by()
        .values("supplier_id")
        .annotate(n=Count("id"))
        .values_list("supplier_id", "n")
    )
    return [
        SupplierCap(s.pk, s.daily_capacity - used.get(s.pk, 0), lat, lon, s.radius_km)
        for s, lat, lon in (
            (s, s.site.latitude, s.site.longitude)
            for s in Supplier.objects.filter(is_active=True).select_related("site")
        )
        if lat is not None and lon is not None
    ]


def _compound_places(compound_ids: set[int]) -> dict[int, tuple[float, float]]:
    """Where a compound's orders are collected: its community's service point."""
    parents = dict(Node.objects.filter(pk__in=compound_ids).values_list("pk", "parent_id"))
    points = {
        node: (lat, lon)
        for node, lat, lon in Site.objects.filter(
            kind=SiteKind.COMMUNITY_POINT, node_id__in=set(parents.values())
        ).values_list("node_id", "latitude", "longitude")
        if lat is not None and lon is not None
    }
    return {c: points[p] for c, p in parents.items() if p in points}


def orders_assign(*, user: User | None = None, now: datetime | None = None) -> Plan:
    """Assign every open order without a supplier to suppliers by capacity and distance (a
    transportation LP per call, grouped by compound; oldest orders first within a compound).
    `user` None is the system (task); a user must be a commander (Forbidden)."""
    if user is not None and not (user.is_superuser or Role.COMMANDER in _roles(user)):
        raise Forbidden(_("Only commanders assign orders to suppliers"))
    now = now or timezone.now()
    day_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    with transaction.atomic(durable=True):
        waiting = list(
            Order.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(state__in=ASSIGNABLE, supplier__isnull=True, total__gt=0)
            .order_by("compound_id", "created_at", "id")
            .values_list("pk", "compound_id")
        )
        by_compound: dict[int, list[int]] = {}
        for pk, compound_id in waiting:
            by_compound.setdefault(compound_id, []).append(pk)
        places = _compound_places(set(by_compound))
        groups = [Group(c, len(ids), *places[c]) for c, ids in by_compound.items() if c in places]
        plan = assign(groups, _supplier_caps(day_start))
        updates: dict[int, list[int]] = {}
        taken = dict.fromkeys(by_compound, 0)
        for (compound_id, supplier_id), count in sorted(plan.flows.items()):
            start = taken[compound_id]
            updates.setdefault(supplier_id, []).extend(
                by_compound[compound_id][start : start + count]
            )
            taken[compound_id] = start + count
        for supplier_id, ids in updates.items():
            Order.objects.filter(pk__in=ids).update(
                supplier_id=supplier_id, supplier_state=SupplierState.ASSIGNED
            )
    return plan


def _roles(user: User) -> frozenset[str]:
    return scope_for_user(user).roles


def supplier_drop(*, user: User, supplier_id: int) -> Plan:
    """A supplier drops out: its orders not yet handed over go back to the pool and are
    reassigned to the others (commanders). Raises NotFound, Forbidden."""
    if not (user.is_superuser or Role.COMMANDER in _roles(user)):
        raise Forbidden(_("Only commanders assign orders to suppliers"))
    with transaction.atomic(durable=True):
        supplier = Supplier.objects.select_for_update().filter(pk=supplier_id).first()
        if supplier is None:
            raise NotFound(_("No such supplier"))
        supplier.is_active = False
        supplier.save(update_fields=["is_active"])
        Order.objects.filter(supplier=supplier, state__in=ASSIGNABLE).exclude(
            supplier_state=SupplierState.HANDED_OVER
        ).update(supplier=None, supplier_state="")
    return orders_assign(user=user)


_SUPPLIER_STEPS = {
    "accept": (SupplierState.ASSIGNED, SupplierState.ACCEPTED),
    "pick": (SupplierState.ACCEPTED, SupplierState.PICKED),
    "hand-over": (SupplierState.PICKED, SupplierState.HANDED_OVER),
}


def supplier_orders_advance(*, user: User, order_ids: Sequence[int], step: str) -> list[Order]:
    """The supplier accepts, picks, then hands orders over at the community point, several at
    once (a batch handed over at one point). All or nothing: every order must belong to a
    supplier whose portal the user works (`selectors.supplier_portal_list`: its staff, or a
    commander over its site) and be in the state before `step`.

    Raises NotFound (unknown step, an order unknown or out of scope), Forbidden (in scope
    without the supplier's role), Conflict (an order out of order: nothing is changed)."""
    if step not in _SUPPLIER_STEPS:
        raise NotFound(_("No such step"))
    before, after = _SUPPLIER_STEPS[step]
    ids = sorted(set(order_ids))
    if not ids:
        raise Invalid(_("Choose at least one order"), [FieldError("order_ids", _("required"))])
    with transaction.atomic(durable=True):
        orders = list(
            Order.objects.select_for_update(of=("self",))
            .select_related("supplier")
            .filter(pk__in=ids, supplier__isnull=False)
            .order_by("pk")  # row locks in one order: two batches never deadlock
        )
        if len(orders) != len(ids):
            raise NotFound(_("No such order"))
        mine = set(
            supplier_portal_list(user=user)
            .filter(pk__in={o.supplier_id for o in orders})
            .values_list("pk", flat=True)
        )
        for order in orders:
            if order.supplier_id not in mine:
                supplier_portal_get(user=user, supplier_id=order.supplier_id or 0)  # raises
        late = [o for o in orders if o.supplier_state != before]
        if late:
            raise Conflict(
                _("Order %(id)s is %(state)s; nothing was changed")
                % {"id": late[0].pk, "state": late[0].get_supplier_state_display()}
            )
        Order.objects.filter(pk__in=ids).update(supplier_state=after)
        for order in orders:
            order.supplier_state = after
        return orders


def supplier_order_step(*, user: User, order_id: int, step: str) -> Order:
    """One order's step through the supplier portal (`supplier_orders_advance` of one)."""
    return supplier_orders_advance(user=user, order_ids=[order_id], step=step)[0]


# --- special populations ----------------------------------------------------------------------
def care_visit_record(
    *,
    user: User,
    household_id: int,
    health: str,
    has_medicine: bool,
    needs: str = "",
    order_lines: Sequence[LineIn] = (),
    now: datetime | None = None,
) -> CareVisit:
    """Record a visit with its checklist; needs given as lines become an order in the same
    step (the ordering rules apply; if the order is refused nothing is saved and the error
    says why). Raises NotFound/Forbidden (scope, role), Invalid, Conflict."""
    if health not in Health.values:
        raise Invalid(_("Bad visit"), [FieldError("health", _("well, unwell or urgent"))])
    with transaction.atomic(durable=True):
        household = household_get(user=user, household_id=household_id, for_update=True)
        order = None
        if order_lines:
            order = _place(
                "id = %s",
                [household.pk],
                order_lines,
                origin=OrderOrigin.GRID_WORKER,
                entered_by=user,
                group_buy_id=None,
                now=now,
            )
            if order is None:
                raise NotFound(_("No such household"))
        return CareVisit.objects.create(
            household=household,
            visited_by=user,
            visited_at=now or timezone.now(),
            health=health,
            has_medicine=has_medicine,
            needs=needs.strip()[:300],
            order=order,
        )
