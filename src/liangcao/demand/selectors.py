"""Reads of requisitions, scoped: a user sees a list when they may see its requesting site, or
when its serving level lies in their subtree (an escalated list reaches the level above)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liangcao.core.errors import NotFound
from liangcao.demand.models import (
    OPEN_STATES,
    Fulfilment,
    Requisition,
    RequisitionLine,
    Signature,
    SignatureDecision,
)
from liangcao.orgs.models import Membership, Role, User
from liangcao.orgs.selectors import scope_for_user, site_list

SIGNING_ROLES = frozenset({Role.APPROVER, Role.COMMANDER})


def requisition_list(
    *,
    user: User,
    state: str | None = None,
    site_id: int | None = None,
    item_code: str | None = None,
    search: str | None = None,
    open_only: bool = False,
) -> QuerySet[Requisition]:
    """Requisitions the user may see, newest first, optionally filtered."""
    scope = scope_for_user(user)
    qs = Requisition.objects.select_related("site", "serving_node")
    if not scope.everything:
        visible_sites = site_list(user=user).values("pk")
        qs = qs.filter(Q(site_id__in=visible_sites) | Q(serving_node_id__in=scope.descendant_ids()))
    if state:
        qs = qs.filter(state=state)
    if open_only:
        qs = qs.filter(state__in=OPEN_STATES)
    if site_id is not None:
        qs = qs.filter(site_id=site_id)
    if item_code:
        qs = qs.filter(lines__item__code=item_code).distinct()
    if search:
        qs = qs.filter(
            Q(number__icontains=search)
            | Q(site__name_zh__icontains=search)
            | Q(site__code__icontains=search)
        )
    return qs.order_by("-created_at", "-id")


def requisition_get(*, user: User, requisition_id: int) -> Requisition:
    """One visible requisition with lines and signatures. Raises NotFound."""
    req = (
        requisition_list(user=user)
        .prefetch_related(
            Prefetch(
                "lines", queryset=RequisitionLine.objects.select_related("item").order_by("id")
            ),
            Prefetch(
                "signatures",
                queryset=Signature.objects.select_related("node", "signed_by").order_by("-depth"),
            ),
        )
        .filter(pk=requisition_id)
        .first()
    )
    if req is None:
        raise NotFound(_("No such requisition"))
    return req


def requisition_history(*, user: User, requisition: Requisition) -> list[Requisition]:
    """Each hop of an escalation chain the user may see, from the original list upwards."""
    root = requisition
    while root.escalated_from_id is not None:
        parent = requisition_list(user=user).filter(pk=root.escalated_from_id).first()
        if parent is None:
            break
        root = parent
    chain = [root]
    frontier = [root.pk]
    while frontier:
        children = list(
            requisition_list(user=user).filter(escalated_from_id__in=frontier).order_by("id")
        )
        chain += children
        frontier = [c.pk for c in children]
    return chain


def approval_inbox(*, user: User) -> QuerySet[Requisition]:
    """Lists whose next signature (the lowest pending level) is due where the user signs."""
    mine = _level_ids(user)
    pending = Signature.objects.filter(
        requisition=OuterRef("pk"), decision=SignatureDecision.PENDING, node_id__in=mine
    )
    candidates = (
        requisition_list(user=user)
        .filter(Exists(pending))
        .exclude(state__in=["rejected", "cancelled", "closed", "draft"])
        .prefetch_related("signatures")
    )
    ids = [req.pk for req in candidates if _next_level(req) in mine]
    return requisition_list(user=user).filter(pk__in=ids)


def _level_ids(user: User) -> set[int]:
    if user.is_superuser:
        return set(Signature.objects.values_list("node_id", flat=True))
    return set(
        Membership.objects.filter(
            user=user, role__in=SIGNING_ROLES, node__isnull=False
        ).values_list("node_id", flat=True)
    )


def _next_level(req: Requisition) -> int | None:
    pending = [s for s in req.signatures.all() if s.decision == SignatureDecision.PENDING]
    return max(pending, key=lambda s: s.depth).node_id if pending else None


def overdue_fast_tracks(*, user: User) -> QuerySet[Requisition]:
    """Fast-tracked lists whose paperwork deadline has passed with signatures still missing."""
    pending = Signature.objects.filter(
        requisition=OuterRef("pk"), decision=SignatureDecision.PENDING
    )
    return (
        requisition_list(user=user)
        .filter(Exists(pending), is_fast_tracked=True, paperwork_due_at__lt=timezone.now())
        .exclude(state__in=["rejected", "cancelled"])
    )


def requisition_actions(*, user: User, requisition: Requisition) -> set[str]:
    """The actions the user may take on a list now (what the detail page offers)."""
    from liangcao.demand.models import RequisitionState as S

    actions: set[str] = set()
    requesting = site_list(user=user, roles=frozenset({Role.REQUESTER, Role.COMMANDER}))
    is_requester = requesting.filter(pk=requisition.site_id).exists()
    signs = _level_ids(user)
    if requisition.state == S.DRAFT and is_requester:
        actions |= {"submit", "cancel"}
    pending = [s for s in requisition.signatures.all() if s.decision == SignatureDecision.PENDING]
    if pending and requisition.state not in {S.REJECTED, S.CANCELLED, S.CLOSED, S.DRAFT}:
        nxt = max(pending, key=lambda s: s.depth)
        if nxt.node_id in signs:
            actions |= {"sign", "reject"}
        if requisition.state == S.SUBMITTED and any(
            s.node_id in signs for s in requisition.signatures.all()
        ):
            actions.add("fast-track")
    if requisition.state in {S.SUBMITTED, S.APPROVED} and (
        is_requester or requisition.serving_node_id in signs
    ):
        actions.add("cancel")
    if requisition.state in {S.DISPATCHED, S.RECEIVED} and (
        is_requester or requisition.serving_node_id in signs
    ):
        actions.add("close")
    if (
        requisition.state in {S.APPROVED, S.PARTLY_ALLOCATED, S.ALLOCATED}
        and requisition.serving_node_id in signs
        and requisition.serving_node.parent_id is not None
        and any(line.open_quantity for line in requisition.lines.all())
    ):
        actions.add("escalate")
    return actions


def open_demand_by_class(*, user: User) -> list[dict[str, object]]:
    """Open lists in scope, per priority class: lists, lines and units still open."""
    from django.db.models import Count, F, Sum

    return list(
        RequisitionLine.objects.filter(
            requisition__in=requisition_list(user=user, open_only=True).values("pk"),
            approved__isnull=False,
        )
        .values(priority=F("requisition__priority_class"))
        .annotate(
            lists=Count("requisition", distinct=True),
            lines=Count("id"),
            approved=Sum("approved"),
            allocated=Sum("allocated"),
            escalated=Sum("escalated"),
        )
        .order_by("priority")
    )


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    who: str
    what: str
    detail: str = ""


def requisition_timeline(*, user: User, requisition: Requisition) -> list[TimelineEntry]:
    """Who did what when on one list: filed, submitted, each countersignature with its
    comment, fast-track, escalations, shipments recorded against it, the end. Oldest first."""
    from django.utils.translation import gettext as _

    req = requisition
    entries = [
        TimelineEntry(req.created_at, _person(req.created_by), _("filed the list"), req.note)
    ]
    if req.submitted_at:
        entries.append(TimelineEntry(req.submitted_at, "", _("submitted for countersignature")))
    for sig in req.signatures.select_related("signed_by", "node").exclude(signed_at=None):
        assert sig.signed_at is not None  # noqa: S101 - excluded above
        entries.append(
            TimelineEntry(
                sig.signed_at,
                _person(sig.signed_by),
                f"{sig.get_decision_display()} · {sig.node.name}",
                sig.comment,
            )
        )
    if req.is_fast_tracked and req.paperwork_due_at:
        due = req.paperwork_due_at - timedelta(hours=settings.FAST_TRACK_HOURS)
        entries.append(
            TimelineEntry(
                due, _person(req.fast_tracked_by), _("fast-tracked"), req.fast_track_reason
            )
        )
    for child in requisition_list(user=user).filter(escalated_from=req):
        entries.append(
            TimelineEntry(child.created_at, _person(child.created_by), _("escalated"), child.number)
        )
    for f in Fulfilment.objects.filter(line__requisition=req).select_related("line__item"):
        entries.append(
            TimelineEntry(
                f.created_at,
                "",
                _("shipment recorded"),
                f"#{f.document_id}: {f.line.item.name} × {f.quantity}",
            )
        )
    if req.closed_at:
        entries.append(TimelineEntry(req.closed_at, "", req.get_state_display(), req.end_reason))
    return sorted(entries, key=lambda e: e.at)


def _person(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def lists_served_by(*, document_ids: list[int]) -> dict[int, list[tuple[str, int]]]:
    """For shipment pages: document id → the (list number, priority class) it serves.

    Internal to pages that already show those shipments to the user (no scope of its own)."""
    out: dict[int, list[tuple[str, int]]] = {}
    rows = (
        Fulfilment.objects.filter(document_id__in=document_ids)
        .values_list(
            "document_id", "line__requisition__number", "line__requisition__priority_class"
        )
        .distinct()
        .order_by("document_id", "line__requisition__number")
    )
    for document_id, number, priority in rows:
        out.setdefault(document_id, []).append((number, priority))
    return out
