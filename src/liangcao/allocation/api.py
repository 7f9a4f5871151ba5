"""API of allocation runs: start, follow, read the proposal, override a line, commit."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from liangcao.allocation import selectors, services
from liangcao.allocation.models import RunStatus
from liangcao.core.api import ErrorOut
from liangcao.core.idempotency import idempotent_response
from liangcao.orgs.models import User

router = Router(tags=["allocation"])


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - authentication guarantees it
    return user


class RunIn(Schema):
    node_id: int
    items: list[str] | None = None
    category: str | None = None
    region_id: int | None = None
    policy: str = "priority_leximin"


class RunOut(Schema):
    id: int
    node_id: int
    policy: str
    status: RunStatus
    progress: int
    seconds: float | None
    error: str
    created_at: datetime
    committed_at: datetime | None


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
    demand: str
    source: str
    quantity: int
    reason: str


@router.get("/allocation/runs", response=list[RunOut])
@paginate(LimitOffsetPagination)
def list_runs(request: HttpRequest) -> Any:
    """Runs of the levels in the caller's scope."""
    return selectors.run_list(user=_user(request))


@router.post(
    "/allocation/runs", response={201: RunDetailOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
)
def start_run(request: HttpRequest, payload: RunIn) -> Any:
    """Queue a run; a worker solves it (poll the run for progress)."""
    run = services.allocation_run_start(
        user=_user(request),
        node_id=payload.node_id,
        item_codes=payload.items,
        category=payload.category,
        region_id=payload.region_id,
        policy=payload.policy,
    )
    return Status(201, selectors.run_get(user=_user(request), run_id=run.pk))


@router.get("/allocation/runs/{run_id}", response={200: RunDetailOut, 404: ErrorOut})
def get_run(request: HttpRequest, run_id: int) -> Any:
    """A run with its progress, proposal, explanations, baselines and overrides applied."""
    return selectors.run_get(user=_user(request), run_id=run_id)


@router.post(
    "/allocation/runs/{run_id}/overrides",
    response={201: RunDetailOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def override(request: HttpRequest, run_id: int, payload: OverrideIn) -> Any:
    """Set one (line, source) amount with a reason that is kept."""
    services.allocation_run_override(
        user=_user(request),
        run_id=run_id,
        demand=payload.demand,
        source=payload.source,
        quantity=payload.quantity,
        reason=payload.reason,
    )
    return Status(201, selectors.run_get(user=_user(request), run_id=run_id))


@router.post(
    "/allocation/runs/{run_id}/commit",
    response={
        200: RunOut,
        400: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
)
def commit(request: HttpRequest, run_id: int) -> HttpResponse:
    """Reserve stock and open the shipments (needs an Idempotency-Key; a retry applies nothing)."""
    user = _user(request)

    def run(key: str) -> tuple[int, dict[str, Any]]:
        done = services.allocation_run_commit(user=user, run_id=run_id)
        return 200, RunOut.from_orm(done).dict()

    return idempotent_response(request, run)
