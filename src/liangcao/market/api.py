"""API of market prices under /api/v1/market/: prices, alerts, report a price."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from liangcao.core.api import ErrorOut
from liangcao.core.idempotency import idempotent_response
from liangcao.market import selectors, services
from liangcao.orgs.models import User

router = Router(tags=["market"])


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - authentication guarantees it
    return user


class PriceOut(Schema):
    id: int
    store_code: str = Field(alias="store.code")
    item_code: str = Field(alias="item.code")
    day: date
    price: Decimal
    alerts: list[str]

    @staticmethod
    def resolve_alerts(obj: Any) -> list[str]:
        return [a.kind for a in obj.alerts.all()]


@router.get("/market/prices", response=list[PriceOut])
@paginate(LimitOffsetPagination)
def prices(
    request: HttpRequest,
    item: str | None = None,
    day: date | None = None,
    node_id: int | None = None,
) -> Any:
    """Prices reported by visible sample stores, newest first."""
    return selectors.price_list(user=_user(request), item_code=item, day=day, node_id=node_id)


class AlertOut(Schema):
    id: int
    kind: str
    store_code: str = Field(alias="report.store.code")
    item_code: str = Field(alias="report.item.code")
    day: date = Field(alias="report.day")
    price: Decimal = Field(alias="report.price")
    reference: Decimal
    rise: Decimal


@router.get("/market/alerts", response=list[AlertOut])
@paginate(LimitOffsetPagination)
def alerts(request: HttpRequest, since: date | None = None) -> Any:
    """Price alerts of visible stores (default: the last 7 days)."""
    return selectors.alert_list(user=_user(request), since=since)


class PriceIn(Schema):
    store_id: int
    item: str = Field(min_length=1, max_length=40)
    price: Decimal
    day: date | None = None


@router.post(
    "/market/prices",
    response={
        201: PriceOut,
        400: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
)
def report_price(request: HttpRequest, payload: PriceIn) -> HttpResponse:
    """Record a store's price of an item for a day (a later report the same day replaces it)."""

    def run(key: str) -> tuple[int, Any]:
        report = services.price_report(
            actor=_user(request),
            store_id=payload.store_id,
            item_code=payload.item,
            price=payload.price,
            day=payload.day,
        )
        return 201, {
            "id": report.pk,
            "store_code": report.store.code,
            "item_code": report.item.code,
            "day": report.day,
            "price": str(report.price),
            "alerts": [a.kind for a in report.alerts.all()],
        }

    return idempotent_response(request, run)
