"""Donation services: pledge → inspect → receive into the ledger → allocate designated goods.

Stock moves only through the ledger's internal steps (stock.services: documents, lines,
`_post_lines`, `_reserve_lines`) composed inside one durable transaction here, so a donation
row and its ledger document commit together or not at all.

Traceability: every accepted line is received as its own lot (`DON<donation>-<line>`, plus the
maker's lot code when there is one), whatever the item's lot tracking, so the ledger's lot
trace shows where the donated goods went.

Designation: undesignated goods go into the intake site's main store — the general pool the
normal allocation draws from. Designated goods go into a zone of that store of their own
(`store:<site>:donation-<id>`), which no ordinary transfer, issue or shipment touches (they
all take the main store); only `donation_allocate` moves them out, and only to a site inside
the designation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liangcao.catalog.models import Category, Item
from liangcao.core.errors import Conflict, FieldError, Forbidden, Invalid, Message, NotFound
from liangcao.donations.models import (
    PURPOSE_SITE_KINDS,
    Designation,
    Donation,
    DonationAllocation,
    DonationLine,
    DonationState,
    Donor,
    DonorKind,
    Purpose,
    RejectionReason,
)
from liangcao.orgs.models import Node, NodeClosure, Role, Site, User
from liangcao.orgs.selectors import site_list
from liangcao.stock.models import DocumentKind, DocumentState, LocationKind, Lot
from liangcao.stock.services import (
    POSTING_ROLES,
    _new_document,
    _new_lines,
    _post_lines,
    _reserve_lines,
    location_for,
    run_durable,
)

DONATION_ROLES = frozenset({Role.DONATION_OFFICER, Role.COMMANDER, Role.WAREHOUSE_KEEPER})
# Items whose intake needs a registration certificate and a passed quality check.
MEDICAL_CATEGORIES = frozenset(
    {Category.MEDICINE, Category.EQUIPMENT, Category.TIER1, Category.TIER2, Category.TIER3}
)
MAX_LINES = 200


@dataclass(frozen=True)
class PledgeLine:
    item_id: int
    quantity: int
    maker_lot: str = ""
    expiry: date | None = None


@dataclass(frozen=True)
class InspectLine:
    """Inspection of one pledge line: `accepted` of its quantity; the rest is rejected with a
    reason. Medical items need `certificate_no` and `quality_ok` to accept anything."""

    line_id: int
    accepted: int
    rejection_reason: str = ""
    certificate_no: str = ""
    quality_ok: bool | None = None
    expiry: date | None = None  # read off the package when the pledge did not say


@dataclass(frozen=True)
class AllocateLine:
    line_id: int
    quantity: int


def _site_in_scope(actor: User, site_id: int, roles: frozenset[str], action: Message) -> Site:
    site = site_list(user=actor, roles=roles).filter(pk=site_id).first()
    if site is not None:
        return site
    if site_list(user=actor).filter(pk=site_id).exists():
        raise Forbidden(_("You may not %(action)s at this site") % {"action": action})
    raise NotFound(_("No such site"))


def _existing_pledge(actor: User, key: str) -> Donation | None:
    if not key:
        return None
    return Donation.objects.filter(created_by=actor, idempotency_key=key).first()


def donation_pledge(
    *,
    actor: User,
    intake_site_id: int,
    donor_kind: str,
    donor_name: str,
    lines: Sequence[PledgeLine],
    donor_phone: str = "",
    anonymous: bool = False,
    designation: str = Designation.NONE,
    designated_site_id: int | None = None,
    designated_node_id: int | None = None,
    purpose: str = "",
    note: str = "",
    idempotency_key: str = "",
) -> Donation:
    """Record a pledge (a new donor and the items). Raises Invalid naming each bad field,
    NotFound/Forbidden for an intake site out of the actor's scope."""
    errors: list[FieldError] = []
    if donor_kind not in DonorKind.values:
        errors.append(FieldError("donor_kind", _("person or organisation")))
    if not donor_name.strip():
        errors.append(FieldError("donor_name", _("required")))
    if len(donor_name) > 200:
        errors.append(FieldError("donor_name", _("at most %(count)s characters") % {"count": 200}))
    if len(donor_phone) > 30:
        errors.append(FieldError("donor_phone", _("at most %(count)s characters") % {"count": 30}))
    if designation not in Designation.values:
        errors.append(FieldError("designation", _("none, site, region or purpose")))
    if designation == Designation.SITE and designated_site_id is None:
        errors.append(FieldError("designated_site_id", _("required for a site designation")))
    if designation == Designation.REGION and designated_node_id is None:
        errors.append(FieldError("designated_node_id", _("required for a region designation")))
    if designation == Designation.PURPOSE and purpose not in Purpose.values:
        errors.append(
            FieldError("purpose", _("one of %(choices)s") % {"choices": ", ".join(Purpose.values)})
        )
    if not lines:
        errors.append(FieldError("lines", _("at least one line")))
    if len(lines) > MAX_LINES:
        errors.append(FieldError("lines", _("at most %(count)s lines") % {"count": MAX_LINES}))
    for i, line in enumerate(lines):
        if not isinstance(line.quantity, int) or line.quantity <= 0:
            errors.append(FieldError(f"lines.{i}.quantity", _("must be a positive integer")))
        if len(line.maker_lot) > 40:
            errors.append(
                FieldError(
                    f"lines.{i}.maker_lot", _("at most %(count)s characters") % {"count": 40}
                )
            )
    known = set(
        Item.objects.filter(pk__in=[ln.item_id for ln in lines]).values_list("pk", flat=True)
    )
    for i, line in enumerate(lines):
        if line.item_id not in known:
            errors.append(
                FieldError(f"lines.{i}.item_id", _("no item with id %(id)s") % {"id": line.item_id})
            )
    site_given = designation == Designation.SITE and designated_site_id is not None
    if site_given and not Site.objects.filter(pk=designated_site_id or 0).exists():
        errors.append(FieldError("designated_site_id", _("no such site")))
    node_given = designation == Designation.REGION and designated_node_id is not None
    if node_given and not Node.objects.filter(pk=designated_node_id or 0).exists():
        errors.append(FieldError("designated_node_id", _("no such region")))
    if errors:
        raise Invalid(_("The pledge has errors"), errors)

    def work() -> Donation:
        found = _existing_pledge(actor, idempotency_key)
        if found is not None:
            return found
        site = _site_in_scope(actor, intake_site_id, DONATION_ROLES, _("record donations"))
        donor = Donor.objects.create(
            kind=donor_kind,
            name=donor_name.strip(),
            phone=donor_phone.strip(),
            anonymous=anonymous,
        )
        donation = Donation.objects.create(
            donor=donor,
            intake_site=site,
            designation=designation,
            designated_site_id=designated_site_id if designation == Designation.SITE else None,
            designated_node_id=designated_node_id if designation == Designation.REGION else None,
            purpose=purpose if designation == Designation.PURPOSE else "",
            state=DonationState.PLEDGED,
            note=note[:300],
            created_by=actor,
            idempotency_key=idempotency_key,
        )
        DonationLine.objects.bulk_create(
            [
                DonationLine(
                    donation=donation,
                    number=n,
                    item_id=line.item_id,
                    quantity=line.quantity,
                    maker_lot=line.maker_lot.strip(),
                    expiry=line.expiry,
                )
                for n, line in enumerate(lines, start=1)
            ]
        )
        return donation

    return run_durable(work)


def _lock_donation(actor: User, donation_id: int, action: Message) -> Donation:
    donation = (
        Donation.objects.select_for_update().select_related("donor").filter(pk=donation_id).first()
    )
    if donation is None:
        raise NotFound(_("No such donation"))
    _site_in_scope(actor, donation.intake_site_id, DONATION_ROLES, action)
    return donation


def donation_inspect(*, actor: User, donation_id: int, lines: Sequence[InspectLine]) -> Donation:
    """Intake inspection of every line of a pledge: accept all, part or none of each.

    A line accepted short names the reason for the rest; a medical item is accepted only with
    a registration certificate number and a passed quality check. A pledge with nothing
    accepted becomes rejected. Raises Invalid (per line), Conflict (not pledged)."""

    def work() -> Donation:
        donation = _lock_donation(actor, donation_id, _("inspect donations"))
        if donation.state != DonationState.PLEDGED:
            raise Conflict(
                _("Donation %(reference)s is %(state)s; it cannot be inspected")
                % {"reference": donation.reference, "state": donation.get_state_display()}
            )
        by_id = {ln.pk: ln for ln in donation.lines.select_related("item")}
        given = {spec.line_id: (i, spec) for i, spec in enumerate(lines)}
        errors: list[FieldError] = []
        for i, spec in enumerate(lines):
            if spec.line_id not in by_id:
                errors.append(FieldError(f"lines.{i}.line_id", _("not a line of this donation")))
        errors += [
            FieldError("lines", _("line %(number)s is not inspected") % {"number": ln.number})
            for pk, ln in by_id.items()
            if pk not in given
        ]
        for pk, (i, spec) in given.items():
            line = by_id.get(pk)
            if line is None:
                continue
            if not isinstance(spec.accepted, int) or not 0 <= spec.accepted <= line.quantity:
                errors.append(
                    FieldError(
                        f"lines.{i}.accepted",
                        _("0 to %(quantity)s") % {"quantity": line.quantity},
                    )
                )
                continue
            if (
                spec.accepted < line.quantity
                and spec.rejection_reason not in RejectionReason.values
            ):
                errors.append(
                    FieldError(f"lines.{i}.rejection_reason", _("required for a rejection"))
                )
            if line.item.category in MEDICAL_CATEGORIES and spec.accepted > 0:
                if not spec.certificate_no.strip():
                    errors.append(
                        FieldError(f"lines.{i}.certificate_no", _("required for medical items"))
                    )
                if spec.quality_ok is not True:
                    errors.append(FieldError(f"lines.{i}.quality_ok", _("must pass to accept")))
            expiry = spec.expiry or line.expiry
            if line.item.expiry_tracked and spec.accepted > 0 and expiry is None:
                errors.append(FieldError(f"lines.{i}.expiry", _("required for this item")))
            if len(spec.certificate_no) > 60:
                errors.append(
                    FieldError(
                        f"lines.{i}.certificate_no",
                        _("at most %(count)s characters") % {"count": 60},
                    )
                )
        if errors:
            raise Invalid(_("The inspection has errors"), errors)
        now = timezone.now()
        for pk, (_i, spec) in given.items():
            line = by_id[pk]
            line.accepted = spec.accepted
            line.rejected = line.quantity - spec.accepted
            line.rejection_reason = spec.rejection_reason if line.rejected else ""
            line.certificate_no = spec.certificate_no.strip()
            line.quality_ok = spec.quality_ok
            line.expiry = spec.expiry or line.expiry
            line.inspected_by = actor
            line.inspected_at = now
        DonationLine.objects.bulk_update(
            list(by_id.values()),
            [
                "accepted",
                "rejected",
                "rejection_reason",
                "certificate_no",
                "quality_ok",
                "expiry",
                "inspected_by",
                "inspected_at",
            ],
        )
        accepted = any(ln.accepted for ln in by_id.values())
        donation.state = DonationState.INSPECTED if accepted else DonationState.REJECTED
        donation.save(update_fields=["state"])
        return donation

    return run_durable(work)


def donation_receive(*, actor: User, donation_id: int) -> Donation:
    """Receive what inspection accepted into the ledger, the donor as source: one receipt
    document, one lot per line. Designated goods go to the donation's own zone of the intake
    store, the rest to the main store (the general pool). Raises Conflict (not inspected)."""

    def work() -> Donation:
        donation = _lock_donation(actor, donation_id, _("receive donations"))
        if donation.state == DonationState.RECEIVED:
            return donation  # a retried request: already received
        if donation.state != DonationState.INSPECTED:
            raise Conflict(
                _("Donation %(reference)s is %(state)s; inspect it first")
                % {"reference": donation.reference, "state": donation.get_state_display()}
            )
        party = donation.donor.ledger_party
        source = location_for(LocationKind.DONOR, party=party)
        zone = donation.zone if donation.is_designated else ""
        store = location_for(LocationKind.STORE, site_id=donation.intake_site_id, zone=zone)
        lines = [ln for ln in donation.lines.order_by("number") if ln.accepted]
        specs = []
        for line in lines:
            code = f"DON{donation.pk}-{line.number}"
            if line.maker_lot:
                code = f"{code}-{line.maker_lot}"
            lot = Lot.objects.create(
                item_id=line.item_id, code=code[:60], expiry=line.expiry, source=party[:120]
            )
            line.lot = lot
            specs.append((line.item_id, lot.pk, line.accepted or 0, source, store))
        document = _new_document(
            actor,
            DocumentKind.RECEIPT,
            DocumentState.POSTED,
            source=None,
            dest=donation.intake_site_id,
            reason=f"donation {donation.reference}",
        )
        _post_lines(actor, document, _new_lines(document, specs))
        DonationLine.objects.bulk_update(lines, ["lot"])
        donation.state = DonationState.RECEIVED
        donation.receipt = document
        donation.received_at = timezone.now()
        donation.save(update_fields=["state", "receipt", "received_at"])
        return donation

    return run_durable(work)


def designation_allows(donation: Donation, site: Site) -> bool:
    """Whether the donor's designation lets goods go to `site`."""
    if donation.designation == Designation.NONE:
        return True
    if donation.designation == Designation.SITE:
        return site.pk == donation.designated_site_id
    if donation.designation == Designation.REGION:
        return NodeClosure.objects.filter(
            ancestor_id=donation.designated_node_id, descendant_id=site.node_id
        ).exists()
    return site.kind in PURPOSE_SITE_KINDS.get(donation.purpose, frozenset())


def donation_allocate(
    *,
    actor: User,
    donation_id: int,
    to_site_id: int,
    lines: Sequence[AllocateLine],
    idempotency_key: str = "",
) -> DonationAllocation:
    """Send designated goods where the donor said: into the intake site's own store when it is
    inside the designation (a posted transfer), or to another site (a reserved shipment that
    then goes through dispatch and receive like any other).

    The designation is enforced here, the only service that moves a designated zone: a site
    outside it is refused (Invalid on `to_site_id`), nothing moves. Raises Conflict when the
    donation is undesignated (it is in the general pool) or not received, or stock is short.
    """
    errors = [
        FieldError(f"lines.{i}.quantity", _("must be a positive integer"))
        for i, ln in enumerate(lines)
        if not isinstance(ln.quantity, int) or ln.quantity <= 0
    ]
    if not lines:
        errors.append(FieldError("lines", _("at least one line")))
    if errors:
        raise Invalid(_("The allocation has errors"), errors)

    def work() -> DonationAllocation:
        if idempotency_key:
            found = DonationAllocation.objects.filter(
                created_by=actor, idempotency_key=idempotency_key
            ).first()
            if found is not None:
                return found
        donation = Donation.objects.select_for_update().filter(pk=donation_id).first()
        if (
            donation is None
            or not site_list(user=actor).filter(pk=donation.intake_site_id).exists()
        ):
            raise NotFound(_("No such donation"))
        source_site = _site_in_scope(actor, donation.intake_site_id, POSTING_ROLES, _("ship stock"))
        if donation.state != DonationState.RECEIVED:
            raise Conflict(
                _("Donation %(reference)s is %(state)s; receive it first")
                % {"reference": donation.reference, "state": donation.get_state_display()}
            )
        if not donation.is_designated:
            raise Conflict(
                _(
                    "Donation %(reference)s is undesignated: it is in the general pool and goes "
                    "out through normal allocation"
                )
                % {"reference": donation.reference}
            )
        to_site = Site.objects.filter(pk=to_site_id).first()
        if to_site is None:
            raise Invalid(_("Unknown site"), [FieldError("to_site_id", _("no such site"))])
        if not designation_allows(donation, to_site):
            raise Invalid(
                _("%(site)s is outside the donor's designation of %(reference)s")
                % {"site": to_site.name, "reference": donation.reference},
                [FieldError("to_site_id", _("outside the donor's designation"))],
            )
        by_id = {ln.pk: ln for ln in donation.lines.filter(lot__isnull=False)}
        bad = [
            FieldError(f"lines.{i}.line_id", _("not a received line of this donation"))
            for i, ln in enumerate(lines)
            if ln.line_id not in by_id
        ]
        if bad:
            raise Invalid(_("The allocation has errors"), bad)
        zone = location_for(LocationKind.STORE, site_id=source_site.pk, zone=donation.zone)
        target = location_for(LocationKind.STORE, site_id=to_site.pk)
        specs = [
            (by_id[ln.line_id].item_id, by_id[ln.line_id].lot_id, ln.quantity, zone, target)
            for ln in lines
        ]
        same_site = to_site.pk == source_site.pk
        document = _new_document(
            actor,
            DocumentKind.TRANSFER if same_site else DocumentKind.SHIPMENT,
            DocumentState.POSTED if same_site else DocumentState.RESERVED,
            source=source_site,
            dest=to_site,
            reason=f"donation {donation.reference}",
        )
        new_lines = _new_lines(document, specs)
        if same_site:
            _post_lines(actor, document, new_lines)
        else:
            _reserve_lines(actor, new_lines)
        return DonationAllocation.objects.create(
            donation=donation,
            to_site=to_site,
            document=document,
            created_by=actor,
            idempotency_key=idempotency_key,
        )

    try:
        return run_durable(work)
    except Conflict:
        if idempotency_key:
            found = DonationAllocation.objects.filter(
                created_by=actor, idempotency_key=idempotency_key
            ).first()
            if found is not None:
                return found
        raise


__all__ = [
    "AllocateLine",
    "InspectLine",
    "PledgeLine",
    "designation_allows",
    "donation_allocate",
    "donation_inspect",
    "donation_pledge",
    "donation_receive",
]
