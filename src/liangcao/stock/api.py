"""API of the ledger under /api/v1/stock/: balances, documents, shipments, stock card, lot trace.

Every read is scoped to the caller. Every POST that changes stock requires an `Idempotency-Key`
header (core.idempotency): a retried request is answered from the first response.
"""

from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import Strict

from liangcao.catalog.models import Category
from liangcao.core.api import ErrorOut
from liangcao.core.idempotency import idempotent_response
from liangcao.core.schema import Code, Count, Delta, Quantity, RowId, Text
from liangcao.orgs.models import User
from liangcao.stock import selectors, services
from liangcao.stock.models import Document, DocumentKind, DocumentState

router = Router(tags=["stock"])

IDEMPOTENT_ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
    503: ErrorOut,
}


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - auth guarantees it; narrows the type
    return user


class BalanceOut(Schema):
    site_id: int = Field(alias="location__site_id")
    site_code: str = Field(alias="location__site__code")
    item_id: int
    item_code: str = Field(alias="item__code")
    item_name_zh: str = Field(alias="item__name_zh")
    unit: str = Field(alias="item__unit")
    category: str = Field(alias="item__category")
    lot_id: int | None = None
    lot_code: str | None = Field(None, alias="lot__code")
    on_hand: int = Field(alias="on_hand_sum")
    reserved: int = Field(alias="reserved_sum")
    available: int
    earliest_expiry: date | None


class DocumentLineOut(Schema):
    id: int
    number: int
    item_id: int
    item_code: str
    lot_id: int | None
    quantity: int
    received: int

    @staticmethod
    def resolve_item_code(obj: Any) -> str:
        return str(obj.item.code)


class DocumentOut(Schema):
    id: int
    kind: DocumentKind
    state: DocumentState
    source_site_id: int | None
    dest_site_id: int | None
    reason: str
    reverses_id: int | None
    created_at: datetime
    lines: list[DocumentLineOut]

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(obj.lines.all())


class StockLineIn(Schema):
    item_id: RowId
    quantity: Quantity
    lot_id: RowId | None = None
    lot_code: Code | None = None
    expiry: date | None = None


class DocumentIn(Schema):
    kind: DocumentKind
    site_id: RowId = Field(description="The store stock leaves (receipts: the store it enters)")
    to_site_id: RowId | None = None
    source_kind: Code = Field("", description="Receipts: supplier, donor or production")
    source_site_id: RowId | None = None
    source_party: Code = ""
    household: Code = ""
    lines: list[StockLineIn] = Field(min_length=1, max_length=services.MAX_LINES)


class AdjustLineIn(Schema):
    item_id: RowId
    delta: Delta
    lot_id: RowId | None = None


class AdjustmentIn(Schema):
    site_id: RowId
    reason: Text
    lines: list[AdjustLineIn] = Field(min_length=1, max_length=services.MAX_LINES)


class StockReasonIn(Schema):
    reason: Text = ""


class ReceiveLineIn(Schema):
    line_id: RowId
    received: Count
    damaged: Count = 0
    reason: Text = ""


class ReceiveIn(Schema):
    lines: list[ReceiveLineIn] = Field(min_length=1)


class CardLineOut(Schema):
    movement_id: int
    created_at: datetime
    document_id: int
    document_kind: str
    lot_id: int
    lot_code: str
    counterpart: str
    quantity_in: int
    quantity_out: int
    balance: int


class CardOut(Schema):
    site_id: int
    item_id: int
    opening: int
    lines: list[CardLineOut]
    next_cursor: str | None


class TraceLineOut(Schema):
    movement_id: int
    created_at: datetime
    document_id: int
    document_kind: str
    quantity: int
    from_label: str
    to_label: str


class TraceOut(Schema):
    lot_id: int
    lot_code: str
    item_code: str
    expiry: date | None
    movements: list[TraceLineOut]
    now_at: dict[str, int]


class PickOut(Schema):
    lot_id: int
    lot_code: str
    expiry: date | None
    quantity: int


class BalanceFilter(Schema):
    site: int | None = None
    node: int | None = None
    item: int | None = None
    category: Category | None = None
    lot: int | None = None
    q: str | None = None
    by_lot: bool = False


@router.get("/stock/balances", response={200: list[BalanceOut], 404: ErrorOut})
@paginate(LimitOffsetPagination)
def list_balances(request: HttpRequest, filters: Query[BalanceFilter]) -> Any:
    """Store stock per site and item (per lot with `by_lot` or `lot`) in the caller's scope."""
    return selectors.balance_list(
        user=_user(request),
        site_id=filters.site,
        node_id=filters.node,
        item_id=filters.item,
        category=filters.category,
        lot_id=filters.lot,
        search=filters.q,
        by_lot=filters.by_lot,
    )


@router.get("/stock/documents", response=list[DocumentOut])
@paginate(LimitOffsetPagination)
def list_documents(request: HttpRequest, site: int | None = None) -> Any:
    """Documents touching a site in the caller's scope, newest first."""
    return selectors.document_list(user=_user(request), site_id=site).prefetch_related(
        "lines__item"
    )


@router.get("/stock/documents/{document_id}", response={200: DocumentOut, 404: ErrorOut})
def get_document(request: HttpRequest, document_id: int) -> Any:
    """One document with its lines; 404 when unknown or out of scope."""
    return selectors.document_get(user=_user(request), document_id=document_id)


def _document_body(document: Document) -> dict[str, Any]:
    fresh = Document.objects.prefetch_related("lines__item").get(pk=document.pk)
    return DocumentOut.from_orm(fresh).model_dump(mode="json")


@router.post("/stock/documents", response={201: DocumentOut, **IDEMPOTENT_ERRORS})
def create_document(request: HttpRequest, payload: DocumentIn) -> HttpResponse:
    """Create and post a receipt, transfer or issue, or open (reserve) a shipment."""
    lines = [services.LineSpec(**line.dict()) for line in payload.lines]

    def run(key: str) -> tuple[int, Any]:
        document = services.document_post(
            actor=_user(request),
            kind=payload.kind,
            lines=lines,
            site_id=payload.site_id,
            to_site_id=payload.to_site_id,
            source_kind=payload.source_kind,
            source_site_id=payload.source_site_id,
            source_party=payload.source_party,
            household=payload.household,
            idempotency_key=key,
        )
        return 201, _document_body(document)

    return idempotent_response(request, run)


@router.post("/stock/adjustments", response={201: DocumentOut, **IDEMPOTENT_ERRORS})
def create_adjustment(request: HttpRequest, payload: AdjustmentIn) -> HttpResponse:
    """Post an approved adjustment (the caller approves: approver or commander over the site)."""
    lines = [services.AdjustSpec(**line.dict()) for line in payload.lines]

    def run(key: str) -> tuple[int, Any]:
        document = services.adjustment_post(
            actor=_user(request),
            site_id=payload.site_id,
            reason=payload.reason,
            lines=lines,
            idempotency_key=key,
        )
        return 201, _document_body(document)

    return idempotent_response(request, run)


@router.post(
    "/stock/documents/{document_id}/reverse", response={201: DocumentOut, **IDEMPOTENT_ERRORS}
)
def reverse_document(
    request: HttpRequest, document_id: int, payload: StockReasonIn
) -> HttpResponse:
    """Reverse a posted document with a mirror document (history is never edited)."""

    def run(key: str) -> tuple[int, Any]:
        document = services.document_reverse(
            actor=_user(request),
            document_id=document_id,
            reason=payload.reason,
            idempotency_key=key,
        )
        return 201, _document_body(document)

    return idempotent_response(request, run)


class DispatchIn(Schema):
    vehicle_id: RowId | None = None
    driver_id: RowId | None = None
    collected_by_recipient: Annotated[bool, Strict()] = False


@router.post(
    "/stock/shipments/{document_id}/dispatch", response={200: DocumentOut, **IDEMPOTENT_ERRORS}
)
def dispatch_shipment(
    request: HttpRequest, document_id: int, payload: DispatchIn | None = None
) -> HttpResponse:
    """Dispatch a reserved shipment with its transport: `vehicle_id` and `driver_id` from the
    fleet (`/api/v1/fleet/vehicles`, `/drivers`), or `collected_by_recipient`. The transport is
    recorded and the stock moves to in-transit in one transaction; without a vehicle and driver
    the answer is 422 naming them and nothing moves."""
    body = payload or DispatchIn()
    transport = services.TransportSpec(body.vehicle_id, body.driver_id, body.collected_by_recipient)

    def run(key: str) -> tuple[int, Any]:
        document = services.shipment_dispatch(
            actor=_user(request), document_id=document_id, transport=transport
        )
        return 200, _document_body(document)

    return idempotent_response(request, run)


@router.post(
    "/stock/shipments/{document_id}/receive", response={200: DocumentOut, **IDEMPOTENT_ERRORS}
)
def receive_shipment(request: HttpRequest, document_id: int, payload: ReceiveIn) -> HttpResponse:
    """Receive part or all of a dispatched shipment (damaged and excess need a reason)."""
    lines = [services.ReceiveSpec(**line.dict()) for line in payload.lines]

    def run(key: str) -> tuple[int, Any]:
        document = services.shipment_receive(
            actor=_user(request), document_id=document_id, lines=lines
        )
        return 200, _document_body(document)

    return idempotent_response(request, run)


@router.post(
    "/stock/shipments/{document_id}/close", response={200: DocumentOut, **IDEMPOTENT_ERRORS}
)
def close_shipment(request: HttpRequest, document_id: int, payload: StockReasonIn) -> HttpResponse:
    """Close a shipment; what is still in transit is written off as short."""

    def run(key: str) -> tuple[int, Any]:
        document = services.shipment_close(
            actor=_user(request), document_id=document_id, reason=payload.reason
        )
        return 200, _document_body(document)

    return idempotent_response(request, run)


@router.post(
    "/stock/shipments/{document_id}/cancel", response={200: DocumentOut, **IDEMPOTENT_ERRORS}
)
def cancel_shipment(request: HttpRequest, document_id: int) -> HttpResponse:
    """Cancel a shipment before dispatch; its reservations are released."""

    def run(key: str) -> tuple[int, Any]:
        document = services.shipment_cancel(actor=_user(request), document_id=document_id)
        return 200, _document_body(document)

    return idempotent_response(request, run)


@router.get("/stock/card", response={200: CardOut, 400: ErrorOut, 404: ErrorOut})
def stock_card(
    request: HttpRequest,
    site: int,
    item: int,
    lot: int | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Any:
    """Movements of an item at a site's store with the running balance; pass `next_cursor`
    back as `cursor` for the next page."""
    card = selectors.stock_card(
        user=_user(request), site_id=site, item_id=item, lot_id=lot, after=cursor, limit=limit
    )
    return {
        "site_id": card.site.pk,
        "item_id": card.item.pk,
        "opening": card.opening,
        "lines": card.lines,
        "next_cursor": card.next_cursor,
    }


@router.get("/stock/lots/{lot_id}/trace", response={200: TraceOut, 404: ErrorOut})
def trace_lot(request: HttpRequest, lot_id: int) -> Any:
    """Every movement of a lot the caller may see, and where it is held now."""
    lot, lines, now_at = selectors.lot_trace(user=_user(request), lot_id=lot_id)
    return {
        "lot_id": lot.pk,
        "lot_code": lot.code,
        "item_code": lot.item.code,
        "expiry": lot.expiry,
        "movements": lines,
        "now_at": now_at,
    }


@router.get("/stock/pick", response={200: list[PickOut], 404: ErrorOut})
def pick(request: HttpRequest, site: int, item: int, quantity: int) -> Any:
    """Lots to pick for a quantity of an item at a site, first expiry first out."""
    return selectors.pick_suggest(
        user=_user(request), site_id=site, item_id=item, quantity=quantity
    )
