"""API of daily reports under /api/v1/reports: history, one report, build one now."""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from liangcao.core.api import ErrorOut
from liangcao.core.idempotency import idempotent_response
from liangcao.orgs.models import User
from liangcao.reports import selectors, services

router = Router(tags=["reports"])


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - authentication guarantees it
    return user


class ReportOut(Schema):
    id: int
    node_id: int
    day: date
    status: str
    created_at: datetime
    finished_at: datetime | None
    content: dict[str, Any]


def _body(report: Any) -> dict[str, Any]:
    return {
        "id": report.pk,
        "node_id": report.node_id,
        "day": report.day,
        "status": report.status,
        "created_at": report.created_at,
        "finished_at": report.finished_at,
        "content": report.content,
    }


@router.get("/reports", response=list[ReportOut])
@paginate(LimitOffsetPagination)
def reports(request: HttpRequest, node_id: int | None = None) -> Any:
    """Daily reports of nodes in the caller's scope, newest first."""
    return selectors.report_list(user=_user(request), node_id=node_id)


@router.get("/reports/{report_id}", response={200: ReportOut, 404: ErrorOut})
def report(request: HttpRequest, report_id: int) -> Any:
    return _body(selectors.report_get(user=_user(request), report_id=report_id))


class ReportIn(Schema):
    node_id: int
    day: date | None = None


@router.post(
    "/reports",
    response={201: ReportOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def report_create(request: HttpRequest, payload: ReportIn) -> HttpResponse:
    """Build a report of a node for a day now (queued; built by the worker)."""

    def run(key: str) -> tuple[int, Any]:
        built = services.report_request(
            actor=_user(request), node_id=payload.node_id, day=payload.day, idempotency_key=key
        )
        return 201, _body(built)

    return idempotent_response(request, run)
