"""API of readiness under /api/v1/readiness/: levels and targets, days of cover of a node,
level declarations, the 2-hour switch (start, check off a step, timeline).

Reads are scoped to the caller; POSTs require an `Idempotency-Key` (core.idempotency).
"""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema

from liangcao.core.api import ErrorOut
from liangcao.core.idempotency import idempotent_response
from liangcao.orgs.models import User
from liangcao.readiness import selectors, services

router = Router(tags=["readiness"])

ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - authentication guarantees it
    return user


class TargetOut(Schema):
    category: str
    days: int


class LevelOut(Schema):
    code: str
    name_zh: str
    name_en: str
    rank: int
    is_emergency: bool
    targets: list[TargetOut]

    @staticmethod
    def resolve_targets(obj: Any) -> list[dict[str, Any]]:
        return [{"category": t.category, "days": t.days} for t in obj.targets.all()]


@router.get("/readiness/levels", response=list[LevelOut])
def levels(request: HttpRequest) -> Any:
    """Configured response levels with their days-of-cover targets (city-wide reference)."""
    return list(selectors.level_list())


class CoverRowOut(Schema):
    item_code: str
    category: str
    available: int
    rate: float
    per_head_rate: float
    method: str
    alpha: float
    beta: float
    mae: float | None
    mape: float | None
    days: float | None
    target_days: int
    required: int
    gap: int


class TestingOut(Schema):
    item_code: str
    available: int
    per_round: int
    rounds: int


class CoverOut(Schema):
    node_id: int
    node_code: str
    as_of: date
    level: str
    population: int
    testing_rounds: int | None
    rows: list[CoverRowOut]
    testing: list[TestingOut]


def cover_body(report: selectors.CoverReport) -> dict[str, Any]:
    return {
        "node_id": report.node.pk,
        "node_code": report.node.code,
        "as_of": report.as_of,
        "level": report.level.level.code,
        "population": report.population,
        "testing_rounds": report.testing_rounds,
        "rows": [
            {
                "item_code": r.item.code,
                "category": r.item.category,
                "available": r.available,
                "rate": round(r.rate, 3),
                "per_head_rate": round(r.per_head_rate, 3),
                "method": r.fit.method,
                "alpha": r.fit.alpha,
                "beta": r.fit.beta,
                "mae": None if r.mae is None else round(r.mae, 3),
                "mape": None if r.mape is None else round(r.mape, 4),
                "days": None if r.days is None else round(r.days, 2),
                "target_days": r.target_days,
                "required": r.required,
                "gap": r.gap,
            }
            for r in report.rows
        ],
        "testing": [
            {
                "item_code": t.item.code,
                "available": t.available,
                "per_round": t.per_round,
                "rounds": t.rounds,
            }
            for t in report.testing
        ],
    }


@router.get("/readiness/cover", response={200: CoverOut, 404: ErrorOut})
def cover(
    request: HttpRequest, node_id: int, as_of: date | None = None, category: str | None = None
) -> Any:
    """Days of cover per item for a node's subtree, the forecast behind it and the gaps."""
    report = selectors.cover_report(
        user=_user(request), node_id=node_id, as_of=as_of, category=category
    )
    return cover_body(report)


class DeclarationIn(Schema):
    node_id: int
    level: str = Field(min_length=1, max_length=40)
    reason: str = Field("", max_length=300)


class DeclarationOut(Schema):
    id: int
    node_id: int
    level: str
    declared_at: datetime
    reason: str


def _declaration_body(d: Any) -> dict[str, Any]:
    return {
        "id": d.pk,
        "node_id": d.node_id,
        "level": d.level.code,
        "declared_at": d.declared_at,
        "reason": d.reason,
    }


@router.post("/readiness/declarations", response={201: DeclarationOut, **ERRORS})
def declare(request: HttpRequest, payload: DeclarationIn) -> HttpResponse:
    """Declare a response level at a node (commanders over the node)."""

    def run(key: str) -> tuple[int, Any]:
        d = services.level_declare(
            actor=_user(request),
            node_id=payload.node_id,
            level_code=payload.level,
            reason=payload.reason,
            idempotency_key=key,
        )
        return 201, _declaration_body(d)

    return idempotent_response(request, run)


class StepOut(Schema):
    step_id: int
    number: int
    title: str
    kind: str
    owner_role: str
    due_at: datetime
    done_at: datetime | None
    late_minutes: int | None


class SwitchRunOut(Schema):
    id: int
    playbook: str
    is_drill: bool
    started_at: datetime
    finished_at: datetime | None
    steps: list[StepOut]


def run_body(run: Any) -> dict[str, Any]:
    return {
        "id": run.pk,
        "playbook": run.playbook.code,
        "is_drill": run.is_drill,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "steps": [
            {
                "step_id": r.step_id,
                "number": r.number,
                "title": r.title,
                "kind": r.kind,
                "owner_role": r.owner_role,
                "due_at": r.due_at,
                "done_at": r.done_at,
                "late_minutes": r.late_minutes,
            }
            for r in selectors.switch_timeline(run=run)
        ],
    }


class StartIn(Schema):
    drill: bool = False


@router.post("/readiness/playbooks/{playbook_id}/start", response={201: SwitchRunOut, **ERRORS})
def switch_start(request: HttpRequest, playbook_id: int, payload: StartIn) -> HttpResponse:
    """Start the switch (or a drill, which declares no level)."""

    def run(key: str) -> tuple[int, Any]:
        started = services.switch_start(
            actor=_user(request),
            playbook_id=playbook_id,
            drill=payload.drill,
            idempotency_key=key,
        )
        return 201, run_body(started)

    return idempotent_response(request, run)


@router.get("/readiness/switch-runs/{run_id}", response={200: SwitchRunOut, 404: ErrorOut})
def switch_run(request: HttpRequest, run_id: int) -> Any:
    """One run with each step against its due time."""
    return run_body(selectors.switch_run_get(user=_user(request), run_id=run_id))


class DoneIn(Schema):
    note: str = Field("", max_length=300)


@router.post(
    "/readiness/switch-runs/{run_id}/steps/{step_id}/done", response={200: SwitchRunOut, **ERRORS}
)
def step_done(request: HttpRequest, run_id: int, step_id: int, payload: DoneIn) -> HttpResponse:
    """Check off one step with the time now."""
    user = _user(request)

    def run(key: str) -> tuple[int, Any]:
        services.switch_step_done(actor=user, run_id=run_id, step_id=step_id, note=payload.note)
        return 200, run_body(selectors.switch_run_get(user=user, run_id=run_id))

    return idempotent_response(request, run)
