"""What route planning tells people later, in their language: a plan's stored error is a code
and its values (`error_code`, `error_params`), worded when read, so a Chinese page shows Chinese
whatever language the worker ran in. The route solver (`routing/`) keeps its English texts for
its CLI; `ROUTING_PROBLEMS` words them for people."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from liangcao.core.texts import stored_error, stored_message, texts_in

if TYPE_CHECKING:
    from liangcao.logistics.models import RoutePlan

# A plan's error, by the code stored on the plan.
PLAN_ERRORS = {
    "worker_stopped": _("The worker stopped (its heartbeat went stale); solve the plan again"),
    "problem": _("The route problem cannot be solved as given: %(reason)s"),
    "solve_failed": _("Solving failed: %(reason)s"),
}

# routing/problem.py `Problem.validate`, text by text.
ROUTING_PROBLEMS = {
    "distance and duration must be square and equal": _(
        "distance and duration must be square and equal"
    ),
    "at least one stop is needed": _("at least one stop is needed"),
    "one demand per location": _("one demand per location"),
    "at least one vehicle is needed": _("at least one vehicle is needed"),
    "capacities must be non-negative, same dimensions": _(
        "capacities must be non-negative, same dimensions"
    ),
    "distances and durations must be non-negative": _(
        "distances and durations must be non-negative"
    ),
    "wrong dimensions or negative": _("wrong dimensions or negative"),
    "larger than any vehicle's capacity": _("larger than any vehicle's capacity"),
    "opens after it closes": _("opens after it closes"),
}
_TOTAL = re.compile(r"total demand (\d+) exceeds the fleet's capacity (\d+)")


def _routing_problem(message: str) -> str:
    if message in ROUTING_PROBLEMS:
        return str(ROUTING_PROBLEMS[message])
    total = _TOTAL.fullmatch(message)
    if total:
        return str(
            _("total demand %(total)s exceeds the fleet's capacity %(room)s")
            % {"total": total[1], "room": total[2]}
        )
    return message


def problem_texts(problems: Sequence[tuple[str, str]]) -> dict[str, str]:
    """The solver's problems (field, English text) in every language of the site."""
    return texts_in(lambda: "; ".join(f"{f}: {_routing_problem(m)}" for f, m in problems))


def plan_error(code: str, **params: Any) -> dict[str, Any]:
    """The fields that record a plan's error (code, values, English text for logs)."""
    return stored_error(PLAN_ERRORS, code, **params)


def plan_error_text(plan: RoutePlan) -> str:
    """What a page or the API shows as the plan's error, in the reader's language."""
    if plan.error_code:
        return stored_message(PLAN_ERRORS, plan.error_code, plan.error_params or {})
    return plan.error
