"""API of the last 100 metres: households (personal data: grid workers and commanders, every
read logged), orders with their age, group buys, door runs, handovers, service levels.

State-changing POSTs take an Idempotency-Key; the volunteer page sends each queued handover
with its client id as the key, so a confirmation synced twice is applied once.
"""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from liangcao.community import selectors, services
from liangcao.community.engine import Plan
from liangcao.community.models import Household, Order, OrderState
from liangcao.core.api import ErrorOut
from liangcao.core.idempotency import idempotent_response
from liangcao.orgs.models import User

router = Router(tags=["community"])

IDEMPOTENT_ERRORS: dict[int, type[Schema]] = {
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


class HouseholdOut(Schema):
    id: int
    compound_id: int
    code: str
    building: str
    unit: str
    room: str
    head_count: int
    contact_name: str
    phone: str
    elderly_alone: bool
    disabled: bool
    pregnant: bool
    infant: bool
    chronic_medicine: bool
    dialysis: bool


class OfferOut(Schema):
    id: int
    code: str
    name: str
    price: int
    is_kit: bool

    @staticmethod
    def resolve_is_kit(obj: Any) -> bool:
        return obj.kit_id is not None


class OrderLineOut(Schema):
    offer_code: str
    quantity: int
    price: int

    @staticmethod
    def resolve_offer_code(obj: Any) -> str:
        return str(obj.offer.code)


class OrderOut(Schema):
    """An order as every role in scope sees it: the household by its code only."""

    id: int
    compound_id: int
    household_code: str
    origin: str
    state: OrderState
    group_buy_id: int | None
    door_run_id: int | None
    supplier_id: int | None
    supplier_state: str
    total: int
    created_at: datetime
    delivered_at: datetime | None
    escalated_at: datetime | None
    age_hours: float

    @staticmethod
    def resolve_household_code(obj: Any) -> str:
        code = getattr(obj, "household_code", None)  # the supplier portal never joins the row
        return str(code if code is not None else obj.household.code)

    @staticmethod
    def resolve_age_hours(obj: Any) -> float:
        return selectors.order_age_hours(obj)


class OrderDetailOut(OrderOut):
    lines: list[OrderLineOut]

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        placed = getattr(obj, "placed_lines", None)  # just written: no need to read back
        return list(placed) if placed is not None else list(obj.lines.all())


class LineIn(Schema):
    offer: str
    quantity: int


class OrderIn(Schema):
    household_id: int
    lines: list[LineIn]
    group_buy_id: int | None = None


class GroupBuyIn(Schema):
    leader_household_id: int
    title: str


class GroupBuyLineOut(Schema):
    offer_code: str
    offer_name: str
    quantity: int
    households: int
    amount: int


class GroupBuyOut(Schema):
    id: int
    compound_id: int
    leader_household_code: str
    title: str
    is_open: bool
    totals: list[GroupBuyLineOut]


class DoorRunIn(Schema):
    point_id: int
    order_ids: list[int] | None = None


class DoorRunOut(Schema):
    id: int
    point_id: int
    order_ids: list[int]


class HandoverIn(Schema):
    client_id: str
    order_id: int
    code: str
    confirmed_at: datetime | None = None


class HandoverOut(Schema):
    client_id: str
    order_id: int
    recorded_at: datetime
    document_id: int | None
    created: bool


class OverdueOut(Schema):
    community_id: int
    community_code: str
    community_name: str
    over_24h: int
    over_48h: int


class ShareOut(Schema):
    day: date
    district_code: str
    orders: int
    within_24h: int
    within_48h: int
    share_24h: float
    share_48h: float


class EscalationOut(Schema):
    order_id: int
    street_id: int
    compound_id: int
    age_hours: int
    created_at: datetime

    @staticmethod
    def resolve_compound_id(obj: Any) -> int:
        return int(obj.order.compound_id)


@router.get(
    "/community/households", response={200: list[HouseholdOut], 403: ErrorOut, 404: ErrorOut}
)
@paginate(LimitOffsetPagination)
def list_households(request: HttpRequest, compound: int | None = None, q: str | None = None) -> Any:
    """Households with personal data (grid workers and commanders in scope); each read is
    logged."""
    user = _user(request)
    qs = selectors.household_list(user=user, compound_id=compound, search=q)
    # Log exactly the page served: pagination slices the queryset, so the slice logs.
    return _LoggingQuerySet(qs, user)


class _LoggingQuerySet:
    """A queryset wrapper whose slices log the households they hand out."""

    def __init__(self, qs: Any, user: User) -> None:
        self.qs, self.user = qs, user

    def count(self) -> int:
        return int(self.qs.count())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key: slice) -> list[Household]:
        rows = list(self.qs[key])
        selectors.household_reads_log(user=self.user, households=rows, via="api-list")
        return rows


@router.get(
    "/community/households/{household_id}",
    response={200: HouseholdOut, 403: ErrorOut, 404: ErrorOut},
)
def get_household(request: HttpRequest, household_id: int) -> Any:
    """One household's personal data (logged)."""
    user = _user(request)
    household = selectors.household_get(user=user, household_id=household_id)
    selectors.household_reads_log(user=user, households=[household], via="api-detail")
    return household


@router.get("/community/offers", response=list[OfferOut])
def list_offers(request: HttpRequest) -> Any:
    """What households can order: free standard boxes and paid goods (prices in fen)."""
    return list(selectors.offer_list())


@router.get("/community/orders", response=list[OrderOut])
@paginate(LimitOffsetPagination)
def list_orders(
    request: HttpRequest,
    compound: int | None = None,
    under: int | None = None,
    state: OrderState | None = None,
    older_than_hours: int | None = None,
) -> Any:
    """Orders in scope, oldest first, with their age; `older_than_hours=24|48` lists the open
    orders overdue by then."""
    return selectors.order_list(
        user=_user(request),
        compound_id=compound,
        under_id=under,
        state=state,
        older_than_hours=older_than_hours,
    )


@router.get("/community/orders/overdue", response=list[OverdueOut])
def overdue(request: HttpRequest) -> Any:
    """Open orders older than 24 h and 48 h per community."""
    return selectors.overdue_by_community(user=_user(request))


@router.get("/community/orders/{order_id}", response={200: OrderDetailOut, 404: ErrorOut})
def get_order(request: HttpRequest, order_id: int) -> Any:
    """One order with its lines (no personal data)."""
    return selectors.order_get(user=_user(request), order_id=order_id)


def _order_body(order: Order) -> dict[str, Any]:
    if getattr(order, "placed_lines", None) is None:
        order = (
            Order.objects.select_related("household")
            .prefetch_related("lines__offer__item", "lines__offer__kit")
            .get(pk=order.pk)
        )
    return OrderDetailOut.from_orm(order).dict()


@router.post("/community/orders", response={201: OrderDetailOut, **IDEMPOTENT_ERRORS})
def enter_order(request: HttpRequest, payload: OrderIn) -> HttpResponse:
    """A grid worker orders for a household (the ordering rules apply; a refusal says why)."""

    def run(key: str) -> tuple[int, Any]:
        order = services.order_enter_step(
            user=_user(request),
            household_id=payload.household_id,
            lines=[services.LineIn(ln.offer, ln.quantity) for ln in payload.lines],
            group_buy_id=payload.group_buy_id,
        )
        return 201, _order_body(order)

    return idempotent_response(request, run, atomic=True)  # one commit for key and order


def _group_buy_body(user: User, group_buy_id: int) -> dict[str, Any]:
    group = selectors.group_buy_get(user=user, group_buy_id=group_buy_id)
    return {
        "id": group.pk,
        "compound_id": group.compound_id,
        "leader_household_code": group.leader.code,
        "title": group.title,
        "is_open": group.is_open,
        "totals": [t.__dict__ for t in selectors.group_buy_totals(group_buy=group)],
    }


@router.post("/community/group-buys", response={201: GroupBuyOut, **IDEMPOTENT_ERRORS})
def create_group_buy(request: HttpRequest, payload: GroupBuyIn) -> HttpResponse:
    """Open a group buy for the leader household's compound."""

    def run(key: str) -> tuple[int, Any]:
        user = _user(request)
        group = services.group_buy_create(
            user=user, leader_household_id=payload.leader_household_id, title=payload.title
        )
        return 201, _group_buy_body(user, group.pk)

    return idempotent_response(request, run)


@router.get("/community/group-buys/{group_buy_id}", response={200: GroupBuyOut, 404: ErrorOut})
def get_group_buy(request: HttpRequest, group_buy_id: int) -> Any:
    """A group buy with its orders aggregated per offer (what the leader orders)."""
    return _group_buy_body(_user(request), group_buy_id)


@router.post("/community/door-runs", response={201: DoorRunOut, **IDEMPOTENT_ERRORS})
def create_door_run(request: HttpRequest, payload: DoorRunIn) -> HttpResponse:
    """Batch waiting orders at a community point into a door run carried by the caller."""

    def run(key: str) -> tuple[int, Any]:
        door_run = services.door_run_create(
            user=_user(request), point_id=payload.point_id, order_ids=payload.order_ids
        )
        ids = list(door_run.orders.order_by("created_at", "id").values_list("pk", flat=True))
        return 201, {"id": door_run.pk, "point_id": door_run.point_id, "order_ids": ids}

    return idempotent_response(request, run)


@router.post("/community/handovers", response={201: HandoverOut, **IDEMPOTENT_ERRORS})
def record_handover(request: HttpRequest, payload: HandoverIn) -> HttpResponse:
    """The household confirmed a delivery with its code (synced from the volunteer's phone;
    send the confirmation's client id as the Idempotency-Key)."""

    def run(key: str) -> tuple[int, Any]:
        result = services.handover_record(
            user=_user(request),
            client_id=payload.client_id,
            order_id=payload.order_id,
            code=payload.code,
            confirmed_at=payload.confirmed_at,
        )
        h = result.handover
        return 201, {
            "client_id": str(h.client_id),
            "order_id": h.order_id,
            "recorded_at": h.recorded_at,
            "document_id": h.document_id,
            "created": result.created,
        }

    return idempotent_response(request, run)


@router.get("/community/service-level", response=list[ShareOut])
def service_level(request: HttpRequest, days: int = 7) -> Any:
    """Share of orders delivered within 24 h and 48 h, per day placed and per district."""
    rows = selectors.delivery_share(user=_user(request), days=max(1, min(days, 60)))
    return [{**r.__dict__, "share_24h": r.share_24h, "share_48h": r.share_48h} for r in rows]


@router.get("/community/escalations", response=list[EscalationOut])
@paginate(LimitOffsetPagination)
def list_escalations(request: HttpRequest) -> Any:
    """Overdue orders escalated to streets in the caller's scope."""
    return selectors.escalation_list(user=_user(request))


class AssignmentPlanOut(Schema):
    assigned: int
    unassigned: int
    distance_km: float


def _plan_body(plan: Plan) -> dict[str, Any]:
    return {
        "assigned": sum(plan.flows.values()),
        "unassigned": sum(plan.unassigned.values()),
        "distance_km": round(plan.distance_km, 1),
    }


@router.post("/community/assignments", response={200: AssignmentPlanOut, **IDEMPOTENT_ERRORS})
def assign_orders(request: HttpRequest) -> HttpResponse:
    """Assign open paid orders to suppliers by capacity and distance (commanders)."""

    def run(key: str) -> tuple[int, Any]:
        return 200, _plan_body(services.orders_assign(user=_user(request)))

    return idempotent_response(request, run)


@router.post(
    "/community/suppliers/{supplier_id}/drop",
    response={200: AssignmentPlanOut, **IDEMPOTENT_ERRORS},
)
def drop_supplier(request: HttpRequest, supplier_id: int) -> HttpResponse:
    """A supplier drops out: its orders are reassigned to the others (commanders)."""

    def run(key: str) -> tuple[int, Any]:
        plan = services.supplier_drop(user=_user(request), supplier_id=supplier_id)
        return 200, _plan_body(plan)

    return idempotent_response(request, run)


@router.get(
    "/community/suppliers/{supplier_id}/orders",
    response={200: list[OrderDetailOut], 403: ErrorOut, 404: ErrorOut},
)
@paginate(LimitOffsetPagination)
def supplier_orders(request: HttpRequest, supplier_id: int) -> Any:
    """The supplier's portal: its orders (households by code only), oldest first (its staff
    and the commanders over its site)."""
    return selectors.supplier_order_list(user=_user(request), supplier_id=supplier_id)


@router.post(
    "/community/supplier-orders/{order_id}/{step}",
    response={200: OrderDetailOut, **IDEMPOTENT_ERRORS},
)
def supplier_step(request: HttpRequest, order_id: int, step: str) -> HttpResponse:
    """The supplier accepts, picks, then hands the order over at the community point
    (`step`: accept, pick, hand-over)."""

    def run(key: str) -> tuple[int, Any]:
        order = services.supplier_order_step(user=_user(request), order_id=order_id, step=step)
        return 200, _order_body(order)

    return idempotent_response(request, run)


class CareOut(Schema):
    id: int
    compound_id: int
    code: str
    address: str
    contact_name: str
    phone: str
    elderly_alone: bool
    disabled: bool
    pregnant: bool
    infant: bool
    chronic_medicine: bool
    dialysis: bool
    last_visit: datetime | None


class VisitIn(Schema):
    household_id: int
    health: str
    has_medicine: bool = True
    needs: str = ""
    order_lines: list[LineIn] = []


class VisitOut(Schema):
    id: int
    household_id: int
    visited_at: datetime
    health: str
    has_medicine: bool
    needs: str
    order_id: int | None


@router.get("/community/care", response=list[CareOut])
@paginate(LimitOffsetPagination)
def care_register(request: HttpRequest, overdue: bool = False) -> Any:
    """Special populations with their last visit; `overdue=true` lists those due a visit
    (personal data: grid workers and commanders; each read is logged)."""
    user = _user(request)
    qs = selectors.care_register(user=user, overdue_only=overdue)
    return _LoggingQuerySet(qs, user)


@router.post("/community/care/visits", response={201: VisitOut, **IDEMPOTENT_ERRORS})
def record_visit(request: HttpRequest, payload: VisitIn) -> HttpResponse:
    """Record a visit (health, medicine, needs); needs as lines become an order in one step."""

    def run(key: str) -> tuple[int, Any]:
        visit = services.care_visit_record(
            user=_user(request),
            household_id=payload.household_id,
            health=payload.health,
            has_medicine=payload.has_medicine,
            needs=payload.needs,
            order_lines=[services.LineIn(ln.offer, ln.quantity) for ln in payload.order_lines],
        )
        return 201, VisitOut.from_orm(visit).dict()

    return idempotent_response(request, run)
