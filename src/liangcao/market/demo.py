"""Demo data for market prices: two sample stores per district, baselines of eight essentials
and a week of prices (the last day's leafy vegetables in the first district jump, so the demo
shows alerts). Bulk inserts only: the demo city loads in every test."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from liangcao.catalog.models import Item
from liangcao.market.models import PriceBaseline, PriceReport, SampleStore
from liangcao.market.services import price_alerts_evaluate
from liangcao.orgs.models import Node, User

BASELINES = {
    "RICE": "6.00",
    "FLOUR": "5.00",
    "OIL": "15.00",
    "PORK": "28.00",
    "EGG": "11.00",
    "VEG-LEAF": "4.00",
    "MILK": "65.00",
    "WATER": "2.00",
}
DAYS = 7


def market_demo_load(*, districts: list[Node], reporter: User, seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 - deterministic demo data, not security
    items = dict(Item.objects.filter(code__in=BASELINES).values_list("code", "pk"))
    PriceBaseline.objects.bulk_create(
        [
            PriceBaseline(item_id=items[c], price=Decimal(p))
            for c, p in BASELINES.items()
            if c in items
        ]
    )
    stores = SampleStore.objects.bulk_create(
        [
            SampleStore(
                code=f"shop-{d.code}-{n}",
                name_zh=f"{d.name_zh}{'农贸市场' if n == 1 else '超市'}",
                name_en=f"{d.name_en or d.code} {'wet market' if n == 1 else 'supermarket'}",
                node=d,
            )
            for d in districts
            for n in (1, 2)
        ]
    )
    stores = list(SampleStore.objects.filter(code__in=[s.code for s in stores]).order_by("code"))
    today = timezone.localdate()
    now = timezone.now()
    reports = []
    for store in stores:
        for code, base in BASELINES.items():
            if code not in items:
                continue
            for back in range(DAYS - 1, -1, -1):
                factor = Decimal(str(round(rng.uniform(0.95, 1.12), 3)))
                if back == 0 and code == "VEG-LEAF" and store.code.startswith("shop-d01-"):
                    factor = Decimal("1.60")
                reports.append(
                    PriceReport(
                        store=store,
                        item_id=items[code],
                        day=today - timedelta(days=back),
                        price=(Decimal(base) * factor).quantize(Decimal("0.01")),
                        reported_by=reporter,
                        reported_at=now,
                    )
                )
    PriceReport.objects.bulk_create(reports)
    for report in PriceReport.objects.filter(store__in=stores, day=today, item__code="VEG-LEAF"):
        price_alerts_evaluate(report)
