"""The sections of the daily report: a list of builders, one function each.

To add a section (household orders, donations, prices …) write one function taking the
`Context` and returning a `Table`, and decorate it with `@section`: the report, its page, the
.xlsx (one sheet per section) and the PDF pick it up in the order of definition.

Every builder reads through the owning app's selectors as `ctx.reader` and keeps to the
report's node subtree (`ctx.site_ids`, `ctx.node_ids`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, Max, Min, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from liangcao.catalog.models import Category
from liangcao.community.selectors import delivery_share
from liangcao.demand.selectors import overdue_fast_tracks, requisition_list
from liangcao.donations.selectors import donation_list
from liangcao.market.selectors import alert_list, baseline_prices, price_list
from liangcao.orgs.models import Node, Site, User
from liangcao.orgs.selectors import node_subtree_ids, site_list
from liangcao.readiness.selectors import cover_report
from liangcao.stock.selectors import document_list


@dataclass
class Context:
    node: Node
    day: date
    reader: User  # reads as the whole city; every builder restricts itself to `node`
    start: datetime = field(init=False)
    end: datetime = field(init=False)

    def __post_init__(self) -> None:
        self.start = timezone.make_aware(datetime.combine(self.day, time.min))
        self.end = self.start + timedelta(days=1)

    @property
    def node_ids(self) -> QuerySet[Any, int]:
        return node_subtree_ids(node_id=self.node.pk)

    def sites(self) -> QuerySet[Site]:
        return site_list(user=self.reader, node_id=self.node.pk)

    def areas(self) -> list[Node]:
        """The node's children (districts of the city), or the node itself when it has none."""
        children = list(self.node.children.order_by("code"))
        return children or [self.node]


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]]

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "title": self.title, "headers": self.headers, "rows": self.rows}


Builder = Callable[[Context], Table]
SECTIONS: list[Builder] = []


def section(builder: Builder) -> Builder:
    """Register a section builder (report order = definition order)."""
    SECTIONS.append(builder)
    return builder


CATEGORIES = dict(Category.choices)


@section
def stock_and_cover(ctx: Context) -> Table:
    """Available stock and days of cover by category (tier) and area, against the targets of
    the level in force in each area (cover as of the end of the day)."""
    rows: list[list[Any]] = []
    for area in ctx.areas():
        report = cover_report(user=ctx.reader, node_id=area.pk, as_of=ctx.day + timedelta(days=1))
        by_cat: dict[str, list[Any]] = {}
        for r in report.rows:
            agg = by_cat.setdefault(r.item.category, [0, 0, 0, None])
            agg[0] += r.available
            agg[1] += int(bool(r.target_days))
            agg[2] += int(r.below_target)
            if r.days is not None:
                agg[3] = r.days if agg[3] is None else min(agg[3], r.days)
        for cat in CATEGORIES:
            if cat in by_cat:
                available, with_target, below, least = by_cat[cat]
                rows.append(
                    [
                        area.code,
                        area.name_zh,
                        str(CATEGORIES[cat]),
                        report.level.level.name_zh,
                        available,
                        with_target,
                        below,
                        None if least is None else round(least, 1),
                    ]
                )
    return Table(
        "stock_cover",
        _("Stock and days of cover by tier and district"),
        [
            _("Area code"),
            _("Area"),
            _("Category"),
            _("Level"),
            _("Available"),
            _("Items with a target"),
            _("Items below target"),
            _("Fewest days of cover"),
        ],
        rows,
    )


def _documents_of_day(ctx: Context, kinds: list[str]) -> QuerySet[Any]:
    return (
        document_list(user=ctx.reader)
        .filter(kind__in=kinds, created_at__gte=ctx.start, created_at__lt=ctx.end)
        .filter(Q(source_site__node_id__in=ctx.node_ids) | Q(dest_site__node_id__in=ctx.node_ids))
    )


@section
def receipts_and_issues(ctx: Context) -> Table:
    """Receipts, transfers and issues posted that day, by kind and item category."""
    rows = (
        _documents_of_day(ctx, ["receipt", "transfer", "issue"])
        .values("kind", "lines__item__category")
        .annotate(documents=Count("id", distinct=True), quantity=Sum("lines__quantity"))
        .order_by("kind", "lines__item__category")
    )
    return Table(
        "movements",
        _("Receipts and issues of the day"),
        [_("Kind"), _("Category"), _("Documents"), _("Quantity")],
        [
            [
                r["kind"],
                str(CATEGORIES.get(r["lines__item__category"], "")),
                r["documents"],
                int(r["quantity"] or 0),
            ]
            for r in rows
        ],
    )


@section
def requisitions(ctx: Context) -> Table:
    """Demand lists of sites in the subtree: opened and closed (fulfilled) that day, open now."""
    qs = requisition_list(user=ctx.reader).filter(site__node_id__in=ctx.node_ids)
    opened = qs.filter(created_at__gte=ctx.start, created_at__lt=ctx.end).count()
    fulfilled = qs.filter(closed_at__gte=ctx.start, closed_at__lt=ctx.end).count()
    still_open = requisition_list(user=ctx.reader, open_only=True).filter(
        site__node_id__in=ctx.node_ids
    )
    return Table(
        "requisitions",
        _("Requisitions opened and fulfilled"),
        [_("Opened"), _("Fulfilled (closed)"), _("Open now")],
        [[opened, fulfilled, still_open.count()]],
    )


@section
def shipments(ctx: Context) -> Table:
    """Shipments touching the subtree that were opened that day, by their state now."""
    rows = (
        _documents_of_day(ctx, ["shipment"])
        .values("state")
        .annotate(n=Count("id", distinct=True))
        .order_by("state")
    )
    return Table(
        "shipments",
        _("Shipments opened that day, by state"),
        [_("State"), _("Shipments")],
        [[r["state"], r["n"]] for r in rows],
    )


@section
def overdue_fast_track_lists(ctx: Context) -> Table:
    """Fast-tracked lists whose signatures are overdue (at the time the report is built)."""
    qs = overdue_fast_tracks(user=ctx.reader).filter(site__node_id__in=ctx.node_ids)
    return Table(
        "overdue_fast_tracks",
        _("Overdue fast-tracks"),
        [_("Number"), _("Site"), _("Signatures due by")],
        [
            [
                r.number,
                r.site.name_zh,
                timezone.localtime(r.paperwork_due_at).strftime("%m-%d %H:%M"),
            ]
            for r in qs.order_by("paperwork_due_at")[:200]
            if r.paperwork_due_at is not None
        ],
    )


def _money(value: Any) -> str:
    return str(Decimal(str(value)).quantize(Decimal("0.01")))


@section
def market_prices(ctx: Context) -> Table:
    """Prices of essentials reported that day by sample stores in the subtree, against their
    baselines, with the alerts they raised."""
    baselines = baseline_prices()
    alerts: dict[int, int] = defaultdict(int)
    for item_id in (
        alert_list(user=ctx.reader, node_id=ctx.node.pk, since=ctx.day)
        .filter(report__day=ctx.day)
        .values_list("report__item_id", flat=True)
    ):
        alerts[item_id] += 1
    rows = (
        price_list(user=ctx.reader, node_id=ctx.node.pk, day=ctx.day)
        .values("item_id", "item__code", "item__name_zh")
        .annotate(
            stores=Count("id"),
            low=Min("price"),
            mean=Avg("price"),
            high=Max("price"),
        )
        .order_by("item__code")
    )
    return Table(
        "prices",
        _("Market prices of the day"),
        [
            _("Item"),
            _("Stores"),
            _("Lowest"),
            _("Average"),
            _("Highest"),
            _("Baseline"),
            _("Alerts"),
        ],
        [
            [
                r["item__name_zh"],
                r["stores"],
                _money(r["low"]),
                _money(r["mean"]),
                _money(r["high"]),
                _money(baselines[r["item_id"]]) if r["item_id"] in baselines else None,
                alerts.get(r["item_id"], 0),
            ]
            for r in rows
        ],
    )


@section
def household_orders(ctx: Context) -> Table:
    """Household orders placed that day per district, and the share delivered within 24 and
    48 hours (community.selectors.delivery_share)."""
    back = max(1, (timezone.localdate() - ctx.day).days + 2)
    areas = {a.code: a for a in ctx.areas()}
    rows = [
        [
            r.district_code,
            areas[r.district_code].name_zh,
            r.orders,
            r.within_24h,
            r.share_24h,
            r.within_48h,
            r.share_48h,
        ]
        for r in delivery_share(user=ctx.reader, days=back)
        if r.day == ctx.day and r.district_code in areas
    ]
    return Table(
        "household_orders",
        _("Household orders delivered within 24 and 48 hours"),
        [
            _("Area code"),
            _("Area"),
            _("Orders placed"),
            _("Delivered within 24 h"),
            _("Share within 24 h"),
            _("Delivered within 48 h"),
            _("Share within 48 h"),
        ],
        rows,
    )


@section
def donations_of_day(ctx: Context) -> Table:
    """Donations pledged and received that day at intake sites in the node, with the units
    accepted and rejected (no donor names: the report is read widely)."""
    donations = donation_list(user=ctx.reader).filter(intake_site__node_id__in=ctx.node_ids)
    pledged = donations.filter(created_at__gte=ctx.start, created_at__lt=ctx.end)
    received = donations.filter(received_at__gte=ctx.start, received_at__lt=ctx.end)
    totals = received.aggregate(accepted=Sum("lines__accepted"), rejected=Sum("lines__rejected"))
    rows = [
        [
            pledged.count(),
            received.count(),
            totals["accepted"] or 0,
            totals["rejected"] or 0,
        ]
    ]
    return Table(
        "donations",
        _("Donations of the day"),
        [_("Pledged"), _("Received"), _("Units accepted"), _("Units rejected")],
        rows,
    )
