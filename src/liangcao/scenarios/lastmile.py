"""Day 3 in the last 100 metres: the first communities' points hold standard boxes, and their
households have ordered over the last two and a half days.

Built through the services people use: the boxes are received into each point through the
ledger, orders are entered by the community's grid worker at the hour they were placed (the
ordering rules apply), paid goods are assigned to the suppliers, one door run is out with the
oldest boxes, and orders older than 48 hours are escalated as the periodic task does. So every
last-mile page of `make run` has something true to show, and a door run can be delivered.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from liangcao.catalog.models import Kit
from liangcao.community.demo import PAID
from liangcao.community.models import Household, Order
from liangcao.community.services import (
    LineIn,
    door_run_create,
    order_enter,
    orders_assign,
    orders_escalate,
)
from liangcao.orgs.models import Membership, Role, Site, SiteKind, User
from liangcao.stock.models import LocationKind
from liangcao.stock.services import LineSpec, receipt_post

BOX = "BOX-FAMILY"
BOXES_PER_POINT = 120
HOURS_BACK = 60  # orders were placed over the last two and a half days


@dataclass(frozen=True)
class LastMileResult:
    points: int
    orders: int
    assigned: int
    escalated: int
    door_run_orders: int


def last_mile_load(*, seed: int = 3, orders: int = 60) -> LastMileResult:
    """Stock the points of the communities that have households, place `orders` orders (at
    most one per household), assign, send one door run out, escalate. Needs the demo city."""
    rng = random.Random(seed)  # deterministic demo data, not security
    admin = User.objects.get(username="admin")
    households = list(
        Household.objects.select_related("compound").order_by("compound__code", "code")
    )
    communities = sorted({h.compound.parent_id for h in households if h.compound.parent_id})
    points = list(
        Site.objects.filter(kind=SiteKind.COMMUNITY_POINT, node_id__in=communities).order_by("code")
    )
    kit = Kit.objects.filter(code=BOX).first()
    supplier = Site.objects.filter(kind=SiteKind.SUPPLIER_SITE).order_by("code").first()
    if kit is None or supplier is None or not points:
        return LastMileResult(0, 0, 0, 0, 0)
    expiry = timezone.localdate() + timedelta(days=365)
    for point in points:
        point_boxes_receive(
            actor=admin,
            point=point,
            supplier=supplier,
            kit=kit,
            boxes=BOXES_PER_POINT,
            lot_code=f"BOX-{point.code}",
            expiry=expiry,
        )
    now = timezone.now()
    placed = []
    for household in rng.sample(households, min(orders, len(households))):
        if rng.random() < 0.6:
            lines = [LineIn(BOX, 1)]
        else:
            lines = [LineIn(code, rng.randint(1, 3)) for code, _ in rng.sample(PAID, 2)]
        placed.append(
            order_enter(
                user=admin,
                household_id=household.pk,
                lines=lines,
                now=now - timedelta(hours=rng.uniform(0, HOURS_BACK)),
            )
        )
    plan = orders_assign(user=admin)
    grid = (
        Membership.objects.filter(role=Role.GRID_WORKER, node_id=points[0].node_id)
        .select_related("user")
        .first()
    )
    boxes = [
        o.pk
        for o in sorted(placed, key=lambda o: o.created_at)
        if o.total == 0 and o.compound.parent_id == points[0].node_id
    ][:8]
    carried = 0
    if grid is not None and boxes:
        run = door_run_create(user=grid.user, point_id=points[0].pk, order_ids=boxes)
        carried = Order.objects.filter(door_run=run).count()
    escalated = orders_escalate(now=now)
    return LastMileResult(len(points), len(placed), sum(plan.flows.values()), escalated, carried)


def point_boxes_receive(
    *,
    actor: User,
    point: Site,
    supplier: Site,
    kit: Kit,
    boxes: int,
    lot_code: str,
    expiry: date,
) -> None:
    """Receive the contents of `boxes` standard boxes into a community point's store (a lot
    code and an expiry for the items that need them)."""
    receipt_post(
        actor=actor,
        site_id=point.pk,
        source_kind=LocationKind.SUPPLIER,
        source_site_id=supplier.pk,
        lines=[
            LineSpec(
                line.item_id,
                line.quantity * boxes,
                lot_code=lot_code if line.item.lot_tracked else None,
                expiry=expiry if line.item.expiry_tracked else None,
            )
            for line in kit.lines.select_related("item")
        ],
    )
