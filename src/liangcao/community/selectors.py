"""Reads of households, orders, group buys and service levels, scoped to the acting user.

Two circles: any role whose scope covers a compound sees its orders (households named by code
only); personal data (address, contact, health flags) is read only by grid workers and
commanders whose scope covers the compound (`PERSONAL_ROLES`), and every such read is logged.
Out of scope answers NotFound; in scope without the right role, Forbidden.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from liangcao.community.models import (
    Escalation,
    GroupBuy,
    Household,
    HouseholdRead,
    Offer,
    Order,
    OrderingRule,
    OrderLine,
    OrderState,
)
from liangcao.core.errors import Forbidden, NotFound
from liangcao.orgs.models import Membership, Node, NodeClosure, NodeKind, Role, User
from liangcao.orgs.selectors import scope_for_user

PERSONAL_ROLES = frozenset({Role.GRID_WORKER, Role.COMMANDER})
OPEN_STATES = (OrderState.PLACED, OrderState.BATCHED)


def _nodes_for_roles(user: User, roles: frozenset[str]) -> QuerySet[NodeClosure, int]:
    """Subquery of the node ids under the user's memberships of `roles`."""
    memberships = Membership.objects.filter(user=user, role__in=roles, node__isnull=False)
    return NodeClosure.objects.filter(ancestor_id__in=memberships.values("node_id")).values_list(
        "descendant_id", flat=True
    )


def compound_list(*, user: User, roles: frozenset[str] | None = None) -> QuerySet[Node]:
    """Compounds in the user's scope (through `roles` only, when given)."""
    qs = Node.objects.filter(kind=NodeKind.COMPOUND)
    if user.is_superuser:
        return qs.order_by("code")
    ids = scope_for_user(user).descendant_ids() if roles is None else _nodes_for_roles(user, roles)
    return qs.filter(id__in=ids).order_by("code")


def compound_get(*, user: User, compound_id: int, roles: frozenset[str] | None = None) -> Node:
    """One compound in scope (NotFound), whose personal data the user may read when `roles`
    is given (Forbidden)."""
    compound = compound_list(user=user).filter(pk=compound_id).first()
    if compound is None:
        raise NotFound(_("No such compound"))
    if roles is not None and not compound_list(user=user, roles=roles).filter(pk=compound_id):
        raise Forbidden(_("Household personal data is for grid workers and commanders"))
    return compound


def may_read_personal(*, user: User) -> bool:
    """Whether the user reads household personal data anywhere."""
    return user.is_superuser or bool(scope_for_user(user).roles & PERSONAL_ROLES)


def household_list(
    *, user: User, compound_id: int | None = None, search: str | None = None
) -> QuerySet[Household]:
    """Households whose personal data the user may read. Raises Forbidden for a user without
    the right anywhere, NotFound for a compound out of scope. The caller logs what it shows."""
    if not may_read_personal(user=user):
        raise Forbidden(_("Household personal data is for grid workers and commanders"))
    qs = Household.objects.select_related("compound")
    if compound_id is not None:
        compound_get(user=user, compound_id=compound_id, roles=PERSONAL_ROLES)
        qs = qs.filter(compound_id=compound_id)
    if not user.is_superuser:
        qs = qs.filter(compound_id__in=_nodes_for_roles(user, PERSONAL_ROLES))
    if search:
        qs = qs.filter(Q(code__icontains=search) | Q(room__icontains=search))
    return qs.order_by("compound__code", "building", "unit", "room")


def household_get(*, user: User, household_id: int) -> Household:
    """One household with personal data (logged by the caller). NotFound out of scope,
    Forbidden in scope without the right role."""
    qs = Household.objects.select_related("compound").filter(pk=household_id)
    if not user.is_superuser:
        # The common case in one query (the ordering hot path): the household is under one
        # of the user's grid-worker or commander memberships.
        found = qs.filter(compound_id__in=_nodes_for_roles(user, PERSONAL_ROLES)).first()
        if found is not None:
            return found
    household = qs.first()
    if household is None:
        raise NotFound(_("No such household"))
    compound_get(user=user, compound_id=household.compound_id, roles=PERSONAL_ROLES)
    return household


def household_reads_log(*, user: User, households: Iterable[Household], via: str) -> int:
    """Record that `user` read these households' personal data (one row each)."""
    rows = [HouseholdRead(household=h, user=user, via=via[:40]) for h in households]
    HouseholdRead.objects.bulk_create(rows)
    return len(rows)


def offer_list() -> QuerySet[Offer]:
    """Active offers: free standard boxes first, then paid goods by code."""
    return (
        Offer.objects.filter(is_active=True)
        .select_related("item", "kit")
        .order_by("-kit_id", "item__code")
    )


def order_list(
    *,
    user: User,
    compound_id: int | None = None,
    under_id: int | None = None,
    state: str | None = None,
    older_than_hours: int | None = None,
    open_only: bool = False,
) -> QuerySet[Order]:
    """Orders of compounds in the user's scope, oldest first (no personal data is joined)."""
    qs = Order.objects.select_related("household", "compound")
    if not user.is_superuser:
        qs = qs.filter(compound_id__in=scope_for_user(user).descendant_ids())
    if compound_id is not None:
        qs = qs.filter(compound_id=compound_id)
    if under_id is not None:
        qs = qs.filter(
            compound_id__in=NodeClosure.objects.filter(ancestor_id=under_id).values("descendant_id")
        )
    if state:
        qs = qs.filter(state=state)
    if open_only or older_than_hours is not None:
        qs = qs.filter(state__in=OPEN_STATES)
    if older_than_hours is not None:
        qs = qs.filter(created_at__lt=timezone.now() - timedelta(hours=older_than_hours))
    return qs.order_by("created_at", "id")


def order_get(*, user: User, order_id: int) -> Order:
    """One order in scope (NotFound otherwise), with its lines."""
    order = order_list(user=user).prefetch_related("lines__offer__item", "lines__offer__kit")
    found = order.filter(pk=order_id).first()
    if found is None:
        raise NotFound(_("No such order"))
    return found


def order_age_hours(order: Order, now: datetime | None = None) -> float:
    """Hours since the order was placed (until delivery, when delivered)."""
    end = order.delivered_at or now or timezone.now()
    return round((end - order.created_at).total_seconds() / 3600, 1)


@dataclass(frozen=True)
class OverdueRow:
    community_id: int
    community_code: str
    community_name: str
    over_24h: int
    over_48h: int


def overdue_by_community(*, user: User) -> list[OverdueRow]:
    """Open orders older than 24 h and 48 h, counted per community, worst first."""
    now = timezone.now()
    rows = (
        order_list(user=user, open_only=True)
        .filter(created_at__lt=now - timedelta(hours=24))
        .order_by()
        .values("compound__parent_id", "compound__parent__code", "compound__parent__name_zh")
        .annotate(
            over_24h=Count("id"),
            over_48h=Count("id", filter=Q(created_at__lt=now - timedelta(hours=48))),
        )
    )
    out = [
        OverdueRow(
            r["compound__parent_id"],
            r["compound__parent__code"],
            r["compound__parent__name_zh"],
            r["over_24h"],
            r["over_48h"],
        )
        for r in rows
    ]
    return sorted(out, key=lambda r: (-r.over_48h, -r.over_24h, r.community_code))


@dataclass(frozen=True)
class ShareRow:
    day: date
    district_code: str
    orders: int
    within_24h: int
    within_48h: int

    @property
    def share_24h(self) -> float:
        return round(self.within_24h / self.orders, 3) if self.orders else 0.0

    @property
    def share_48h(self) -> float:
        return round(self.within_48h / self.orders, 3) if self.orders else 0.0


def delivery_share(*, user: User, days: int = 7) -> list[ShareRow]:
    """Per day placed and per district: orders, and how many were delivered within 24/48 h."""
    since = timezone.now() - timedelta(days=days)
    districts = dict(
        NodeClosure.objects.filter(ancestor__kind=NodeKind.DISTRICT).values_list(
            "descendant_id", "ancestor__code"
        )
    )
    counts: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    rows = (
        order_list(user=user)
        .exclude(state=OrderState.CANCELLED)
        .filter(created_at__gte=since)
        .values_list("compound_id", "created_at", "delivered_at")
    )
    for compound_id, created, delivered in rows.iterator():
        key = (timezone.localtime(created).date(), districts.get(compound_id, ""))
        counts[key][0] += 1
        if delivered is not None:
            hours = (delivered - created).total_seconds() / 3600
            counts[key][1] += hours <= 24
            counts[key][2] += hours <= 48
    return [
        ShareRow(day, district, *values)
        for (day, district), values in sorted(counts.items(), reverse=True)
    ]


def group_buy_get(*, user: User, group_buy_id: int) -> GroupBuy:
    """One group buy of a compound in scope (NotFound otherwise)."""
    found = (
        GroupBuy.objects.select_related("compound", "leader")
        .filter(pk=group_buy_id, compound_id__in=compound_list(user=user).values("pk"))
        .first()
    )
    if found is None:
        raise NotFound(_("No such group buy"))
    return found


@dataclass(frozen=True)
class GroupBuyLine:
    offer_code: str
    quantity: int
    households: int
    amount: int


def group_buy_totals(*, group_buy: GroupBuy) -> list[GroupBuyLine]:
    """The group buy aggregated per offer over its live orders: what the leader orders."""
    rows = (
        OrderLine.objects.filter(order__group_buy=group_buy)
        .exclude(order__state=OrderState.CANCELLED)
        .values("offer_id")
        .annotate(
            quantity=Sum("quantity"),
            households=Count("order__household_id", distinct=True),
        )
    )
    offers = {o.pk: o for o in Offer.objects.select_related("item", "kit")}
    out = []
    for r in rows:
        offer = offers[r["offer_id"]]
        out.append(
            GroupBuyLine(offer.code, r["quantity"], r["households"], r["quantity"] * offer.price)
        )
    return sorted(out, key=lambda line: line.offer_code)


def escalation_list(*, user: User) -> QuerySet[Escalation]:
    """Escalated orders whose street the user commands (or sees), newest first."""
    qs = Escalation.objects.select_related("order", "street", "order__compound")
    if not user.is_superuser:
        qs = qs.filter(street_id__in=scope_for_user(user).descendant_ids())
    return qs.order_by("-created_at")


SPECIAL_FLAGS = ("elderly_alone", "disabled", "pregnant", "infant", "chronic_medicine", "dialysis")


def visit_interval_days() -> int:
    """Days between visits under the active response level (default 3)."""
    rule = OrderingRule.objects.filter(is_active=True).first()
    return rule.visit_interval_days if rule else 3


def care_register(*, user: User, overdue_only: bool = False) -> QuerySet[Household]:
    """Households of special populations the user may read (personal data: the caller logs),
    with `last_visit`; `overdue_only`: never visited or last visit older than the interval."""
    special = Q()
    for flag in SPECIAL_FLAGS:
        special |= Q(**{flag: True})
    qs = household_list(user=user).filter(special).annotate(last_visit=Max("visits__visited_at"))
    if overdue_only:
        cutoff = timezone.now() - timedelta(days=visit_interval_days())
        qs = qs.filter(Q(last_visit__isnull=True) | Q(last_visit__lt=cutoff))
    return qs
