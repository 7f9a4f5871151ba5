"""Fixtures for ledger tests: sites and items by code, stock received in one call.

Committed (transaction=True) tests use `empty_ledger_after` from tests/conftest.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from liangcao.catalog.models import Item
from liangcao.orgs.models import Site, User
from liangcao.scenarios.demo import DemoResult
from liangcao.stock import services
from liangcao.stock.models import Document


@dataclass
class Stock:
    """Shortcuts for setting up stock in a story."""

    admin: User

    def site(self, code: str) -> Site:
        return Site.objects.get(code=code)

    def item(self, code: str) -> Item:
        return Item.objects.get(code=code)

    def supplier(self) -> Site:
        return Site.objects.filter(kind="supplier_site").order_by("code").first()  # type: ignore[return-value]

    def receive(
        self,
        site: str,
        item: str,
        quantity: int,
        *,
        lot: str | None = None,
        expiry: str | None = None,
        actor: User | None = None,
    ) -> Document:
        from datetime import date

        it = self.item(item)
        if it.lot_tracked and lot is None:
            lot = "L-DEFAULT"
        if it.expiry_tracked and expiry is None:
            expiry = "2027-12-31"
        return services.receipt_post(
            actor=actor or self.admin,
            site_id=self.site(site).pk,
            source_kind="supplier",
            source_site_id=self.supplier().pk,
            lines=[
                services.LineSpec(
                    item_id=it.pk,
                    quantity=quantity,
                    lot_code=lot,
                    expiry=date.fromisoformat(expiry) if expiry else None,
                )
            ],
        )


@pytest.fixture
def stock(demo: DemoResult) -> Stock:
    return Stock(admin=User.objects.get(username="admin"))


Receive = Callable[..., Document]
