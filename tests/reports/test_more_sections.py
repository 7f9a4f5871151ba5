"""The daily report's household-order and donation sections say what happened that day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone

from liangcao.community.models import Household, Offer, Order
from liangcao.community.services import LineIn, order_enter
from liangcao.orgs.models import Node, NodeClosure, User
from liangcao.reports import services
from liangcao.reports.models import ReportStatus
from liangcao.scenarios.demo import DemoResult


def test_household_orders_of_the_day_and_their_delivery_share(
    demo: DemoResult, user_named: Callable[[str], User]
) -> None:
    yesterday = timezone.now() - timedelta(days=1)
    offer = Offer.objects.filter(kit__isnull=False).first() or Offer.objects.first()
    assert offer is not None
    first = Household.objects.order_by("pk").first()
    assert first is not None
    households = list(Household.objects.filter(compound=first.compound).order_by("pk")[:2])
    assert len(households) == 2
    grid = user_named("city-commander")
    orders = [
        order_enter(
            user=grid,
            household_id=h.pk,
            lines=[LineIn(offer.code, 1)],
            now=yesterday,
        )
        for h in households
    ]
    Order.objects.filter(pk=orders[0].pk).update(
        created_at=yesterday, delivered_at=yesterday + timedelta(hours=10), state="delivered"
    )
    Order.objects.filter(pk=orders[1].pk).update(created_at=yesterday)
    district = NodeClosure.objects.get(
        descendant=households[0].compound, ancestor__kind="district"
    ).ancestor
    city = Node.objects.get(code="city")
    report = services.report_request(
        actor=user_named("city-commander"), node_id=city.pk, day=timezone.localdate(yesterday)
    )
    assert report.status == ReportStatus.DONE, report.error
    section = next(s for s in report.content["sections"] if s["key"] == "household_orders")
    row = next(r for r in section["rows"] if r[0] == district.code)
    assert row[2:5] == [2, 1, 0.5]
    donations = next(s for s in report.content["sections"] if s["key"] == "donations")
    assert donations["rows"][0][0] >= 0
