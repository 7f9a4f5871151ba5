"""What allocation tells people, in their language: the engine's problems (a stable code and
its values; the engine itself keeps English texts for its CLI) and a run's stored error (a code
and its values, rendered when read, so a Chinese page shows Chinese whatever language the worker
ran in)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from liangcao.allocation.engine.model import Problem
from liangcao.core.texts import stored_error, stored_message

if TYPE_CHECKING:
    from liangcao.allocation.models import AllocationRun

# engine/model.py PROBLEM_TEXTS, code by code.
PROBLEM_TEXTS = {
    "not_an_object": _("must be an object"),
    "empty_string": _("a non-empty string"),
    "not_a_count": _("a non-negative integer"),
    "duplicate_supply": _("the same (source, item) twice"),
    "duplicate_demand": _("duplicate demand id"),
    "bad_class": _("a positive integer (1 is served first)"),
    "not_a_string_list": _("a list of strings"),
    "negative_cost": _("a non-negative number"),
    "unknown_policy": _("one of %(choices)s"),
    "bad_fraction": _("a number in [0, 1] or null"),
}

# A run's error, by the code stored on the run (`error_code`, values in `error_params`).
RUN_ERRORS = {
    "worker_stopped": _("The worker stopped (its heartbeat went stale); start a new run"),
    "commit_interrupted": _(
        "The commit was interrupted and posted nothing; commit again or discard"
    ),
    "commit_failed": _("The commit failed, nothing was posted: %(reason)s"),
    "solve_failed": _("The run failed: %(reason)s"),
}


def _problem_text(code: str, params: dict[str, str], row: str | None) -> str:
    template = PROBLEM_TEXTS.get(code)
    text = str(template) % params if template is not None else code
    return f"{row}: {text}" if row else text


# Rendered when turned into a string, i.e. in the language of the response that shows it.
_problem_text_lazy = lazy(_problem_text, str)


def problem_message(problem: Problem) -> Any:
    """The problem's text (lazy: in the active language when rendered), led by its row."""
    return _problem_text_lazy(problem.code, dict(problem.params), problem.id)


def run_error_message(code: str, params: dict[str, Any]) -> str:
    """A stored run error in the active language (unknown codes read as themselves)."""
    return stored_message(RUN_ERRORS, code, params)


def run_error(code: str, **params: Any) -> dict[str, Any]:
    """The fields that record a run's error: its code, values, and an English text for logs
    and the admin."""
    return stored_error(RUN_ERRORS, code, **params)


def run_error_text(run: AllocationRun) -> str:
    """What a page or the API shows as the run's error, in the reader's language."""
    if run.error_code:
        return run_error_message(run.error_code, run.error_params or {})
    return run.error
