"""Reads of households, orders, group buys and service levels, scoped to the acting user.

Two circles: any role whose scope covers a compound sees its orders (households named by code
only); personal data (address, contact, health flags) is read only by grid workers and
commanders whose scope covers the compound (`PERSONAL_ROLES`), and every such read is logged.
Out of scope answers NotFound; in scope without the right role, Forbidden.

The supplier portal is a third, narrower circle: a supplier's staff (the supplier role at its
site) and the commanders over that site see the supplier's own orders with what delivery to the
community point needs (order number, compound, community point, household code, lines, age),
never the household's address, contact or health flags.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, F, Max, Q, QuerySet, Sum
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
    Supplier,
    SupplierState,
)
from liangcao.core.errors import Forbidden, NotFound
from liangcao.orgs.models import Membership, Node, NodeClosure, NodeKind, Role, Site, SiteKind, User
from liangcao.orgs.selectors import scope_for_user, site_list

PERSONAL_ROLES = frozenset({Role.GRID_WORKER, Role.COMMANDER})
OPEN_STATES = (OrderState.PLACED, OrderState.BATCHED)


def _nodes_for_roles(user: User, roles: frozenset[str]) -> QuerySet[NodeClosure, int]:
    """Subquery of the node ids under the user's memberships of `roles` (the memberships read
    once per request by `scope_for_user`)."""
    ancestors = scope_for_user(user).nodes_with(roles)
    return NodeClosure.objects.filter(ancestor_id__in=ancestors).values_list(
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


def household_get(*, user: User, household_id: int, for_update: bool = False) -> Household:
    """One household with personal data (logged by the caller). NotFound out of scope,
    Forbidden in scope without the right role. `for_update` (inside the caller's transaction)
    also locks the household's row in the same query, without reading its compound."""
    # order_by(): the model's ordering joins the compound, which FOR UPDATE would lock too.
    qs = Household.objects.filter(pk=household_id).order_by()
    qs = qs.select_for_update() if for_update else qs.select_related("compound")
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


def household_scope_sql(*, user: User) -> tuple[str, list[int]] | None:
    """`household_get`'s in-scope condition as hand-written SQL for the ordering hot path (a
    condition on community_household's columns, and its parameters): the household's compound
    under one of the user's grid-worker or commander memberships; "" for a superuser (no
    condition), None when the user holds no such membership (`household_get` then answers)."""
    if user.is_superuser:
        return "", []
    nodes = sorted(scope_for_user(user).nodes_with(PERSONAL_ROLES))
    if not nodes:
        return None
    marks = ", ".join(["%s"] * len(nodes))
    closure = f"SELECT descendant_id FROM orgs_nodeclosure WHERE ancestor_id IN ({marks})"  # noqa: S608
    return f"compound_id IN ({closure})", nodes


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


def group_buy_list(*, user: User, compound_id: int | None = None) -> QuerySet[GroupBuy]:
    """Group buys of compounds in scope, open ones first then newest, with `order_count` and
    `household_count` of their live orders."""
    live = ~Q(orders__state=OrderState.CANCELLED)
    qs = GroupBuy.objects.select_related("compound", "leader").filter(
        compound_id__in=compound_list(user=user).values("pk")
    )
    if compound_id is not None:
        qs = qs.filter(compound_id=compound_id)
    return qs.annotate(
        order_count=Count("orders", filter=live),
        household_count=Count("orders__household_id", filter=live, distinct=True),
    ).order_by("-is_open", "-created_at", "-pk")


def group_buy_orders(*, group_buy: GroupBuy) -> QuerySet[Order]:
    """The group buy's orders, oldest first, households by code only (`household_code`)."""
    return (
        Order.objects.filter(group_buy=group_buy)
        .annotate(household_code=F("household__code"))
        .order_by("created_at", "id")
    )


@dataclass(frozen=True)
class GroupBuyLine:
    offer_code: str
    offer_name: str
    quantity: int
    households: int
    amount: int

    @property
    def yuan(self) -> str:
        """The amount in yuan, as shown (amounts are kept in fen)."""
        return yuan(self.amount)


def yuan(fen: int) -> str:
    return f"{fen / 100:.2f}"


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
            GroupBuyLine(
                offer.code,
                offer.name,
                r["quantity"],
                r["households"],
                r["quantity"] * offer.price,
            )
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


# --- the supplier portal ----------------------------------------------------------------------
def supplier_portal_list(*, user: User) -> QuerySet[Supplier]:
    """Suppliers whose portal the user works: those at whose site the user holds the supplier
    role (a site membership; the role granted at a node gives no portal), and those whose site
    the user commands (a commander acts for a supplier that cannot). Superusers: all."""
    qs = Supplier.objects.select_related("site")
    if not user.is_superuser:
        staff = Membership.objects.filter(user=user, role=Role.SUPPLIER, site__isnull=False)
        commanded = site_list(user=user, roles=frozenset({Role.COMMANDER})).filter(
            kind=SiteKind.SUPPLIER_SITE
        )
        qs = qs.filter(
            Q(site_id__in=staff.values("site_id")) | Q(site_id__in=commanded.values("pk"))
        )
    return qs.order_by("site__code")


def supplier_portal_get(*, user: User, supplier_id: int) -> Supplier:
    """One supplier whose portal the user works. NotFound when its site is out of the user's
    scope (another supplier's staff never learn it exists), Forbidden when the user sees the
    site but is neither its staff nor its commander."""
    found = supplier_portal_list(user=user).filter(pk=supplier_id).first()
    if found is not None:
        return found
    supplier = Supplier.objects.filter(pk=supplier_id).first()
    if supplier is None or not site_list(user=user).filter(pk=supplier.site_id).exists():
        raise NotFound(_("No such supplier"))
    raise Forbidden(_("Only the supplier's staff act on its orders"))


def supplier_order_list(
    *, user: User, supplier_id: int, handed_over: bool | None = None
) -> QuerySet[Order]:
    """The supplier's live orders, oldest first, for its portal (`supplier_portal_get` rules).

    Only what delivery to the community point needs is read: the household joins by its code
    (`household_code`), never its row (address, contact and health flags stay unread).
    `handed_over`: True for the orders already at the point, False for those still to do.
    """
    supplier = supplier_portal_get(user=user, supplier_id=supplier_id)
    qs = (
        Order.objects.filter(supplier=supplier)
        .exclude(state=OrderState.CANCELLED)
        .annotate(household_code=F("household__code"))
        .select_related("compound")
        .prefetch_related("lines__offer__item", "lines__offer__kit")
    )
    if handed_over is not None:
        done = Q(supplier_state=SupplierState.HANDED_OVER)
        qs = qs.filter(done) if handed_over else qs.exclude(done)
    return qs.order_by("created_at", "id")


def community_points(*, compound_ids: Iterable[int]) -> dict[int, Site]:
    """The community service point where each compound's orders are collected (its
    community's point), for compounds that have one."""
    parents = dict(Node.objects.filter(pk__in=set(compound_ids)).values_list("pk", "parent_id"))
    points: dict[int, Site] = {}
    for site in Site.objects.filter(
        kind=SiteKind.COMMUNITY_POINT, node_id__in=set(parents.values())
    ).order_by("pk"):
        points.setdefault(site.node_id, site)  # the first point of a community collects
    return {c: points[p] for c, p in parents.items() if p in points}


def supplier_portal_home(*, user: User, supplier_id: int | None) -> Supplier:
    """The supplier the portal page shows: the one asked for, else the user's first. Raises
    Forbidden when the user works no supplier's portal (NotFound/Forbidden as
    `supplier_portal_get` for the one asked for)."""
    if supplier_id is not None:
        return supplier_portal_get(user=user, supplier_id=supplier_id)
    first = supplier_portal_list(user=user).first()
    if first is None:
        raise Forbidden(_("The supplier portal is for a supplier's staff"))
    return first


@dataclass(frozen=True)
class PointBatch:
    """A supplier's picked orders for one community point: handed over there together."""

    point: Site | None
    orders: list[Order]


def supplier_batches(*, user: User, supplier_id: int) -> list[PointBatch]:
    """The supplier's picked orders grouped by the community point that collects them (the
    oldest order's point first); orders of a compound without a point come last."""
    picked = list(
        supplier_order_list(user=user, supplier_id=supplier_id, handed_over=False).filter(
            supplier_state=SupplierState.PICKED
        )[:500]
    )
    points = community_points(compound_ids={o.compound_id for o in picked})
    groups: dict[int | None, list[Order]] = {}
    for order in picked:
        point = points.get(order.compound_id)
        groups.setdefault(point.pk if point else None, []).append(order)
    by_pk = {p.pk: p for p in points.values()}
    batches = [PointBatch(by_pk.get(pk) if pk else None, orders) for pk, orders in groups.items()]
    return sorted(batches, key=lambda b: b.point is None)


def may_manage_compound(*, user: User, compound_id: int) -> bool:
    """Whether the user works with the compound's households (grid workers, commanders)."""
    return compound_list(user=user, roles=PERSONAL_ROLES).filter(pk=compound_id).exists()


def group_buy_states(*, group_buy: GroupBuy) -> dict[str, int]:
    """How many of the group buy's orders are in each state (labels as keys)."""
    rows = (
        Order.objects.filter(group_buy=group_buy)
        .order_by()
        .values("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    counts = dict(rows)
    return {str(label): counts[value] for value, label in OrderState.choices if value in counts}
