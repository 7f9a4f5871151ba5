"""Assigning household orders to suppliers: a transportation LP solved with HiGHS.

Pure Python + numpy (no Django), so it is tested and benchmarked alone. Orders are grouped by
compound (all orders of a compound sit at one place); each supplier has a daily capacity and a
service radius. Minimise total distance (haversine × road factor) subject to capacities; what
no supplier in range can take stays unassigned at a high cost. A transportation LP's vertices
are integral, so the dual simplex returns whole orders.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from liangcao.allocation.engine.lp import LinearProgram, solve

EARTH_KM = 6371.0
ROAD_FACTOR = 1.3
UNASSIGNED_COST = 1.0e5


@dataclass(frozen=True)
class Group:
    """`orders` orders of one compound at (lat, lon)."""

    key: int
    orders: int
    lat: float
    lon: float


@dataclass(frozen=True)
class SupplierCap:
    """A supplier's remaining capacity today, where it is and how far it delivers."""

    key: int
    capacity: int
    lat: float
    lon: float
    radius_km: float


@dataclass
class Plan:
    """How many orders of each group go to each supplier, and what is left unassigned."""

    flows: dict[tuple[int, int], int] = field(default_factory=dict)
    unassigned: dict[int, int] = field(default_factory=dict)
    distance_km: float = 0.0


def _distances(groups: list[Group], suppliers: list[SupplierCap]) -> NDArray[np.float64]:
    glat = np.radians([g.lat for g in groups])[:, None]
    glon = np.radians([g.lon for g in groups])[:, None]
    slat = np.radians([s.lat for s in suppliers])[None, :]
    slon = np.radians([s.lon for s in suppliers])[None, :]
    a = (
        np.sin((slat - glat) / 2) ** 2
        + np.cos(glat) * np.cos(slat) * np.sin((slon - glon) / 2) ** 2
    )
    km: NDArray[np.float64] = 2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1))) * ROAD_FACTOR
    return km


def assign(groups: list[Group], suppliers: list[SupplierCap]) -> Plan:
    """The cheapest assignment of every group's orders to suppliers in range, within
    capacities. Raises RuntimeError if HiGHS fails (it cannot be infeasible: unassigned is
    always allowed)."""
    groups = [g for g in groups if g.orders > 0]
    suppliers = [s for s in suppliers if s.capacity > 0]
    plan = Plan()
    if not groups:
        return plan
    n_groups = len(groups)
    if suppliers:
        dist = _distances(groups, suppliers)
        radius = np.array([s.radius_km for s in suppliers])[None, :]
        gi, si = np.nonzero(dist <= radius)
    else:
        dist = np.zeros((n_groups, 0))
        gi = si = np.zeros(0, dtype=np.int64)
    arcs = len(gi)
    cost = np.concatenate([dist[gi, si], np.full(n_groups, UNASSIGNED_COST)])
    # Column-wise: an arc has a 1 in its group row and its supplier row; an "unassigned"
    # column has a 1 in its group row only.
    index = np.empty(2 * arcs + n_groups, dtype=np.int32)
    index[0 : 2 * arcs : 2] = gi
    index[1 : 2 * arcs : 2] = n_groups + si
    index[2 * arcs :] = np.arange(n_groups)
    starts = np.concatenate([np.arange(0, 2 * arcs, 2), 2 * arcs + np.arange(n_groups + 1)]).astype(
        np.int32
    )
    demand = np.array([g.orders for g in groups], dtype=np.float64)
    caps = np.array([s.capacity for s in suppliers], dtype=np.float64)
    lp = LinearProgram(
        cost=cost,
        col_lo=np.zeros(arcs + n_groups),
        col_hi=np.concatenate([np.minimum(demand[gi], caps[si]), demand]),
        row_lo=np.concatenate([demand, np.zeros(len(suppliers))]),
        row_hi=np.concatenate([demand, caps]),
        starts=starts,
        index=index,
        value=np.ones(2 * arcs + n_groups),
    )
    x = np.rint(solve(lp)).astype(np.int64)
    for k in np.nonzero(x[:arcs])[0]:
        g, s = groups[gi[k]], suppliers[si[k]]
        plan.flows[(g.key, s.key)] = int(x[k])
        plan.distance_km += float(x[k] * dist[gi[k], si[k]])
    for j in np.nonzero(x[arcs:])[0]:
        plan.unassigned[groups[j].key] = int(x[arcs + j])
    return plan
