"""Route planning: a pure solver package (no Django). `Problem` in, `Solution` out; PyVRP does
the search. `python -m liangcao.logistics.routing solve FILE --seconds N` runs it on a VRPLIB
or Solomon file (docs/routing.md)."""

from liangcao.logistics.routing.problem import (
    Problem,
    ProblemError,
    Route,
    Solution,
    VehicleType,
    check,
    format_cost,
)

__all__ = [
    "Problem",
    "ProblemError",
    "Route",
    "Solution",
    "VehicleType",
    "check",
    "format_cost",
]
