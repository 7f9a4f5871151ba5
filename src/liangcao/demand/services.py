"""Writes to requisitions: create, submit, countersign, fast-track, escalate, cancel.

Every public service is atomic (`durable=True`), locks the requisition row first, checks the
acting user's role at the level concerned, and re-derives the header state from the lines and
signatures before it commits. Illegal transitions raise Conflict (409) naming the state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liangcao.catalog.models import Item
from liangcao.core.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from liangcao.demand.models import (
    REASON_ESCALATED,
    Requisition,
    RequisitionLine,
    RequisitionState,
    Signature,
    SignatureDecision,
)
from liangcao.demand.rules import LineFacts, signing_levels
from liangcao.demand.selectors import requisition_list
from liangcao.orgs.models import Membership, Node, NodeClosure, Role, User
from liangcao.orgs.selectors import site_list
from liangcao.stock.selectors import (
    OPEN_SHIPMENT_STATES,
    shipment_line_states,
    shipment_lines_to,
)

REQUESTING_ROLES = frozenset({Role.REQUESTER, Role.COMMANDER})
SIGNING_ROLES = frozenset({Role.APPROVER, Role.COMMANDER})
MAX_PRIORITY_CLASS = 9


@dataclass(frozen=True)
class LineIn:
    item_code: str
    quantity: int
    needed_by: date | None = None
    justification: str = ""


def _roles_at(user: User, node_id: int) -> set[str]:
    return set(Membership.objects.filter(user=user, node_id=node_id).values_list("role", flat=True))


def _may_sign_at(user: User, node_id: int) -> bool:
    return user.is_superuser or bool(_roles_at(user, node_id) & SIGNING_ROLES)


def _may_act_for(user: User, node_id: int) -> bool:
    """A commander or approver at the node or above it (a city commander allocates a district's
    lists)."""
    above = NodeClosure.objects.filter(descendant_id=node_id).values("ancestor_id")
    return (
        user.is_superuser
        or Membership.objects.filter(user=user, role__in=SIGNING_ROLES, node_id__in=above).exists()
    )


def _locked(user: User, requisition_id: int) -> Requisition:
    """The requisition, locked, if the user may see it (NotFound otherwise)."""
    visible = requisition_list(user=user).filter(pk=requisition_id).values("pk")
    req = (
        Requisition.objects.select_for_update()
        .select_related("site__node", "serving_node")
        .filter(pk__in=visible)
        .first()
    )
    if req is None:
        raise NotFound(_("No such requisition"))
    return req


def _require_state(req: Requisition, *states: str) -> None:
    if req.state not in states:
        raise Conflict(
            _("Requisition %(number)s is %(state)s; this needs %(states)s")
            % {
                "number": req.number,
                "state": req.get_state_display(),
                "states": str(_(" or ")).join(str(RequisitionState(s).label) for s in states),
            }
        )


def _derive_state(req: Requisition) -> str:
    """The header state implied by signatures and line quantities (terminal states stay)."""
    if req.state in {
        RequisitionState.DRAFT,
        RequisitionState.REJECTED,
        RequisitionState.CANCELLED,
        RequisitionState.CLOSED,
    }:
        return req.state
    pending = req.signatures.filter(decision=SignatureDecision.PENDING).exists()
    if pending and not req.is_fast_tracked:
        return RequisitionState.SUBMITTED
    totals = req.lines.aggregate(
        approved=Sum("approved"),
        allocated=Sum("allocated"),
        escalated=Sum("escalated"),
        shipped=Sum("shipped"),
        received=Sum("received"),
    )
    approved = totals["approved"] or 0
    allocated = totals["allocated"] or 0
    covered = allocated + (totals["escalated"] or 0)
    shipped, received = totals["shipped"] or 0, totals["received"] or 0
    if shipped and received >= shipped and covered >= approved:
        return RequisitionState.RECEIVED
    if shipped:
        return RequisitionState.DISPATCHED
    if allocated:
        return (
            RequisitionState.ALLOCATED if covered >= approved else RequisitionState.PARTLY_ALLOCATED
        )
    return RequisitionState.APPROVED


def _save_state(req: Requisition) -> None:
    new = _derive_state(req)
    fields = ["state"]
    if (
        new != RequisitionState.SUBMITTED
        and req.approved_at is None
        and req.state == RequisitionState.SUBMITTED
    ):
        req.approved_at = timezone.now()
        fields.append("approved_at")
    req.state = new
    req.save(update_fields=fields)


def _check_lines(lines: Sequence[LineIn], errors: list[FieldError]) -> dict[str, Item]:
    """Items by code; appends a FieldError for each bad line."""
    if not lines:
        errors.append(FieldError("lines", _("at least one line")))
    codes = [ln.item_code for ln in lines]
    items = {i.code: i for i in Item.objects.filter(code__in=codes, is_active=True)}
    seen: set[str] = set()
    for index, line in enumerate(lines):
        if line.item_code not in items:
            errors.append(
                FieldError(
                    f"lines[{index}].item", _("unknown item %(code)r") % {"code": line.item_code}
                )
            )
        if line.item_code in seen:
            errors.append(
                FieldError(
                    f"lines[{index}].item", _("%(code)s is listed twice") % {"code": line.item_code}
                )
            )
        seen.add(line.item_code)
        if not isinstance(line.quantity, int) or line.quantity < 1:
            errors.append(FieldError(f"lines[{index}].quantity", _("a whole number of at least 1")))
        elif line.quantity > (
            limit := (
                getattr(items.get(line.item_code), "max_line_quantity", None)
                or settings.LEDGER_MAX_LINE_QUANTITY
            )
        ):
            errors.append(
                FieldError(f"lines[{index}].quantity", _("at most %(limit)s") % {"limit": limit})
            )
        if len(line.justification) > 500:
            errors.append(
                FieldError(
                    f"lines[{index}].justification",
                    _("at most %(count)s characters") % {"count": 500},
                )
            )
    return items


def requisition_create(
    *,
    user: User,
    site_id: int,
    lines: Sequence[LineIn],
    priority_class: int | None = None,
    priority_reason: str = "",
    note: str = "",
    submit: bool = False,
) -> Requisition:
    """Draft (and optionally submit) a demand list for a site the user requests for.

    Invariants: one line per item, quantities ≥ 1, priority derived from the site kind unless
    overridden with a reason. Raises NotFound (site not visible), Forbidden (no requester role
    for it), Invalid (field errors).
    """
    with transaction.atomic(durable=True):
        site = site_list(user=user).filter(pk=site_id).first()
        if site is None:
            raise NotFound(_("No such site"))
        if not site_list(user=user, roles=REQUESTING_ROLES).filter(pk=site_id).exists():
            raise Forbidden(_("Only the site's requesters or commanders file its demand lists"))
        errors: list[FieldError] = []
        items = _check_lines(lines, errors)
        if priority_class is not None:
            if not 1 <= priority_class <= MAX_PRIORITY_CLASS:
                errors.append(
                    FieldError(
                        "priority_class", _("1 to %(maximum)s") % {"maximum": MAX_PRIORITY_CLASS}
                    )
                )
            if priority_class != site.priority_class and not priority_reason.strip():
                errors.append(FieldError("priority_reason", _("a reason is required to override")))
        if errors:
            raise Invalid(_("The demand list has errors"), errors)
        req = Requisition.objects.create(
            number=f"tmp-{timezone.now().timestamp()}-{user.pk}",
            site=site,
            serving_node=site.node,
            created_by=user,
            note=note,
            priority_class=priority_class or site.priority_class,
            priority_reason=priority_reason.strip(),
        )
        req.number = f"R{timezone.localdate():%Y%m%d}-{req.pk:06d}"
        req.save(update_fields=["number"])
        RequisitionLine.objects.bulk_create(
            [
                RequisitionLine(
                    requisition=req,
                    item=items[ln.item_code],
                    requested=ln.quantity,
                    needed_by=ln.needed_by,
                    justification=ln.justification,
                )
                for ln in lines
            ]
        )
        if submit:
            _submit(req)
        return req


def _submit(req: Requisition) -> None:
    lines = list(req.lines.select_related("item"))
    levels = signing_levels(
        site_node=req.site.node,
        site_kind=req.site.kind,
        lines=[LineFacts(ln.item.category, ln.requested) for ln in lines],
    )
    Signature.objects.bulk_create(
        [
            Signature(
                requisition=req, node=lv.node, depth=lv.node.depth, reason="; ".join(lv.reasons)
            )
            for lv in levels
        ]
    )
    # The highest signing level's pool serves the list; what it cannot cover escalates.
    req.serving_node = min((lv.node for lv in levels), key=lambda n: n.depth)
    req.submitted_at = timezone.now()
    req.state = RequisitionState.SUBMITTED
    req.save(update_fields=["serving_node", "submitted_at", "state"])


def requisition_submit(*, user: User, requisition_id: int) -> Requisition:
    """Send a draft up for countersignature. Raises NotFound, Forbidden, Conflict (not a draft)."""
    with transaction.atomic(durable=True):
        req = _locked(user, requisition_id)
        if not site_list(user=user, roles=REQUESTING_ROLES).filter(pk=req.site_id).exists():
            raise Forbidden(_("Only the site's requesters or commanders submit its demand lists"))
        _require_state(req, RequisitionState.DRAFT)
        _submit(req)
        return req


def next_signature(req: Requisition) -> Signature | None:
    """The lowest level still to sign (signatures go up the hierarchy in order)."""
    return req.signatures.filter(decision=SignatureDecision.PENDING).order_by("-depth").first()


def requisition_sign(
    *,
    user: User,
    requisition_id: int,
    approve: bool,
    comment: str = "",
    approved_quantities: dict[int, int] | None = None,
) -> Requisition:
    """Countersign (or reject) at the next level up. A signer may lower approved quantities.

    Raises Forbidden (not an approver or commander at that level), Conflict (nothing to sign,
    wrong state), Invalid (a quantity above what is requested or already approved, or a
    rejection without a reason).
    """
    with transaction.atomic(durable=True):
        req = _locked(user, requisition_id)
        signature = next_signature(req)
        if signature is None or req.state in {
            RequisitionState.DRAFT,
            RequisitionState.REJECTED,
            RequisitionState.CANCELLED,
            RequisitionState.CLOSED,
        }:
            raise Conflict(
                _("Requisition %(number)s has nothing to sign (%(state)s)")
                % {"number": req.number, "state": req.get_state_display()}
            )
        if not _may_sign_at(user, signature.node_id):
            raise Forbidden(
                _("The next signature is due at %(node)s") % {"node": signature.node.name}
            )
        if not approve and not comment.strip():
            raise Invalid(
                _("Give a reason"), [FieldError("comment", _("a rejection needs a reason"))]
            )
        lines = {ln.pk: ln for ln in req.lines.select_for_update()}
        errors = []
        for line_id, quantity in (approved_quantities or {}).items():
            line = lines.get(line_id)
            ceiling = (
                None
                if line is None
                else (line.approved if line.approved is not None else line.requested)
            )
            if line is None:
                errors.append(
                    FieldError(f"approved_quantities.{line_id}", _("not a line of this list"))
                )
            elif ceiling is not None and not 0 <= quantity <= ceiling:
                errors.append(
                    FieldError(
                        f"approved_quantities.{line_id}",
                        _("0 to %(maximum)s") % {"maximum": ceiling},
                    )
                )
            elif line.allocated + line.escalated > quantity:
                errors.append(
                    FieldError(f"approved_quantities.{line_id}", _("below what is already served"))
                )
        if errors:
            raise Invalid(_("Approved quantities are invalid"), errors)
        signature.decision = SignatureDecision.APPROVED if approve else SignatureDecision.REJECTED
        signature.signed_by = user
        signature.signed_at = timezone.now()
        signature.comment = comment.strip()
        signature.save(update_fields=["decision", "signed_by", "signed_at", "comment"])
        if not approve:
            req.state = RequisitionState.REJECTED
            req.end_reason = comment.strip()
            req.save(update_fields=["state", "end_reason"])
            return req
        for line in lines.values():
            new = (approved_quantities or {}).get(line.pk)
            current = line.approved if line.approved is not None else line.requested
            line.approved = current if new is None else new
        RequisitionLine.objects.bulk_update(lines.values(), ["approved"])
        _save_state(req)
        return req


def requisition_fast_track(*, user: User, requisition_id: int, reason: str) -> Requisition:
    """ "Dispatch first, paperwork after": approve provisionally so the list can be allocated and
    shipped before the countersign chain completes; remaining signatures are due within
    FAST_TRACK_HOURS. Only an approver or commander at one of the signing levels may do it.

    Raises Forbidden, Conflict (not awaiting signatures), Invalid (no reason).
    """
    with transaction.atomic(durable=True):
        req = _locked(user, requisition_id)
        _require_state(req, RequisitionState.SUBMITTED)
        if not reason.strip():
            raise Invalid(
                _("Give a reason"), [FieldError("reason", _("fast-track needs a reason"))]
            )
        levels = list(req.signatures.values_list("node_id", flat=True))
        if not any(_may_sign_at(user, node_id) for node_id in levels):
            raise Forbidden(_("Only an approver or commander of a signing level can fast-track"))
        req.is_fast_tracked = True
        req.fast_track_reason = reason.strip()
        req.fast_tracked_by = user
        req.paperwork_due_at = timezone.now() + timedelta(hours=settings.FAST_TRACK_HOURS)
        req.save(
            update_fields=[
                "is_fast_tracked",
                "fast_track_reason",
                "fast_tracked_by",
                "paperwork_due_at",
            ]
        )
        for line in req.lines.select_for_update().filter(approved__isnull=True):
            line.approved = line.requested
            line.save(update_fields=["approved"])
        _save_state(req)
        return req


def requisition_escalate(
    *, user: User, requisition_id: int, quantities: dict[int, int], note: str = ""
) -> Requisition:
    """Send what the serving level cannot cover up one level, as a new demand on the parent's pool.

    The new requisition keeps the site and priority, points back at this one, and needs the
    parent level's signature. Raises Forbidden (not an approver or commander of the serving
    level), Conflict (wrong state, already at the top), Invalid (quantities above what is open).
    """
    with transaction.atomic(durable=True):
        req = _locked(user, requisition_id)
        _require_state(
            req,
            RequisitionState.APPROVED,
            RequisitionState.PARTLY_ALLOCATED,
            RequisitionState.ALLOCATED,
        )
        if not _may_sign_at(user, req.serving_node_id):
            raise Forbidden(
                _("Only %(node)s can escalate what it cannot cover")
                % {"node": req.serving_node.name}
            )
        parent: Node | None = req.serving_node.parent
        if parent is None:
            raise Conflict(
                _("%(node)s is the top of the tree: nothing above to ask")
                % {"node": req.serving_node.name}
            )
        lines = {ln.pk: ln for ln in req.lines.select_for_update().select_related("item")}
        errors = []
        wanted = {k: v for k, v in quantities.items() if v}
        if not wanted:
            errors.append(FieldError("quantities", _("escalate at least one unit")))
        for line_id, quantity in wanted.items():
            line = lines.get(line_id)
            if line is None:
                errors.append(FieldError(f"quantities.{line_id}", _("not a line of this list")))
            elif not 1 <= quantity <= line.open_quantity:
                errors.append(
                    FieldError(
                        f"quantities.{line_id}",
                        _("1 to %(maximum)s") % {"maximum": line.open_quantity},
                    )
                )
        if errors:
            raise Invalid(_("Escalated quantities are invalid"), errors)
        child = Requisition.objects.create(
            number=f"tmp-esc-{req.pk}-{timezone.now().timestamp()}",
            site=req.site,
            serving_node=parent,
            created_by=user,
            escalated_from=req,
            priority_class=req.priority_class,
            priority_reason=req.priority_reason,
            note=note or req.note,
            state=RequisitionState.SUBMITTED,
            submitted_at=timezone.now(),
        )
        child.number = f"{req.number}-E{child.pk}"
        child.save(update_fields=["number"])
        RequisitionLine.objects.bulk_create(
            [
                RequisitionLine(
                    requisition=child,
                    item=lines[line_id].item,
                    requested=quantity,
                    needed_by=lines[line_id].needed_by,
                    justification=lines[line_id].justification,
                    source_line=lines[line_id],
                )
                for line_id, quantity in wanted.items()
            ]
        )
        Signature.objects.create(
            requisition=child,
            node=parent,
            depth=parent.depth,
            reason=f"{REASON_ESCALATED}{req.pk}",
        )
        for line_id, quantity in wanted.items():
            lines[line_id].escalated += quantity
            lines[line_id].save(update_fields=["escalated"])
        _save_state(req)
        return child


def requisition_cancel(*, user: User, requisition_id: int, reason: str) -> Requisition:
    """Withdraw a list nothing has been allocated to. Raises Forbidden, Conflict, Invalid."""
    with transaction.atomic(durable=True):
        req = _locked(user, requisition_id)
        if not (
            site_list(user=user, roles=REQUESTING_ROLES).filter(pk=req.site_id).exists()
            or _may_sign_at(user, req.serving_node_id)
        ):
            raise Forbidden(_("Only the site's requesters or the serving level can cancel"))
        _require_state(
            req, RequisitionState.DRAFT, RequisitionState.SUBMITTED, RequisitionState.APPROVED
        )
        if not reason.strip():
            raise Invalid(
                _("Give a reason"), [FieldError("reason", _("cancelling needs a reason"))]
            )
        if req.lines.filter(allocated__gt=0).exists() or req.lines.filter(escalated__gt=0).exists():
            raise Conflict(_("Part of this list is already allocated or escalated"))
        req.state = RequisitionState.CANCELLED
        req.end_reason = reason.strip()
        req.save(update_fields=["state", "end_reason"])
        return req


SHIPPED_STATES = {"dispatched", "partially_received", "received", "closed"}


def _refresh_line_progress(req: Requisition) -> None:
    """Re-derive allocated, shipped and received of each line from the ledger's shipment lines
    (read through stock selectors: the ledger's tables are not demand's to query)."""
    lines = list(req.lines.select_for_update().prefetch_related("fulfilments"))
    states = shipment_line_states(
        line_ids=[f.document_line_id for line in lines for f in line.fulfilments.all()]
    )
    for line in lines:
        served = [(f, states[f.document_line_id]) for f in line.fulfilments.all()]
        line.allocated = sum(f.quantity for f, st in served if st.document_state != "cancelled")
        line.shipped = sum(f.quantity for f, st in served if st.document_state in SHIPPED_STATES)
        # The ledger counts damaged units as accounted for on the shipment line; the list
        # counts only the good units that arrived.
        line.received = sum(st.received - st.damaged for _, st in served)
    RequisitionLine.objects.bulk_update(lines, ["allocated", "shipped", "received"])


def requisition_record_shipment(
    *, user: User, requisition_id: int, document_id: int, quantities: dict[int, int]
) -> Requisition:
    """Record that a shipment (already reserved in the ledger) serves lines of this list.

    Idempotent: a line already linked to that shipment is left as it is. Matches each
    requisition line to the shipment's line for the same item. Raises NotFound, Forbidden
    (not a signer of the serving level), Conflict (state, or more than the line's open
    quantity), Invalid (a line of another list, or an item the shipment does not carry).
    """
    with transaction.atomic(durable=True):
        return requisition_record_shipment_step(
            user=user, requisition_id=requisition_id, document_id=document_id, quantities=quantities
        )


def requisition_record_shipment_step(
    *, user: User, requisition_id: int, document_id: int, quantities: dict[int, int]
) -> Requisition:
    """`requisition_record_shipment` inside the caller's transaction (allocation's commit
    reserves every shipment and records them in one transaction)."""
    from liangcao.demand.models import Fulfilment

    req = _locked(user, requisition_id)
    if not _may_act_for(user, req.serving_node_id):
        raise Forbidden(_("Only commanders or approvers of the serving level or above allocate"))
    _require_state(
        req,
        RequisitionState.APPROVED,
        RequisitionState.PARTLY_ALLOCATED,
        RequisitionState.ALLOCATED,
    )
    by_item = shipment_lines_to(document_id=document_id, dest_site_id=req.site_id)
    if by_item is None:
        raise Invalid(_("Not a shipment to this site"), [FieldError("document_id", _("unknown"))])
    lines = {ln.pk: ln for ln in req.lines.select_related("item")}
    errors = []
    for line_id in quantities:
        line = lines.get(line_id)
        if line is None:
            errors.append(FieldError(f"quantities.{line_id}", _("not a line of this list")))
        elif line.item_id not in by_item:
            errors.append(FieldError(f"quantities.{line_id}", _("the shipment has no such item")))
    if errors:
        raise Invalid(_("Cannot record this shipment"), errors)
    recorded = set(
        Fulfilment.objects.filter(line__in=list(quantities), document_id=document_id).values_list(
            "line_id", flat=True
        )
    )
    for line_id, quantity in quantities.items():
        line = lines[line_id]
        if line_id in recorded:
            continue
        if quantity > line.open_quantity:
            raise Conflict(
                _("%(item)s: %(quantity)s is more than the %(open)s still open")
                % {"item": line.item.code, "quantity": quantity, "open": line.open_quantity}
            )
        Fulfilment.objects.create(
            line=line,
            document_id=document_id,
            document_line_id=by_item[line.item_id],
            quantity=quantity,
        )
    _refresh_line_progress(req)
    _save_state(req)
    return req


def requisition_refresh(*, requisition_id: int) -> None:
    """Bring shipped/received and the state up to date after a shipment moved (internal: called
    when the ledger reports a shipment changed; no user check)."""
    with transaction.atomic(durable=True):
        req = Requisition.objects.select_for_update().filter(pk=requisition_id).first()
        if req is None:
            return
        _refresh_line_progress(req)
        _save_state(req)


def requisitions_follow_shipment(*, document_id: int) -> None:
    """Refresh every list a shipment serves (internal: the ledger reported it moved)."""
    from liangcao.demand.models import Fulfilment

    ids = set(
        Fulfilment.objects.filter(document_id=document_id).values_list(
            "line__requisition_id", flat=True
        )
    )
    for requisition_id in sorted(ids):
        requisition_refresh(requisition_id=requisition_id)


def requisitions_reconcile() -> int:
    """Re-derive every list that has shipments and is not ended; return how many changed."""
    open_ids = (
        Requisition.objects.filter(lines__fulfilments__isnull=False)
        .exclude(state__in=[RequisitionState.CLOSED, RequisitionState.CANCELLED])
        .values_list("pk", flat=True)
        .distinct()
    )
    changed = 0
    for requisition_id in sorted(open_ids):
        before = _progress_snapshot(requisition_id)
        requisition_refresh(requisition_id=requisition_id)
        changed += before != _progress_snapshot(requisition_id)
    return changed


def _progress_snapshot(requisition_id: int) -> tuple[object, ...]:
    req = Requisition.objects.only("state").get(pk=requisition_id)
    lines = RequisitionLine.objects.filter(requisition_id=requisition_id).order_by("pk")
    return (req.state, *lines.values_list("allocated", "shipped", "received"))


def requisition_close(*, user: User, requisition_id: int, comment: str = "") -> Requisition:
    """Close a list whose shipments have all ended (received or closed with their shortfalls
    recorded in the ledger as discrepancies); what was never allocated or escalated is given up.

    Raises NotFound, Forbidden (neither a requester of the site nor the serving level),
    Conflict (a shipment is still open, or nothing was ever shipped and the list is not empty).
    """
    with transaction.atomic(durable=True):
        req = _locked(user, requisition_id)
        if not (
            site_list(user=user, roles=REQUESTING_ROLES).filter(pk=req.site_id).exists()
            or _may_act_for(user, req.serving_node_id)
        ):
            raise Forbidden(_("Only the site's requesters or the serving level close a list"))
        _refresh_line_progress(req)
        _save_state(req)
        _require_state(req, RequisitionState.DISPATCHED, RequisitionState.RECEIVED)
        served = list(
            req.lines.filter(fulfilments__isnull=False).values_list(
                "fulfilments__document_line_id", flat=True
            )
        )
        states = shipment_line_states(line_ids=served)
        if any(st.document_state in OPEN_SHIPMENT_STATES for st in states.values()):
            raise Conflict(
                _("Requisition %(number)s still has shipments on the way") % {"number": req.number}
            )
        req.state = RequisitionState.CLOSED
        req.closed_at = timezone.now()
        req.end_reason = comment.strip()
        req.save(update_fields=["state", "closed_at", "end_reason"])
        return req
