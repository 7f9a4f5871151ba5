"""Instance and result types of the allocation engine, and the JSON contract's validation.

No Django here: dataclasses in, dataclasses out (see docs/allocation.md and the shared
allocation-format.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from dataclasses import field as _field  # `Problem` has an attribute named `field`
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


# What each problem of a bad instance says, by code. The CLI prints these English texts; the
# Django side renders the same codes in the reader's language (allocation/problems.py), so a
# new code needs a translation there (tests/allocation/test_problem_texts.py checks it).
PROBLEM_TEXTS = {
    "not_an_object": "must be an object",
    "empty_string": "a non-empty string",
    "not_a_count": "a non-negative integer",
    "duplicate_supply": "the same (source, item) twice",
    "duplicate_demand": "duplicate demand id",
    "bad_class": "a positive integer (1 is served first)",
    "not_a_string_list": "a list of strings",
    "negative_cost": "a non-negative number",
    "unknown_policy": "one of {choices}",
    "bad_fraction": "a number in [0, 1] or null",
}


@dataclass(frozen=True)
class Problem:
    """One problem of an instance: the field, the row it concerns (None: the whole instance),
    a stable code (PROBLEM_TEXTS) and the values its text names."""

    field: str
    id: str | None
    code: str
    params: dict[str, str] = _field(default_factory=dict)

    @property
    def message(self) -> str:
        return PROBLEM_TEXTS[self.code].format(**self.params)


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
        raise InstanceError([Problem("instance", None, "not_an_object")])
    supplies: list[Supply] = []
    seen_supply: set[tuple[str, str]] = set()
    for index, row in enumerate(data.get("supplies") or []):
        where = f"supplies[{index}]"
        if not isinstance(row, dict):
            problems.append(Problem("supplies", where, "not_an_object"))
            continue
        source, item, qty = row.get("source"), row.get("item"), row.get("qty")
        if not isinstance(source, str) or not source:
            problems.append(Problem("supplies.source", where, "empty_string"))
        if not isinstance(item, str) or not item:
            problems.append(Problem("supplies.item", where, "empty_string"))
        if not _int_qty(qty):
            problems.append(Problem("supplies.qty", f"{source}/{item}", "not_a_count"))
        key = (str(source), str(item))
        if key in seen_supply:
            problems.append(Problem("supplies", f"{source}/{item}", "duplicate_supply"))
        seen_supply.add(key)
        if isinstance(source, str) and isinstance(item, str) and _int_qty(qty):
            supplies.append(Supply(source, item, int(cast(int, qty))))
    demands: list[Demand] = []
    seen_ids: set[str] = set()
    for index, row in enumerate(data.get("demands") or []):
        if not isinstance(row, dict):
            problems.append(Problem("demands", f"demands[{index}]", "not_an_object"))
            continue
        ident = row.get("id")
        label = str(ident) if ident is not None else f"demands[{index}]"
        ok = True
        if not isinstance(ident, str) or not ident:
            problems.append(Problem("demands.id", label, "empty_string"))
            ok = False
        elif ident in seen_ids:
            problems.append(Problem("demands.id", label, "duplicate_demand"))
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
            problems.append(Problem("demands.point", label, "empty_string"))
            ok = False
        if not isinstance(item, str) or not item:
            problems.append(Problem("demands.item", label, "empty_string"))
            ok = False
        if not _int_qty(qty):
            problems.append(Problem("demands.qty", label, "not_a_count"))
            ok = False
        if not (isinstance(klass, int) and not isinstance(klass, bool) and klass >= 1):
            problems.append(Problem("demands.class", label, "bad_class"))
            ok = False
        if not isinstance(region, list) or not all(isinstance(r, str) for r in region):
            problems.append(Problem("demands.region", label, "not_a_string_list"))
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
                problems.append(Problem("costs", f"costs[{index}]", "not_an_object"))
                continue
            source, point, cost = row.get("source"), row.get("point"), row.get("cost")
            label = f"{source}->{point}"
            # A source with no supply row may stay in the road matrix (a depot that ran out):
            # it simply gives nothing.
            if not isinstance(source, str) or not source:
                problems.append(Problem("costs.source", label, "empty_string"))
            if not isinstance(point, str) or not point:
                problems.append(Problem("costs.point", label, "empty_string"))
            if not isinstance(cost, int | float) or isinstance(cost, bool) or cost < 0:
                problems.append(Problem("costs.cost", label, "negative_cost"))
                continue
            costs[(str(source), str(point))] = float(cost)
    spec = data.get("policy") or {}
    if not isinstance(spec, dict):
        problems.append(Problem("policy", None, "not_an_object"))
        spec = {}
    name = policy or spec.get("name") or "priority_leximin"
    if name not in POLICIES:
        problems.append(
            Problem("policy.name", None, "unknown_policy", {"choices": ", ".join(POLICIES)})
        )
    floor = spec.get("region_floor")
    if floor is not None and (
        not isinstance(floor, int | float) or isinstance(floor, bool) or not 0 <= floor <= 1
    ):
        problems.append(Problem("policy.region_floor", None, "bad_fraction"))
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
