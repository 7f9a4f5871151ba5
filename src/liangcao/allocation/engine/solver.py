"""The allocation solver: front line first, then fair.

Items share no constraint, so an instance splits into one problem per item. Inside an item the
priority classes are served strictly in order; within a class `priority_leximin` fills lines
progressively (max-min fair, "water filling"): raise the common fill level t of every active
line as far as the remaining supply and the allowed (source, point) pairs allow (one LP), then
freeze the lines that cannot rise above t without lowering another line at or below t, and
repeat with the rest. Which lines are stuck is read off the LP's flow by a breadth-first search
in the residual network (a line can rise iff free supply reaches it through alternating
paths); with region floors, where that argument no longer holds, one small LP per tight line
decides instead. The continuous levels are then rounded to integers by two network LPs whose
vertices are integral: first the most units with every line between floor and ceiling of its
continuous amount, then the cheapest sourcing of exactly those amounts.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from liangcao.allocation.engine import lp as lpmod
from liangcao.allocation.engine.explain import line_reason
from liangcao.allocation.engine.metrics import compute_metrics
from liangcao.allocation.engine.model import (
    Allocation,
    Demand,
    Instance,
    LineResult,
    Result,
)

EPS = 1e-7


@dataclass
class ItemProblem:
    """One item: its sources, its lines (qty > 0) and the allowed arcs, sorted by line."""

    item: str
    sources: list[str]
    supply: NDArray[np.float64]
    lines: list[Demand]
    qty: NDArray[np.float64]
    arc_line: NDArray[np.int64]
    arc_src: NDArray[np.int64]
    arc_cost: NDArray[np.float64]
    complete: bool
    level: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    floored: set[int] = field(default_factory=set)

    @property
    def n_lines(self) -> int:
        return len(self.lines)


def _problems(instance: Instance) -> list[ItemProblem]:
    supply_by_item: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for s in instance.supplies:
        supply_by_item[s.item].append((s.source, s.qty))
    lines_by_item: dict[str, list[Demand]] = defaultdict(list)
    for d in instance.demands:
        if d.qty > 0:
            lines_by_item[d.item].append(d)
    problems = []
    for item, lines in lines_by_item.items():
        sources = [src for src, _ in supply_by_item.get(item, [])]
        supply = np.array([q for _, q in supply_by_item.get(item, [])], dtype=np.float64)
        arc_line, arc_src, arc_cost = [], [], []
        for li, d in enumerate(lines):
            for si, src in enumerate(sources):
                if instance.allowed(src, d.point):
                    arc_line.append(li)
                    arc_src.append(si)
                    arc_cost.append(instance.cost(src, d.point))
        complete = len(arc_line) == len(lines) * len(sources)
        problems.append(
            ItemProblem(
                item,
                sources,
                supply,
                lines,
                np.array([d.qty for d in lines], dtype=np.float64),
                np.array(arc_line, dtype=np.int64),
                np.array(arc_src, dtype=np.int64),
                np.array(arc_cost, dtype=np.float64),
                complete,
                np.zeros(len(lines)),
            )
        )
    return problems


# --- the continuous levels -----------------------------------------------------------------
def _classes(p: ItemProblem) -> list[int]:
    return sorted({d.klass for d in p.lines})


def _complete_levels(p: ItemProblem, *, proportional: bool) -> None:
    """Every pair allowed: each class gets one common rate min(1, remaining ÷ demand)."""
    del proportional  # with every pair allowed both policies give the common rate
    remaining = float(p.supply.sum())
    for k in _classes(p):
        members = [i for i, d in enumerate(p.lines) if d.klass == k]
        demand = float(p.qty[members].sum())
        rate = 1.0 if demand <= remaining else remaining / demand
        p.level[members] = rate
        remaining = max(0.0, remaining - rate * demand)


@dataclass
class _Round:
    x: NDArray[np.float64]
    t: float
    totals: NDArray[np.float64]


def _max_level(
    p: ItemProblem,
    *,
    active: NDArray[np.bool_],
    frozen: NDArray[np.bool_],
    floors: list[tuple[list[int], float]],
    target: int | None = None,
) -> _Round:
    """LP: maximise the common level t of the active lines (or, with `target`, that one line's
    total with every active line kept at ≥ its current level t) with frozen lines fixed."""
    n_arcs, n_lines, n_src = len(p.arc_line), p.n_lines, len(p.sources)
    usable = (active | frozen)[p.arc_line]
    col_hi = np.where(usable, np.inf, 0.0)
    rows_lo = np.zeros(2 * n_lines + n_src + len(floors))
    rows_hi = np.full_like(rows_lo, np.inf)
    fixed = frozen
    rows_lo[:n_lines] = np.where(fixed, p.level * p.qty, 0.0)
    rows_hi[n_lines : 2 * n_lines] = np.where(fixed, p.level * p.qty, p.qty)
    rows_hi[2 * n_lines : 2 * n_lines + n_src] = p.supply
    for fi, (_, amount) in enumerate(floors):
        rows_lo[2 * n_lines + n_src + fi] = amount
    floor_of = {li: fi for fi, (members, _) in enumerate(floors) for li in members}
    entries_per_arc = [3 + (1 if li in floor_of else 0) for li in p.arc_line.tolist()]
    index: list[int] = []
    value: list[float] = []
    starts = [0]
    for a in range(n_arcs):
        li, si = int(p.arc_line[a]), int(p.arc_src[a])
        index += [li, n_lines + li, 2 * n_lines + si]
        value += [1.0, 1.0, 1.0]
        if entries_per_arc[a] == 4:
            index.append(2 * n_lines + n_src + floor_of[li])
            value.append(1.0)
        starts.append(len(index))
    cost = np.zeros(n_arcs + 1)
    if target is None:
        act = np.flatnonzero(active)
        index += act.tolist()
        value += (-p.qty[act]).tolist()
        cost[n_arcs] = 1.0
        t_lo, t_hi = 0.0, 1.0
    else:
        act = np.flatnonzero(active)
        rows_lo[act] = p.level[act] * p.qty[act]
        cost[:n_arcs] = (p.arc_line == target).astype(np.float64)
        t_lo = t_hi = 0.0
    starts.append(len(index))
    program = lpmod.LinearProgram(
        cost=cost,
        col_lo=np.zeros(n_arcs + 1),
        col_hi=np.append(col_hi, t_hi),
        row_lo=rows_lo,
        row_hi=rows_hi,
        starts=np.array(starts, dtype=np.int32),
        index=np.array(index, dtype=np.int32),
        value=np.array(value, dtype=np.float64),
        maximise=True,
    )
    program.col_lo[n_arcs] = t_lo
    sol = lpmod.solve(program)
    x = np.maximum(sol[:n_arcs], 0.0)
    totals = np.bincount(p.arc_line, weights=x, minlength=n_lines).astype(np.float64)
    return _Round(x, float(sol[n_arcs]) if target is None else 0.0, totals)


def _can_rise(
    p: ItemProblem, rnd: _Round, *, active: NDArray[np.bool_], frozen: NDArray[np.bool_]
) -> NDArray[np.bool_]:
    """Lines that could receive more without any line dropping below its bound: reachable from
    free supply (spare source capacity, or a line holding more than its bound) through the
    residual network (forward along any allowed arc, back along arcs that carry flow)."""
    n_lines, n_src = p.n_lines, len(p.sources)
    used = np.bincount(p.arc_src, weights=rnd.x, minlength=n_src)
    bound = np.where(frozen, p.level * p.qty, np.where(active, rnd.t * p.qty, 0.0))
    donors = (rnd.totals > bound + EPS * np.maximum(1.0, p.qty)) & (active | frozen)
    live = (active | frozen)[p.arc_line]
    src_lines: list[list[int]] = [[] for _ in range(n_src)]
    line_srcs: list[list[int]] = [[] for _ in range(n_lines)]
    for a in np.flatnonzero(live).tolist():
        li, si = int(p.arc_line[a]), int(p.arc_src[a])
        src_lines[si].append(li)
        if rnd.x[a] > EPS:
            line_srcs[li].append(si)
    seen_src = np.zeros(n_src, dtype=bool)
    seen_line = np.zeros(n_lines, dtype=bool)
    queue: deque[int] = deque()
    for si in np.flatnonzero(p.supply - used > EPS * np.maximum(1.0, p.supply)).tolist():
        seen_src[si] = True
        queue.append(si)
    for li in np.flatnonzero(donors).tolist():
        for si in line_srcs[li]:
            if not seen_src[si]:
                seen_src[si] = True
                queue.append(si)
    while queue:
        si = queue.popleft()
        for li in src_lines[si]:
            if seen_line[li]:
                continue
            seen_line[li] = True
            for sj in line_srcs[li]:
                if not seen_src[sj]:
                    seen_src[sj] = True
                    queue.append(sj)
    return seen_line & (rnd.totals < p.qty - EPS * np.maximum(1.0, p.qty))


def _reach(p: ItemProblem, members: list[int], frozen: NDArray[np.bool_]) -> float:
    """Most the `members` can receive together, with frozen lines fixed (one LP)."""
    if not members:
        return 0.0
    return float(_max_sum(p, members=members, frozen=frozen).totals[members].sum())


def _max_sum(p: ItemProblem, *, members: list[int], frozen: NDArray[np.bool_]) -> _Round:
    n_arcs = len(p.arc_line)
    mask = np.zeros(p.n_lines, dtype=bool)
    mask[members] = True
    usable = (mask | frozen)[p.arc_line]
    n_lines, n_src = p.n_lines, len(p.sources)
    rows_lo = np.zeros(2 * n_lines + n_src)
    rows_hi = np.full_like(rows_lo, np.inf)
    rows_lo[:n_lines] = np.where(frozen, p.level * p.qty, 0.0)
    rows_hi[n_lines : 2 * n_lines] = np.where(frozen, p.level * p.qty, p.qty)
    rows_hi[2 * n_lines :] = p.supply
    index = np.stack([p.arc_line, n_lines + p.arc_line, 2 * n_lines + p.arc_src], axis=1).ravel()
    program = lpmod.LinearProgram(
        cost=np.where(mask[p.arc_line], 1.0, 0.0),
        col_lo=np.zeros(n_arcs),
        col_hi=np.where(usable, np.inf, 0.0),
        row_lo=rows_lo,
        row_hi=rows_hi,
        starts=np.arange(0, 3 * n_arcs + 1, 3, dtype=np.int32),
        index=index.astype(np.int32),
        value=np.ones(3 * n_arcs),
        maximise=True,
    )
    x = np.maximum(lpmod.solve(program), 0.0)
    return _Round(x, 0.0, np.bincount(p.arc_line, weights=x, minlength=n_lines).astype(np.float64))


def _region_floors(
    p: ItemProblem, members: list[int], frozen: NDArray[np.bool_], floor: float
) -> list[tuple[list[int], float]]:
    reach_class = _reach(p, members, frozen)
    demand = float(p.qty[members].sum())
    by_region: dict[str, list[int]] = defaultdict(list)
    for li in members:
        region = p.lines[li].region
        if len(region) > 1:
            by_region[region[1]].append(li)
    floors = []
    for _, group in sorted(by_region.items()):
        wanted = floor * reach_class * float(p.qty[group].sum()) / demand if demand else 0.0
        amount = min(wanted, _reach(p, group, frozen)) * (1 - 1e-9)
        if amount > EPS:
            floors.append((group, amount))
    return floors


def _general_levels(p: ItemProblem, *, proportional: bool, floor: float | None) -> None:
    """Progressive filling class by class on the restricted network (see module doc)."""
    frozen = np.zeros(p.n_lines, dtype=bool)
    all_floors: list[tuple[list[int], float]] = []
    for k in _classes(p):
        members = [i for i, d in enumerate(p.lines) if d.klass == k]
        active = np.zeros(p.n_lines, dtype=bool)
        active[members] = True
        floors = _region_floors(p, members, frozen, floor) if floor else []
        all_floors += floors
        while active.any():
            rnd = _max_level(p, active=active, frozen=frozen, floors=floors)
            t = min(1.0, max(0.0, rnd.t))
            if proportional or t >= 1 - EPS:
                p.level[active] = t
                frozen |= active
                break
            tight = active & (rnd.totals <= t * p.qty + EPS * np.maximum(1.0, p.qty))
            if floors:
                p.level[active] = t
                stuck = np.zeros(p.n_lines, dtype=bool)
                for li in np.flatnonzero(tight).tolist():
                    best = _max_level(p, active=active, frozen=frozen, floors=floors, target=li)
                    stuck[li] = best.totals[li] <= t * p.qty[li] + EPS * max(1.0, p.qty[li])
            else:
                stuck = tight & ~_can_rise(p, rnd, active=active, frozen=frozen)
            if not stuck.any():
                stuck = tight if tight.any() else active.copy()
            p.level[stuck] = t
            frozen |= stuck
            active &= ~stuck
    for group, amount in all_floors:  # a floor that binds explains its region's lines
        if float((p.level[group] * p.qty[group]).sum()) <= amount * (1 + 1e-6) + EPS:
            p.floored.update(group)


# --- integers ------------------------------------------------------------------------------
def _transport(
    p: ItemProblem, lo: NDArray[np.float64], hi: NDArray[np.float64], *, cost: bool
) -> NDArray[np.float64]:
    """Network LP over the arcs: line totals in [lo, hi], sources within supply; maximise the
    units shipped, or (cost=True, lo == hi) minimise transport cost. Vertices are integral."""
    n_arcs, n_lines = len(p.arc_line), p.n_lines
    index = np.stack([p.arc_line, n_lines + p.arc_src], axis=1).ravel().astype(np.int32)
    program = lpmod.LinearProgram(
        cost=p.arc_cost.copy() if cost else np.ones(n_arcs),
        col_lo=np.zeros(n_arcs),
        col_hi=np.full(n_arcs, np.inf),
        row_lo=np.concatenate([lo, np.zeros(len(p.sources))]),
        row_hi=np.concatenate([hi, p.supply]),
        starts=np.arange(0, 2 * n_arcs + 1, 2, dtype=np.int32),
        index=index,
        value=np.ones(2 * n_arcs),
        maximise=not cost,
    )
    return np.rint(lpmod.solve(program))


def _integer_flows(
    p: ItemProblem, targets: NDArray[np.float64], *, exact: bool = False
) -> NDArray[np.float64]:
    if len(p.arc_line) == 0:
        return np.zeros(0)
    if exact:
        amounts = targets
    elif p.complete:
        # Every pair allowed: any totals within the total supply can be sourced, so the most
        # units within [floor, ceil] are the floors plus one unit for the largest remainders.
        amounts = np.floor(targets + EPS)
        spare = round(float(p.supply.sum() - amounts.sum()))
        room = np.minimum(np.ceil(targets - EPS), p.qty) > amounts
        order = np.argsort(-(targets - amounts) * room, kind="stable")
        amounts[order[: max(0, min(spare, int(room.sum())))]] += 1
    else:
        lo = np.floor(targets + EPS)
        hi = np.minimum(np.ceil(targets - EPS), p.qty)
        hi = np.maximum(hi, lo)
        flows = _transport(p, lo, hi, cost=False)
        amounts = np.bincount(p.arc_line, weights=flows, minlength=p.n_lines).astype(np.float64)
    return _transport(p, amounts, amounts, cost=True)


# --- fcfs ----------------------------------------------------------------------------------
def _fcfs_amounts(p: ItemProblem) -> NDArray[np.float64]:
    """Class by class, lines in input order, each takes the most it can by augmenting paths
    (earlier lines may be re-sourced but never reduced). Integral by construction."""
    n_src = len(p.sources)
    slack = p.supply.copy()
    src_lines: list[list[int]] = [[] for _ in range(n_src)]
    line_srcs: list[list[int]] = [[] for _ in range(p.n_lines)]
    for li, si in zip(p.arc_line.tolist(), p.arc_src.tolist(), strict=True):
        src_lines[si].append(li)
        line_srcs[li].append(si)
    flow: dict[tuple[int, int], float] = defaultdict(float)
    given = np.zeros(p.n_lines)
    for li in sorted(range(p.n_lines), key=lambda i: (p.lines[i].klass, i)):
        need = float(p.qty[li])
        for si in line_srcs[li]:  # direct supply first: the common case needs no search
            take = min(need, slack[si])
            if take > 0:
                flow[(li, si)] += take
                slack[si] -= take
                need -= take
        while need > 0 and slack.sum() > 0:
            path = _augmenting_path(li, line_srcs, src_lines, flow, slack)
            if path is None:
                break
            # path = [li, s0, l1, s1, ..., lk, sk]: li takes from s0; each l_i moves from
            # s_(i-1) to s_i; sk gives from its spare supply.
            amount = min(need, slack[path[-1]])
            for i in range(2, len(path), 2):
                amount = min(amount, flow[(path[i], path[i - 1])])
            flow[(li, path[1])] += amount
            for i in range(2, len(path), 2):
                flow[(path[i], path[i - 1])] -= amount
                flow[(path[i], path[i + 1])] += amount
            slack[path[-1]] -= amount
            need -= amount
        given[li] = p.qty[li] - need
    return given


def _augmenting_path(
    start: int,
    line_srcs: list[list[int]],
    src_lines: list[list[int]],
    flow: dict[tuple[int, int], float],
    slack: NDArray[np.float64],
) -> list[int] | None:
    """Breadth-first search from a line to a source with spare supply, through lines that
    can switch to another of their sources: returns [start, s0, l1, s1, ..., sk] or None."""
    via_line: dict[int, int | None] = {}  # source -> the line that reached it (None: start)
    via_source: dict[int, int] = {}  # line -> the source it currently draws on
    queue: deque[int] = deque()
    for si in line_srcs[start]:
        if si not in via_line:
            via_line[si] = None
            if slack[si] > 0:
                return [start, si]
            queue.append(si)
    while queue:
        si = queue.popleft()
        for li in src_lines[si]:
            if li == start or li in via_source or flow.get((li, si), 0.0) <= 0:
                continue
            via_source[li] = si
            for sj in line_srcs[li]:
                if sj in via_line:
                    continue
                via_line[sj] = li
                if slack[sj] > 0:
                    path = [sj]
                    line = via_line[sj]
                    while line is not None:
                        source = via_source[line]
                        path += [line, source]
                        line = via_line[source]
                    return [start, *reversed(path)]
                queue.append(sj)
    return None


# --- the whole instance --------------------------------------------------------------------
def solve_instance(instance: Instance) -> Result:
    """Solve an instance with its policy; every demand id appears once in the result."""
    started = time.perf_counter()
    policy = instance.policy
    allocations: list[Allocation] = []
    continuous: dict[str, float] = {}
    allocated: dict[str, int] = {}
    problems = _problems(instance)
    for p in problems:
        if policy == "fcfs":
            amounts = _fcfs_amounts(p)
            p.level = np.divide(amounts, p.qty)
            flows = _integer_flows(p, amounts, exact=True)
        else:
            if p.complete and not instance.region_floor:
                _complete_levels(p, proportional=policy == "proportional")
            elif len(p.arc_line):
                _general_levels(
                    p, proportional=policy == "proportional", floor=instance.region_floor
                )
            flows = _integer_flows(p, p.level * p.qty)
        totals = (
            np.bincount(p.arc_line, weights=flows, minlength=p.n_lines)
            if len(flows)
            else np.zeros(p.n_lines)
        )
        for li, d in enumerate(p.lines):
            continuous[d.id] = float(p.level[li])
            allocated[d.id] = int(totals[li])
        for a in np.flatnonzero(flows > 0).tolist():
            allocations.append(
                Allocation(
                    p.lines[int(p.arc_line[a])].id, p.sources[int(p.arc_src[a])], int(flows[a])
                )
            )
    by_item = {p.item: p for p in problems}
    lines: list[LineResult] = []
    for d in instance.demands:
        got = allocated.get(d.id, 0)
        fill = 1.0 if d.qty == 0 else got / d.qty
        lines.append(
            LineResult(
                d.id,
                got,
                fill,
                line_reason(instance, d, got, continuous.get(d.id, 0.0), by_item.get(d.item)),
            )
        )
    result = Result(policy, allocations, lines)
    result.metrics = compute_metrics(instance, result, seconds=time.perf_counter() - started)
    return result
