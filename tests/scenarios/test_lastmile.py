"""The demo's last 100 metres (`make run` loads it after day 3): boxes at the points, orders
of the last 60 hours under the ordering rules, paid goods with suppliers, one door run out
that a volunteer can actually deliver, and the orders older than 48 hours escalated."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from liangcao.catalog.models import Kit
from liangcao.community.models import Order, OrderState
from liangcao.community.services import handover_record
from liangcao.orgs.models import Membership, Role
from liangcao.scenarios.demo import demo_load
from liangcao.scenarios.lastmile import BOXES_PER_POINT, last_mile_load
from liangcao.stock.models import Balance

pytestmark = pytest.mark.django_db


def test_the_demo_door_run_can_be_delivered_and_overdue_orders_are_escalated() -> None:
    demo_load(size="small", seed=7)
    started = timezone.now()
    result = last_mile_load(seed=3, orders=40)
    assert result.points >= 1 and result.orders == 40
    assert result.door_run_orders > 0
    # At most one order per household (the 3-day rule held), placed over the last 60 hours.
    assert not Order.objects.values("household").annotate(n=Count("id")).filter(n__gt=1)
    oldest = Order.objects.order_by("created_at").first()
    assert oldest is not None and oldest.created_at < started - timedelta(hours=48)
    overdue = Order.objects.filter(created_at__lt=started - timedelta(hours=48))
    assert result.escalated == overdue.count() > 0
    assert not overdue.filter(escalated_at__isnull=True).exists()
    assert Order.objects.filter(supplier__isnull=False).count() == result.assigned > 0

    run_orders = list(Order.objects.filter(state=OrderState.BATCHED).select_related("door_run"))
    assert len(run_orders) == result.door_run_orders
    volunteer = run_orders[0].door_run.volunteer  # type: ignore[union-attr]
    assert Membership.objects.filter(user=volunteer, role=Role.GRID_WORKER).exists()
    kit = {ln.item_id: ln.quantity for ln in Kit.objects.get(code="BOX-FAMILY").lines.all()}
    point = run_orders[0].door_run.point  # type: ignore[union-attr]
    before = dict(
        Balance.objects.filter(location__site=point, location__kind="store").values_list(
            "item_id", "on_hand"
        )
    )
    assert all(before[item] == qty * BOXES_PER_POINT for item, qty in kit.items())
    for order in run_orders:
        handover_record(
            user=volunteer, client_id=str(uuid.uuid4()), order_id=order.pk, code=order.confirm_code
        )
    assert Order.objects.filter(state=OrderState.DELIVERED).count() == len(run_orders)
    after = dict(
        Balance.objects.filter(location__site=point, location__kind="store").values_list(
            "item_id", "on_hand"
        )
    )
    assert after == {item: before[item] - qty * len(run_orders) for item, qty in kit.items()}
    call_command("ledger_check")
