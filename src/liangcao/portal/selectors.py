"""The portal's public lists, read from `settings.PORTAL_DATABASE` (a replica in production).

Each list is built from whitelisted columns only: sites, districts, items, quantities, prices,
dates and donation references. Nothing here reads users, drivers, vehicles, households or donor
phones; an anonymous donor is shown as "Anonymous" (匿名). Household deliveries appear only as
"households" at the site that served them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from liangcao.catalog.models import Category
from liangcao.donations.models import Designation, Donation, DonationLine, DonationState
from liangcao.donations.selectors import donation_trace
from liangcao.orgs.models import Node, NodeClosure, NodeKind
from liangcao.procurement.models import Purchase
from liangcao.stock.models import Balance, DocumentKind, DocumentLine, DocumentState, LocationKind

LISTS = ("procurement", "allocations", "stock", "donations")
MAX_ROWS = 5000  # a download never grows without bound; filters narrow it


def db() -> str:
    return str(getattr(settings, "PORTAL_DATABASE", "default"))


@dataclass
class Filters:
    """What a visitor may filter on: a date range, a district (node code), an item search."""

    start: date | None = None
    end: date | None = None
    district: str = ""
    q: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, data: Any) -> Filters:
        out = cls(district=str(data.get("district", ""))[:40], q=str(data.get("q", ""))[:40])
        for name in ("start", "end"):
            raw = str(data.get(name, "")).strip()
            if raw:
                try:
                    setattr(out, name, date.fromisoformat(raw))
                except ValueError:
                    out.errors[name] = _("a date like 2022-01-15")
        return out

    def day_range(self) -> tuple[datetime | None, datetime | None]:
        tz = timezone.get_current_timezone()
        lo = datetime.combine(self.start, time.min, tz) if self.start else None
        hi = datetime.combine(self.end + timedelta(days=1), time.min, tz) if self.end else None
        return lo, hi


@dataclass
class Table:
    name: str
    title: str
    headers: list[str]
    rows: list[list[Any]]
    links: list[str] = field(default_factory=list)  # per row: a detail link, or ""


def districts() -> list[Node]:
    return list(Node.objects.using(db()).filter(kind=NodeKind.DISTRICT).order_by("code"))


def _district_of(site_node_field: str) -> Subquery:
    """The district (or, for city-level sites, nothing) above a site's node."""
    return Subquery(
        NodeClosure.objects.using(db())
        .filter(descendant_id=OuterRef(site_node_field), ancestor__kind=NodeKind.DISTRICT)
        .values("ancestor_id")[:1]
    )


def _district_names() -> dict[int | None, str]:
    names: dict[int | None, str] = {n.pk: n.name for n in districts()}
    names[None] = _("City level")
    return names


def _district_filter(qs: QuerySet[Any], node_field: str, code: str) -> QuerySet[Any]:
    if not code:
        return qs
    under = NodeClosure.objects.using(db()).filter(ancestor__code=code).values("descendant_id")
    return qs.filter(**{f"{node_field}__in": under})


def _item_filter(qs: QuerySet[Any], prefix: str, q: str) -> QuerySet[Any]:
    if not q:
        return qs
    return qs.filter(
        Q(**{f"{prefix}code__icontains": q})
        | Q(**{f"{prefix}name_zh__icontains": q})
        | Q(**{f"{prefix}name_en__icontains": q})
    )


def procurement_table(f: Filters, limit: int | None = MAX_ROWS) -> Table:
    qs = Purchase.objects.using(db()).select_related("supplier", "item", "site")
    if f.start:
        qs = qs.filter(purchased_on__gte=f.start)
    if f.end:
        qs = qs.filter(purchased_on__lte=f.end)
    qs = _district_filter(qs, "site__node_id", f.district)
    qs = _item_filter(qs, "item__", f.q).order_by("purchased_on", "id")[:limit]
    rows = [
        [
            p.purchased_on.isoformat(),
            p.supplier.name,
            p.item.code,
            p.item.name,
            p.item.get_unit_display(),
            p.quantity,
            f"{p.unit_price:.2f}",
            f"{p.unit_price * p.quantity:.2f}",
            p.site.name,
        ]
        for p in qs
    ]
    headers = [
        _("Date"),
        _("Supplier"),
        _("Item code"),
        _("Item"),
        _("Unit"),
        _("Quantity"),
        _("Unit price (yuan)"),
        _("Total (yuan)"),
        _("Received at"),
    ]
    return Table("procurement", _("Procurement"), headers, rows)


SHIPPED_STATES = [
    DocumentState.RESERVED,
    DocumentState.DISPATCHED,
    DocumentState.PARTIALLY_RECEIVED,
    DocumentState.RECEIVED,
    DocumentState.CLOSED,
]


def allocation_table(f: Filters, limit: int | None = MAX_ROWS) -> Table:
    """Committed shipments (not cancelled), one row per line: recipient, item, quantity."""
    qs = DocumentLine.objects.using(db()).filter(
        document__kind=DocumentKind.SHIPMENT, document__state__in=SHIPPED_STATES
    )
    lo, hi = f.day_range()
    if lo:
        qs = qs.filter(document__created_at__gte=lo)
    if hi:
        qs = qs.filter(document__created_at__lt=hi)
    qs = _district_filter(qs, "document__dest_site__node_id", f.district)
    qs = _item_filter(qs, "item__", f.q)
    qs = (
        qs.annotate(district_id=_district_of("document__dest_site__node_id"))
        .select_related("document__dest_site", "document__source_site", "item")
        .order_by("document__created_at", "document_id", "number")[:limit]
    )
    names = _district_names()
    rows = []
    for line in qs:
        dest = line.document.dest_site
        rows.append(
            [
                timezone.localtime(line.document.created_at).date().isoformat(),
                f"S{line.document_id}",
                line.document.source_site.name if line.document.source_site else "",
                dest.name if dest else "",
                names.get(line.district_id, ""),
                line.item.code,
                line.item.name,
                line.quantity,
            ]
        )
    headers = [
        _("Date"),
        _("Shipment"),
        _("From"),
        _("Recipient"),
        _("District"),
        _("Item code"),
        _("Item"),
        _("Quantity"),
    ]
    return Table("allocations", _("Allocations"), headers, rows)


def stock_table(f: Filters, limit: int | None = MAX_ROWS) -> Table:
    """Stock on hand in stores, summed by district, tier (category) and item."""
    qs = Balance.objects.using(db()).filter(location__kind=LocationKind.STORE, on_hand__gt=0)
    qs = _district_filter(qs, "location__site__node_id", f.district)
    qs = _item_filter(qs, "item__", f.q)
    grouped = (
        qs.annotate(district_id=_district_of("location__site__node_id"))
        .values("district_id", "item__category", "item__code", "item__name_zh", "item__name_en")
        .annotate(total=Sum("on_hand"))
        .order_by("district_id", "item__category", "item__code")[:limit]
    )
    names = _district_names()
    tiers = dict(Category.choices)
    english = (get_language() or "").startswith("en")
    rows = [
        [
            names.get(g["district_id"], ""),
            str(tiers.get(g["item__category"], g["item__category"])),
            g["item__code"],
            (g["item__name_en"] or g["item__name_zh"]) if english else g["item__name_zh"],
            int(g["total"]),
        ]
        for g in grouped
    ]
    headers = [_("District"), _("Tier"), _("Item code"), _("Item"), _("On hand")]
    return Table("stock", _("Stock by tier and district"), headers, rows)


def donor_label(donation: Donation) -> str:
    return _("Anonymous") if donation.donor.anonymous else donation.donor.name


def designation_label(donation: Donation) -> str:
    if donation.designation == Designation.SITE and donation.designated_site:
        return _("Site: %(name)s") % {"name": donation.designated_site.name}
    if donation.designation == Designation.REGION and donation.designated_node:
        return _("Region: %(name)s") % {"name": donation.designated_node.name}
    if donation.designation == Designation.PURPOSE:
        return _("Purpose: %(name)s") % {"name": donation.get_purpose_display()}
    return _("General pool")


def _received(f: Filters) -> QuerySet[DonationLine]:
    qs = DonationLine.objects.using(db()).filter(
        donation__state=DonationState.RECEIVED, accepted__gt=0
    )
    lo, hi = f.day_range()
    if lo:
        qs = qs.filter(donation__received_at__gte=lo)
    if hi:
        qs = qs.filter(donation__received_at__lt=hi)
    qs = _district_filter(qs, "donation__intake_site__node_id", f.district)
    return _item_filter(qs, "item__", f.q)


def donation_table(f: Filters, limit: int | None = MAX_ROWS) -> Table:
    qs = (
        _received(f)
        .select_related(
            "donation__donor",
            "donation__intake_site",
            "donation__designated_site",
            "donation__designated_node",
            "item",
        )
        .order_by("donation__received_at", "donation_id", "number")[:limit]
    )
    rows, links = [], []
    for line in qs:
        d = line.donation
        assert d.received_at is not None  # noqa: S101 - received donations have the date
        rows.append(
            [
                timezone.localtime(d.received_at).date().isoformat(),
                d.reference,
                donor_label(d),
                designation_label(d),
                d.intake_site.name,
                line.item.code,
                line.item.name,
                line.accepted,
                line.lot.code if line.lot_id and line.lot else "",
            ]
        )
        links.append(d.reference)
    headers = [
        _("Date received"),
        _("Donation"),
        _("Donor"),
        _("Designation"),
        _("Received at"),
        _("Item code"),
        _("Item"),
        _("Quantity accepted"),
        _("Lot"),
    ]
    return Table("donations", _("Donations received"), headers, rows, links)


def table_for(name: str, f: Filters, limit: int | None = MAX_ROWS) -> Table:
    return {
        "procurement": procurement_table,
        "allocations": allocation_table,
        "stock": stock_table,
        "donations": donation_table,
    }[name](f, limit)


def donation_public(reference: str) -> Donation | None:
    """A received donation by its public reference (JZ-000123), or None."""
    if not reference.startswith("JZ-") or not reference[3:].isdigit():
        return None
    return (
        Donation.objects.using(db())
        .filter(pk=int(reference[3:]), state=DonationState.RECEIVED)
        .select_related("donor", "intake_site", "designated_site", "designated_node")
        .first()
    )


def trace_table(donation: Donation) -> Table:
    kinds: dict[str, str] = {
        LocationKind.STORE: _("In stock at"),
        LocationKind.CONSUMPTION: _("Used at"),
        LocationKind.HOUSEHOLD: _("Given to households from"),
        LocationKind.LOSS: _("Written off at"),
    }
    rows = [
        [
            timezone.localtime(step.at).date().isoformat(),
            step.item_code,
            step.item_name,
            step.lot_code,
            step.quantity,
            str(kinds.get(step.kind, step.kind)),
            step.site_name,
            step.district,
        ]
        for step in donation_trace(donation, using=db())
    ]
    headers = [
        _("Date"),
        _("Item code"),
        _("Item"),
        _("Lot"),
        _("Quantity"),
        _("Where"),
        _("Site"),
        _("District"),
    ]
    return Table("trace", _("Where it went"), headers, rows)
