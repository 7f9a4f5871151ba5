"""Nearest-neighbour construction: the benchmark's baseline (and a sanity check for the solver).

From the depot, go to the nearest unvisited stop that still fits the vehicle's load and whose
time window can still be met (with the return to the depot in time); when none fits, return to
the depot and start the next vehicle. Vehicles are used largest first; when the fleet runs
out, more of the largest type are added and the solution is reported infeasible.
"""

from __future__ import annotations

from liangcao.logistics.routing.problem import Problem, Solution, check


def nearest_neighbour(problem: Problem) -> Solution:
    problem.validate()
    left = set(range(1, problem.size))
    vehicles = sorted(
        (i for i, v in enumerate(problem.vehicle_types) for _ in range(v.count)),
        key=lambda i: problem.vehicle_types[i].capacity,
        reverse=True,
    )
    routes: list[list[int]] = []
    types: list[int] = []
    depot_early, depot_late = problem.window(0)
    extra = vehicles[0] if vehicles else 0
    for k in range(problem.size):  # past the fleet: more vehicles of the largest type
        if not left:
            break
        vt = vehicles[k] if k < len(vehicles) else extra
        capacity = problem.vehicle_types[vt].capacity
        load = [0] * problem.dimensions
        time, here, route = depot_early, 0, []
        while True:
            best, best_d = None, None
            for loc in left:
                if any(load[k] + q > capacity[k] for k, q in enumerate(problem.demand[loc])):
                    continue
                early, late = problem.window(loc)
                start = max(time + int(problem.duration[here, loc]), early)
                back = start + problem.service_time(loc) + int(problem.duration[loc, 0])
                if start > late or back > depot_late:
                    continue
                d = int(problem.distance[here, loc])
                if best_d is None or d < best_d or (d == best_d and loc < best):  # type: ignore[operator]
                    best, best_d = loc, d
            if best is None:
                break
            early, _late = problem.window(best)
            time = max(time + int(problem.duration[here, best]), early)
            time += problem.service_time(best)
            for k, q in enumerate(problem.demand[best]):
                load[k] += q
            route.append(best)
            left.discard(best)
            here = best
        if not route:  # what is left cannot be reached in time: one route each
            routes.extend([loc] for loc in sorted(left))
            types.extend([vt] * len(left))
            break
        routes.append(route)
        types.append(vt)
    checked = check(problem, routes, types)
    return Solution(routes=checked.routes, cost=checked.cost, feasible=not checked.violations)
