"""Random instances for tests: stops scattered round a depot on a plane, with demand, time
windows that a direct trip can always meet, and service times."""

from __future__ import annotations

import math
import random

import numpy as np

from liangcao.logistics.routing.problem import Problem, VehicleType


def generate(
    *,
    stops: int,
    seed: int = 1,
    vehicles: int | None = None,
    capacity: int = 100,
    windows: bool = True,
    horizon: int = 1000,
) -> Problem:
    rng = random.Random(seed)  # noqa: S311 (test data, not secrets)
    coords = [(50.0, 50.0)] + [(rng.uniform(0, 100), rng.uniform(0, 100)) for _ in range(stops)]
    pts = np.asarray(coords)
    distance = np.rint(np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1)))
    distance = distance.astype(np.int64)
    demand: list[tuple[int, ...]] = [(0,)]
    demand += [(rng.randint(1, capacity // 4),) for _ in range(stops)]
    service = [0] + [rng.randint(5, 15) for _ in range(stops)]
    tw: list[tuple[int, int]] = [(0, horizon)]
    for loc in range(1, stops + 1):
        direct = int(distance[0, loc])
        latest = horizon - service[loc] - direct
        early = rng.randint(direct, max(direct, latest - 60))
        tw.append((early, min(latest, early + rng.randint(60, 240))))
    needed = math.ceil(sum(d[0] for d in demand) / capacity)
    return Problem(
        distance=distance,
        duration=distance,
        demand=demand,
        vehicle_types=[VehicleType(count=vehicles or stops, capacity=(capacity,))],
        time_windows=tw if windows else None,
        service=service if windows else None,
        coords=coords,
        names=[str(i) for i in range(stops + 1)],
        name=f"generated-{stops}-{seed}-min{needed}",
    )
