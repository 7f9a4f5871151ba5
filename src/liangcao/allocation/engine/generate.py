"""Random instances for tests, benchmarks and the demo (deterministic from a seed)."""

from __future__ import annotations

import math
import random
from typing import Any


def generate(
    *,
    points: int,
    items: int,
    sources: int,
    scarcity: float,
    seed: int,
    density: float = 0.4,
    sparse: int | None = None,
    districts: int = 9,
) -> dict[str, Any]:
    """An instance: `points` demand points in `districts` regions, `items` items, `sources`
    depots; about `density` of the (point, item) pairs demanded; supply = `scarcity` × demand
    per item; costs = distance, all pairs (dense) or each point's `sparse` nearest sources."""
    rng = random.Random(seed)  # noqa: S311 - deterministic test data, not security
    where = {f"p{i}": (rng.random(), rng.random()) for i in range(points)}
    depots = {f"s{j}": (rng.random(), rng.random()) for j in range(sources)}
    demands = []
    totals = [0] * items
    for i, (point, (x, y)) in enumerate(where.items()):
        district = f"d{min(districts - 1, int(x * districts))}"
        street = f"{district}-s{int(y * 10)}"
        klass = rng.choices([1, 2, 3, 4], weights=[1, 2, 3, 6])[0]
        for k in range(items):
            if rng.random() < density:
                qty = rng.randint(1, 50) * 10
                totals[k] += qty
                demands.append(
                    {
                        "id": f"{point}/i{k}",
                        "point": point,
                        "region": ["city", district, street],
                        "item": f"i{k}",
                        "qty": qty,
                        "class": klass,
                    }
                )
        del i
    supplies = []
    for k in range(items):
        total = int(totals[k] * scarcity)
        shares = [rng.random() + 0.2 for _ in range(sources)]
        left = total
        for j, depot in enumerate(depots):
            qty = left if j == sources - 1 else int(total * shares[j] / sum(shares))
            left -= qty
            supplies.append({"source": depot, "item": f"i{k}", "qty": max(0, qty)})
    costs = []
    demanded = {d["point"] for d in demands}
    for point, (x, y) in where.items():
        if point not in demanded:
            continue
        ranked = sorted(depots, key=lambda d: math.dist((x, y), depots[d]))
        for depot in ranked[: sparse or sources]:
            costs.append(
                {
                    "source": depot,
                    "point": point,
                    "cost": round(100 * math.dist((x, y), depots[depot]), 3),
                }
            )
    return {
        "supplies": supplies,
        "demands": demands,
        "costs": costs,
        "policy": {"name": "priority_leximin", "region_floor": None},
    }
