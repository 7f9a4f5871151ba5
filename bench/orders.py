"""Household-order benchmark (issue 10): orders through the API with concurrent clients vs raw
psycopg baselines, then the assignment of 100,000 orders to 217 suppliers.

    .venv/bin/python bench/orders.py            # full: 100,000 orders through the API
    .venv/bin/python bench/orders.py --quick    # smoke run (a few thousand)

The server and credentials come from DATABASE_URL (default the local PostgreSQL); the script
creates (and drops first) its own database `<name>_orders_bench`, migrates it and loads the
small demo city, an active ordering rule (a quota on eggs) and one household per order.
Printed figures, for each number of client processes in --clients (default 2, 4, 8; the orders
are shared out evenly between the client counts, and each count gets its own households):

1. household orders through the API (`POST /api/v1/community/orders` via Django's test client
   in each client process: middleware, session auth, Idempotency-Key, scope check, the ordering
   rules under the household's row lock): orders/s, p50/p99 latency;
2. a raw psycopg baseline of the same transaction shape with as many processes (claim the key,
   lock the household row inside the user's scope, read the active rule and the offer, read the
   household's last order, insert the order and its line, store the answer on the key, COMMIT)
   and, for comparison with earlier runs, the bare insert baseline (lock, last order, inserts);
3. the ratio API / same-shape baseline (and API / bare baseline) and the highest API rate whose
   p99 stays under 300 ms.

Each client process first places WARMUP untimed orders (a fresh process fills its URL, schema
and translation caches on its first requests), then all start together at a barrier; a rate is
the timed orders over the time from that start to the last process's end. The client
processes, the server (Django runs inside each client process) and PostgreSQL share this
machine's cores: the rates are what the whole machine sustains, not a server alone.

Then the assignment of 100,000 orders in 5,000 compounds to 217 suppliers (200 shops, 6
e-commerce platforms, 11 hypermarkets) by the HiGHS transportation LP (target < 10 s), and
`orders_assign` end to end on the orders placed above (locks, LP, updates).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

CLIENTS = (2, 4, 8)
P99_TARGET_MS = 300.0
SUPPLIERS = (200, 6, 11)
EGG_QUOTA = 5
WARMUP = 10  # untimed orders per client process before the clock starts
_START: Any = None  # the barrier of one run's client processes and the parent (fork-inherited)


def _setup_database() -> str:
    import psycopg

    parts = urlsplit(
        os.environ.get("DATABASE_URL", "postgres://liangcao:liangcao@127.0.0.1:5432/liangcao")
    )
    if not parts.scheme.startswith("postgres"):
        raise SystemExit("bench/orders.py needs PostgreSQL: set DATABASE_URL=postgres://…")
    base = parts.path.lstrip("/") or "liangcao"
    name = f"{base}_orders_bench"
    admin_url = urlunsplit(parts._replace(path=f"/{base}"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    url = urlunsplit(parts._replace(path=f"/{name}"))
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnop")
    os.environ["DJANGO_SETTINGS_MODULE"] = "liangcao.config.settings"
    os.environ["LOG_LEVEL"] = "ERROR"
    os.environ["CONN_MAX_AGE"] = "600"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return url


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def _world(n: int, runs: int) -> dict[str, Any]:
    """The small demo city, an active ordering rule, a city-level grid worker, and n households
    per run and side (`runs` API runs and as many of each baseline)."""
    from liangcao.catalog.models import Item
    from liangcao.community.models import Household, ItemRule, OrderingRule
    from liangcao.orgs.models import Membership, Node, NodeKind, Role, User
    from liangcao.scenarios.demo import demo_load

    demo_load(size="small", seed=7)
    rule = OrderingRule.objects.create(level="bench", interval_days=3, is_active=True)
    ItemRule.objects.create(rule=rule, item=Item.objects.get(code="EGG"), quota=EGG_QUOTA)
    city = Node.objects.get(parent__isnull=True)
    user = User.objects.create_user(username="bench-grid", password="bench-only")  # noqa: S106
    Membership.objects.create(user=user, role=Role.GRID_WORKER, node=city)
    compounds = list(Node.objects.filter(kind=NodeKind.COMPOUND).values_list("pk", flat=True))
    total = 3 * runs * n
    rows = [
        Household(
            compound_id=compounds[i % len(compounds)],
            code=f"B{i:07d}",
            building=f"B{i // 1000}",
            unit=str(i // 100 % 10),
            room=str(i),
            head_count=3,
        )
        for i in range(total)
    ]
    Household.objects.bulk_create(rows, batch_size=5000)
    ids = list(
        Household.objects.filter(code__startswith="B").order_by("code").values_list("pk", flat=True)
    )
    random.Random(10).shuffle(ids)  # neighbours in a run do not share pages or compounds
    return {"user": user.pk, "households": [ids[i * n : (i + 1) * n] for i in range(3 * runs)]}


def _timed(households: list[int], place: Any) -> tuple[list[float], float]:
    """Place WARMUP orders untimed (first requests fill a process's caches), meet the other
    client processes at the start barrier, then time each order; returns the latencies and the
    monotonic time this process finished."""
    for household in households[:WARMUP]:
        place(household)
    _START.wait()
    latencies: list[float] = []
    for household in households[WARMUP:]:
        started = time.perf_counter()
        place(household)
        latencies.append(time.perf_counter() - started)
    return latencies, time.monotonic()


def _api_worker(args: tuple[int, list[int]]) -> tuple[list[float], float]:
    from django.db import connections
    from django.test import Client

    from liangcao.orgs.models import User

    user_id, households = args
    connections.close_all()
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(pk=user_id))

    def place(household: int) -> None:
        body = f'{{"household_id": {household}, "lines": [{{"offer": "EGG", "quantity": 2}}]}}'
        response = client.post(
            "/api/v1/community/orders",
            body,
            content_type="application/json",
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        if response.status_code != 201:
            raise RuntimeError(f"order failed: {response.status_code} {response.content!r}")

    try:
        return _timed(households, place)
    finally:
        connections.close_all()


def _raw_worker(args: tuple[str, dict[str, Any], list[int], bool]) -> tuple[list[float], float]:
    """Raw psycopg orders: the API's transaction shape, or (`bare`) only its inserts."""
    import psycopg

    url, ctx, households, bare = args
    rng = random.Random(households[0] if households else 0)
    with psycopg.connect(url) as conn:

        def place(household: int) -> None:
            with conn.transaction():
                _raw_order(conn, ctx, household, rng, bare)

        return _timed(households, place)


def _raw_order(
    conn: Any, ctx: dict[str, Any], household: int, rng: random.Random, bare: bool
) -> None:
    key_id = None
    if not bare:
        key_id = conn.execute(
            "INSERT INTO core_idempotencykey (user_id, key, fingerprint, state, response_body, "
            "created_at, started_at) VALUES (%s, %s, %s, 'in_flight', '', now(), now()) "
            "ON CONFLICT (user_id, key) DO NOTHING RETURNING id",
            (ctx["user"], uuid.uuid4().hex, "f" * 64),
        ).fetchone()[0]
        compound = conn.execute(
            "SELECT compound_id FROM community_household WHERE id = %s AND compound_id IN "
            "(SELECT descendant_id FROM orgs_nodeclosure WHERE ancestor_id = ANY(%s)) "
            "FOR UPDATE",
            (household, ctx["scope"]),
        ).fetchone()
        rule = conn.execute(
            "SELECT r.interval_days, i.quota, i.price_cap FROM community_orderingrule r "
            "LEFT JOIN community_itemrule i ON i.rule_id = r.id AND i.item_id = %s "
            "WHERE r.is_active",
            (ctx["item"],),
        ).fetchone()
        offer = conn.execute(
            "SELECT o.id, o.price FROM community_offer o JOIN catalog_item i ON i.id = o.item_id "
            "WHERE o.is_active AND i.code = 'EGG'"
        ).fetchone()
        assert rule is not None and offer is not None and rule[1] >= 2
    else:
        compound = conn.execute(
            "SELECT compound_id FROM community_household WHERE id = %s FOR UPDATE", (household,)
        ).fetchone()
        offer = (ctx["offer"], ctx["price"])
    assert compound is not None
    last = conn.execute(
        "SELECT created_at FROM community_order WHERE household_id = %s "
        "AND state <> 'cancelled' ORDER BY created_at DESC LIMIT 1",
        (household,),
    ).fetchone()
    assert last is None
    row = conn.execute(
        "INSERT INTO community_order (household_id, compound_id, origin, state, "
        "supplier_state, total, confirm_code, entered_by_id, created_at) "
        "VALUES (%s, %s, 'grid_worker', 'placed', '', %s, %s, %s, now()) RETURNING id",
        (household, compound[0], 2 * offer[1], f"{rng.randrange(10**6):06d}", ctx["user"]),
    ).fetchone()
    assert row is not None
    conn.execute(
        "INSERT INTO community_orderline (order_id, offer_id, quantity, price) "
        "VALUES (%s, %s, 2, %s)",
        (row[0], offer[0], offer[1]),
    )
    if key_id is not None:
        conn.execute(
            "UPDATE core_idempotencykey SET state = 'done', status_code = 201, "
            "response_body = %s, completed_at = now() WHERE id = %s",
            (json.dumps(_answer(row[0], compound[0], household, offer[1])), key_id),
        )


def _answer(order_id: int, compound_id: int, household: int, price: int) -> dict[str, Any]:
    """An answer the size of the API's, stored on the key as the API stores its own."""
    return {
        "id": order_id,
        "compound_id": compound_id,
        "household_code": f"B{household:07d}",
        "origin": "grid_worker",
        "state": "placed",
        "group_buy_id": None,
        "door_run_id": None,
        "supplier_id": None,
        "supplier_state": "",
        "total": 2 * price,
        "created_at": datetime.now(UTC).isoformat(),
        "delivered_at": None,
        "escalated_at": None,
        "age_hours": 0.0,
        "lines": [{"offer_code": "EGG", "quantity": 2, "price": price}],
    }


def _run(label: str, worker: Any, chunks: list[Any]) -> tuple[float, list[float]]:
    """Run one client process per chunk; the clock runs from the start barrier (after every
    process's warm-up) to the last process's end."""
    from django.db import connections

    global _START
    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    _START = ctx.Barrier(len(chunks) + 1)
    with ctx.Pool(len(chunks)) as pool:
        pending = pool.map_async(worker, chunks, chunksize=1)
        _START.wait()
        started = time.monotonic()
        results = pending.get()
    elapsed = max(end for _, end in results) - started
    latencies = [x for r, _ in results for x in r]
    rate = len(latencies) / elapsed
    print(
        f"  {label:<32} {len(latencies):>7} orders  {rate:8.1f} orders/s  "
        f"p50 {1000 * statistics.median(latencies):6.1f} ms  "
        f"p99 {1000 * _percentile(latencies, 0.99):6.1f} ms",
        flush=True,
    )
    return rate, latencies


def _load() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def _orders(url: str, world: dict[str, Any], clients: tuple[int, ...]) -> None:
    from liangcao.catalog.models import Item
    from liangcao.community.models import Offer
    from liangcao.orgs.models import User
    from liangcao.orgs.selectors import scope_for_user

    egg = Offer.objects.get(item__code="EGG")
    user = User.objects.get(pk=world["user"])
    ctx = {
        "user": user.pk,
        "scope": sorted(scope_for_user(user).node_ids),
        "item": Item.objects.get(code="EGG").pk,
        "offer": egg.pk,
        "price": egg.price,
    }
    households = iter(world["households"])
    best: tuple[float, int] | None = None
    for c in clients:
        print(f"{c} client processes ({_load()}):", flush=True)
        bare = next(households)
        shaped = next(households)
        api = next(households)
        bare_rate, _ = _run(
            "raw SQL, bare inserts", _raw_worker, [(url, ctx, bare[w::c], True) for w in range(c)]
        )
        raw_rate, _ = _run(
            "raw SQL, same shape", _raw_worker, [(url, ctx, shaped[w::c], False) for w in range(c)]
        )
        api_rate, api_lat = _run(
            "through the API", _api_worker, [(world["user"], api[w::c]) for w in range(c)]
        )
        p99 = 1000 * _percentile(api_lat, 0.99)
        print(
            f"  API / same-shape baseline: {api_rate / raw_rate:.1%} (target >= 30 %); "
            f"API / bare baseline: {api_rate / bare_rate:.1%}; p99 {p99:.0f} ms "
            f"(target < {P99_TARGET_MS:.0f} ms)",
            flush=True,
        )
        if p99 < P99_TARGET_MS and (best is None or api_rate > best[0]):
            best = (api_rate, c)
    if best is None:
        print(f"no client count kept the API's p99 under {P99_TARGET_MS:.0f} ms")
    else:
        print(
            f"highest API rate with p99 < {P99_TARGET_MS:.0f} ms: {best[0]:.1f} orders/s "
            f"({best[1]} client processes)"
        )


def _assignment(n: int) -> None:
    from liangcao.community.engine import Group, SupplierCap, assign

    rng = random.Random(2022)
    lat0, lon0 = 36.10, 114.35

    def near(km: float) -> tuple[float, float]:
        return lat0 + rng.uniform(-km, km) / 111, lon0 + rng.uniform(-km, km) / 90

    sizes = [1] * 5000
    for _ in range(n - 5000):
        sizes[rng.randrange(5000)] += 1
    groups = [Group(i, sizes[i], *near(20)) for i in range(5000)]
    shops, platforms, hypermarkets = SUPPLIERS
    suppliers = [SupplierCap(i, 450, *near(20), 4.0) for i in range(shops)]
    suppliers += [SupplierCap(shops + i, 4000, *near(5), 60.0) for i in range(platforms)]
    suppliers += [
        SupplierCap(shops + platforms + i, 2500, *near(15), 15.0) for i in range(hypermarkets)
    ]
    started = time.perf_counter()
    plan = assign(groups, suppliers)
    elapsed = time.perf_counter() - started
    print(
        f"assignment LP: {n} orders, {len(groups)} compounds, {len(suppliers)} suppliers: "
        f"{elapsed:.2f} s (target < 10 s); assigned {sum(plan.flows.values())}, "
        f"unassigned {sum(plan.unassigned.values())}, mean distance "
        f"{plan.distance_km / max(1, sum(plan.flows.values())):.2f} km"
    )


def _assign_service(placed: int) -> None:
    from liangcao.community.models import Supplier, SupplierKind
    from liangcao.community.services import orders_assign
    from liangcao.orgs.models import Node, Site, SiteKind

    city = Node.objects.get(parent__isnull=True)
    points = list(Site.objects.filter(kind=SiteKind.COMMUNITY_POINT))
    rng = random.Random(7)
    shops, platforms, hypermarkets = SUPPLIERS
    kinds = (
        [(SupplierKind.SHOP, 10 + placed // shops, 3.0)] * shops
        + [(SupplierKind.ECOMMERCE, placed // 4, 60.0)] * platforms
        + [(SupplierKind.HYPERMARKET, placed // 20, 15.0)] * hypermarkets
    )
    sites = []
    for i, _ in enumerate(kinds):
        point = rng.choice(points)
        sites.append(
            Site(
                code=f"bench-sup-{i}",
                kind=SiteKind.SUPPLIER_SITE,
                node=city,
                name_zh=f"保供{i}",
                name_en=f"supplier {i}",
                latitude=(point.latitude or 36.1) + rng.uniform(-0.01, 0.01),
                longitude=(point.longitude or 114.35) + rng.uniform(-0.01, 0.01),
            )
        )
    Site.objects.bulk_create(sites)
    saved = {s.code: s for s in Site.objects.filter(code__startswith="bench-sup-")}
    Supplier.objects.bulk_create(
        [
            Supplier(site=saved[f"bench-sup-{i}"], kind=k, daily_capacity=c, radius_km=r)
            for i, (k, c, r) in enumerate(kinds)
        ]
    )
    started = time.perf_counter()
    plan = orders_assign()
    elapsed = time.perf_counter() - started
    print(
        f"orders_assign end to end: {sum(plan.flows.values())} open orders (API and baseline) "
        f"assigned to {len(kinds)} suppliers in {elapsed:.2f} s "
        f"(unassigned {sum(plan.unassigned.values())})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    parser.add_argument("--orders", type=int, default=0, help="orders through the API (overrides)")
    parser.add_argument(
        "--clients",
        default=",".join(map(str, CLIENTS)),
        help="client process counts to measure, comma-separated (default 2,4,8)",
    )
    args = parser.parse_args()
    clients = tuple(int(c) for c in args.clients.split(","))
    total = args.orders or (3_000 if args.quick else 100_000)
    n = total // len(clients)
    url = _setup_database()
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {_load()}")
    started = time.perf_counter()
    world = _world(n, len(clients))
    print(
        f"setup: demo city + {3 * n * len(clients)} households in "
        f"{time.perf_counter() - started:.1f} s; {n} orders per run"
    )
    _orders(url, world, clients)
    _assignment(100_000)  # the engine alone is fast enough to run at full size in --quick too
    _assign_service(n * 3 * len(clients))


if __name__ == "__main__":
    main()
