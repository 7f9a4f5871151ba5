"""Household-order benchmark (issue 10): orders through the API with concurrent clients vs a
raw-SQL insert baseline, then the assignment of 100,000 orders to 217 suppliers.

    .venv/bin/python bench/orders.py            # full: 100,000 orders each way
    .venv/bin/python bench/orders.py --quick    # smoke run (a few thousand)

The server and credentials come from DATABASE_URL (default the local PostgreSQL); the script
creates (and drops first) its own database `<name>_orders_bench`, migrates it and loads the
small demo city plus one household per order. Printed figures:

1. household orders through the API (`POST /api/v1/community/orders` via Django's test client:
   middleware, session auth, Idempotency-Key, the ordering rules under the household's row
   lock) with WORKERS client processes: orders/s, p50/p99 latency, and the ratio to a raw
   psycopg baseline of the same transaction shape (lock the household row, read its last
   order, insert the order and its line, COMMIT) with the same number of processes;
2. the assignment of 100,000 orders in 5,000 compounds to 217 suppliers (200 shops, 6
   e-commerce platforms, 11 hypermarkets) by the HiGHS transportation LP (target < 10 s), and
   `orders_assign` end to end on the orders placed in step 1 (locks, LP, updates).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

WORKERS = 8
SUPPLIERS = (200, 6, 11)


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


def _world(n: int) -> dict[str, Any]:
    """The small demo city, a city-level grid worker, and 2n households (n for each side)."""
    from liangcao.community.models import Household
    from liangcao.orgs.models import Membership, Node, NodeKind, Role, User
    from liangcao.scenarios.demo import demo_load

    demo_load(size="small", seed=7)
    city = Node.objects.get(parent__isnull=True)
    user = User.objects.create_user(username="bench-grid", password="bench-only")  # noqa: S106
    Membership.objects.create(user=user, role=Role.GRID_WORKER, node=city)
    compounds = list(Node.objects.filter(kind=NodeKind.COMPOUND).values_list("pk", flat=True))
    rows = [
        Household(
            compound_id=compounds[i % len(compounds)],
            code=f"B{i:07d}",
            building=f"B{i // 1000}",
            unit=str(i // 100 % 10),
            room=str(i),
            head_count=3,
        )
        for i in range(2 * n)
    ]
    Household.objects.bulk_create(rows, batch_size=5000)
    ids = list(
        Household.objects.filter(code__startswith="B").order_by("code").values_list("pk", flat=True)
    )
    return {"user": user.pk, "api": ids[:n], "raw": ids[n:]}


def _api_worker(args: tuple[int, list[int]]) -> list[float]:
    from django.db import connections
    from django.test import Client

    from liangcao.orgs.models import User

    user_id, households = args
    connections.close_all()
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(pk=user_id))
    latencies: list[float] = []
    for household in households:
        body = f'{{"household_id": {household}, "lines": [{{"offer": "EGG", "quantity": 2}}]}}'
        started = time.perf_counter()
        response = client.post(
            "/api/v1/community/orders",
            body,
            content_type="application/json",
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        latencies.append(time.perf_counter() - started)
        if response.status_code != 201:
            raise RuntimeError(f"order failed: {response.status_code} {response.content!r}")
    connections.close_all()
    return latencies


def _raw_worker(args: tuple[str, int, int, list[int]]) -> list[float]:
    import psycopg

    url, offer_id, price, households = args
    latencies: list[float] = []
    rng = random.Random(households[0] if households else 0)
    with psycopg.connect(url) as conn:
        for household in households:
            started = time.perf_counter()
            with conn.transaction():
                compound = conn.execute(
                    "SELECT compound_id FROM community_household WHERE id = %s FOR UPDATE",
                    (household,),
                ).fetchone()
                assert compound is not None
                conn.execute(
                    "SELECT created_at FROM community_order WHERE household_id = %s "
                    "AND state <> 'cancelled' ORDER BY created_at DESC LIMIT 1",
                    (household,),
                ).fetchone()
                row = conn.execute(
                    "INSERT INTO community_order (household_id, compound_id, origin, state, "
                    "supplier_state, total, confirm_code, created_at) "
                    "VALUES (%s, %s, 'grid_worker', 'placed', '', %s, %s, now()) RETURNING id",
                    (household, compound[0], 2 * price, f"{rng.randrange(10**6):06d}"),
                ).fetchone()
                assert row is not None
                conn.execute(
                    "INSERT INTO community_orderline (order_id, offer_id, quantity, price) "
                    "VALUES (%s, %s, 2, %s)",
                    (row[0], offer_id, price),
                )
            latencies.append(time.perf_counter() - started)
    return latencies


def _run(label: str, worker: Any, chunks: list[Any]) -> tuple[float, list[float]]:
    from django.db import connections

    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    started = time.perf_counter()
    with ctx.Pool(len(chunks)) as pool:
        results = pool.map(worker, chunks)
    elapsed = time.perf_counter() - started
    latencies = [x for r in results for x in r]
    rate = len(latencies) / elapsed
    print(
        f"{label:<34} {len(latencies):>7} orders  {rate:8.1f} orders/s  "
        f"p50 {1000 * statistics.median(latencies):6.1f} ms  "
        f"p99 {1000 * _percentile(latencies, 0.99):6.1f} ms"
    )
    return rate, latencies


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
    parser.add_argument("--orders", type=int, default=0, help="orders each way (overrides)")
    args = parser.parse_args()
    n = args.orders or (2_000 if args.quick else 100_000)
    url = _setup_database()
    started = time.perf_counter()
    world = _world(n)
    print(f"setup: demo city + {2 * n} households in {time.perf_counter() - started:.1f} s")
    from liangcao.community.models import Offer

    egg = Offer.objects.get(item__code="EGG")
    api_chunks = [(world["user"], world["api"][w::WORKERS]) for w in range(WORKERS)]
    raw_chunks = [(url, egg.pk, egg.price, world["raw"][w::WORKERS]) for w in range(WORKERS)]
    raw_rate, _ = _run(f"raw SQL baseline ({WORKERS} processes)", _raw_worker, raw_chunks)
    api_rate, api_lat = _run(f"through the API ({WORKERS} clients)", _api_worker, api_chunks)
    print(
        f"API / raw baseline: {api_rate / raw_rate:.0%} (target ≥ 30 %); "
        f"p99 {1000 * _percentile(api_lat, 0.99):.0f} ms (target < 300 ms)"
    )
    _assignment(100_000)  # the engine alone is fast enough to run at full size in --quick too
    _assign_service(n)


if __name__ == "__main__":
    main()
