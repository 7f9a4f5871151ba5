"""Ledger benchmark (issue 4): transfers through the services vs a raw-psycopg baseline, then
reads on a ledger of 1,000,000 movements.

    .venv/bin/python bench/ledger.py            # full: 100,000 transfers, 1,000,000 movements
    .venv/bin/python bench/ledger.py --quick    # smoke run

It creates (and drops first) its own database `liangcao_bench` on the PostgreSQL server that
DATABASE_URL names (the same server and credentials; default the local one), migrates it and
loads the small demo city plus a 1,000-site district. Printed figures:

1. single-line transfers through `stock.services.transfer_post` with 8 worker processes:
   movements/s, p50/p99 latency, and the ratio to a raw-psycopg baseline of the same transaction
   shape (SELECT … FOR UPDATE of the two balance rows in order, INSERT the movement, two
   UPDATEs, COMMIT) with the same number of processes, measured in the same run;
2. with ≥ 1,000,000 movements: balances of the 1,000-site subtree (p99), a stock card page of
   an item with 100,000 movements at one store (p99), and `ledger_check` (seconds).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

ADMIN_URL = os.environ.get("DATABASE_URL", "postgres://liangcao:liangcao@127.0.0.1:5432/liangcao")
if not ADMIN_URL.startswith(("postgres://", "postgresql://")):
    sys.exit("bench/ledger.py measures PostgreSQL: set DATABASE_URL=postgres://…")
SERVER_URL = ADMIN_URL.rsplit("/", 1)[0]
DB_NAME = "liangcao_bench"
WORKERS = 8
ITEMS = 20
SITES = 1000


def _setup_database() -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    os.environ["DATABASE_URL"] = f"{SERVER_URL}/{DB_NAME}"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnop")
    os.environ["DJANGO_SETTINGS_MODULE"] = "liangcao.config.settings"
    os.environ["LOG_LEVEL"] = "ERROR"
    os.environ["CONN_MAX_AGE"] = "600"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


# --- fixtures: a 1,000-site district, stock on the sites the workers use -------------------
def _world() -> dict[str, Any]:
    from django.db import transaction

    from liangcao.catalog.models import Item
    from liangcao.orgs.models import Membership, Node, Role, Site, SiteKind, User
    from liangcao.orgs.services import node_create
    from liangcao.scenarios.demo import demo_load
    from liangcao.stock import services

    demo_load(size="small", seed=7)
    city = Node.objects.get(parent__isnull=True)
    district = node_create(code="bench-d", kind="district", name_zh="基准区", parent_id=city.pk)
    with transaction.atomic():
        Site.objects.bulk_create(
            [
                Site(
                    code=f"bench-{i:04d}",
                    kind=SiteKind.DISTRIBUTION_POINT,
                    node=district,
                    name_zh=f"基准点{i}",
                    latitude=31.0,
                    longitude=121.0,
                )
                for i in range(SITES)
            ]
        )
        commander = User.objects.create(username="bench-commander")
        Membership.objects.create(user=commander, role=Role.COMMANDER, node=district)
    site_ids = list(
        Site.objects.filter(node=district).order_by("code").values_list("pk", flat=True)
    )
    item_ids = list(
        Item.objects.filter(lot_tracked=False).order_by("code").values_list("pk", flat=True)[:ITEMS]
    )
    admin = User.objects.get(username="admin")
    supplier = Site.objects.filter(kind=SiteKind.SUPPLIER_SITE).order_by("code").first()
    assert supplier is not None
    for site_id in site_ids[: WORKERS * 16]:
        services.receipt_post(
            actor=admin,
            site_id=site_id,
            source_kind="supplier",
            source_site_id=supplier.pk,
            lines=[services.LineSpec(item_id=i, quantity=10_000_000) for i in item_ids],
        )
    return {
        "district": district.pk,
        "sites": site_ids,
        "items": item_ids,
        "admin": admin.pk,
        "commander": commander.pk,
        "supplier": supplier.pk,
    }


def _plan(world: dict[str, Any], worker: int, n: int) -> list[tuple[int, int, int]]:
    """Worker `worker`'s transfers: between its own 16 sites, random items (spread rows)."""
    rng = random.Random(worker)
    own = world["sites"][worker * 16 : worker * 16 + 16]
    return [(*rng.sample(own, 2), rng.choice(world["items"])) for _ in range(n)]


# --- the two contenders --------------------------------------------------------------------
def _service_worker(args: tuple[dict[str, Any], int, int]) -> list[float]:
    from django.db import connections

    from liangcao.orgs.models import User
    from liangcao.stock import services

    world, worker, n = args
    connections.close_all()
    actor = User.objects.get(pk=world["admin"])
    latencies: list[float] = []
    for source, dest, item in _plan(world, worker, n):
        started = time.perf_counter()
        services.transfer_post(
            actor=actor,
            from_site_id=source,
            to_site_id=dest,
            lines=[services.LineSpec(item_id=item, quantity=1)],
        )
        latencies.append(time.perf_counter() - started)
    connections.close_all()
    return latencies


def _raw_worker(args: tuple[dict[str, Any], int, int]) -> list[float]:
    import psycopg

    world, worker, n = args
    rows: dict[tuple[int, int], tuple[int, int, int, int]] = world["raw_rows"]
    latencies: list[float] = []
    with psycopg.connect(f"{SERVER_URL}/{DB_NAME}") as conn:
        for source, dest, item in _plan(world, worker, n):
            a, b = rows[(source, item)], rows[(dest, item)]
            first, second = sorted([a, b], key=lambda r: (r[1], r[2], r[3]))
            started = time.perf_counter()
            with conn.cursor() as cur:
                cur.execute(
                    "SELECT id, on_hand FROM bench_raw_balance WHERE id IN (%s, %s) "
                    "ORDER BY location_id, item_id, lot_id FOR UPDATE",
                    (first[0], second[0]),
                )
                cur.fetchall()
                cur.execute(
                    "INSERT INTO bench_raw_movement (document_id, line_id, item_id, lot_id, "
                    "quantity, from_location_id, to_location_id, actor_id, created_at, "
                    "from_head, to_head, hash) VALUES (%s, %s, %s, %s, 1, %s, %s, %s, now(), "
                    "'', '', '')",
                    (world["raw_doc"], world["raw_line"], item, a[3], a[1], b[1], world["admin"]),
                )
                cur.execute(
                    "UPDATE bench_raw_balance SET on_hand = on_hand - 1 WHERE id = %s", (a[0],)
                )
                cur.execute(
                    "UPDATE bench_raw_balance SET on_hand = on_hand + 1 WHERE id = %s", (b[0],)
                )
            conn.commit()
            latencies.append(time.perf_counter() - started)
    return latencies


def _prepare_raw(world: dict[str, Any]) -> None:
    from django.db import connection

    from liangcao.stock.models import Balance, Movement

    with connection.cursor() as cur:
        cur.execute("CREATE TABLE bench_raw_balance (LIKE stock_balance INCLUDING ALL)")
        cur.execute("INSERT INTO bench_raw_balance SELECT * FROM stock_balance")
        cur.execute("CREATE TABLE bench_raw_movement (LIKE stock_movement INCLUDING ALL)")
        # The same foreign keys as the ledger's movement table (LIKE does not copy them).
        for column, table in (
            ("document_id", "stock_document"),
            ("line_id", "stock_documentline"),
            ("item_id", "catalog_item"),
            ("lot_id", "stock_lot"),
            ("from_location_id", "stock_location"),
            ("to_location_id", "stock_location"),
            ("actor_id", "orgs_user"),
            ("reverses_id", "stock_movement"),
        ):
            cur.execute(
                f"ALTER TABLE bench_raw_movement ADD FOREIGN KEY ({column}) REFERENCES {table} "
                "DEFERRABLE INITIALLY DEFERRED"
            )
    rows = {
        (b.location.site_id, b.item_id): (b.pk, b.location_id, b.item_id, b.lot_id)
        for b in Balance.objects.filter(location__kind="store").select_related("location")
    }
    sample = Movement.objects.order_by("id").first()
    assert sample is not None
    world.update(raw_rows=rows, raw_doc=sample.document_id, raw_line=sample.line_id)


def _run(kind: str, world: dict[str, Any], total: int) -> tuple[float, list[float]]:
    from django.db import connections

    connections.close_all()
    target = _service_worker if kind == "service" else _raw_worker
    per = total // WORKERS
    ctx = multiprocessing.get_context("fork")
    started = time.perf_counter()
    with ctx.Pool(WORKERS) as pool:
        results = pool.map(target, [(world, w, per) for w in range(WORKERS)])
    elapsed = time.perf_counter() - started
    latencies = [x for r in results for x in r]
    return len(latencies) / elapsed, latencies


# --- a ledger of 1,000,000 movements, written directly with valid chains ------------------
def _grow_ledger(world: dict[str, Any], target: int, hot: int) -> None:
    """Append movements (transfers between the district's sites, `hot` of them touching one
    store's item) until the ledger holds `target`, with correct hashes, heads and balances."""
    from django.db import connection, transaction

    from liangcao.stock.models import Balance, Document, DocumentLine, Movement
    from liangcao.stock.services import default_lot, location_for, movement_hash

    existing = Movement.objects.count()
    todo = max(0, target - existing)
    if not todo:
        return
    rng = random.Random(42)
    sites, items = world["sites"], world["items"]
    stores = {s: location_for("store", site_id=s).pk for s in sites}
    lots = {i: default_lot(i).pk for i in items}
    supplier_loc = location_for("supplier", site_id=world["supplier"]).pk
    state: dict[tuple[int, int, int], list[Any]] = {}
    for b in Balance.objects.all():
        state[(b.location_id, b.item_id, b.lot_id)] = [b.on_hand, b.head, b.held, b.pk]
    docs: list[tuple[int, int]] = []
    with transaction.atomic():
        admin_id = world["admin"]
        for _ in range(100):
            d = Document.objects.create(kind="transfer", state="posted", created_by_id=admin_id)
            line = DocumentLine.objects.create(
                document=d,
                number=1,
                item_id=items[0],
                quantity=1,
                from_location_id=stores[sites[0]],
                to_location_id=stores[sites[1]],
            )
            docs.append((d.pk, line.pk))
    hot_site, hot_item = sites[0], items[0]
    base = datetime.now(UTC)
    out: list[tuple[Any, ...]] = []

    def move(src: int, dst: int, item: int, qty: int, n: int) -> None:
        lot = lots[item]
        fk, tk = (src, item, lot), (dst, item, lot)
        for key, held in ((fk, src != supplier_loc), (tk, True)):
            if key not in state:
                state[key] = [0, "", held, None]
        doc, line = docs[n % len(docs)]
        at = base + timedelta(microseconds=n)
        digest = movement_hash(
            document_id=doc,
            line_id=line,
            item_id=item,
            lot_id=lot,
            quantity=qty,
            from_location_id=src,
            to_location_id=dst,
            actor_id=admin_id,
            created_at=at,
            reverses_id=None,
            from_head=state[fk][1],
            to_head=state[tk][1],
        )
        out.append(
            (doc, line, item, lot, qty, src, dst, admin_id, at, state[fk][1], state[tk][1], digest)
        )
        state[fk][0] -= qty
        state[tk][0] += qty
        state[fk][1] = state[tk][1] = digest

    started = time.perf_counter()
    n = 0
    for site in sites:  # every store of the district holds every item
        for item in items:
            move(supplier_loc, stores[site], item, 1_000_000, n)
            n += 1
    hot_every = max(1, todo // max(1, hot))
    while n < todo:
        item = rng.choice(items)
        a, b = rng.sample(sites, 2)
        if n % hot_every == 0:
            item, a = hot_item, hot_site
            b = rng.choice(sites[1:40])
            if rng.random() < 0.5:
                a, b = b, a
        move(stores[a], stores[b], item, rng.randint(1, 5), n)
        n += 1
    generated = time.perf_counter() - started
    with transaction.atomic():
        connection.ensure_connection()
        raw = connection.connection
        with (
            raw.cursor() as cur,
            cur.copy(
                "COPY stock_movement (document_id, line_id, item_id, lot_id, quantity, "
                "from_location_id, to_location_id, actor_id, created_at, from_head, to_head, hash) "
                "FROM STDIN"
            ) as copy,
        ):
            for row in out:
                copy.write_row(row)
        new = [
            Balance(location_id=k[0], item_id=k[1], lot_id=k[2], held=v[2], on_hand=v[0], head=v[1])
            for k, v in state.items()
            if v[3] is None
        ]
        Balance.objects.bulk_create(new, batch_size=5000)
        changed = [
            Balance(pk=v[3], on_hand=v[0], head=v[1]) for v in state.values() if v[3] is not None
        ]
        Balance.objects.bulk_update(changed, ["on_hand", "head"], batch_size=2000)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(
        f"  grew the ledger by {len(out):,} movements in {time.perf_counter() - started:.0f} s "
        f"(hashing {generated:.0f} s)"
    )


def _reads(world: dict[str, Any], quick: bool) -> dict[str, float]:
    from django.db.models import Q

    from liangcao.orgs.models import User
    from liangcao.stock import selectors
    from liangcao.stock.audit import ledger_verify
    from liangcao.stock.models import Movement

    commander = User.objects.get(pk=world["commander"])
    timings: list[float] = []
    for i in range(30 if quick else 100):
        started = time.perf_counter()
        qs = selectors.balance_list(user=commander, node_id=world["district"])
        qs.count()
        list(qs[(i % 5) * 100 : (i % 5) * 100 + 100])
        timings.append(time.perf_counter() - started)
        if hasattr(commander, "_liangcao_scope"):
            del commander._liangcao_scope  # a new request computes the scope again
    balances_p99 = _percentile(timings, 0.99)
    hot_site, hot_item = world["sites"][0], world["items"][0]
    card: list[float] = []
    cursor: str | None = None
    pages = 0
    while pages < (50 if quick else 2_000):  # page through the whole card, as a reader would
        started = time.perf_counter()
        page = selectors.stock_card(
            user=commander, site_id=hot_site, item_id=hot_item, after=cursor, limit=100
        )
        card.append(time.perf_counter() - started)
        pages += 1
        if hasattr(commander, "_liangcao_scope"):
            del commander._liangcao_scope
        cursor = page.next_cursor
        if cursor is None:
            break
    card_rows = pages * 100
    store = f"store:{hot_site}:"
    hot_count = (
        Movement.objects.filter(item_id=hot_item)
        .filter(Q(to_location__key=store) | Q(from_location__key=store))
        .count()
    )
    started = time.perf_counter()
    report = ledger_verify()
    check = time.perf_counter() - started
    assert report.ok, report.problems
    return {
        "balances_p99": balances_p99,
        "card_p99": _percentile(card, 0.99),
        "hot_movements": float(hot_count),
        "card_rows": float(card_rows),
        "check_s": check,
        "movements": float(report.movements),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    args = parser.parse_args()
    transfers = 2_000 if args.quick else 100_000
    movements = 60_000 if args.quick else 1_000_000
    hot = 5_000 if args.quick else 100_000
    print(f"ledger benchmark ({'quick' if args.quick else 'full'}): database {DB_NAME}")
    _setup_database()
    world = _world()
    _prepare_raw(world)
    raw_rate, raw_lat = _run("raw", world, transfers)
    svc_rate, svc_lat = _run("service", world, transfers)
    print(f"  transfers: {transfers:,} single-line, {WORKERS} processes")
    for label, rate, lat in (
        ("raw psycopg baseline", raw_rate, raw_lat),
        ("stock services      ", svc_rate, svc_lat),
    ):
        p50, p99 = statistics.median(lat) * 1000, _percentile(lat, 0.99) * 1000
        print(f"  {label}: {rate:,.0f} movements/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    ratio = svc_rate / raw_rate
    print(f"  ratio services / raw: {ratio:.0%} (target ≥ 50%)")
    _grow_ledger(world, movements, hot)
    reads = _reads(world, args.quick)
    print(
        f"  ledger: {reads['movements']:,.0f} movements; "
        f"the carded item has {reads['hot_movements']:,.0f} at its store"
    )
    print(
        f"  balances of a {SITES:,}-site subtree: p99 {reads['balances_p99'] * 1000:.0f} ms "
        "(target < 200 ms)"
    )
    print(
        f"  stock card page (100 rows, paged through {reads['card_rows']:,.0f} rows): "
        f"p99 {reads['card_p99'] * 1000:.0f} ms (target < 100 ms)"
    )
    print(f"  ledger_check: {reads['check_s']:.1f} s (target < 60 s)")


if __name__ == "__main__":
    main()
