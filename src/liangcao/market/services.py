"""Writes of market prices: one price from the phone form or the API, or a whole .xlsx
(all-or-nothing). Each recorded price re-evaluates its alerts and those of the next day's
price of the same store and item."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liangcao.catalog.models import Item
from liangcao.core.errors import FieldError, Forbidden, Invalid, NotFound
from liangcao.core.xlsx import read_sheet
from liangcao.market.models import AlertKind, PriceAlert, PriceBaseline, PriceReport, SampleStore
from liangcao.orgs.models import Membership, NodeClosure, Role, User
from liangcao.orgs.selectors import scope_for_user

REPORTING_ROLES = frozenset({Role.MARKET_MONITOR, Role.COMMANDER})
MAX_PRICE = Decimal("99999999.99")


def _store_for(actor: User, store_id: int) -> SampleStore:
    """A store the actor may see (NotFound otherwise) and report for (Forbidden otherwise)."""
    store = SampleStore.objects.filter(pk=store_id, is_active=True).first()
    scope = scope_for_user(actor)
    if store is None or not (
        scope.everything
        or NodeClosure.objects.filter(
            ancestor_id__in=scope.node_ids, descendant_id=store.node_id
        ).exists()
    ):
        raise NotFound(_("No such store"))
    if not scope.everything:
        above = NodeClosure.objects.filter(descendant_id=store.node_id).values("ancestor_id")
        if not Membership.objects.filter(
            user=actor, role__in=REPORTING_ROLES, node_id__in=above
        ).exists():
            raise Forbidden(_("Only market monitors and commanders over the store report prices"))
    return store


def parse_price(value: Any, field: str = "price", row: int | None = None) -> Decimal:
    try:
        price = Decimal(str(value).strip()).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise Invalid(_("Bad price"), [FieldError(field, _("not a number"), row)]) from None
    if price <= 0 or price > MAX_PRICE:
        raise Invalid(_("Bad price"), [FieldError(field, _("must be above 0"), row)])
    return price


def _check_day(day: date, row: int | None = None) -> None:
    if day > timezone.localdate():
        raise Invalid(_("The day has not come yet"), [FieldError("day", _("not after today"), row)])


def _share(price: Decimal, reference: Decimal) -> Decimal:
    return ((price - reference) / reference).quantize(Decimal("0.0001"))


def price_alerts_evaluate(report: PriceReport) -> None:
    """(Re)compute the alerts of one price (not durable: runs inside the caller's transaction;
    the demo loader calls it on bulk-inserted prices)."""
    report.alerts.all().delete()
    alerts = []
    baseline = PriceBaseline.objects.filter(item_id=report.item_id).first()
    limit_b = Decimal(settings.MARKET_BASELINE_ALERT_PERCENT) / 100
    limit_j = Decimal(settings.MARKET_JUMP_ALERT_PERCENT) / 100
    if baseline is not None and _share(report.price, baseline.price) > limit_b:
        alerts.append(
            PriceAlert(
                report=report,
                kind=AlertKind.ABOVE_BASELINE,
                reference=baseline.price,
                rise=_share(report.price, baseline.price),
            )
        )
    before = PriceReport.objects.filter(
        store_id=report.store_id, item_id=report.item_id, day=report.day - timedelta(days=1)
    ).first()
    if before is not None and _share(report.price, before.price) > limit_j:
        alerts.append(
            PriceAlert(
                report=report,
                kind=AlertKind.DAY_JUMP,
                reference=before.price,
                rise=_share(report.price, before.price),
            )
        )
    PriceAlert.objects.bulk_create(alerts)


def _record(
    *, actor: User, store: SampleStore, item: Item, day: date, price: Decimal
) -> PriceReport:
    report, _created = PriceReport.objects.update_or_create(
        store=store,
        item=item,
        day=day,
        defaults={"price": price, "reported_by": actor, "reported_at": timezone.now()},
    )
    price_alerts_evaluate(report)
    following = PriceReport.objects.filter(
        store=store, item=item, day=day + timedelta(days=1)
    ).first()
    if following is not None:
        price_alerts_evaluate(following)
    return report


def price_report(
    *, actor: User, store_id: int, item_code: str, price: Any, day: date | None = None
) -> PriceReport:
    """Record one store's price of an item for a day (default today); a second report of the
    same day replaces the first. Raises NotFound (store out of scope), Forbidden (role),
    Invalid (item, price or day, by field)."""
    day = day or timezone.localdate()
    _check_day(day)
    amount = parse_price(price)
    item = Item.objects.filter(code=item_code, is_active=True).first()
    if item is None:
        raise Invalid(_("Unknown item"), [FieldError("item", _("unknown item code"))])
    with transaction.atomic(durable=True):
        store = _store_for(actor, store_id)
        return _record(actor=actor, store=store, item=item, day=day, price=amount)


SHEET = "prices"
COLUMNS = ("day", "store_code", "item_code", "price")


@dataclass(frozen=True)
class ParsedRow:
    row: int
    store: SampleStore
    item: Item
    day: date
    price: Decimal


def _parse_day(value: Any, row: int) -> date:
    if isinstance(value, date):
        day = value.date() if hasattr(value, "date") and callable(value.date) else value
    else:
        try:
            day = date.fromisoformat(str(value).strip())
        except ValueError:
            raise Invalid(_("Bad day"), [FieldError("day", _("YYYY-MM-DD"), row)]) from None
    _check_day(day, row)
    return day


def prices_import_xlsx(*, actor: User, content: bytes) -> int:
    """Import a sheet `prices` (day, store_code, item_code, price): every row is checked first
    and nothing is written unless all are good (errors name row, column and reason). Returns
    the number of prices recorded."""
    rows = read_sheet(content, sheet=SHEET, required=COLUMNS)
    stores = {s.code: s for s in SampleStore.objects.filter(is_active=True)}
    items = {i.code: i for i in Item.objects.filter(is_active=True)}
    errors: list[FieldError] = []
    parsed: list[ParsedRow] = []
    seen: set[tuple[str, str, date]] = set()
    for r in rows:
        row_errors: list[FieldError] = []
        store = stores.get(str(r.cells.get("store_code") or "").strip())
        item = items.get(str(r.cells.get("item_code") or "").strip())
        if store is None:
            row_errors.append(FieldError("store_code", _("unknown store"), r.number))
        else:
            try:
                _store_for(actor, store.pk)
            except NotFound:
                row_errors.append(FieldError("store_code", _("unknown store"), r.number))
            except Forbidden:
                row_errors.append(FieldError("store_code", _("not yours to report"), r.number))
        if item is None:
            row_errors.append(FieldError("item_code", _("unknown item"), r.number))
        day = price = None
        try:
            day = _parse_day(r.cells.get("day"), r.number)
        except Invalid as exc:
            row_errors += exc.errors
        try:
            price = parse_price(r.cells.get("price"), "price", r.number)
        except Invalid as exc:
            row_errors += exc.errors
        if not row_errors and store and item and day and price:
            key = (store.code, item.code, day)
            if key in seen:
                row_errors.append(
                    FieldError("item_code", _("same store, item and day twice"), r.number)
                )
            seen.add(key)
            parsed.append(ParsedRow(r.number, store, item, day, price))
        errors += row_errors
    if errors:
        raise Invalid(_("The price sheet has bad rows; nothing was imported"), errors)
    if not parsed:
        raise Invalid(_("No rows to import"), [FieldError("sheet", _("no rows"))])
    with transaction.atomic(durable=True):
        for p in sorted(parsed, key=lambda p: p.day):
            _record(actor=actor, store=p.store, item=p.item, day=p.day, price=p.price)
    return len(parsed)
