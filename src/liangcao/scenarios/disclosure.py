"""Demo data for donations and the public portal: purchases from the demo suppliers, an
anonymous undesignated donation (general pool, shipped by ordinary allocation), a donation
designated to the first district (partly rejected at intake, shipped to a hospital there), and
yesterday's publication. Loaded by `load_demo` after the city (not by the test fixture)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from liangcao.catalog.models import Item
from liangcao.donations.services import (
    AllocateLine,
    InspectLine,
    PledgeLine,
    donation_allocate,
    donation_inspect,
    donation_pledge,
    donation_receive,
)
from liangcao.orgs.models import Node, NodeClosure, Site, SiteKind, User
from liangcao.portal.publication import publication_create
from liangcao.procurement.services import purchase_record
from liangcao.stock.models import Document
from liangcao.stock.services import (
    LineSpec,
    ReceiveSpec,
    shipment_dispatch,
    shipment_receive,
    shipment_reserve,
)


@dataclass(frozen=True)
class DisclosureResult:
    purchases: int
    donations: int
    published: date


def _ship(actor: User, document_id: int) -> None:
    shipment_dispatch(actor=actor, document_id=document_id)
    document = Document.objects.get(pk=document_id)
    shipment_receive(
        actor=actor,
        document_id=document_id,
        lines=[ReceiveSpec(line.pk, line.quantity) for line in document.lines.all()],
    )


def disclosure_load() -> DisclosureResult:
    admin = User.objects.get(username="admin")
    depot = Site.objects.get(code="depot-city")
    suppliers = list(Site.objects.filter(kind=SiteKind.SUPPLIER_SITE).order_by("code")[:2])
    items = {i.code: i for i in Item.objects.filter(code__in=["MASK-N95", "RICE", "OIL"])}
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    expiry = today + timedelta(days=365)
    purchases = [
        (suppliers[0], "MASK-N95", 20_000, "3.85", yesterday, "P-N95-0001"),
        (suppliers[1], "RICE", 50_000, "5.20", yesterday, "P-RICE-0001"),
        (suppliers[1], "OIL", 8_000, "14.50", today, "P-OIL-0001"),
    ]
    for supplier, code, qty, price, when, lot in purchases:
        purchase_record(
            actor=admin,
            supplier_id=supplier.pk,
            site_id=depot.pk,
            item_id=items[code].pk,
            quantity=qty,
            unit_price=Decimal(price),
            purchased_on=when,
            lot_code=lot,
            expiry=expiry,
        )

    # An anonymous neighbour gives rice to the general pool.
    anonymous = donation_pledge(
        actor=admin,
        intake_site_id=depot.pk,
        donor_kind="person",
        donor_name="张女士",
        donor_phone="13800000000",
        anonymous=True,
        lines=[PledgeLine(items["RICE"].pk, 1_000, expiry=expiry)],
    )
    line = anonymous.lines.get()
    donation_inspect(actor=admin, donation_id=anonymous.pk, lines=[InspectLine(line.pk, 1_000)])
    donation_receive(actor=admin, donation_id=anonymous.pk)
    rice_lot = anonymous.lines.get().lot_id

    # A company gives N95 respirators to the first district; 500 lack a certificate.
    district = Node.objects.filter(kind="district").order_by("code").first()
    assert district is not None  # noqa: S101 - the demo city has districts
    designated = donation_pledge(
        actor=admin,
        intake_site_id=depot.pk,
        donor_kind="organisation",
        donor_name="安阳红星医疗器械有限公司",
        designation="region",
        designated_node_id=district.pk,
        lines=[PledgeLine(items["MASK-N95"].pk, 5_000, maker_lot="HX2201", expiry=expiry)],
    )
    line = designated.lines.get()
    donation_inspect(
        actor=admin,
        donation_id=designated.pk,
        lines=[
            InspectLine(
                line.pk,
                4_500,
                rejection_reason="no_certificate",
                certificate_no="国械注准20203140001",
                quality_ok=True,
            )
        ],
    )
    donation_receive(actor=admin, donation_id=designated.pk)
    hospital = (
        Site.objects.filter(kind=SiteKind.HOSPITAL, node__in=_subtree(district))
        .order_by("code")
        .first()
    )
    if hospital is not None:
        allocation = donation_allocate(
            actor=admin,
            donation_id=designated.pk,
            to_site_id=hospital.pk,
            lines=[AllocateLine(line.pk, 3_000)],
        )
        _ship(admin, allocation.document_id)
    # Ordinary allocation draws the general pool, the anonymous rice included (FEFO).
    point = Site.objects.filter(kind=SiteKind.DISTRIBUTION_POINT).order_by("code").first()
    if point is not None:
        shipment = shipment_reserve(
            actor=admin,
            from_site_id=depot.pk,
            to_site_id=point.pk,
            lines=[LineSpec(items["RICE"].pk, 1_000, lot_id=rice_lot)],
        )
        _ship(admin, shipment.pk)
    publication_create(day=yesterday)
    return DisclosureResult(purchases=len(purchases), donations=2, published=yesterday)


def _subtree(node: Node) -> list[int]:
    return list(NodeClosure.objects.filter(ancestor=node).values_list("descendant_id", flat=True))
