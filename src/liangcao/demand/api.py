"""API of demand lists: read, file, submit, countersign, fast-track, escalate, cancel."""

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import Strict

from liangcao.core.api import ErrorOut
from liangcao.core.idempotency import idempotent_response
from liangcao.core.schema import Code, Count, Quantity, RowId, Text
from liangcao.demand import selectors, services
from liangcao.demand.models import RequisitionState
from liangcao.orgs.models import User

router = Router(tags=["demand"])


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - authentication guarantees it
    return user


class RequisitionLineOut(Schema):
    id: int
    item_code: str
    requested: int
    approved: int | None
    allocated: int
    shipped: int
    received: int
    escalated: int
    open_quantity: int
    needed_by: date | None
    justification: str

    @staticmethod
    def resolve_item_code(obj: Any) -> str:
        return str(obj.item.code)


class SignatureOut(Schema):
    node_code: str
    node_kind: str
    reason: str
    decision: str
    signed_by: str | None
    signed_at: datetime | None
    comment: str

    @staticmethod
    def resolve_node_code(obj: Any) -> str:
        return str(obj.node.code)

    @staticmethod
    def resolve_node_kind(obj: Any) -> str:
        return str(obj.node.kind)

    @staticmethod
    def resolve_signed_by(obj: Any) -> str | None:
        return obj.signed_by.username if obj.signed_by else None

    @staticmethod
    def resolve_reason(obj: Any) -> str:
        return str(obj.reason_text)


class RequisitionOut(Schema):
    id: int
    number: str
    state: RequisitionState
    site_id: int
    site_code: str
    serving_node_code: str
    priority_class: int
    priority_reason: str
    is_fast_tracked: bool
    paperwork_due_at: datetime | None
    escalated_from_id: int | None
    end_reason: str
    created_at: datetime
    submitted_at: datetime | None
    approved_at: datetime | None

    @staticmethod
    def resolve_site_code(obj: Any) -> str:
        return str(obj.site.code)

    @staticmethod
    def resolve_serving_node_code(obj: Any) -> str:
        return str(obj.serving_node.code)


class RequisitionDetailOut(RequisitionOut):
    lines: list[RequisitionLineOut]
    signatures: list[SignatureOut]
    history: list[str]

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(obj.lines.all())

    @staticmethod
    def resolve_signatures(obj: Any) -> list[Any]:
        return list(obj.signatures.all())


class RequisitionLineIn(Schema):
    item: Code
    quantity: Quantity
    needed_by: date | None = None
    justification: Text = ""


class RequisitionIn(Schema):
    site_id: RowId
    lines: list[RequisitionLineIn] = Field(max_length=500)
    priority_class: Annotated[int, Strict(), Field(ge=1, le=9)] | None = None
    priority_reason: Text = ""
    note: Text = ""
    submit: bool = False


class SignIn(Schema):
    approve: bool
    comment: Text = ""
    approved_quantities: dict[int, Count] | None = None


class RequisitionReasonIn(Schema):
    reason: Text


class CommentIn(Schema):
    comment: Text = ""


class EscalateIn(Schema):
    quantities: dict[int, Quantity]
    note: Text = ""


def _detail(request: HttpRequest, requisition_id: int) -> Any:
    user = _user(request)
    req = selectors.requisition_get(user=user, requisition_id=requisition_id)
    req.history = [r.number for r in selectors.requisition_history(user=user, requisition=req)]  # type: ignore[attr-defined]
    return req


@router.get("/requisitions", response=list[RequisitionOut])
@paginate(LimitOffsetPagination)
def list_requisitions(
    request: HttpRequest,
    state: RequisitionState | None = None,
    site: int | None = None,
    item: str | None = None,
    q: str | None = None,
    open: bool = False,
) -> Any:
    """Demand lists in the caller's scope, newest first."""
    return selectors.requisition_list(
        user=_user(request), state=state, site_id=site, item_code=item, search=q, open_only=open
    )


@router.get("/requisitions/inbox", response=list[RequisitionOut])
@paginate(LimitOffsetPagination)
def inbox(request: HttpRequest) -> Any:
    """Lists whose next signature is due at a level where the caller approves."""
    return selectors.approval_inbox(user=_user(request))


@router.get("/requisitions/overdue-fast-tracks", response=list[RequisitionOut])
@paginate(LimitOffsetPagination)
def overdue(request: HttpRequest) -> Any:
    """Fast-tracked lists past their paperwork deadline with signatures missing."""
    return selectors.overdue_fast_tracks(user=_user(request))


@router.get("/requisitions/{requisition_id}", response={200: RequisitionDetailOut, 404: ErrorOut})
def get_requisition(request: HttpRequest, requisition_id: int) -> Any:
    """One list with its lines, signatures and escalation history."""
    return _detail(request, requisition_id)


_WRITE: dict[int, Any] = {
    200: RequisitionDetailOut,
    201: RequisitionDetailOut,
    400: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


def _write(request: HttpRequest, status: int, act: Callable[[User], int]) -> HttpResponse:
    """Apply `act` once per Idempotency-Key and answer with the list it returns (by id)."""
    user = _user(request)

    def run(key: str) -> tuple[int, dict[str, Any]]:
        requisition_id = act(user)
        return status, RequisitionDetailOut.from_orm(_detail(request, requisition_id)).dict()

    return idempotent_response(request, run)


@router.post("/requisitions", response=_WRITE)
def create_requisition(request: HttpRequest, payload: RequisitionIn) -> HttpResponse:
    """File a demand list (a draft, or submitted at once with `submit`). Needs an
    Idempotency-Key, like every write below."""
    return _write(
        request,
        201,
        lambda user: (
            services.requisition_create(
                user=user,
                site_id=payload.site_id,
                lines=[
                    services.LineIn(ln.item, ln.quantity, ln.needed_by, ln.justification)
                    for ln in payload.lines
                ],
                priority_class=payload.priority_class,
                priority_reason=payload.priority_reason,
                note=payload.note,
                submit=payload.submit,
            ).pk
        ),
    )


@router.post("/requisitions/{requisition_id}/submit", response=_WRITE)
def submit(request: HttpRequest, requisition_id: int) -> HttpResponse:
    """Send a draft up for countersignature."""
    return _write(
        request,
        200,
        lambda user: services.requisition_submit(user=user, requisition_id=requisition_id).pk,
    )


@router.post("/requisitions/{requisition_id}/sign", response=_WRITE)
def sign(request: HttpRequest, requisition_id: int, payload: SignIn) -> HttpResponse:
    """Countersign or reject at the next level; optionally lower approved quantities."""
    return _write(
        request,
        200,
        lambda user: (
            services.requisition_sign(
                user=user,
                requisition_id=requisition_id,
                approve=payload.approve,
                comment=payload.comment,
                approved_quantities=payload.approved_quantities,
            ).pk
        ),
    )


@router.post("/requisitions/{requisition_id}/fast-track", response=_WRITE)
def fast_track(
    request: HttpRequest, requisition_id: int, payload: RequisitionReasonIn
) -> HttpResponse:
    """Dispatch first, paperwork after."""
    return _write(
        request,
        200,
        lambda user: (
            services.requisition_fast_track(
                user=user, requisition_id=requisition_id, reason=payload.reason
            ).pk
        ),
    )


@router.post("/requisitions/{requisition_id}/escalate", response=_WRITE)
def escalate(request: HttpRequest, requisition_id: int, payload: EscalateIn) -> HttpResponse:
    """Send uncovered quantities to the parent level; answers with the new list."""
    return _write(
        request,
        201,
        lambda user: (
            services.requisition_escalate(
                user=user,
                requisition_id=requisition_id,
                quantities=payload.quantities,
                note=payload.note,
            ).pk
        ),
    )


@router.post("/requisitions/{requisition_id}/close", response=_WRITE)
def close(request: HttpRequest, requisition_id: int, payload: CommentIn) -> HttpResponse:
    """Close a list whose shipments have all ended."""
    return _write(
        request,
        200,
        lambda user: (
            services.requisition_close(
                user=user, requisition_id=requisition_id, comment=payload.comment
            ).pk
        ),
    )


@router.post("/requisitions/{requisition_id}/cancel", response=_WRITE)
def cancel(request: HttpRequest, requisition_id: int, payload: RequisitionReasonIn) -> HttpResponse:
    """Withdraw a list nothing has been served from."""
    return _write(
        request,
        200,
        lambda user: (
            services.requisition_cancel(
                user=user, requisition_id=requisition_id, reason=payload.reason
            ).pk
        ),
    )
