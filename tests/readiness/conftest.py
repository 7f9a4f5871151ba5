"""Stock at known times for readiness stories: receipts and issues posted through the ledger's
services with the clock moved (time-machine), so consumption falls on chosen days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone

from liangcao.catalog.models import Item
from liangcao.orgs.models import Site, User
from liangcao.scenarios.demo import DemoResult
from liangcao.stock import services
from liangcao.stock.models import Document


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


@dataclass
class Ledger:
    admin: User
    today: date

    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    def receive(self, site: str, item: str, quantity: int, *, day: int = -20) -> Document:
        it = Item.objects.get(code=item)
        supplier = Site.objects.filter(kind="supplier_site").order_by("code").first()
        assert supplier is not None
        with time_machine.travel(at(self.day(day)), tick=False):
            return services.receipt_post(
                actor=self.admin,
                site_id=Site.objects.get(code=site).pk,
                source_kind="supplier",
                source_site_id=supplier.pk,
                lines=[
                    services.LineSpec(
                        item_id=it.pk,
                        quantity=quantity,
                        lot_code="L1" if it.lot_tracked else None,
                        expiry=date(2030, 1, 1) if it.expiry_tracked else None,
                    )
                ],
            )

    def issue(self, site: str, item: str, quantity: int, *, day: int) -> Document:
        it = Item.objects.get(code=item)
        with time_machine.travel(at(self.day(day)), tick=False):
            return services.issue_post(
                actor=self.admin,
                site_id=Site.objects.get(code=site).pk,
                lines=[services.LineSpec(item_id=it.pk, quantity=quantity)],
            )

    def reverse(self, document: Document, *, day: int) -> Document:
        with time_machine.travel(at(self.day(day)), tick=False):
            return services.document_reverse(
                actor=self.admin, document_id=document.pk, reason="entered twice"
            )


@pytest.fixture
def ledger(demo: DemoResult) -> Ledger:
    return Ledger(admin=User.objects.get(username="admin"), today=timezone.localdate())
