"""The pure routing package: solutions are checked against the problem's rules, independently
of the solver (problem.check recomputes loads, schedule and cost from the matrices)."""

from __future__ import annotations

import itertools
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from liangcao.logistics.routing import Problem, ProblemError, VehicleType, check, format_cost
from liangcao.logistics.routing.baseline import nearest_neighbour
from liangcao.logistics.routing.generate import generate
from liangcao.logistics.routing.geo import haversine_matrix, road_matrices
from liangcao.logistics.routing.solver import solve
from liangcao.logistics.routing.vrplib_io import read

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "bench-data" / "routing"
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason="bench data (../shared) not present")


def assert_valid(problem: Problem, solution_routes: list[list[int]], types: list[int]) -> int:
    checked = check(problem, solution_routes, types)
    assert checked.violations == []
    return checked.cost


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_instances_respect_capacity_and_time_windows(seed: int) -> None:
    problem = generate(stops=60, seed=seed, capacity=100)
    solution = solve(problem, seconds=1.0, seed=seed)
    assert solution.feasible
    routes = [r.stops for r in solution.routes]
    types = [r.vehicle_type for r in solution.routes]
    cost = assert_valid(problem, routes, types)
    assert cost == solution.cost
    for route in solution.routes:  # the solver's own schedule agrees with the checker's
        assert route.load[0] <= 100
        for loc, start in zip(route.stops, route.arrivals, strict=True):
            early, late = problem.window(loc)
            assert early <= start <= late
    # Better than the naive construction, which is itself valid.
    base = nearest_neighbour(problem)
    assert base.feasible and solution.cost < base.cost


def test_tight_windows_and_mixed_fleet_are_respected() -> None:
    """Two vehicle types and two load dimensions (kg, litres): each route within its type."""
    problem = generate(stops=40, seed=9, capacity=100)
    problem.vehicle_types = [
        VehicleType(count=3, capacity=(60, 500)),
        VehicleType(count=30, capacity=(100, 200)),
    ]
    problem.demand = [(d[0], (7 * i) % 40) for i, d in enumerate(problem.demand)]
    problem.demand[0] = (0, 0)
    solution = solve(problem, seconds=1.0, seed=4)
    assert solution.feasible
    types = [r.vehicle_type for r in solution.routes]
    assert_valid(problem, [r.stops for r in solution.routes], types)
    assert types.count(0) <= 3


def test_the_checker_catches_broken_routes() -> None:
    """The checker itself goes red on over-capacity, late stops and missed stops."""
    problem = generate(stops=10, seed=5, capacity=100)
    everything = [list(range(1, 11))]
    assert any("over capacity" in v or "after" in v for v in check(problem, everything).violations)
    assert any("visited 0 times" in v for v in check(problem, [[1]]).violations)


def test_same_seed_and_iterations_give_the_same_routes() -> None:
    problem = generate(stops=50, seed=11)
    a = solve(problem, seconds=30, seed=7, iterations=300)
    b = solve(problem, seconds=30, seed=7, iterations=300)
    assert [r.stops for r in a.routes] == [r.stops for r in b.routes]
    assert a.cost == b.cost


def test_bad_problems_name_the_field() -> None:
    problem = generate(stops=5, seed=1, capacity=100)
    problem.demand[3] = (500,)
    with pytest.raises(ProblemError) as err:
        solve(problem, seconds=1)
    assert ("stops[3].demand", "larger than any vehicle's capacity") in err.value.problems
    problem = generate(stops=5, seed=1, capacity=100, vehicles=1)
    problem.demand = [(0,)] + [(60,)] * 5
    with pytest.raises(ProblemError) as err:
        solve(problem, seconds=1)
    assert err.value.problems[0][0] == "fleet"


def test_haversine_and_road_factor() -> None:
    # Beijing (Tiananmen) to Shanghai (People's Square): about 1,068 km great-circle.
    d = haversine_matrix([(39.9087, 116.3975), (31.2304, 121.4737)])
    assert d[0, 0] == 0 and abs(d[0, 1] - 1_068_000) < 5_000 and d[0, 1] == d[1, 0]
    metres, seconds = road_matrices([(0.0, 0.0), (0.0, 0.01)], road_factor=1.3, speed_kmh=36)
    assert abs(metres[0, 1] - 1.3 * 1112) < 3 and abs(seconds[0, 1] - metres[0, 1] / 10) <= 1


@pytest.mark.stress
def test_a_thousand_stops_finish_within_the_time_limit() -> None:
    problem = generate(stops=1000, seed=3, capacity=100)
    limit = 5.0
    started = time.perf_counter()
    solution = solve(problem, seconds=limit, seed=1)
    elapsed = time.perf_counter() - started
    assert elapsed < limit + 0.5, elapsed
    assert solution.feasible
    assert_valid(problem, [r.stops for r in solution.routes], [0] * len(solution.routes))


def run_cli(path: Path, seconds: str = "1") -> list[str]:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "liangcao.logistics.routing",
            "solve",
            str(path),
            "--seconds",
            seconds,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.strip().splitlines()


def independent_cost(path: Path, routes: list[list[int]]) -> str:
    """Recompute from the raw coordinates with plain Python (not the reader's matrices)."""
    lines = [line.strip() for line in path.read_text().splitlines()]
    if path.suffix == ".txt":  # Solomon: customer rows after the "CUST NO." header
        start = next(i for i, line in enumerate(lines) if line.startswith("CUST NO"))
        rows = [line.split() for line in lines[start + 1 :] if line.split()]
        xy = {int(r[0]): (float(r[1]), float(r[2])) for r in rows}

        def dist(a: int, b: int) -> int:  # tenths, truncated
            return int(10 * float(np.hypot(xy[a][0] - xy[b][0], xy[a][1] - xy[b][1])))

    else:  # CVRPLIB: NODE_COORD_SECTION, node 1 is the depot (route numbers are 0-based)
        start = next(i for i, line in enumerate(lines) if line.startswith("NODE_COORD_SECTION"))
        xy = {}
        for line in lines[start + 1 :]:
            parts = line.split()
            if not parts[0].isdigit():
                break
            xy[int(parts[0]) - 1] = (float(parts[1]), float(parts[2]))

        def dist(a: int, b: int) -> int:
            return round(float(np.hypot(xy[a][0] - xy[b][0], xy[a][1] - xy[b][1])))

    total = sum(dist(a, b) for route in routes for a, b in itertools.pairwise([0, *route, 0]))
    return f"{total // 10}.{total % 10}" if path.suffix == ".txt" else str(total)


@needs_data
@pytest.mark.parametrize("name", ["X-n101-k25.vrp", "C101.txt"])
def test_cli_prints_the_cost_of_its_routes(name: str) -> None:
    path = DATA / name
    lines = run_cli(path)
    assert lines[-1].startswith("cost=")
    routes = [
        [int(s) for s in line.split(":")[1].split()] for line in lines if line.startswith("Route #")
    ]
    assert sorted(s for r in routes for s in r) == list(range(1, 101))
    assert lines[-1] == f"cost={independent_cost(path, routes)}"
    problem = read(path)
    checked = check(problem, routes)
    assert checked.violations == []
    assert format_cost(checked.cost, problem.scale) == lines[-1].removeprefix("cost=")


def test_a_portfolio_of_seeds_keeps_the_best_of_them() -> None:
    """Two seeds solved in parallel processes: the answer is the better of the two single-seed
    answers (iteration caps make each run repeatable)."""
    from liangcao.logistics.routing.solver import solve_portfolio

    problem = generate(stops=40, seed=3, capacity=100)
    singles = [solve(problem, seconds=30, seed=s, iterations=200) for s in (4, 5)]
    best = solve_portfolio(problem, seconds=30, seeds=[4, 5], iterations=200)
    assert best.feasible
    assert best.cost == min(s.cost for s in singles if s.feasible)
    assert [r.stops for r in best.routes] in [[r.stops for r in s.routes] for s in singles]
