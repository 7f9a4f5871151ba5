"""API of allocation runs: start, follow, read the proposal, override a line, commit."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from liangcao.allocation import selectors, services
from liangcao.allocation.models import RunStatus
from liangcao.core.api import ErrorOut
from liangcao.core.idempotency import idempotent_response
from liangcao.core.schema import Code, Count, RowId, Text
from liangcao.orgs.models import User

router = Router(tags=["allocation"])


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - authentication guarantees it
    return user


class RunIn(Schema):
    node_id: RowId
    items: list[Code] | None = None
    category: Code | None = None
    region_id: RowId | None = None
    policy: Code = "priority_leximin"


class RunOut(Schema):
    id: int
    node_id: int
    policy: str
    status: RunStatus
    progress: int
    commit_progress: int
    seconds: float | None
    error: str
    created_at: datetime
    committed_at: datetime | None

    @staticmethod
    def resolve_error(obj: Any) -> str:
        # In the caller's language, whatever language the worker ran in.
        return str(obj.error_message)


class RunDetailOut(RunOut):
    metrics: dict[str, Any] | None
    baselines: dict[str, Any] | None
    lines: list[dict[str, Any]] | None
    allocations: list[dict[str, Any]]

    @staticmethod
    def resolve_metrics(obj: Any) -> Any:
        return (obj.result or {}).get("metrics")

    @staticmethod
    def resolve_lines(obj: Any) -> Any:
        return (obj.result or {}).get("lines")

    @staticmethod
    def resolve_allocations(obj: Any) -> Any:
        return selectors.effective_allocations(obj)


class OverrideIn(Schema):
    demand: Code
    source: Code
    quantity: Count
    reason: Text


@router.get("/allocation/runs", response=list[RunOut])
@paginate(LimitOffsetPagination)
def list_runs(request: HttpRequest) -> Any:
    """Runs of the levels in the caller's scope."""
    return selectors.run_summaries(user=_user(request))


@router.post(
    "/allocation/runs",
    response={201: RunDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def start_run(request: HttpRequest, payload: RunIn) -> HttpResponse:
    """Queue a run; a worker solves it (poll the run for progress). Needs an Idempotency-Key."""
    user = _user(request)

    def start(key: str) -> tuple[int, dict[str, Any]]:
        run = services.allocation_run_start(
            user=user,
            node_id=payload.node_id,
            item_codes=payload.items,
            category=payload.category,
            region_id=payload.region_id,
            policy=payload.policy,
        )
        return 201, _detail(user, run.pk)

    return idempotent_response(request, start)


def _detail(user: User, run_id: int) -> dict[str, Any]:
    return RunDetailOut.from_orm(selectors.run_get(user=user, run_id=run_id)).dict()


@router.get("/allocation/runs/{run_id}", response={200: RunDetailOut, 404: ErrorOut})
def get_run(request: HttpRequest, run_id: int) -> Any:
    """A run with its progress, proposal, explanations, baselines and overrides applied."""
    return selectors.run_get(user=_user(request), run_id=run_id)


@router.post(
    "/allocation/runs/{run_id}/overrides",
    response={
        201: RunDetailOut,
        400: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
)
def override(request: HttpRequest, run_id: int, payload: OverrideIn) -> HttpResponse:
    """Set one (line, source) amount with a reason that is kept. Needs an Idempotency-Key."""
    user = _user(request)

    def apply(key: str) -> tuple[int, dict[str, Any]]:
        services.allocation_run_override(
            user=user,
            run_id=run_id,
            demand=payload.demand,
            source=payload.source,
            quantity=payload.quantity,
            reason=payload.reason,
        )
        return 201, _detail(user, run_id)

    return idempotent_response(request, apply)


_ACTION_ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


@router.post(
    "/allocation/runs/{run_id}/commit", response={202: RunOut, 422: ErrorOut, **_ACTION_ERRORS}
)
def commit(request: HttpRequest, run_id: int) -> HttpResponse:
    """Commit in the background: every reservation of the plan in one transaction, or none
    (poll the run: `committing` → `committed`, or back to `proposed` with the reason). Needs an
    Idempotency-Key; concurrent commits of one run by anyone yield one set of shipments."""
    user = _user(request)

    def run(key: str) -> tuple[int, dict[str, Any]]:
        done = services.allocation_run_commit(user=user, run_id=run_id)
        return 202, RunOut.from_orm(done).dict()

    return idempotent_response(request, run)


@router.post(
    "/allocation/runs/{run_id}/discard", response={200: RunOut, 422: ErrorOut, **_ACTION_ERRORS}
)
def discard(request: HttpRequest, run_id: int) -> HttpResponse:
    """Set a proposal or a failed run aside; it can no longer be committed."""
    user = _user(request)

    def run(key: str) -> tuple[int, dict[str, Any]]:
        done = services.allocation_run_discard(user=user, run_id=run_id)
        return 200, RunOut.from_orm(done).dict()

    return idempotent_response(request, run)
