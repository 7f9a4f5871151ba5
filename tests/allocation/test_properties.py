"""Property tests on small random instances: every result keeps the contract's feasibility
rules; priority_leximin's fill vector per class matches an independent reference within the
rounding rule; strict class priority holds; sourcing is (nearly) the cheapest."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liangcao.allocation.engine import solve_json
from tests.allocation.reference import cheapest_cost, reference_levels


@st.composite
def instances(draw: st.DrawFn) -> dict[str, Any]:
    n_sources = draw(st.integers(1, 3))
    n_lines = draw(st.integers(1, 6))
    items = ["A", "B"][: draw(st.integers(1, 2))]
    sources = [f"s{i}" for i in range(n_sources)]
    supplies = [
        {"source": s, "item": it, "qty": draw(st.integers(0, 60))} for s in sources for it in items
    ]
    demands, costs = [], []
    for i in range(n_lines):
        point = f"p{i}"
        demands.append(
            {
                "id": f"d{i}",
                "point": point,
                "region": ["city", f"r{draw(st.integers(0, 1))}"],
                "item": draw(st.sampled_from(items)),
                "qty": draw(st.integers(0, 40)),
                "class": draw(st.integers(1, 3)),
            }
        )
        for s in sources:
            if draw(st.booleans()):
                costs.append({"source": s, "point": point, "cost": float(draw(st.integers(1, 9)))})
    return {
        "supplies": supplies,
        "demands": demands,
        "costs": costs,
        "policy": {"name": "priority_leximin", "region_floor": None},
    }


def check_feasible(instance: dict[str, Any], result: dict[str, Any]) -> None:
    demands = {d["id"]: d for d in instance["demands"]}
    assert sorted(ln["demand"] for ln in result["lines"]) == sorted(demands)
    allowed = {(c["source"], c["point"]) for c in instance["costs"]}
    supply = {(s["source"], s["item"]): s["qty"] for s in instance["supplies"]}
    used: dict[tuple[str, str], int] = defaultdict(int)
    per_line: dict[str, int] = defaultdict(int)
    for a in result["allocations"]:
        d = demands[a["demand"]]
        assert isinstance(a["qty"], int) and a["qty"] > 0
        assert (a["source"], d["point"]) in allowed
        used[(a["source"], d["item"])] += a["qty"]
        per_line[a["demand"]] += a["qty"]
    for key, qty in used.items():
        assert qty <= supply.get(key, 0)
    for line in result["lines"]:
        d = demands[line["demand"]]
        assert line["allocated"] == per_line[line["demand"]] <= d["qty"]


def check_strict_priority(instance: dict[str, Any], result: dict[str, Any]) -> None:
    """A line short by 2 units or more (beyond rounding) has no lower class drawing on a source
    it could use: moving a unit would lift it without lowering anyone of its class."""
    demands = {d["id"]: d for d in instance["demands"]}
    allowed = {(c["source"], c["point"]) for c in instance["costs"]}
    got = {ln["demand"]: ln["allocated"] for ln in result["lines"]}
    for d in instance["demands"]:
        if d["qty"] - got[d["id"]] < 2:
            continue
        for a in result["allocations"]:
            other = demands[a["demand"]]
            if other["item"] == d["item"] and other["class"] > d["class"]:
                assert (a["source"], d["point"]) not in allowed, (d["id"], a)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_leximin_matches_the_reference_and_keeps_every_rule(instance: dict[str, Any]) -> None:
    result = solve_json(instance)
    check_feasible(instance, result)
    check_strict_priority(instance, result)
    reference = reference_levels(instance)
    fills = {ln["demand"]: ln["fill"] for ln in result["lines"]}
    for klass in {d["class"] for d in instance["demands"]}:
        members = [d for d in instance["demands"] if d["class"] == klass and d["qty"] > 0]
        if not members:
            continue
        tolerance = 1.0 / min(d["qty"] for d in members) + 1e-6
        ours = sorted(fills[d["id"]] for d in members)
        theirs = sorted(reference[d["id"]] for d in members)
        assert all(abs(a - b) <= tolerance for a, b in zip(ours, theirs, strict=True)), (
            klass,
            ours,
            theirs,
        )
    # Every line within one unit of its continuous optimum.
    for d in instance["demands"]:
        if d["qty"]:
            allocated = round(fills[d["id"]] * d["qty"])
            assert abs(allocated - reference[d["id"]] * d["qty"]) <= 1 + 1e-6, d
    amounts = {ln["demand"]: ln["allocated"] for ln in result["lines"]}
    assert result["metrics"]["transport_cost"] <= 1.01 * cheapest_cost(instance, amounts) + 1e-6


@settings(max_examples=80, deadline=None)
@given(instances(), st.sampled_from(["proportional", "fcfs"]))
def test_baselines_keep_every_rule(instance: dict[str, Any], policy: str) -> None:
    result = solve_json(instance, policy=policy)
    assert result["policy"] == policy
    check_feasible(instance, result)
