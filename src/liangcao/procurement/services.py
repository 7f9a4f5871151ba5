"""Purchases: record one and receive it into the ledger from the supplier, in one transaction."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liangcao.core.errors import FieldError, Forbidden, Invalid, NotFound
from liangcao.orgs.models import Role, Site, SiteKind, User
from liangcao.orgs.selectors import site_list
from liangcao.procurement.models import Purchase
from liangcao.stock.models import DocumentKind, DocumentState, LocationKind
from liangcao.stock.services import (
    _items,
    _new_document,
    _new_lines,
    _post_lines,
    _receipt_lot,
    location_for,
    run_durable,
)

PROCUREMENT_ROLES = frozenset({Role.PROCUREMENT_OFFICER, Role.COMMANDER, Role.WAREHOUSE_KEEPER})
MAX_PRICE = Decimal("9999999999.99")


def purchase_record(
    *,
    actor: User,
    supplier_id: int,
    site_id: int,
    item_id: int,
    quantity: int,
    unit_price: Decimal | str,
    purchased_on: date | None = None,
    lot_code: str = "",
    expiry: date | None = None,
    idempotency_key: str = "",
) -> Purchase:
    """Record a purchase and post its receipt (supplier → the site's store).

    Raises Invalid naming each bad field (nothing saved), NotFound/Forbidden for a site out of
    the actor's scope or role."""
    errors: list[FieldError] = []
    if not isinstance(quantity, int) or quantity <= 0:
        errors.append(FieldError("quantity", _("must be a positive integer")))
    try:
        price = Decimal(str(unit_price))
        if not price.is_finite() or price < 0 or price > MAX_PRICE:
            raise InvalidOperation
        if price != price.quantize(Decimal("0.01")):
            errors.append(FieldError("unit_price", _("at most two decimals")))
    except (InvalidOperation, ValueError):
        errors.append(FieldError("unit_price", _("a non-negative amount")))
        price = Decimal(0)
    today = timezone.localdate()
    when = purchased_on or today
    if when > today:
        errors.append(FieldError("purchased_on", _("not in the future")))
    supplier = Site.objects.filter(pk=supplier_id).first()
    if supplier is None or supplier.kind != SiteKind.SUPPLIER_SITE:
        errors.append(FieldError("supplier_id", _("a supplier site")))
    if errors:
        raise Invalid(_("The purchase has errors"), errors)
    assert supplier is not None  # noqa: S101 - checked above

    def work() -> Purchase:
        if idempotency_key:
            found = Purchase.objects.filter(created_by=actor, idempotency_key=idempotency_key)
            if found.exists():
                return found.get()
        site = site_list(user=actor, roles=PROCUREMENT_ROLES).filter(pk=site_id).first()
        if site is None:
            if site_list(user=actor).filter(pk=site_id).exists():
                raise Forbidden(_("You may not record purchases at this site"))
            raise NotFound(_("No such site"))
        item = _items([item_id])[item_id]
        lot = _receipt_lot(item, code=lot_code, expiry=expiry, source=supplier.code)
        source = location_for(LocationKind.SUPPLIER, site_id=supplier.pk)
        store = location_for(LocationKind.STORE, site_id=site.pk)
        document = _new_document(
            actor,
            DocumentKind.RECEIPT,
            DocumentState.POSTED,
            source=supplier,
            dest=site,
            reason="purchase",
        )
        _post_lines(
            actor, document, _new_lines(document, [(item, lot.pk, quantity, source, store)])
        )
        return Purchase.objects.create(
            supplier=supplier,
            site=site,
            item=item,
            quantity=quantity,
            unit_price=price,
            purchased_on=when,
            receipt=document,
            created_by=actor,
            idempotency_key=idempotency_key,
        )

    return run_durable(work)
