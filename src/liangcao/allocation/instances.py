"""Turn open demand and a level's pool into an engine instance (allocation-format.md).

- demands: approved requisition lines still open (approved − allocated − escalated) whose
  serving level lies in the run's subtree; id `line-<pk>`, point = requesting site code,
  region = the site's path in the tree (city first), class = the list's priority class.
- supplies: available store stock (on hand − reserved) of the store sites in that subtree.
- costs: road distance estimate (haversine × ROAD_FACTOR) for the allowed pairs only: a store
  may serve a line when the store's owning node is the line's serving level or above it, so a
  district's own lists draw on the district's stores and on the city's, never on a neighbour's.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from django.db.models import Q

from liangcao.demand.models import RequisitionLine, RequisitionState
from liangcao.orgs.models import STORE_KINDS, Node, NodeClosure, Site, User
from liangcao.orgs.selectors import node_subtree_ids
from liangcao.stock.selectors import balance_list

ROAD_FACTOR = 1.3
EARTH_KM = 6371.0
OPEN = (RequisitionState.APPROVED, RequisitionState.PARTLY_ALLOCATED, RequisitionState.ALLOCATED)


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_KM * math.asin(math.sqrt(h))


def demand_id(line_pk: int) -> str:
    return f"line-{line_pk}"


def line_pk(demand: str) -> int:
    return int(demand.removeprefix("line-"))


def build_instance(
    *,
    user: User,
    node: Node,
    item_codes: list[str] | None = None,
    category: str | None = None,
    region_id: int | None = None,
    policy: str = "priority_leximin",
) -> dict[str, Any]:
    """The engine instance for open demand served within `node`'s subtree (see module doc)."""
    subtree = node_subtree_ids(node_id=node.pk)
    lines = RequisitionLine.objects.filter(
        requisition__state__in=OPEN,
        requisition__serving_node_id__in=subtree,
        approved__isnull=False,
    ).select_related("item", "requisition__site", "requisition")
    if item_codes:
        lines = lines.filter(item__code__in=item_codes)
    if category:
        lines = lines.filter(item__category=category)
    if region_id is not None:
        lines = lines.filter(requisition__site__node_id__in=node_subtree_ids(node_id=region_id))
    open_lines = [
        ln for ln in lines.order_by("requisition__submitted_at", "id") if ln.open_quantity > 0
    ]
    items = sorted({ln.item.code for ln in open_lines})

    stores = {
        s.pk: s
        for s in Site.objects.filter(
            kind__in=STORE_KINDS, node_id__in=subtree, is_active=True
        ).select_related("node")
    }
    supplies = []
    for row in balance_list(user=user, node_id=node.pk).filter(item__code__in=items):
        site_id, code = row["location__site_id"], str(row["item__code"])
        available = int(str(row["available"] or 0))
        if site_id in stores and available > 0:
            supplies.append({"source": stores[site_id].code, "item": code, "qty": available})

    stocked = {row["source"] for row in supplies}
    stores = {pk: s for pk, s in stores.items() if s.code in stocked}
    ancestors: dict[int, set[int]] = defaultdict(set)
    serving = {ln.requisition.serving_node_id for ln in open_lines}
    for anc, desc in NodeClosure.objects.filter(descendant_id__in=serving).values_list(
        "ancestor_id", "descendant_id"
    ):
        ancestors[desc].add(anc)
    paths = _paths({ln.requisition.site.node_id for ln in open_lines})
    demands, costs, seen_pairs = [], [], set()
    for ln in open_lines:
        site = ln.requisition.site
        demands.append(
            {
                "id": demand_id(ln.pk),
                "point": site.code,
                "region": paths[site.node_id],
                "item": ln.item.code,
                "qty": ln.open_quantity,
                "class": ln.requisition.priority_class,
            }
        )
        for store in stores.values():
            pair = (store.code, site.code)
            if (
                store.node_id in ancestors[ln.requisition.serving_node_id]
                and pair not in seen_pairs
            ):
                seen_pairs.add(pair)
                km = haversine_km(
                    (store.latitude, store.longitude), (site.latitude, site.longitude)
                )
                costs.append(
                    {"source": store.code, "point": site.code, "cost": round(km * ROAD_FACTOR, 3)}
                )
    return {
        "supplies": supplies,
        "demands": demands,
        "costs": costs,
        "policy": {"name": policy, "region_floor": None},
    }


def _paths(node_ids: set[int]) -> dict[int, list[str]]:
    rows = NodeClosure.objects.filter(descendant_id__in=node_ids).select_related("ancestor")
    chains: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for row in rows.filter(Q(distance__gte=0)):
        chains[row.descendant_id].append((row.distance, row.ancestor.code))
    return {n: [code for _, code in sorted(chain, reverse=True)] for n, chain in chains.items()}
