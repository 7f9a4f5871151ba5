"""Quality of a result: fill by class and region, Gini and Jain's index of fill rates,
transport cost, unmet units and the deprivation cost.

Deprivation cost (after Holguín-Veras et al. 2013, "On the appropriate objective function for
post-disaster humanitarian logistics models": the human cost of going without grows faster
than linearly with the shortfall). For a line with unmet share u = 1 − fill and priority class
c we charge  w_c · (e^(α·u) − 1) / (e^α − 1)  with α = 3 and w_c = 2^(4 − min(c, 4)) (class 1
weighs 8, class 4 and below 1). It is 0 when the line is met, w_c when it gets nothing, convex
and increasing in between, so spreading a shortage over many lines costs less than
concentrating it on a few. Lines asking for nothing cost nothing.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from liangcao.allocation.engine.model import Instance, Result

ALPHA = 3.0


def class_weight(klass: int) -> float:
    return float(2 ** (4 - min(klass, 4)))


def deprivation(unmet_share: float, klass: int) -> float:
    u = min(1.0, max(0.0, unmet_share))
    return class_weight(klass) * (math.exp(ALPHA * u) - 1.0) / (math.exp(ALPHA) - 1.0)


def gini(values: list[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    n, total = len(ordered), sum(ordered)
    if total == 0:
        return 0.0
    weighted = sum((i + 1) * v for i, v in enumerate(ordered))
    return (2 * weighted) / (n * total) - (n + 1) / n


def jain(values: list[float]) -> float:
    if not values:
        return 1.0
    squares = sum(v * v for v in values)
    return 1.0 if squares == 0 else sum(values) ** 2 / (len(values) * squares)


def _group() -> dict[str, Any]:
    return {"requested": 0, "allocated": 0, "min_fill": 1.0, "unmet": 0}


def compute_metrics(instance: Instance, result: Result, *, seconds: float) -> dict[str, Any]:
    demands = {d.id: d for d in instance.demands}
    by_class: dict[str, dict[str, Any]] = defaultdict(_group)
    by_region: dict[str, dict[str, Any]] = defaultdict(_group)
    fills: list[float] = []
    deprivation_cost = 0.0
    for line in result.lines:
        d = demands[line.demand]
        if d.qty == 0:
            continue
        fills.append(line.fill)
        deprivation_cost += deprivation(1.0 - line.fill, d.klass)
        groups = [by_class[str(d.klass)]]
        if len(d.region) > 1:
            groups.append(by_region[d.region[1]])
        for g in groups:
            g["requested"] += d.qty
            g["allocated"] += line.allocated
            g["unmet"] += d.qty - line.allocated
            g["min_fill"] = min(g["min_fill"], round(line.fill, 6))
    cost = sum(a.qty * instance.cost(a.source, demands[a.demand].point) for a in result.allocations)
    return {
        "by_class": dict(sorted(by_class.items(), key=lambda kv: int(kv[0]))),
        "by_region": dict(sorted(by_region.items())),
        "gini_fill": round(gini(fills), 6),
        "jain_fill": round(jain(fills), 6),
        "transport_cost": round(cost, 3),
        "unmet_total": sum(d.qty for d in instance.demands)
        - sum(ln.allocated for ln in result.lines),
        "deprivation_cost": round(deprivation_cost, 6),
        "seconds": round(seconds, 4),
    }
