"""The command dashboard's data: days of cover by tier and area, open demand against available
stock, shipments in transit by destination area, and alerts — for a node the user may see,
broken down by its children (drill down by opening a child)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Sum

from liangcao.catalog.models import Category
from liangcao.demand.selectors import overdue_fast_tracks, requisition_list
from liangcao.orgs.models import Node, NodeClosure, User
from liangcao.orgs.selectors import node_get, node_subtree_ids
from liangcao.readiness.selectors import CoverReport, cover_report
from liangcao.stock.selectors import document_list

COVER_CAP = 60  # days; longer cover is drawn as 60 so one item does not flatten the chart
TOP_ITEMS = 12


@dataclass
class Dashboard:
    node: Node
    report: CoverReport
    areas: list[Node]
    cover: dict[str, list[float | None]] = field(default_factory=dict)  # category → per area
    demand: list[dict[str, Any]] = field(default_factory=list)
    in_transit: list[dict[str, Any]] = field(default_factory=list)
    below_target: list[dict[str, Any]] = field(default_factory=list)
    overdue_fast_tracks: int = 0

    def chart_data(self) -> dict[str, Any]:
        """What the page's ECharts need, JSON-ready."""
        labels = dict(Category.choices)
        return {
            "areas": [{"id": a.pk, "code": a.code, "name": a.name} for a in self.areas],
            "cover": [
                {"category": c, "name": str(labels[c]), "values": v} for c, v in self.cover.items()
            ],
            "demand": self.demand,
            "in_transit": self.in_transit,
        }


def _fewest_days(report: CoverReport) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for r in report.rows:
        if not r.target_days:
            continue
        days = COVER_CAP if r.days is None else min(r.days, COVER_CAP)
        current = out.get(r.item.category)
        out[r.item.category] = days if current is None else min(current, days)
    return out


def dashboard(*, user: User, node_id: int) -> Dashboard:
    """Raises NotFound for a node outside the user's scope."""
    node = node_get(user=user, node_id=node_id)
    report = cover_report(user=user, node_id=node.pk)
    areas = list(node.children.order_by("code")) or [node]
    board = Dashboard(node=node, report=report, areas=areas)
    per_area = [
        _fewest_days(report if a.pk == node.pk else cover_report(user=user, node_id=a.pk))
        for a in areas
    ]
    for category in Category.values:
        found = [d.get(category) for d in per_area]
        values: list[float | None] = [None if v is None else round(v, 1) for v in found]
        if any(v is not None for v in values):
            board.cover[category] = values
    subtree = node_subtree_ids(node_id=node.pk)
    open_lists = requisition_list(user=user, open_only=True).filter(site__node_id__in=subtree)
    wanted = (
        open_lists.values("lines__item__code")
        .annotate(requested=Sum("lines__requested"), shipped=Sum("lines__shipped"))
        .order_by()
    )
    available = {r.item.code: r.available for r in report.rows}
    demand = [
        {
            "item": row["lines__item__code"],
            "demand": int(row["requested"] or 0) - int(row["shipped"] or 0),
            "available": available.get(row["lines__item__code"], 0),
        }
        for row in wanted
        if row["lines__item__code"]
    ]
    board.demand = sorted((d for d in demand if d["demand"] > 0), key=lambda d: -int(d["demand"]))[
        :TOP_ITEMS
    ]
    area_of = dict(
        NodeClosure.objects.filter(ancestor_id__in=[a.pk for a in areas]).values_list(
            "descendant_id", "ancestor_id"
        )
    )
    moving: dict[int, int] = defaultdict(int)
    for dest_node in (
        document_list(user=user)
        .filter(kind="shipment", state__in=["dispatched", "partially_received"])
        .filter(dest_site__node_id__in=subtree)
        .values_list("dest_site__node_id", flat=True)
    ):
        moving[area_of.get(dest_node, node.pk)] += 1
    board.in_transit = [{"area": a.code, "shipments": moving.get(a.pk, 0)} for a in areas]
    board.below_target = [
        {
            "item": r.item,
            "days": r.days,
            "target": r.target_days,
            "gap": r.gap,
        }
        for r in sorted(
            (r for r in report.rows if r.below_target),
            key=lambda r: r.days if r.days is not None else 0.0,
        )
    ]
    board.overdue_fast_tracks = (
        overdue_fast_tracks(user=user).filter(site__node_id__in=subtree).count()
    )
    return board
