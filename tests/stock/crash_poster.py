"""Helper process for the crash-safety test: posts receipts forever and prints `ACK <id>` after
each one is committed. The test kills it with SIGKILL mid-stream."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liangcao.config.test_settings")

import django

django.setup()

from liangcao.catalog.models import Item  # noqa: E402
from liangcao.orgs.models import Site, SiteKind, User  # noqa: E402
from liangcao.stock import services  # noqa: E402

LINES = 5
QUANTITY = 7


def main() -> None:
    admin = User.objects.get(username="admin")
    site = Site.objects.get(code="depot-city")
    supplier = Site.objects.filter(kind=SiteKind.SUPPLIER_SITE).order_by("code").first()
    assert supplier is not None
    items = list(Item.objects.filter(lot_tracked=False).order_by("code")[:LINES])
    while True:
        document = services.receipt_post(
            actor=admin,
            site_id=site.pk,
            source_kind="supplier",
            source_site_id=supplier.pk,
            lines=[services.LineSpec(item_id=i.pk, quantity=QUANTITY) for i in items],
        )
        print("ACK", document.pk, flush=True)


if __name__ == "__main__":
    main()
