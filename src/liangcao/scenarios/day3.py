"""Day 3 of the lockdown: open demand from the front line and communities, and short stock.

300 approved demand lists from 150 requesting sites for 20 items, with supply received into
the city and district reserve depots at 60 % of the demand for each item. This is the
situation an allocation run starts from. Deterministic for a seed; built through the same
services people use (demand lists are filed and countersigned, goods are received), so the
ledger and the countersign history are real.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from liangcao.catalog.models import Item
from liangcao.demand.services import LineIn, next_signature, requisition_create, requisition_sign
from liangcao.orgs.models import Site, SiteKind, User
from liangcao.stock.models import LocationKind
from liangcao.stock.services import LineSpec, receipt_post

ITEMS = [
    "MASK-N95",
    "MASK-SURG",
    "GOWN-PROT",
    "GLOVE-NIT",
    "SANI-HAND",
    "GOWN-ISO",
    "SHIELD-F",
    "CL-TAB",
    "ALC-75",
    "TEST-AG",
    "SWAB",
    "RICE",
    "FLOUR",
    "OIL",
    "EGG",
    "VEG-ROOT",
    "MILK",
    "MED-IBU",
    "MED-LHQW",
    "MED-INSUL",
]
REQUESTING_KINDS = [
    SiteKind.HOSPITAL,
    SiteKind.FANGCANG,
    SiteKind.QUARANTINE_HOTEL,
    SiteKind.TESTING_SITE,
    SiteKind.CHECKPOINT,
    SiteKind.COMMUNITY_POINT,
]
SUPPLY_RATIO = 0.6


@dataclass(frozen=True)
class Day3Result:
    requisitions: int
    sites: int
    items: int
    demand: dict[str, int]
    supply: dict[str, int]


def _scale(item: Item) -> int:
    if item.unit in {"kg", "litre"}:
        return 200
    if item.category in {"tier1", "tier2"}:
        return 2000
    return 100


def day3_load(*, seed: int = 3, requisitions: int = 300, sites: int = 150) -> Day3Result:
    """File and countersign the day-3 demand lists and receive 60 % of their demand as stock.

    Needs the demo city (its `admin` superuser files and signs on everyone's behalf).
    """
    rng = random.Random(seed)  # deterministic demo data, not security
    admin = User.objects.get(username="admin")
    items = {i.code: i for i in Item.objects.filter(code__in=ITEMS)}
    pool = list(Site.objects.filter(kind__in=REQUESTING_KINDS, is_active=True).order_by("code"))
    chosen = rng.sample(pool, min(sites, len(pool)))
    demand: dict[str, int] = defaultdict(int)
    today = timezone.localdate()
    for n in range(requisitions):
        site = chosen[n % len(chosen)]
        codes = rng.sample(sorted(items), rng.randint(1, 4))
        lines = []
        for code in codes:
            quantity = rng.randint(1, 10) * _scale(items[code]) // 10 * rng.randint(1, 5)
            lines.append(
                LineIn(code, max(1, quantity), today + timedelta(days=rng.randint(0, 2)), "day 3")
            )
            demand[code] += max(1, quantity)
        req = requisition_create(user=admin, site_id=site.pk, lines=lines, submit=True)
        while next_signature(req) is not None:
            requisition_sign(user=admin, requisition_id=req.pk, approve=True, comment="day 3")
    supplier = Site.objects.filter(kind=SiteKind.SUPPLIER_SITE).order_by("code").first()
    assert supplier is not None  # noqa: S101 - the demo city has supplier sites
    depots = list(Site.objects.filter(kind=SiteKind.RESERVE_DEPOT).order_by("code"))
    supply: dict[str, int] = {}
    by_depot: dict[int, list[LineSpec]] = defaultdict(list)
    for code, total in sorted(demand.items()):
        item = items[code]
        supply[code] = int(total * SUPPLY_RATIO)
        shares = [rng.random() + 0.5 for _ in depots]
        left = supply[code]
        for index, depot in enumerate(depots):
            quantity = (
                left
                if index == len(depots) - 1
                else int(supply[code] * shares[index] / sum(shares))
            )
            left -= quantity
            if quantity <= 0:
                continue
            expiry = (
                today + timedelta(days=item.shelf_life_days or 365) if item.expiry_tracked else None
            )
            by_depot[depot.pk].append(
                LineSpec(
                    item_id=item.pk,
                    quantity=quantity,
                    lot_code=f"D3-{code}-{index:02d}" if item.lot_tracked else None,
                    expiry=expiry,
                )
            )
    for depot_id, receipt_lines in by_depot.items():
        receipt_post(
            actor=admin,
            site_id=depot_id,
            source_kind=LocationKind.SUPPLIER,
            source_site_id=supplier.pk,
            lines=receipt_lines,
        )
    return Day3Result(requisitions, len(chosen), len(items), dict(demand), supply)
