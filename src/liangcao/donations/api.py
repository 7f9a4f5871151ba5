"""API of donations under /api/v1/donations: pledge, inspect, receive, allocate, trace.

Every read is scoped to the caller (by the intake site); every POST requires an
`Idempotency-Key` header (core.idempotency)."""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from liangcao.core.api import ErrorOut
from liangcao.core.idempotency import idempotent_response
from liangcao.donations import selectors, services
from liangcao.donations.models import Designation, Donation, DonationState, DonorKind
from liangcao.orgs.models import User

router = Router(tags=["donations"])

ERRORS: dict[int, type[Schema]] = {
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


class DonationLineOut(Schema):
    id: int
    number: int
    item_id: int
    quantity: int
    maker_lot: str
    expiry: date | None
    accepted: int | None
    rejected: int
    rejection_reason: str
    certificate_no: str
    quality_ok: bool | None
    lot_id: int | None


class DonationOut(Schema):
    id: int
    reference: str
    donor_id: int
    donor_kind: str
    donor_name: str
    anonymous: bool
    intake_site_id: int
    designation: str
    designated_site_id: int | None
    designated_node_id: int | None
    purpose: str
    state: DonationState
    receipt_id: int | None
    received_at: datetime | None
    created_at: datetime
    lines: list[DonationLineOut]

    @staticmethod
    def resolve_donor_kind(obj: Donation) -> str:
        return obj.donor.kind

    @staticmethod
    def resolve_donor_name(obj: Donation) -> str:
        return obj.donor.name

    @staticmethod
    def resolve_anonymous(obj: Donation) -> bool:
        return obj.donor.anonymous

    @staticmethod
    def resolve_lines(obj: Donation) -> list[Any]:
        return list(obj.lines.all())


class PledgeLineIn(Schema):
    item_id: int
    quantity: int = Field(gt=0)
    maker_lot: str = Field("", max_length=40)
    expiry: date | None = None


class PledgeIn(Schema):
    intake_site_id: int
    donor_kind: DonorKind
    donor_name: str = Field(min_length=1, max_length=200)
    donor_phone: str = Field("", max_length=30)
    anonymous: bool = False
    designation: Designation = Designation.NONE
    designated_site_id: int | None = None
    designated_node_id: int | None = None
    purpose: str = ""
    note: str = Field("", max_length=300)
    lines: list[PledgeLineIn] = Field(min_length=1, max_length=services.MAX_LINES)


class InspectLineIn(Schema):
    line_id: int
    accepted: int = Field(ge=0)
    rejection_reason: str = ""
    certificate_no: str = Field("", max_length=60)
    quality_ok: bool | None = None
    expiry: date | None = None


class InspectIn(Schema):
    lines: list[InspectLineIn] = Field(min_length=1, max_length=services.MAX_LINES)


class AllocateLineIn(Schema):
    line_id: int
    quantity: int = Field(gt=0)


class AllocateIn(Schema):
    to_site_id: int
    lines: list[AllocateLineIn] = Field(min_length=1, max_length=services.MAX_LINES)


class AllocationOut(Schema):
    id: int
    donation_id: int
    to_site_id: int
    document_id: int
    document_kind: str
    document_state: str

    @staticmethod
    def resolve_document_kind(obj: Any) -> str:
        return str(obj.document.kind)

    @staticmethod
    def resolve_document_state(obj: Any) -> str:
        return str(obj.document.state)


class DonationTraceOut(Schema):
    at: datetime
    item_code: str
    lot_code: str
    quantity: int
    kind: str
    site_code: str
    district: str
    document_id: int


def _body(donation: Donation) -> dict[str, Any]:
    fresh = Donation.objects.select_related("donor").prefetch_related("lines").get(pk=donation.pk)
    return DonationOut.from_orm(fresh).model_dump(mode="json")


@router.get("/donations", response=list[DonationOut])
@paginate(LimitOffsetPagination)
def list_donations(request: HttpRequest, state: DonationState | None = None) -> Any:
    """Donations received at sites in the caller's scope, newest first."""
    return selectors.donation_list(user=_user(request), state=state).prefetch_related("lines")


@router.get("/donations/{donation_id}", response={200: DonationOut, 404: ErrorOut})
def get_donation(request: HttpRequest, donation_id: int) -> Any:
    """One donation; 404 when unknown or out of scope."""
    return selectors.donation_get(user=_user(request), donation_id=donation_id)


@router.get("/donations/{donation_id}/trace", response={200: list[DonationTraceOut], 404: ErrorOut})
def trace_donation(request: HttpRequest, donation_id: int) -> Any:
    """Where the donation's lots went: every movement into a store, a using site, households
    (never which household) or loss."""
    donation = selectors.donation_get(user=_user(request), donation_id=donation_id)
    return [step.__dict__ for step in selectors.donation_trace(donation)]


@router.post("/donations", response={201: DonationOut, **ERRORS})
def pledge(request: HttpRequest, payload: PledgeIn) -> HttpResponse:
    """Record a pledge: the donor, the items, the designation, the intake site."""
    lines = [services.PledgeLine(**ln.dict()) for ln in payload.lines]

    def run(key: str) -> tuple[int, Any]:
        donation = services.donation_pledge(
            actor=_user(request),
            intake_site_id=payload.intake_site_id,
            donor_kind=payload.donor_kind,
            donor_name=payload.donor_name,
            donor_phone=payload.donor_phone,
            anonymous=payload.anonymous,
            designation=payload.designation,
            designated_site_id=payload.designated_site_id,
            designated_node_id=payload.designated_node_id,
            purpose=payload.purpose,
            note=payload.note,
            lines=lines,
            idempotency_key=key,
        )
        return 201, _body(donation)

    return idempotent_response(request, run)


@router.post("/donations/{donation_id}/inspect", response={200: DonationOut, **ERRORS})
def inspect(request: HttpRequest, donation_id: int, payload: InspectIn) -> HttpResponse:
    """Intake inspection: accept all, part or none of each line (reasons for rejections)."""
    lines = [services.InspectLine(**ln.dict()) for ln in payload.lines]

    def run(key: str) -> tuple[int, Any]:
        donation = services.donation_inspect(
            actor=_user(request), donation_id=donation_id, lines=lines
        )
        return 200, _body(donation)

    return idempotent_response(request, run)


@router.post("/donations/{donation_id}/receive", response={200: DonationOut, **ERRORS})
def receive(request: HttpRequest, donation_id: int) -> HttpResponse:
    """Receive the accepted goods into the ledger, the donor as source, one lot per line."""

    def run(key: str) -> tuple[int, Any]:
        donation = services.donation_receive(actor=_user(request), donation_id=donation_id)
        return 200, _body(donation)

    return idempotent_response(request, run)


@router.post("/donations/{donation_id}/allocate", response={201: AllocationOut, **ERRORS})
def allocate(request: HttpRequest, donation_id: int, payload: AllocateIn) -> HttpResponse:
    """Send designated goods to a site inside the designation (422 on `to_site_id` outside)."""
    lines = [services.AllocateLine(**ln.dict()) for ln in payload.lines]

    def run(key: str) -> tuple[int, Any]:
        allocation = services.donation_allocate(
            actor=_user(request),
            donation_id=donation_id,
            to_site_id=payload.to_site_id,
            lines=lines,
            idempotency_key=key,
        )
        return 201, AllocationOut.from_orm(allocation).model_dump(mode="json")

    return idempotent_response(request, run)
