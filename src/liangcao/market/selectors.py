"""Reads of market prices, scoped: a store is visible when its area is in the user's scope."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Avg, QuerySet
from django.utils import timezone

from liangcao.catalog.models import Item
from liangcao.market.models import PriceAlert, PriceBaseline, PriceReport, SampleStore
from liangcao.orgs.models import Node, NodeClosure, User
from liangcao.orgs.selectors import node_get, node_subtree_ids, scope_for_user


def store_list(*, user: User, node_id: int | None = None) -> QuerySet[SampleStore]:
    scope = scope_for_user(user)
    qs = SampleStore.objects.filter(is_active=True).select_related("node")
    if not scope.everything:
        qs = qs.filter(node_id__in=scope.descendant_ids())
    if node_id is not None:
        qs = qs.filter(node_id__in=node_subtree_ids(node_id=node_id))
    return qs.order_by("code")


def price_list(
    *,
    user: User,
    node_id: int | None = None,
    item_code: str | None = None,
    day: date | None = None,
) -> QuerySet[PriceReport]:
    """Prices of visible stores, newest first, optionally in an area, of an item, on a day."""
    qs = PriceReport.objects.filter(
        store__in=store_list(user=user, node_id=node_id).values("pk")
    ).select_related("store", "item")
    if item_code:
        qs = qs.filter(item__code=item_code)
    if day is not None:
        qs = qs.filter(day=day)
    return qs.prefetch_related("alerts").order_by("-day", "store__code", "item__code")


def alert_list(
    *, user: User, node_id: int | None = None, since: date | None = None
) -> QuerySet[PriceAlert]:
    """Alerts of visible stores, newest first (default: the last 7 days)."""
    since = since or timezone.localdate() - timedelta(days=6)
    return (
        PriceAlert.objects.filter(
            report__in=price_list(user=user, node_id=node_id).filter(day__gte=since).values("pk")
        )
        .select_related("report__store", "report__item")
        .order_by("-report__day", "report__store__code")
    )


def monitored_items() -> QuerySet[Item]:
    """Items with a price baseline (the essentials monitored), for pickers and charts."""
    return Item.objects.filter(
        pk__in=PriceBaseline.objects.values("item_id"), is_active=True
    ).order_by("code")


def price_series(
    *, user: User, item_code: str, node_id: int | None = None, days: int = 14
) -> dict[str, Any]:
    """Average daily price of an item per area (the node's children, or the node) over the last
    `days` days, and its baseline — for the chart. Raises NotFound for a node out of scope."""
    node: Node | None = node_get(user=user, node_id=node_id) if node_id else None
    if node is None:
        scope = scope_for_user(user)
        roots = Node.objects.filter(parent__isnull=True) if scope.everything else None
        node = (
            roots.first()
            if roots is not None
            else Node.objects.filter(id__in=scope.node_ids).order_by("depth").first()
        )
    if node is None:
        return {"days": [], "series": [], "baseline": None, "node": None}
    areas = list(node.children.order_by("code")) or [node]
    area_of = dict(
        NodeClosure.objects.filter(ancestor_id__in=[a.pk for a in areas]).values_list(
            "descendant_id", "ancestor_id"
        )
    )
    first = timezone.localdate() - timedelta(days=days - 1)
    rows = (
        price_list(user=user, node_id=node.pk, item_code=item_code)
        .filter(day__gte=first)
        .values("store__node_id", "day")
        .annotate(avg=Avg("price"))
        .order_by()
    )
    sums: dict[tuple[int, date], list[Decimal]] = defaultdict(list)
    for r in rows:
        # Stores directly at the node (not under a child) count as the node's own area.
        sums[(area_of.get(r["store__node_id"], node.pk), r["day"])].append(Decimal(r["avg"]))
    if node not in areas and any(a == node.pk for a, _ in sums):
        areas.insert(0, node)
    day_list = [first + timedelta(days=i) for i in range(days)]
    series = []
    for a in areas:
        values: list[float | None] = []
        for d in day_list:
            got = sums.get((a.pk, d))
            values.append(round(float(sum(got, Decimal(0)) / len(got)), 2) if got else None)
        series.append({"area": a.code, "name": a.name, "id": a.pk, "values": values})
    baseline = PriceBaseline.objects.filter(item__code=item_code).first()
    return {
        "node": {"id": node.pk, "code": node.code, "name": node.name},
        "days": [d.isoformat() for d in day_list],
        "series": series,
        "baseline": float(baseline.price) if baseline else None,
    }


def baseline_prices() -> dict[int, Decimal]:
    """Baseline price by item id (city-wide reference data)."""
    return dict(PriceBaseline.objects.values_list("item_id", "price"))
