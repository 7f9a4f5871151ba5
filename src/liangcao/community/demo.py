"""Demo data of the last 100 metres: offers (the free household standard box and a few paid
goods) and households for the compounds of the first communities (called by load_demo)."""

from __future__ import annotations

import random

from liangcao.catalog.models import Item, Kit
from liangcao.community.models import Household, Offer, Supplier, SupplierKind
from liangcao.orgs.models import Node, NodeKind, Site, SiteKind

# Paid goods and their prices in fen (yuan × 100).
PAID = (("RICE", 3200), ("OIL", 6500), ("EGG", 1400), ("NOODLE", 900), ("MILK", 5800))
SURNAMES = "王李张刘陈杨赵黄周吴"


def community_demo_load(*, rng: random.Random, communities: int = 2, per_compound: int = 24) -> int:
    """Offers, and households for the compounds of the first `communities` communities.
    Deterministic for the rng's seed; returns the number of households."""
    box = Kit.objects.filter(code="BOX-FAMILY").first()
    offers = [Offer(kit=box, price=0)] if box else []
    items = {i.code: i for i in Item.objects.filter(code__in=[c for c, _ in PAID])}
    offers += [Offer(item=items[c], price=p) for c, p in PAID if c in items]
    Offer.objects.bulk_create(offers)
    first = Node.objects.filter(kind=NodeKind.COMMUNITY).order_by("code")[:communities]
    compounds = Node.objects.filter(kind=NodeKind.COMPOUND, parent__in=list(first)).order_by("code")
    households = []
    for compound in compounds:
        for n in range(per_compound):
            building, room = 1 + n // 8, 101 + (n % 8) // 2 * 100 + n % 2
            households.append(
                Household(
                    compound=compound,
                    code=f"H{compound.pk % 100:02d}{n + 1:03d}",
                    building=str(building),
                    unit="1",
                    room=str(room),
                    head_count=rng.randint(1, 5),
                    contact_name=f"{rng.choice(SURNAMES)}先生"
                    if n % 2
                    else f"{rng.choice(SURNAMES)}女士",
                    phone=f"139{rng.randint(0, 99_999_999):08d}",
                    elderly_alone=rng.random() < 0.08,
                    disabled=rng.random() < 0.03,
                    pregnant=rng.random() < 0.02,
                    infant=rng.random() < 0.05,
                    chronic_medicine=rng.random() < 0.12,
                    dialysis=rng.random() < 0.01,
                )
            )
    Household.objects.bulk_create(households)
    _suppliers(list(first))
    return len(households)


def _suppliers(communities: list[Node]) -> None:
    """A small shop beside each demo community's point, one e-commerce platform and one
    hypermarket for the whole city ("200+6+11" in miniature)."""
    points = {
        s.node_id: s
        for s in Site.objects.filter(kind=SiteKind.COMMUNITY_POINT, node__in=communities)
    }
    city = Node.objects.get(parent__isnull=True)
    rows: list[tuple[Site, str, int, float]] = []
    for community in communities:
        point = points.get(community.pk)
        if point is None or point.latitude is None or point.longitude is None:
            continue
        shop = Site(
            code=f"shop-{community.code}",
            kind=SiteKind.SUPPLIER_SITE,
            node=community,
            name_zh=f"{community.name_zh}便民超市",
            name_en=f"{community.name_en} corner shop",
            latitude=point.latitude + 0.003,
            longitude=point.longitude,
        )
        rows.append((shop, SupplierKind.SHOP, 60, 3.0))
    anchor = next(iter(points.values()), None)
    if anchor is not None and anchor.latitude is not None and anchor.longitude is not None:
        for code, zh, en, kind, capacity, radius in (
            (
                "ecom-1",
                "电商平台配送中心",
                "E-commerce fulfilment centre",
                SupplierKind.ECOMMERCE,
                500,
                60.0,
            ),
            ("hyper-1", "大型超市", "Hypermarket", SupplierKind.HYPERMARKET, 300, 15.0),
        ):
            site = Site(
                code=code,
                kind=SiteKind.SUPPLIER_SITE,
                node=city,
                name_zh=zh,
                name_en=en,
                latitude=anchor.latitude - 0.02,
                longitude=anchor.longitude + 0.02,
            )
            rows.append((site, kind, capacity, radius))
    Site.objects.bulk_create([site for site, *_ in rows])
    saved = {s.code: s for s in Site.objects.filter(code__in=[site.code for site, *_ in rows])}
    Supplier.objects.bulk_create(
        [
            Supplier(site=saved[site.code], kind=kind, daily_capacity=cap, radius_km=radius)
            for site, kind, cap, radius in rows
        ]
    )
