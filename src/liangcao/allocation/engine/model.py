"""Instance and result types of the allocation engine, and the JSON contract's validation.

No Django here: dataclasses in, dataclasses out (see docs/allocation.md and the shared
allocation-format.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

POLICIES = ("priority_leximin", "proportional", "fcfs")


@dataclass(frozen=True)
class Supply:
    source: str
    item: str
    qty: int


@dataclass(frozen=True)
class Demand:
    id: str
    point: str
    region: tuple[str, ...]
    item: str
    qty: int
    klass: int


@dataclass(frozen=True)
class Instance:
    supplies: tuple[Supply, ...]
    demands: tuple[Demand, ...]
    costs: dict[tuple[str, str], float] | None  # None: every pair allowed at cost 0
    policy: str = "priority_leximin"
    region_floor: float | None = None

    def allowed(self, source: str, point: str) -> bool:
        return self.costs is None or (source, point) in self.costs

    def cost(self, source: str, point: str) -> float:
        return 0.0 if self.costs is None else self.costs.get((source, point), 0.0)


@dataclass(frozen=True)
class Reason:
    code: str
    level: float | None
    text_en: str
    text_zh: str


@dataclass(frozen=True)
class LineResult:
    demand: str
    allocated: int
    fill: float
    reason: Reason


@dataclass(frozen=True)
class Allocation:
    demand: str
    source: str
    qty: int


@dataclass
class Result:
    policy: str
    allocations: list[Allocation]
    lines: list[LineResult]
    metrics: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Problem:
    field: str
    id: str | None
    message: str


class InstanceError(ValueError):
    """A bad instance: every problem names the field and the id it concerns."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.field} [{p.id}]: {p.message}" for p in problems))


def _int_qty(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def parse_instance(data: Any, *, policy: str | None = None) -> Instance:
    """Validate a JSON instance (already decoded) and build an Instance.

    Raises InstanceError listing every problem (field, id, message); nothing is solved.
    """
    problems: list[Problem] = []
    if not isinstance(data, dict):
        raise InstanceError([Problem("instance", None, "must be a JSON object")])
    supplies: list[Supply] = []
    seen_supply: set[tuple[str, str]] = set()
    for index, row in enumerate(data.get("supplies") or []):
        where = f"supplies[{index}]"
        if not isinstance(row, dict):
            problems.append(Problem("supplies", where, "must be an object"))
            continue
        source, item, qty = row.get("source"), row.get("item"), row.get("qty")
        if not isinstance(source, str) or not source:
            problems.append(Problem("supplies.source", where, "a non-empty string"))
        if not isinstance(item, str) or not item:
            problems.append(Problem("supplies.item", where, "a non-empty string"))
        if not _int_qty(qty):
            problems.append(Problem("supplies.qty", f"{source}/{item}", "a non-negative integer"))
        key = (str(source), str(item))
        if key in seen_supply:
            problems.append(
                Problem("supplies", f"{source}/{item}", "the same (source, item) twice")
            )
        seen_supply.add(key)
        if isinstance(source, str) and isinstance(item, str) and _int_qty(qty):
            supplies.append(Supply(source, item, int(cast(int, qty))))
    demands: list[Demand] = []
    seen_ids: set[str] = set()
    for index, row in enumerate(data.get("demands") or []):
        if not isinstance(row, dict):
            problems.append(Problem("demands", f"demands[{index}]", "must be an object"))
            continue
        ident = row.get("id")
        label = str(ident) if ident is not None else f"demands[{index}]"
        ok = True
        if not isinstance(ident, str) or not ident:
            problems.append(Problem("demands.id", label, "a non-empty string"))
            ok = False
        elif ident in seen_ids:
            problems.append(Problem("demands.id", label, "duplicate demand id"))
            ok = False
        seen_ids.add(str(ident))
        point, item, qty, klass = (
            row.get("point"),
            row.get("item"),
            row.get("qty"),
            row.get("class"),
        )
        region = row.get("region") or []
        if not isinstance(point, str) or not point:
            problems.append(Problem("demands.point", label, "a non-empty string"))
            ok = False
        if not isinstance(item, str) or not item:
            problems.append(Problem("demands.item", label, "a non-empty string"))
            ok = False
        if not _int_qty(qty):
            problems.append(Problem("demands.qty", label, "a non-negative integer"))
            ok = False
        if not (isinstance(klass, int) and not isinstance(klass, bool) and klass >= 1):
            problems.append(
                Problem("demands.class", label, "a positive integer (1 is served first)")
            )
            ok = False
        if not isinstance(region, list) or not all(isinstance(r, str) for r in region):
            problems.append(Problem("demands.region", label, "a list of strings"))
            ok = False
        if ok:
            demands.append(
                Demand(
                    str(ident),
                    str(point),
                    tuple(region),
                    str(item),
                    int(cast(int, qty)),
                    int(cast(int, klass)),
                )
            )
    costs: dict[tuple[str, str], float] | None = None
    if data.get("costs") is not None:
        costs = {}
        for index, row in enumerate(data.get("costs") or []):
            if not isinstance(row, dict):
                problems.append(Problem("costs", f"costs[{index}]", "must be an object"))
                continue
            source, point, cost = row.get("source"), row.get("point"), row.get("cost")
            label = f"{source}->{point}"
            # A source with no supply row may stay in the road matrix (a depot that ran out):
            # it simply gives nothing.
            if not isinstance(source, str) or not source:
                problems.append(Problem("costs.source", label, "a non-empty string"))
            if not isinstance(point, str) or not point:
                problems.append(Problem("costs.point", label, "a non-empty string"))
            if not isinstance(cost, int | float) or isinstance(cost, bool) or cost < 0:
                problems.append(Problem("costs.cost", label, "a non-negative number"))
                continue
            costs[(str(source), str(point))] = float(cost)
    spec = data.get("policy") or {}
    if not isinstance(spec, dict):
        problems.append(Problem("policy", None, "must be an object"))
        spec = {}
    name = policy or spec.get("name") or "priority_leximin"
    if name not in POLICIES:
        problems.append(Problem("policy.name", None, f"one of {', '.join(POLICIES)}"))
    floor = spec.get("region_floor")
    if floor is not None and (
        not isinstance(floor, int | float) or isinstance(floor, bool) or not 0 <= floor <= 1
    ):
        problems.append(Problem("policy.region_floor", None, "a number in [0, 1] or null"))
        floor = None
    if problems:
        raise InstanceError(problems)
    return Instance(
        tuple(supplies), tuple(demands), costs, name, float(floor) if floor is not None else None
    )


def result_to_json(result: Result) -> dict[str, Any]:
    return {
        "policy": result.policy,
        "allocations": [
            {"demand": a.demand, "source": a.source, "qty": a.qty} for a in result.allocations
        ],
        "lines": [
            {
                "demand": ln.demand,
                "allocated": ln.allocated,
                "fill": ln.fill,
                "reason": {
                    "code": ln.reason.code,
                    "level": ln.reason.level,
                    "text_en": ln.reason.text_en,
                    "text_zh": ln.reason.text_zh,
                },
            }
            for ln in result.lines
        ],
        "metrics": result.metrics,
    }
