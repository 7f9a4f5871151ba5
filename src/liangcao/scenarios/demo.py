"""The demo city: a deterministic, seeded city the size of the one in the Anyang review.

`full`: 9 districts/counties, ~100 streets/towns, ~1,000 communities, ~5,000 compounds,
26 reserve enterprises, 3 transfer stations and a hub, ~50 front-line medical sites and
hotels, ~200 checkpoints, a catalog of 65 items and 4 kits, and demo users for every role at
city, district and community level. `small` keeps the same shape with a few districts, for tests.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction

from liangcao.catalog.models import Item, Kit, KitLine
from liangcao.community.demo import community_demo_load
from liangcao.fleet.demo import fleet_demo_load
from liangcao.logistics.demo import route_plan_demo_load
from liangcao.market.demo import market_demo_load
from liangcao.orgs.models import Membership, Node, NodeKind, Role, Site, SiteKind, User
from liangcao.orgs.services import nodes_bulk_create
from liangcao.readiness.demo import readiness_demo_load
from liangcao.scenarios.demo_catalog import ITEMS, KITS
from liangcao.signin.demo import demo_second_factor_load

DEMO_PASSWORD = "liangcao-demo"  # noqa: S105 - printed to the operator; demo data only
CITY_CENTRE = (36.10, 114.35)

DISTRICT_NAMES = [
    ("东城区", "Dongcheng District"),
    ("西城区", "Xicheng District"),
    ("南湖区", "Nanhu District"),
    ("北山区", "Beishan District"),
    ("河口县", "Hekou County"),
    ("青松县", "Qingsong County"),
    ("白杨县", "Baiyang County"),
    ("石桥县", "Shiqiao County"),
    ("云岭市", "Yunling City"),
]
SYLLABLES = [
    ("和平", "Heping"),
    ("建设", "Jianshe"),
    ("人民", "Renmin"),
    ("解放", "Jiefang"),
    ("光明", "Guangming"),
    ("幸福", "Xingfu"),
    ("东风", "Dongfeng"),
    ("红旗", "Hongqi"),
    ("胜利", "Shengli"),
    ("文化", "Wenhua"),
    ("新华", "Xinhua"),
    ("朝阳", "Chaoyang"),
    ("长江", "Changjiang"),
    ("黄河", "Huanghe"),
    ("桃园", "Taoyuan"),
    ("柳林", "Liulin"),
    ("金桥", "Jinqiao"),
    ("银杏", "Yinxing"),
    ("枫林", "Fenglin"),
    ("松柏", "Songbai"),
]


@dataclass(frozen=True)
class DemoSize:
    districts: int
    streets_per_district: tuple[int, int]
    communities_per_street: tuple[int, int]
    compounds_per_community: tuple[int, int]
    enterprises: int
    front_line: int
    checkpoints: int


SIZES = {
    "full": DemoSize(9, (10, 12), (9, 11), (4, 6), 26, 52, 200),
    "small": DemoSize(3, (2, 2), (2, 2), (2, 2), 4, 8, 6),
}


@dataclass
class DemoResult:
    nodes: int = 0
    sites: int = 0
    items: int = 0
    kits: int = 0
    users: list[tuple[str, str, str]] = field(default_factory=list)  # username, role, where


def _name(rng: random.Random, suffix_zh: str, suffix_en: str) -> tuple[str, str]:
    zh, en = rng.choice(SYLLABLES)
    return f"{zh}{suffix_zh}", f"{en} {suffix_en}"


def _jitter(rng: random.Random, lat: float, lon: float, km: float) -> tuple[float, float]:
    angle = rng.uniform(0, 2 * math.pi)
    dist = km * math.sqrt(rng.random())
    return (
        round(lat + dist / 111.0 * math.sin(angle), 6),
        round(lon + dist / (111.0 * math.cos(math.radians(lat))) * math.cos(angle), 6),
    )


def _build_tree(
    rng: random.Random, size: DemoSize
) -> tuple[Node, list[Node], list[Node], list[Node], dict[int, tuple[float, float]]]:
    city = Node(
        code="city",
        kind=NodeKind.CITY,
        name_zh="安宁市",
        name_en="Anning City",
        depth=0,
        population=5_400_000,
    )
    nodes: list[Node] = [city]
    where: dict[int, tuple[float, float]] = {}
    places: dict[str, tuple[float, float]] = {"city": CITY_CENTRE}
    districts, streets, communities = [], [], []
    for d in range(size.districts):
        zh, en = DISTRICT_NAMES[d % len(DISTRICT_NAMES)]
        angle = 2 * math.pi * d / size.districts
        radius = 0.0 if d == 0 else 0.35
        centre = (
            CITY_CENTRE[0] + radius * math.sin(angle),
            CITY_CENTRE[1] + radius * math.cos(angle),
        )
        district = Node(
            code=f"d{d + 1:02d}",
            kind=NodeKind.DISTRICT,
            name_zh=zh,
            name_en=en,
            parent=city,
            depth=1,
        )
        places[district.code] = centre
        nodes.append(district)
        districts.append(district)
        for s in range(rng.randint(*size.streets_per_district)):
            szh, sen = _name(rng, "街道", "Street")
            street = Node(
                code=f"{district.code}-s{s + 1:02d}",
                kind=NodeKind.STREET,
                name_zh=szh,
                name_en=sen,
                parent=district,
                depth=2,
            )
            places[street.code] = _jitter(rng, *centre, km=12)
            nodes.append(street)
            streets.append(street)
            for c in range(rng.randint(*size.communities_per_street)):
                czh, cen = _name(rng, "社区", "Community")
                pop = rng.randint(2500, 8000)
                community = Node(
                    code=f"{street.code}-c{c + 1:02d}",
                    kind=NodeKind.COMMUNITY,
                    name_zh=czh,
                    name_en=cen,
                    parent=street,
                    depth=3,
                    population=pop,
                )
                places[community.code] = _jitter(rng, *places[street.code], km=2)
                nodes.append(community)
                communities.append(community)
                n_compounds = rng.randint(*size.compounds_per_community)
                for p in range(n_compounds):
                    pzh, pen = _name(rng, "小区", "Compound")
                    nodes.append(
                        Node(
                            code=f"{community.code}-p{p + 1}",
                            kind=NodeKind.COMPOUND,
                            name_zh=pzh,
                            name_en=pen,
                            parent=community,
                            depth=4,
                            population=pop // n_compounds,
                        )
                    )
    for district in districts:
        district.population = 0
    nodes_bulk_create(nodes)
    for n in nodes:
        where[n.pk] = places.get(n.code) or places[n.parent.code if n.parent else "city"]
    return city, districts, streets, communities, where


def _build_sites(
    rng: random.Random,
    size: DemoSize,
    city: Node,
    districts: list[Node],
    streets: list[Node],
    communities: list[Node],
    where: dict[int, tuple[float, float]],
) -> list[Site]:
    sites: list[Site] = []

    def add(code: str, kind: str, node: Node, zh: str, en: str, km: float, **extra: object) -> None:
        lat, lon = _jitter(rng, *where[node.pk], km=km)
        sites.append(
            Site(
                code=code,
                kind=kind,
                node=node,
                name_zh=zh,
                name_en=en,
                latitude=lat,
                longitude=lon,
                address=f"{node.name_zh}{rng.randint(1, 300)}号",
                **extra,
            )
        )

    add("depot-city", SiteKind.RESERVE_DEPOT, city, "市级应急物资储备库", "City reserve depot", 8)
    for i, d in enumerate(districts):
        add(
            f"depot-{d.code}",
            SiteKind.RESERVE_DEPOT,
            d,
            f"{d.name_zh}物资储备库",
            f"{d.name_en} reserve depot",
            5,
        )
        add(
            f"dp-{d.code}",
            SiteKind.DISTRIBUTION_POINT,
            d,
            f"{d.name_zh}物资分发点",
            f"{d.name_en} distribution point",
            5,
        )
        del i
    for e in range(size.enterprises):
        owner = city if e % 3 == 0 else districts[e % len(districts)]
        zh, en = rng.choice(SYLLABLES)
        add(
            f"ent-{e + 1:02d}",
            SiteKind.ENTERPRISE_STORE,
            owner,
            f"{zh}粮油储备企业",
            f"{en} grain & oil reserve enterprise",
            15,
        )
    for t, (zh, en) in enumerate([("北", "North"), ("东", "East"), ("南", "South")]):
        add(
            f"ts-{t + 1}",
            SiteKind.TRANSFER_STATION,
            city,
            f"高速{zh}出口中转站",
            f"Highway {en} exit transfer station",
            25,
        )
    add("hub-1", SiteKind.HUB, city, "服务区物资集散中心", "Service-area hub", 20)
    front_kinds = [
        (SiteKind.HOSPITAL, "医院", "Hospital"),
        (SiteKind.FANGCANG, "方舱医院", "Fangcang hospital"),
        (SiteKind.QUARANTINE_HOTEL, "隔离酒店", "Quarantine hotel"),
        (SiteKind.TESTING_SITE, "核酸检测点", "Testing site"),
    ]
    for f in range(size.front_line):
        kind, zh, en = front_kinds[f % len(front_kinds)]
        d = districts[f % len(districts)]
        add(
            f"{kind[:4]}-{f + 1:02d}",
            kind,
            d,
            f"{d.name_zh}第{f + 1}{zh}",
            f"{d.name_en} {en} {f + 1}",
            6,
            is_designated=(kind == SiteKind.HOSPITAL and f % 8 == 0),
        )
    for c in range(size.checkpoints):
        street = streets[c % len(streets)]
        add(
            f"cp-{c + 1:03d}",
            SiteKind.CHECKPOINT,
            street,
            f"{street.name_zh}第{c + 1}卡口",
            f"{street.name_en} checkpoint {c + 1}",
            4,
        )
    for community in communities:
        add(
            f"csp-{community.code}",
            SiteKind.COMMUNITY_POINT,
            community,
            f"{community.name_zh}服务站",
            f"{community.name_en} service point",
            0.5,
        )
    for s in range(max(3, size.enterprises // 4)):
        zh, en = rng.choice(SYLLABLES)
        add(
            f"sup-{s + 1:02d}",
            SiteKind.SUPPLIER_SITE,
            city,
            f"{zh}防护用品供应商",
            f"{en} protective supplies vendor",
            40,
        )
    Site.objects.bulk_create(sites, batch_size=2000)
    return sites


def _build_catalog() -> tuple[int, int]:
    items = Item.objects.bulk_create(
        [
            Item(
                code=c,
                name_zh=zh,
                name_en=en,
                category=cat,
                unit=unit,
                pack_sizes=packs,
                lot_tracked=lot,
                expiry_tracked=exp,
                shelf_life_days=life,
            )
            for c, zh, en, cat, unit, packs, lot, exp, life in ITEMS
        ]
    )
    ids = {i.code: i.pk for i in Item.objects.filter(code__in=[i.code for i in items])}
    for code, zh, en, kind, lines in KITS:
        kit = Kit.objects.create(code=code, name_zh=zh, name_en=en, kind=kind)
        KitLine.objects.bulk_create(
            [KitLine(kit=kit, item_id=ids[i], quantity=q) for i, q in lines]
        )
    return len(items), len(KITS)


# Roles that mean something only at a site: a supplier's staff work its portal.
SITE_ONLY_ROLES = frozenset({Role.SUPPLIER})


def _supplier_users(community: Node) -> list[tuple[str, str, str]]:
    """The staff of the first community's corner shop and of the e-commerce platform (the
    supplier role at their sites; the sites are made by the community demo)."""
    password = User.objects.get(username="admin").password  # the demo password, hashed once
    staff = [
        (username, Site.objects.filter(code=code).first())
        for username, code in (
            ("shop-supplier", f"shop-{community.code}"),
            ("ecom-supplier", "ecom-1"),
        )
    ]
    out = []
    for username, site in staff:
        if site is None:
            continue
        user = User.objects.create(
            username=username, password=password, first_name=str(Role.SUPPLIER.label)
        )
        Membership.objects.create(user=user, role=Role.SUPPLIER, site=site)
        out.append((username, str(Role.SUPPLIER), site.code))
    return out


def _build_users(
    city: Node,
    district: Node,
    community: Node,
    sites: list[Site],
) -> list[tuple[str, str, str]]:
    password = make_password(DEMO_PASSWORD)  # hashed once: same password for every demo user
    users: list[User] = []
    grants: list[tuple[str, str, Node | None, Site | None]] = []
    for level, node in (("city", city), ("district", district), ("community", community)):
        for role in Role:
            if role in SITE_ONLY_ROLES:
                continue
            username = f"{level}-{role.value.replace('_', '-')}"
            users.append(User(username=username, password=password, first_name=str(role.label)))
            grants.append((username, role.value, node, None))
    # The street between them countersigns the community's demand lists.
    street = community.parent
    assert street is not None  # noqa: S101 - a community always has a street
    for role in (Role.APPROVER, Role.COMMANDER):
        username = f"street-{role.value}"
        users.append(User(username=username, password=password, first_name=str(role.label)))
        grants.append((username, role.value, street, None))
    by_code = {s.code: s for s in sites}
    hospital = next(s for s in sites if s.kind == SiteKind.HOSPITAL and s.node_id == district.pk)
    for username, role, site in (
        ("depot-keeper", Role.WAREHOUSE_KEEPER, by_code["depot-city"]),
        ("hospital-requester", Role.REQUESTER, hospital),
    ):
        users.append(User(username=username, password=password, first_name=str(Role(role).label)))
        grants.append((username, role, None, site))
    users.append(User(username="admin", password=password, is_superuser=True, is_staff=True))
    User.objects.bulk_create(users)
    ids = dict(
        User.objects.filter(username__in=[u.username for u in users]).values_list("username", "id")
    )
    Membership.objects.bulk_create(
        [Membership(user_id=ids[u], role=r, node=n, site=s) for u, r, n, s in grants]
    )
    out = [(u, r, n.code if n else s.code if s else "") for u, r, n, s in grants]
    out.append(("admin", "superuser", "*"))
    return out


def demo_load(*, size: str = "full", seed: int = 2022) -> DemoResult:
    """Build the demo city in one transaction. Deterministic for a (size, seed).

    Raises ValueError for an unknown size; the caller checks the database is empty.
    """
    if size not in SIZES:
        raise ValueError(f"unknown demo size {size!r}; choose from {', '.join(SIZES)}")
    rng = random.Random(seed)  # deterministic demo data, not security
    spec = SIZES[size]
    with transaction.atomic(durable=True):
        city, districts, streets, communities, where = _build_tree(rng, spec)
        sites = _build_sites(rng, spec, city, districts, streets, communities, where)
        n_items, n_kits = _build_catalog()
        users = _build_users(city, districts[0], communities[0], sites)
        demo_second_factor_load(u for u, _, _ in users)
        fleet_demo_load(city=city, district=districts[0], admin=User.objects.get(username="admin"))
        community_demo_load(rng=random.Random(seed))
        users[-1:-1] = _supplier_users(communities[0])
        readiness_demo_load(city=city)
        market_demo_load(
            districts=districts, reporter=User.objects.get(username="admin"), seed=seed
        )
    route_plan_demo_load(seed=seed)
    return DemoResult(
        nodes=Node.objects.count(), sites=len(sites), items=n_items, kits=n_kits, users=users
    )


def database_is_empty() -> bool:
    """True when no tree has been loaded yet."""
    return not Node.objects.exists()
