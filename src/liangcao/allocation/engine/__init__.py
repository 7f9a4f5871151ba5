"""The pure allocation engine: no Django import. `solve_json(dict) -> dict` is the contract of
allocation-format.md; `solve_instance` works on the dataclasses."""

from __future__ import annotations

from typing import Any

from liangcao.allocation.engine.model import InstanceError, parse_instance, result_to_json
from liangcao.allocation.engine.solver import solve_instance

__all__ = ["InstanceError", "parse_instance", "solve_instance", "solve_json"]


def solve_json(data: Any, *, policy: str | None = None) -> dict[str, Any]:
    """Validate and solve a JSON instance; raises InstanceError on a bad one."""
    return result_to_json(solve_instance(parse_instance(data, policy=policy)))
