"""Why each line got what it got, in Chinese and English."""

from __future__ import annotations

from typing import TYPE_CHECKING

from liangcao.allocation.engine.model import Demand, Instance, Reason

if TYPE_CHECKING:
    from liangcao.allocation.engine.solver import ItemProblem


def _reachable_supply(instance: Instance, d: Demand) -> int:
    return sum(
        s.qty for s in instance.supplies if s.item == d.item and instance.allowed(s.source, d.point)
    )


def line_reason(
    instance: Instance, d: Demand, allocated: int, level: float, problem: ItemProblem | None
) -> Reason:
    """The binding reason: met in full, unreachable, waiting for a higher class, raised to the
    region floor, or cut to the shared fill level because the reachable supply ran out."""
    if d.qty == 0 or allocated >= d.qty:
        return Reason("met_in_full", None, "Met in full.", "已全额满足。")
    if _reachable_supply(instance, d) == 0:
        return Reason(
            "unreachable",
            None,
            f"No allowed source holds {d.item} for {d.point}.",
            f"没有可向 {d.point} 供应 {d.item} 的来源。",
        )
    higher = problem is not None and any(
        other.klass < d.klass
        for other in problem.lines
        if any(
            instance.allowed(s, other.point) and instance.allowed(s, d.point)
            for s in problem.sources
        )
    )
    if level <= 1e-9 and higher and instance.policy != "fcfs":
        return Reason(
            "lower_class_first",
            None,
            f"Waiting: higher-priority lines took the {d.item} within reach.",
            f"等待：可达的 {d.item} 已优先保障更高优先级的需求。",
        )
    rounded = round(level, 4)
    if problem is not None and instance.region_floor and problem.floored and _in_floor(problem, d):
        return Reason(
            "region_floor",
            rounded,
            f"Raised to its region's floor; fill {rounded:.0%}.",
            f"按区域保底量保障；满足率 {rounded:.0%}。",
        )
    return Reason(
        "supply_exhausted",
        rounded,
        f"Cut to the shared fill level {rounded:.1%}: the {d.item} within reach is exhausted.",
        f"可达的 {d.item} 已分配完，按共同满足率 {rounded:.1%} 分配。",
    )


def _in_floor(problem: ItemProblem, d: Demand) -> bool:
    return any(problem.lines[i].id == d.id for i in problem.floored)
