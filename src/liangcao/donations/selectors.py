"""Reads for donation pages and the API, scoped to the acting user (by the intake site), and
the trace of where a donation's goods went (the ledger's movements of its lots)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from liangcao.core.errors import NotFound
from liangcao.donations.models import Donation
from liangcao.orgs.models import Node, User
from liangcao.orgs.selectors import site_list
from liangcao.stock.models import LocationKind, Movement

# Where a donated lot can end up: a store (a site's stock), used at a site, households, loss.
TRACE_KINDS = frozenset(
    {LocationKind.STORE, LocationKind.CONSUMPTION, LocationKind.HOUSEHOLD, LocationKind.LOSS}
)


def donation_list(*, user: User, state: str | None = None) -> QuerySet[Donation]:
    qs = Donation.objects.filter(intake_site__in=site_list(user=user).values("pk"))
    if state:
        qs = qs.filter(state=state)
    return qs.select_related("donor", "intake_site", "designated_site", "designated_node").order_by(
        "-id"
    )


def donation_get(*, user: User, donation_id: int) -> Donation:
    """One donation in the user's scope; NotFound otherwise."""
    donation = donation_list(user=user).filter(pk=donation_id).first()
    if donation is None:
        raise NotFound(_("No such donation"))
    return donation


@dataclass(frozen=True)
class TraceStep:
    """One movement of a donated lot into a place: a site's store, use at a site, households
    (never which household), or loss."""

    at: datetime
    item_code: str
    item_name: str
    lot_code: str
    quantity: int
    kind: str
    site_code: str
    site_name: str
    district: str
    document_id: int

    @property
    def kind_label(self) -> str:
        return str(LocationKind(self.kind).label)


def donation_trace(donation: Donation, *, using: str = "default") -> list[TraceStep]:
    """Every movement of the donation's lots into a store, a using site, households or loss,
    in order — the receipt first. In-transit legs are left out (the arrival shows)."""
    lot_ids = [lot for lot in donation.lines.using(using).values_list("lot_id", flat=True) if lot]
    moves = (
        Movement.objects.using(using)
        .filter(lot_id__in=lot_ids, to_location__kind__in=TRACE_KINDS, reverses__isnull=True)
        .select_related("item", "lot", "to_location__site__node__parent", "document__dest_site")
        .order_by("id")
    )
    steps = []
    for m in moves:
        loc = m.to_location
        site = loc.site or m.document.dest_site
        district = ""
        if site is not None:
            node: Node | None = site.node
            while node is not None and node.kind not in {"district", "city"}:
                node = node.parent
            district = node.name if node is not None else ""
        steps.append(
            TraceStep(
                at=m.created_at,
                item_code=m.item.code,
                item_name=m.item.name,
                lot_code=m.lot.code,
                quantity=int(m.quantity),
                kind=loc.kind,
                site_code=site.code if site else "",
                site_name=site.name if site else "",
                district=district,
                document_id=m.document_id,
            )
        )
    return steps
