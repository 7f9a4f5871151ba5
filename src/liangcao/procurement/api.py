"""API of purchases under /api/v1/procurement/purchases (POST requires an Idempotency-Key)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from liangcao.core.api import ErrorOut
from liangcao.core.idempotency import idempotent_response
from liangcao.orgs.models import User
from liangcao.procurement import selectors, services
from liangcao.procurement.models import Purchase

router = Router(tags=["procurement"])


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - auth guarantees it; narrows the type
    return user


class PurchaseOut(Schema):
    id: int
    supplier_id: int
    site_id: int
    item_id: int
    quantity: int
    unit_price: Decimal
    purchased_on: date
    receipt_id: int
    created_at: datetime


class PurchaseIn(Schema):
    supplier_id: int
    site_id: int
    item_id: int
    quantity: int = Field(gt=0)
    unit_price: Decimal = Field(ge=0, max_digits=12, decimal_places=2)
    purchased_on: date | None = None
    lot_code: str = Field("", max_length=60)
    expiry: date | None = None


@router.get("/procurement/purchases", response=list[PurchaseOut])
@paginate(LimitOffsetPagination)
def list_purchases(request: HttpRequest) -> Any:
    """Purchases received at sites in the caller's scope, newest first."""
    return selectors.purchase_list(user=_user(request))


@router.post(
    "/procurement/purchases",
    response={
        201: PurchaseOut,
        400: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
        503: ErrorOut,
    },
)
def record_purchase(request: HttpRequest, payload: PurchaseIn) -> HttpResponse:
    """Record a purchase and receive it into the site's store from the supplier."""

    def run(key: str) -> tuple[int, Any]:
        purchase: Purchase = services.purchase_record(
            actor=_user(request), idempotency_key=key, **payload.dict()
        )
        return 201, PurchaseOut.from_orm(purchase).model_dump(mode="json")

    return idempotent_response(request, run)
