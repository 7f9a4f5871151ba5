"""The "one LP" baseline (allocation-format.md): one HiGHS LP over the whole instance that
maximises class-weighted allocated units minus a small multiple of transport cost — what a
plain optimiser would do, without fairness. Used by the benchmark as the yardstick."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from liangcao.allocation.engine import lp as lpmod
from liangcao.allocation.engine.metrics import compute_metrics
from liangcao.allocation.engine.model import Allocation, LineResult, Reason, Result, parse_instance

CLASS_BASE = 1000.0


def one_lp(data: dict[str, Any]) -> dict[str, Any]:
    instance = parse_instance(data)
    started = time.perf_counter()
    supply_row = {(s.source, s.item): i for i, s in enumerate(instance.supplies)}
    demands = [d for d in instance.demands if d.qty > 0]
    n_lines = len(demands)
    cols_line, cols_src, cols_cost = [], [], []
    sources_by_item: dict[str, list[str]] = {}
    for s in instance.supplies:
        sources_by_item.setdefault(s.item, []).append(s.source)
    for li, d in enumerate(demands):
        for source in sources_by_item.get(d.item, []):
            if instance.allowed(source, d.point):
                cols_line.append(li)
                cols_src.append(supply_row[(source, d.item)])
                cols_cost.append(instance.cost(source, d.point))
    line_idx = np.array(cols_line, dtype=np.int64)
    src_idx = np.array(cols_src, dtype=np.int64)
    cost = np.array(cols_cost)
    max_class = max((d.klass for d in demands), default=1)
    weight = np.array([CLASS_BASE ** (max_class - d.klass) for d in demands])
    epsilon = 1e-6 / max(1.0, float(cost.max()) if len(cost) else 1.0)
    n = len(line_idx)
    program = lpmod.LinearProgram(
        cost=weight[line_idx] - epsilon * cost,
        col_lo=np.zeros(n),
        col_hi=np.full(n, np.inf),
        row_lo=np.zeros(n_lines + len(supply_row)),
        row_hi=np.concatenate(
            [
                np.array([d.qty for d in demands], dtype=float),
                np.array([s.qty for s in instance.supplies], dtype=float),
            ]
        ),
        starts=np.arange(0, 2 * n + 1, 2, dtype=np.int32),
        index=np.stack([line_idx, n_lines + src_idx], axis=1).ravel().astype(np.int32),
        value=np.ones(2 * n),
        maximise=True,
    )
    x = np.floor(lpmod.solve(program) + 1e-6)
    totals = np.bincount(line_idx, weights=x, minlength=n_lines)
    sources = [s.source for s in instance.supplies]
    allocations = [
        Allocation(demands[int(line_idx[a])].id, sources[int(src_idx[a])], int(x[a]))
        for a in np.flatnonzero(x > 0).tolist()
    ]
    got = {d.id: int(totals[i]) for i, d in enumerate(demands)}
    plain = Reason("one_lp", None, "", "")
    lines = [
        LineResult(d.id, got.get(d.id, 0), 1.0 if d.qty == 0 else got.get(d.id, 0) / d.qty, plain)
        for d in instance.demands
    ]
    result = Result("one_lp", allocations, lines)
    result.metrics = compute_metrics(instance, result, seconds=time.perf_counter() - started)
    return {"metrics": result.metrics}
