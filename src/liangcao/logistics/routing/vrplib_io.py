"""Read standard benchmark files into a `Problem`, with each set's cost convention.

- CVRPLIB (`.vrp`, e.g. the X set): Euclidean distances rounded to the nearest integer
  (TSPLIB EUC_2D); cost = total distance.
- Solomon VRPTW (`.txt`): the DIMACS convention of the best-known results: every distance and
  time is truncated to one decimal (stored ×10 as integers, so `scale` = 10); cost = total
  distance, vehicle limit and capacity from the file header.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import vrplib

from liangcao.logistics.routing.problem import Problem, VehicleType


def is_solomon(path: Path) -> bool:
    return path.suffix.lower() == ".txt"


def read(path: str | Path) -> Problem:
    path = Path(path)
    if is_solomon(path):
        return _solomon(path, vrplib.read_instance(str(path), instance_format="solomon"))
    return _cvrp(path, vrplib.read_instance(str(path)))


def _cvrp(path: Path, inst: dict[str, Any]) -> Problem:
    weight_type = str(inst.get("edge_weight_type", "EUC_2D"))
    if weight_type != "EUC_2D":
        raise ValueError(f"{path.name}: only EUC_2D instances are supported, not {weight_type}")
    depots = np.atleast_1d(inst.get("depot", np.array([0])))
    if depots.size != 1 or int(depots[0]) != 0:
        raise ValueError(f"{path.name}: exactly one depot, listed first, is supported")
    distance = np.round(inst["edge_weight"]).astype(np.int64)
    n = distance.shape[0]
    vehicles = int(inst.get("vehicles", n - 1))
    coords = [(float(x), float(y)) for x, y in inst["node_coord"]]
    return Problem(
        distance=distance,
        duration=distance,
        demand=[(int(q),) for q in inst["demand"]],
        vehicle_types=[VehicleType(count=vehicles, capacity=(int(inst["capacity"]),))],
        coords=coords,
        names=[str(i) for i in range(n)],
        scale=1,
        name=str(inst.get("name", path.stem)),
    )


def _solomon(path: Path, inst: dict[str, Any]) -> Problem:
    def dimacs(values: Any) -> Any:
        return (10 * np.asarray(values, dtype=float)).astype(np.int64)

    distance = dimacs(inst["edge_weight"])
    n = distance.shape[0]
    windows = dimacs(inst["time_window"])
    service = dimacs(inst["service_time"])
    return Problem(
        distance=distance,
        duration=distance,
        demand=[(int(q),) for q in inst["demand"]],
        vehicle_types=[VehicleType(count=int(inst["vehicles"]), capacity=(int(inst["capacity"]),))],
        time_windows=[(int(a), int(b)) for a, b in windows],
        service=[int(s) for s in service],
        coords=[(float(x), float(y)) for x, y in inst["node_coord"]],
        names=[str(i) for i in range(n)],
        scale=10,
        name=str(inst.get("name", path.stem)),
    )
