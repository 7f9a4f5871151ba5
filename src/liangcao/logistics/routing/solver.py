"""Solve a `Problem` with PyVRP's iterated local search under a time limit.

Seeded: the same seed and the same number of iterations give the same routes. A wall-clock
limit (`seconds`) stops after however many iterations fit, so on a busy machine the result can
differ; `iterations` caps the count as well, for runs that must repeat exactly.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
from pyvrp import Client, Depot, Location, ProblemData
from pyvrp import VehicleType as PyVehicleType
from pyvrp import solve as pyvrp_solve

from liangcao.logistics.routing.problem import UNBOUNDED, Problem, Route, Solution

Progress = Callable[[float], None]


class _Stop:
    """Stopping criterion: a time limit counted from `started` (so building the model is inside
    the limit) and an optional iteration cap; reports the fraction of the time used (at most
    every `every` seconds) to `progress`."""

    def __init__(
        self,
        seconds: float,
        iterations: int | None,
        progress: Progress | None,
        started: float,
        every: float = 0.5,
    ) -> None:
        self.seconds = seconds
        self.iterations = iterations
        self.progress = progress
        self.every = every
        self.count = 0
        self.started = started
        self.reported = 0.0

    def __call__(self, best_cost: float) -> bool:
        now = time.perf_counter()
        elapsed = now - self.started
        self.count += 1
        if self.progress is not None and elapsed - self.reported >= self.every:
            self.reported = elapsed
            self.progress(min(elapsed / self.seconds, 1.0) if self.seconds > 0 else 1.0)
        if self.iterations is not None and self.count > self.iterations:
            return True
        return elapsed > self.seconds


def problem_data(problem: Problem) -> ProblemData:
    """The PyVRP model of `problem` (location i ↦ client i - 1; one depot at location 0)."""
    n = problem.size
    coords = problem.coords or [(0.0, 0.0)] * n
    locations = [Location(x=float(x), y=float(y)) for x, y in coords]
    early, late = problem.window(0)
    depots = [Depot(location=0, tw_early=early, tw_late=min(late, UNBOUNDED))]
    clients = []
    for loc in range(1, n):
        early, late = problem.window(loc)
        clients.append(
            Client(
                location=loc,
                delivery=list(problem.demand[loc]),
                service_duration=problem.service_time(loc),
                tw_early=early,
                tw_late=min(late, UNBOUNDED),
                name=problem.names[loc] if problem.names else "",
            )
        )
    vehicle_types = [
        PyVehicleType(num_available=v.count, capacity=list(v.capacity), name=v.name or str(i))
        for i, v in enumerate(problem.vehicle_types)
        if v.count > 0
    ]
    return ProblemData(
        locations=locations,
        clients=clients,
        depots=depots,
        vehicle_types=vehicle_types,
        distance_matrices=[_matrix(problem.distance)],
        duration_matrices=[_matrix(problem.duration)],
    )


def _matrix(values: np.ndarray) -> Any:
    return np.ascontiguousarray(values, dtype=np.int64)


def solve(
    problem: Problem,
    *,
    seconds: float,
    seed: int = 1,
    iterations: int | None = None,
    progress: Progress | None = None,
) -> Solution:
    """Best routes found within `seconds` (and `iterations`, if given)."""
    problem.validate()
    started = time.perf_counter()
    data = problem_data(problem)
    # PyVRP numbers only the vehicle types with vehicles; map back to the problem's indices.
    type_index = [i for i, v in enumerate(problem.vehicle_types) if v.count > 0]
    stop = _Stop(seconds, iterations, progress, started)
    result = pyvrp_solve(data, stop=stop, seed=seed, collect_stats=False, display=False)
    best = result.best
    routes = []
    for route in best.routes():
        stops = [act.idx + 1 for act in route if act.is_client()]
        routes.append(
            Route(
                vehicle_type=type_index[route.vehicle_type()],
                stops=stops,
                distance=int(route.distance()),
                load=tuple(int(q) for q in route.delivery()),
                arrivals=[act.start_time for act in route if act.is_client()],
                end=int(route.end_time()),
            )
        )
    return Solution(
        routes=routes,
        cost=int(best.distance_cost()),
        feasible=bool(best.is_feasible()),
        iterations=stop.count,
        seconds=round(time.perf_counter() - started, 3),
    )


def solve_portfolio(
    problem: Problem,
    *,
    seconds: float,
    seeds: list[int],
    iterations: int | None = None,
) -> Solution:
    """Solve with several seeds at once, one process each, and keep the best feasible answer
    (lowest cost; ties to the earlier seed). On an n-core machine n seeds cost no more wall
    time than one; with one seed this is `solve` itself."""
    if len(seeds) <= 1:
        return solve(problem, seconds=seconds, seed=seeds[0] if seeds else 1, iterations=iterations)
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=len(seeds)) as pool:
        futures = [pool.submit(_solve_seed, problem, seconds, seed, iterations) for seed in seeds]
        answers = [f.result() for f in futures]
    return min(answers, key=lambda s: (not s.feasible, s.cost))


def _solve_seed(problem: Problem, seconds: float, seed: int, iterations: int | None) -> Solution:
    return solve(problem, seconds=seconds, seed=seed, iterations=iterations)
