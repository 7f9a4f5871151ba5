"""The Django side's one door to the pure engine: a JSON instance in, a JSON result out
(allocation-format.md), so that runs are stored, replayed and compared between policies."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from liangcao.allocation.engine import InstanceError, solve_json
from liangcao.allocation.texts import problem_message
from liangcao.core.errors import FieldError, Invalid


def solve(instance: dict[str, Any], *, policy: str) -> dict[str, Any]:
    """Solve with a policy. Raises Invalid naming each problem of a malformed instance."""
    try:
        return solve_json(instance, policy=policy)
    except InstanceError as exc:
        raise Invalid(
            _("The allocation instance is invalid"),
            [FieldError(p.field, problem_message(p)) for p in exc.problems],
        ) from None
