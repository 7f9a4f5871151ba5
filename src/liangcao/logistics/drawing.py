"""The route map as inline SVG (no map tiles): depot and stops projected from latitude and
longitude onto a square, one coloured polyline per route."""

from __future__ import annotations

import math
from dataclasses import dataclass

SIZE = 1000
MARGIN = 40


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    label: str
    title: str
    colour: str


@dataclass(frozen=True)
class Line:
    points: str
    colour: str
    number: int


def colour(k: int) -> str:
    """A distinct hue per route number (golden-angle steps)."""
    return f"hsl({(k * 137) % 360}, 70%, 40%)"


def route_map(
    depot: tuple[float, float],
    stops: list[tuple[float, float, str, int | None, int | None]],
    routes: list[list[int]],
) -> tuple[list[Line], list[Marker], Marker]:
    """`depot` (lat, lon); `stops` (lat, lon, title, route, position) in stop order; `routes`
    list stop indices (0-based) per route. Returns polylines, stop markers and the depot."""
    lats = [depot[0]] + [s[0] for s in stops]
    lons = [depot[1]] + [s[1] for s in stops]
    squeeze = math.cos(math.radians(sum(lats) / len(lats)))
    xs = [lon * squeeze for lon in lons]
    span = max(max(xs) - min(xs), max(lats) - min(lats), 1e-9)
    scale = (SIZE - 2 * MARGIN) / span

    def at(lat: float, lon: float) -> tuple[float, float]:
        return (
            round(MARGIN + (lon * squeeze - min(xs)) * scale, 1),
            round(SIZE - MARGIN - (lat - min(lats)) * scale, 1),
        )

    dx, dy = at(*depot)
    lines = []
    for k, route in enumerate(routes, start=1):
        pts = [(dx, dy)] + [at(stops[i][0], stops[i][1]) for i in route] + [(dx, dy)]
        lines.append(Line(" ".join(f"{x},{y}" for x, y in pts), colour(k), k))
    markers = []
    for lat, lon, title, route_no, position in stops:
        x, y = at(lat, lon)
        label = f"{route_no}.{position}" if route_no else "?"
        markers.append(Marker(x, y, label, title, colour(route_no) if route_no else "#999"))
    return lines, markers, Marker(dx, dy, "D", "", "#000")
