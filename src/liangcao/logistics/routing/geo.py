"""Distances and travel times from coordinates: great-circle (haversine) distance × a road
factor, in whole metres and seconds. A road-network matrix, when supplied, replaces this."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from liangcao.logistics.routing.problem import IntMatrix

EARTH_RADIUS_M = 6_371_000.0


def haversine_matrix(points: Sequence[tuple[float, float]]) -> np.ndarray:
    """Great-circle distances in metres between (latitude, longitude) points."""
    pts = np.radians(np.asarray(points, dtype=float).reshape(-1, 2))
    lat, lon = pts[:, 0:1], pts[:, 1:2]
    dlat = lat.T - lat
    dlon = lon.T - lon
    a = np.sin(dlat / 2) ** 2 + np.cos(lat) * np.cos(lat.T) * np.sin(dlon / 2) ** 2
    result: np.ndarray = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return result


def road_matrices(
    points: Sequence[tuple[float, float]], *, road_factor: float, speed_kmh: float
) -> tuple[IntMatrix, IntMatrix]:
    """(distance in metres, duration in seconds) by road, estimated from coordinates."""
    metres = haversine_matrix(points) * road_factor
    seconds = metres / (speed_kmh / 3.6)
    return np.rint(metres).astype(np.int64), np.rint(seconds).astype(np.int64)
