"""API of route plans: create a plan, start solving it, follow its progress, read its routes.
The POSTs take an Idempotency-Key (a retry creates or starts nothing twice)."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from liangcao.core.api import ErrorOut
from liangcao.core.idempotency import idempotent_response
from liangcao.core.schema import LocalTime
from liangcao.fleet.selectors import shipment_transport_choices
from liangcao.logistics import planning, selectors
from liangcao.logistics.models import PlanStatus, RoutePlan
from liangcao.orgs.models import User

router = Router(tags=["logistics"])


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - authentication guarantees it
    return user


class FleetIn(Schema):
    count: int = Field(ge=1, le=planning.MAX_VEHICLES)
    capacity_kg: int = Field(ge=1)
    capacity_m3: Decimal | None = Field(default=None, gt=0, max_digits=7, decimal_places=2)


class StopIn(Schema):
    site_id: int
    demand_kg: int | None = Field(default=None, ge=0)
    volume_m3: Decimal | None = Field(default=None, ge=0, max_digits=7, decimal_places=2)
    window_start: LocalTime | None = None
    window_end: LocalTime | None = None
    service_minutes: int | None = Field(default=None, ge=0, le=600)


class PlanIn(Schema):
    depot_id: int
    fleet: list[FleetIn] = Field(min_length=1)
    stops: list[StopIn] | None = None
    name: str = Field(default="", max_length=100)
    start_time: LocalTime = time(8, 0)
    end_time: LocalTime = time(20, 0)
    time_limit: int = Field(default=10, ge=1, le=planning.MAX_TIME_LIMIT)
    service_minutes: int = Field(default=10, ge=0, le=600)
    road_factor: float | None = Field(default=None, ge=1, le=5)
    speed_kmh: float | None = Field(default=None, ge=1, le=150)
    matrix: dict[str, list[list[float]]] | None = None


class RoutePlanOut(Schema):
    id: int
    depot_id: int
    name: str
    status: PlanStatus
    progress: int
    error: str
    time_limit: int
    distance_m: int | None
    seconds: float | None
    created_at: datetime
    finished_at: datetime | None

    @staticmethod
    def resolve_error(obj: Any) -> str:
        # In the caller's language, whatever language the worker ran in (a dict: `_detail`'s,
        # already worded).
        return str(obj["error"] if isinstance(obj, dict) else obj.error_message)


class StopOut(Schema):
    number: int
    site_id: int
    site_code: str
    demand_kg: int
    window_start: time | None
    window_end: time | None
    service_minutes: int
    shipments: list[int]
    route: int | None
    position: int | None
    arrival: time | None


class PlanDetailOut(RoutePlanOut):
    start_time: time
    end_time: time
    road_factor: float
    speed_kmh: float
    fleet: list[dict[str, Any]]
    stops: list[StopOut]
    routes: list[dict[str, Any]] | None


def _detail(plan: RoutePlan) -> dict[str, Any]:
    base = RoutePlanOut.from_orm(plan).dict()
    stops = [
        {
            "number": s.number,
            "site_id": s.site_id,
            "site_code": s.site.code,
            "demand_kg": s.demand_kg,
            "window_start": s.window_start,
            "window_end": s.window_end,
            "service_minutes": s.service_minutes,
            "shipments": sorted(d.pk for d in s.shipments.all()),
            "route": s.route,
            "position": s.position,
            "arrival": s.arrival,
        }
        for s in selectors.route_plan_stops(plan)
    ]
    fleet = [
        {
            "number": f.number,
            "count": f.count,
            "capacity_kg": f.capacity_kg,
            "capacity_m3": f.capacity_m3,
        }
        for f in plan.fleet.order_by("number")
    ]
    return {
        **base,
        "start_time": plan.start_time,
        "end_time": plan.end_time,
        "road_factor": plan.road_factor,
        "speed_kmh": plan.speed_kmh,
        "fleet": fleet,
        "stops": stops,
        "routes": (plan.result or {}).get("routes"),
    }


@router.get("/logistics/route-plans", response=list[RoutePlanOut])
@paginate(LimitOffsetPagination)
def list_plans(request: HttpRequest) -> Any:
    """Route plans from the depots in the caller's scope."""
    return selectors.route_plan_list(user=_user(request))


@router.post(
    "/logistics/route-plans",
    response={201: PlanDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def create_plan(request: HttpRequest, payload: PlanIn) -> HttpResponse:
    """Create a draft plan (needs an Idempotency-Key). Without `stops`, every reserved
    shipment leaving the depot becomes a stop. `matrix` (metres; seconds optional) replaces the
    distances estimated from coordinates: depot first, then the stops in order."""
    user = _user(request)

    def run(key: str) -> tuple[int, dict[str, Any]]:
        plan = planning.route_plan_create(
            user=user,
            depot_id=payload.depot_id,
            fleet=[planning.FleetSpec(**f.dict()) for f in payload.fleet],
            stops=None
            if payload.stops is None
            else [planning.StopSpec(**s.dict()) for s in payload.stops],
            name=payload.name,
            start_time=payload.start_time,
            end_time=payload.end_time,
            time_limit=payload.time_limit,
            service_minutes=payload.service_minutes,
            road_factor=payload.road_factor,
            speed_kmh=payload.speed_kmh,
            matrix=payload.matrix,
        )
        return 201, _detail(plan)

    return idempotent_response(request, run)


@router.get("/logistics/route-plans/{plan_id}", response={200: PlanDetailOut, 404: ErrorOut})
def get_plan(request: HttpRequest, plan_id: int) -> Any:
    """A plan with its progress, stops and (once solved) routes."""
    return _detail(selectors.route_plan_get(user=_user(request), plan_id=plan_id))


@router.post(
    "/logistics/route-plans/{plan_id}/start",
    response={202: RoutePlanOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
)
def start_plan(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Queue the plan for solving within its time limit (needs an Idempotency-Key); poll the
    plan for progress."""
    user = _user(request)

    def run(key: str) -> tuple[int, dict[str, Any]]:
        plan = planning.route_plan_start(user=user, plan_id=plan_id)
        return 202, RoutePlanOut.from_orm(plan).dict()

    return idempotent_response(request, run)


class VehicleChoiceOut(Schema):
    id: int
    plate: str
    kind: str
    capacity_kg: int


class DriverChoiceOut(Schema):
    id: int
    name: str


class TransportChoicesOut(Schema):
    vehicles: list[VehicleChoiceOut]
    drivers: list[DriverChoiceOut]


@router.get(
    "/logistics/shipments/{document_id}/transport-choices",
    response={200: TransportChoicesOut, 403: ErrorOut, 404: ErrorOut},
)
def transport_choices(request: HttpRequest, document_id: int) -> Any:
    """What `POST /api/v1/stock/shipments/{id}/dispatch` accepts as `vehicle_id` and
    `driver_id` for this shipment: the choices of its dispatch form (at most 500 each)."""
    vehicles, drivers = shipment_transport_choices(user=_user(request), document_id=document_id)
    return {"vehicles": list(vehicles[:500]), "drivers": list(drivers[:500])}
