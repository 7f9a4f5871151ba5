"""An independent reference for priority_leximin: the textbook iterative max-min LP with a
saturation test per line, written with HiGHS's modelling API (not the engine's code)."""

from __future__ import annotations

from typing import Any

import highspy

EPS = 1e-6


def _model(
    instance: dict[str, Any], item: str, lines: list[dict[str, Any]], supply: dict[str, int]
) -> tuple[highspy.Highs, dict[tuple[str, str], Any]]:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    costs = instance.get("costs")
    allowed = None if costs is None else {(c["source"], c["point"]) for c in costs}
    x = {}
    for line in lines:
        for source in supply:
            if allowed is None or (source, line["point"]) in allowed:
                x[(line["id"], source)] = h.addVariable(lb=0.0)
    for source, qty in supply.items():
        terms = [v for (lid, s), v in x.items() if s == source]
        if terms:
            h.addConstr(sum(terms) <= qty)
    del item
    return h, x


def reference_levels(instance: dict[str, Any]) -> dict[str, float]:
    """Continuous fill level of every demand line under strict classes + leximin."""
    levels: dict[str, float] = {}
    items = {d["item"] for d in instance["demands"]}
    for item in items:
        supply = {s["source"]: s["qty"] for s in instance["supplies"] if s["item"] == item}
        lines = [d for d in instance["demands"] if d["item"] == item and d["qty"] > 0]
        fixed: dict[str, float] = {}
        for klass in sorted({d["class"] for d in lines}):
            active = [d for d in lines if d["class"] == klass]
            while active:
                t, _ = _solve(instance, item, lines, supply, fixed, active, None, None)
                saturated = []
                for d in active:
                    _, best = _solve(instance, item, lines, supply, fixed, active, t, d["id"])
                    if best <= t * d["qty"] + EPS * max(1, d["qty"]):
                        saturated.append(d)
                if t >= 1 - EPS or not saturated:
                    saturated = active
                for d in saturated:
                    fixed[d["id"]] = t
                active = [d for d in active if d["id"] not in fixed]
        levels.update(fixed)
    for d in instance["demands"]:
        levels.setdefault(d["id"], 1.0 if d["qty"] == 0 else 0.0)
    return levels


def _solve(
    instance: dict[str, Any],
    item: str,
    lines: list[dict[str, Any]],
    supply: dict[str, int],
    fixed: dict[str, float],
    active: list[dict[str, Any]],
    t_fixed: float | None,
    target: str | None,
) -> tuple[float, float]:
    considered = [d for d in lines if d["id"] in fixed or d in active]
    h, x = _model(instance, item, considered, supply)
    t = h.addVariable(lb=0.0, ub=1.0)
    total = {}
    for d in considered:
        terms = [v for (lid, _), v in x.items() if lid == d["id"]]
        expr = sum(terms) if terms else None
        total[d["id"]] = expr
        q = d["qty"]
        if d["id"] in fixed:
            level = fixed[d["id"]] * q
            if expr is not None:
                h.addConstr(expr >= level - 1e-9)
                h.addConstr(expr <= level + 1e-9)
        elif expr is not None:
            h.addConstr(expr <= q)
            if t_fixed is None:
                h.addConstr(expr - q * t >= 0)
            else:
                h.addConstr(expr >= t_fixed * q - 1e-9)
        elif t_fixed is None:
            h.addConstr(t <= 0)  # an active line nobody can serve pins the level at 0
    if target is None:
        h.maximize(t)
        return h.getInfo().objective_function_value, 0.0
    expr = total[target]
    if expr is None:
        return t_fixed or 0.0, 0.0
    h.maximize(expr)
    return t_fixed or 0.0, h.getInfo().objective_function_value


def cheapest_cost(instance: dict[str, Any], amounts: dict[str, int]) -> float:
    """The cheapest sourcing of exactly `amounts` (an LP; the transportation problem)."""
    costs = {(c["source"], c["point"]): c["cost"] for c in instance.get("costs") or []}
    total = 0.0
    for item in {d["item"] for d in instance["demands"]}:
        supply = {s["source"]: s["qty"] for s in instance["supplies"] if s["item"] == item}
        lines = [
            d for d in instance["demands"] if d["item"] == item and amounts.get(d["id"], 0) > 0
        ]
        if not lines:
            continue
        h, x = _model(instance, item, lines, supply)
        for d in lines:
            h.addConstr(sum(v for (lid, _), v in x.items() if lid == d["id"]) == amounts[d["id"]])
        objective = sum(
            costs.get((s, next(dd["point"] for dd in lines if dd["id"] == lid)), 0.0) * v
            for (lid, s), v in x.items()
        )
        h.minimize(objective)
        total += h.getInfo().objective_function_value
    return total
