"""API of the fleet: vehicles, drivers (phones for dispatchers in scope only), passes, the
checkpoints' trust list and scan log. State-changing POSTs take an Idempotency-Key."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from liangcao.core.api import ErrorOut
from liangcao.core.idempotency import idempotent_response
from liangcao.fleet import selectors, services
from liangcao.fleet.models import ScanResult, VehicleKind
from liangcao.orgs.models import User

router = Router(tags=["fleet"])

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


class VehicleOut(Schema):
    id: int
    plate: str
    kind: str
    capacity_kg: int
    capacity_m3: Decimal
    cold_chain: bool
    owner_id: int
    owner_code: str = Field(alias="owner.code")
    is_available: bool
    note: str


class VehicleIn(Schema):
    plate: str = Field(max_length=20)
    kind: VehicleKind
    capacity_kg: int = Field(ge=1, le=services.MAX_CAPACITY_KG)
    capacity_m3: Decimal = Field(ge=0, le=9999, decimal_places=2)
    owner_id: int = Field(ge=1, le=2**31 - 1)
    cold_chain: bool = False
    note: str = Field("", max_length=200)


class DriverOut(Schema):
    id: int
    name: str
    phone: str
    owner_id: int
    owner_code: str = Field(alias="owner.code")
    is_available: bool


class DriverIn(Schema):
    name: str = Field(max_length=100)
    phone: str = Field(max_length=30)
    owner_id: int = Field(ge=1, le=2**31 - 1)


class PassOut(Schema):
    id: int
    plate: str = Field(alias="vehicle.plate")
    driver_id: int | None
    issuer_code: str = Field(alias="issuer.code")
    zone_codes: list[str]
    purpose: str
    valid_from: datetime
    valid_until: datetime
    key_id: str = Field(alias="key.key_id")
    code: str
    revoked_at: datetime | None
    replaces_id: int | None

    @staticmethod
    def resolve_zone_codes(obj: Any) -> list[str]:
        return sorted(z.code for z in obj.zones.all())


class PassIn(Schema):
    vehicle_id: int = Field(ge=1, le=2**31 - 1)
    driver_id: int | None = Field(None, ge=1, le=2**31 - 1)
    zone_ids: list[int] = Field(min_length=1, max_length=32)
    purpose: str = Field(max_length=200)
    valid_from: datetime
    valid_until: datetime


class ReasonIn(Schema):
    reason: str = Field(max_length=200)


class ReissueIn(Schema):
    valid_until: datetime | None = None


class ScanIn(Schema):
    client_id: str = Field(max_length=36)
    code: str = Field(max_length=1000)
    result: ScanResult
    scanned_at: datetime


class ScanOut(Schema):
    id: int
    client_id: str
    checkpoint_id: int
    pass_serial: int | None
    plate: str
    result: str
    scanned_at: datetime
    created: bool = True

    @staticmethod
    def resolve_client_id(obj: Any) -> str:
        return str(obj.client_id)


class KeyOut(Schema):
    public_key: str
    state: str


class TrustOut(Schema):
    version: int
    generated_at: datetime
    keys: dict[str, KeyOut]
    revoked_passes: list[int]


@router.get("/fleet/vehicles", response=list[VehicleOut])
@paginate(LimitOffsetPagination)
def list_vehicles(request: HttpRequest, q: str | None = None, available: bool | None = None) -> Any:
    """Vehicles of the organisations the caller dispatches for."""
    return selectors.vehicle_list(user=_user(request), search=q, available=available)


@router.get("/fleet/vehicles/{vehicle_id}", response={200: VehicleOut, 404: ErrorOut})
def get_vehicle(request: HttpRequest, vehicle_id: int) -> Any:
    return selectors.vehicle_get(user=_user(request), vehicle_id=vehicle_id)


@router.post("/fleet/vehicles", response={201: VehicleOut, **ERRORS})
def create_vehicle(request: HttpRequest, payload: VehicleIn) -> HttpResponse:
    """Register a vehicle."""

    def run(key: str) -> tuple[int, Any]:
        vehicle = services.vehicle_create(user=_user(request), **payload.dict())
        return 201, VehicleOut.from_orm(vehicle).dict()

    return idempotent_response(request, run)


@router.get("/fleet/drivers", response=list[DriverOut])
@paginate(LimitOffsetPagination)
def list_drivers(request: HttpRequest, q: str | None = None, available: bool | None = None) -> Any:
    """Drivers (name and phone) of the organisations the caller dispatches for."""
    return selectors.driver_list(user=_user(request), search=q, available=available)


@router.get("/fleet/drivers/{driver_id}", response={200: DriverOut, 404: ErrorOut})
def get_driver(request: HttpRequest, driver_id: int) -> Any:
    return selectors.driver_get(user=_user(request), driver_id=driver_id)


@router.post("/fleet/drivers", response={201: DriverOut, **ERRORS})
def create_driver(request: HttpRequest, payload: DriverIn) -> HttpResponse:
    """Register a driver."""

    def run(key: str) -> tuple[int, Any]:
        driver = services.driver_create(user=_user(request), **payload.dict())
        return 201, DriverOut.from_orm(driver).dict()

    return idempotent_response(request, run)


@router.get("/fleet/passes", response=list[PassOut])
@paginate(LimitOffsetPagination)
def list_passes(request: HttpRequest, q: str | None = None) -> Any:
    """Passes issued by offices in the caller's dispatch scope."""
    return selectors.pass_list(user=_user(request), search=q)


@router.get("/fleet/passes/{pass_id}", response={200: PassOut, 404: ErrorOut})
def get_pass(request: HttpRequest, pass_id: int) -> Any:
    return selectors.pass_get(user=_user(request), pass_id=pass_id)


def _pass_body(request: HttpRequest, pass_id: int) -> Any:
    return PassOut.from_orm(selectors.pass_get(user=_user(request), pass_id=pass_id)).dict()


@router.post("/fleet/passes", response={201: PassOut, **ERRORS})
def issue_pass(request: HttpRequest, payload: PassIn) -> HttpResponse:
    """Issue a signed pass (the caller's office covering every zone is the issuer)."""

    def run(key: str) -> tuple[int, Any]:
        issued = services.pass_issue(user=_user(request), spec=services.PassSpec(**payload.dict()))
        return 201, _pass_body(request, issued.pk)

    return idempotent_response(request, run)


@router.post("/fleet/passes/{pass_id}/revoke", response={200: PassOut, **ERRORS})
def revoke_pass(request: HttpRequest, pass_id: int, payload: ReasonIn) -> HttpResponse:
    """Revoke a pass (checkpoints learn it with their next list)."""

    def run(key: str) -> tuple[int, Any]:
        services.pass_revoke(user=_user(request), pass_id=pass_id, reason=payload.reason)
        return 200, _pass_body(request, pass_id)

    return idempotent_response(request, run)


@router.post("/fleet/passes/{pass_id}/reissue", response={201: PassOut, **ERRORS})
def reissue_pass(request: HttpRequest, pass_id: int, payload: ReissueIn) -> HttpResponse:
    """Replace a pass by a new one signed with the current key; the old one is revoked."""

    def run(key: str) -> tuple[int, Any]:
        new = services.pass_reissue(
            user=_user(request), pass_id=pass_id, valid_until=payload.valid_until
        )
        return 201, _pass_body(request, new.pk)

    return idempotent_response(request, run)


@router.get("/fleet/trust", response=TrustOut)
def trust(request: HttpRequest) -> Any:
    """Public keys and revoked passes: what a checkpoint caches to verify offline."""
    return selectors.trust_list()


@router.post("/fleet/checkpoints/{site_id}/scans", response={200: ScanOut, 201: ScanOut, **ERRORS})
def record_scan(request: HttpRequest, site_id: int, payload: ScanIn) -> HttpResponse:
    """Log a scan made at a checkpoint (sent again after being queued offline: stored once)."""

    def run(key: str) -> tuple[int, Any]:
        scan, created = services.scan_record(
            user=_user(request), checkpoint_id=site_id, scan=services.ScanIn(**payload.dict())
        )
        body = ScanOut.from_orm(scan).dict()
        body["created"] = created
        return (201 if created else 200), body

    return idempotent_response(request, run)
