"""The routing problem and its solution as plain data, and an independent checker.

Every number is an integer in the instance's own unit (metres and seconds for plans, the
benchmark's scaled distances for VRPLIB files); `scale` says how to print a cost (10 for the
Solomon DIMACS convention: distances were multiplied by 10 and truncated). Location 0 is the
depot; locations 1..n are the stops.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

IntMatrix = npt.NDArray[np.int64]
UNBOUNDED = 2**62


class ProblemError(ValueError):
    """The problem is malformed; `problems` lists (field, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{f}: {m}" for f, m in problems))
        self.problems = problems


@dataclass(frozen=True)
class VehicleType:
    count: int
    capacity: tuple[int, ...]
    name: str = ""


@dataclass
class Problem:
    """A depot, stops with demand (one or more dimensions), time windows and service times,
    and a fleet of vehicle types."""

    distance: IntMatrix
    duration: IntMatrix
    demand: list[tuple[int, ...]]
    vehicle_types: list[VehicleType]
    time_windows: list[tuple[int, int]] | None = None
    service: list[int] | None = None
    coords: list[tuple[float, float]] | None = None
    names: list[str] | None = None
    scale: int = 1
    name: str = ""

    @property
    def size(self) -> int:
        return int(self.distance.shape[0])

    @property
    def dimensions(self) -> int:
        return len(self.vehicle_types[0].capacity) if self.vehicle_types else 0

    def window(self, loc: int) -> tuple[int, int]:
        return self.time_windows[loc] if self.time_windows else (0, UNBOUNDED)

    def service_time(self, loc: int) -> int:
        return self.service[loc] if self.service else 0

    def validate(self) -> None:
        """Raise ProblemError naming every field that is wrong."""
        problems: list[tuple[str, str]] = []
        n = self.size
        if self.distance.shape != (n, n) or self.duration.shape != (n, n):
            problems.append(("distance", "distance and duration must be square and equal"))
        if n < 2:
            problems.append(("stops", "at least one stop is needed"))
        if len(self.demand) != n:
            problems.append(("demand", "one demand per location"))
        if not self.vehicle_types or sum(v.count for v in self.vehicle_types) < 1:
            problems.append(("fleet", "at least one vehicle is needed"))
        dims = self.dimensions
        for v in self.vehicle_types:
            if len(v.capacity) != dims or min(v.capacity, default=0) < 0 or v.count < 0:
                problems.append(("fleet", "capacities must be non-negative, same dimensions"))
                break
        if problems:
            raise ProblemError(problems)
        if (self.distance < 0).any() or (self.duration < 0).any():
            problems.append(("distance", "distances and durations must be non-negative"))
        for loc, d in enumerate(self.demand):
            if len(d) != dims or min(d, default=0) < 0:
                problems.append((f"stops[{loc}].demand", "wrong dimensions or negative"))
                continue
            if loc and not any(
                all(q <= c for q, c in zip(d, v.capacity, strict=True))
                for v in self.vehicle_types
                if v.count
            ):
                problems.append((f"stops[{loc}].demand", "larger than any vehicle's capacity"))
        for dim in range(dims):
            total = sum(d[dim] for d in self.demand)
            room = sum(v.count * v.capacity[dim] for v in self.vehicle_types)
            if total > room:
                problems.append(
                    ("fleet", f"total demand {total} exceeds the fleet's capacity {room}")
                )
        if self.time_windows is not None:
            for loc, (early, late) in enumerate(self.time_windows):
                if early > late or early < 0:
                    problems.append((f"stops[{loc}].time_window", "opens after it closes"))
        if problems:
            raise ProblemError(problems)


@dataclass
class Route:
    vehicle_type: int
    stops: list[int]
    distance: int = 0
    load: tuple[int, ...] = ()
    arrivals: list[int] = field(default_factory=list)
    end: int = 0


@dataclass
class Solution:
    routes: list[Route]
    cost: int
    feasible: bool
    iterations: int = 0
    seconds: float = 0.0

    def display_cost(self, scale: int) -> str:
        return format_cost(self.cost, scale)


def format_cost(cost: int, scale: int) -> str:
    if scale == 1:
        return str(cost)
    digits = len(str(scale)) - 1
    return f"{cost / scale:.{digits}f}"


def check(problem: Problem, routes: list[list[int]], types: list[int] | None = None) -> Checked:
    """Recompute cost, loads and schedule of `routes` (stop lists, depot not included) from the
    matrices alone, and list every broken rule. Independent of the solver."""
    types = types or [0] * len(routes)
    violations: list[str] = []
    seen: dict[int, int] = {}
    used = [0] * len(problem.vehicle_types)
    cost = 0
    schedules: list[Route] = []
    for r, (stops, vt) in enumerate(zip(routes, types, strict=True)):
        used[vt] += 1
        vehicle = problem.vehicle_types[vt]
        load = [0] * problem.dimensions
        depot_early, depot_late = problem.window(0)
        time, prev, distance, arrivals = depot_early, 0, 0, []
        for loc in stops:
            if not 1 <= loc < problem.size:
                violations.append(f"route {r}: unknown stop {loc}")
                continue
            seen[loc] = seen.get(loc, 0) + 1
            for k, q in enumerate(problem.demand[loc]):
                load[k] += q
            distance += int(problem.distance[prev, loc])
            early, late = problem.window(loc)
            time = max(time + int(problem.duration[prev, loc]), early)
            if time > late:
                violations.append(f"route {r}: stop {loc} starts at {time} after {late}")
            arrivals.append(time)
            time += problem.service_time(loc)
            prev = loc
        distance += int(problem.distance[prev, 0])
        time += int(problem.duration[prev, 0])
        if time > depot_late:
            violations.append(f"route {r}: back at the depot at {time} after {depot_late}")
        for k, q in enumerate(load):
            if q > vehicle.capacity[k]:
                violations.append(f"route {r}: load {q} over capacity {vehicle.capacity[k]}")
        cost += distance
        schedules.append(Route(vt, list(stops), distance, tuple(load), arrivals, time))
    for vt, n in enumerate(used):
        if n > problem.vehicle_types[vt].count:
            violations.append(f"vehicle type {vt}: {n} routes, {problem.vehicle_types[vt].count}")
    for loc in range(1, problem.size):
        if seen.get(loc, 0) != 1:
            violations.append(f"stop {loc} visited {seen.get(loc, 0)} times")
    return Checked(cost=cost, violations=violations, routes=schedules)


@dataclass
class Checked:
    cost: int
    violations: list[str]
    routes: list[Route]
