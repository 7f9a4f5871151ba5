"""The demo city: deterministic from its seed, the size of the Anyang review's city, fast."""

from __future__ import annotations

import hashlib
import time

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count

from liangcao.catalog.models import Category, Item
from liangcao.orgs.models import Membership, Node, NodeKind, Role, Site, SiteKind
from liangcao.scenarios.demo import SITE_ONLY_ROLES, demo_load


def fingerprint() -> str:
    rows = [
        *Node.objects.order_by("code").values_list("code", "name_zh", "parent__code", "population"),
        *Site.objects.order_by("code").values_list(
            "code", "kind", "node__code", "latitude", "longitude"
        ),
        *Item.objects.order_by("code").values_list("code", "category"),
    ]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


@pytest.mark.django_db
def test_full_city_matches_the_anyang_scale_and_loads_in_under_a_minute() -> None:
    started = time.monotonic()
    result = demo_load(size="full", seed=2022)
    elapsed = time.monotonic() - started
    assert elapsed < 60
    nodes = dict(Node.objects.values_list("kind").annotate(n=Count("id")))
    assert nodes[NodeKind.CITY] == 1 and nodes[NodeKind.DISTRICT] == 9
    assert 90 <= nodes[NodeKind.STREET] <= 110
    assert 900 <= nodes[NodeKind.COMMUNITY] <= 1100
    assert 4500 <= nodes[NodeKind.COMPOUND] <= 5500
    sites = dict(Site.objects.values_list("kind").annotate(n=Count("id")))
    assert sites[SiteKind.ENTERPRISE_STORE] == 26
    assert sites[SiteKind.TRANSFER_STATION] == 3 and sites[SiteKind.HUB] == 1
    front = sum(
        sites[k]
        for k in (
            SiteKind.HOSPITAL,
            SiteKind.FANGCANG,
            SiteKind.QUARANTINE_HOTEL,
            SiteKind.TESTING_SITE,
        )
    )
    assert 45 <= front <= 60
    assert sites[SiteKind.CHECKPOINT] == 200
    assert result.items >= 60
    assert set(Item.objects.values_list("category", flat=True)) == set(Category.values)
    # Every role at city, district and community level.
    for depth in (0, 1, 3):
        roles = set(Membership.objects.filter(node__depth=depth).values_list("role", flat=True))
        assert roles == set(Role.values) - SITE_ONLY_ROLES, depth


@pytest.mark.django_db
def test_same_seed_same_city_other_seed_other_city() -> None:
    prints = []
    for seed in (11, 11, 12):
        savepoint = transaction.savepoint()
        demo_load(size="small", seed=seed)
        prints.append(fingerprint())
        transaction.savepoint_rollback(savepoint)
    assert prints[0] == prints[1]
    assert prints[0] != prints[2]


@pytest.mark.django_db
def test_load_demo_refuses_a_loaded_database_unless_asked_to_skip(
    capsys: pytest.CaptureFixture[str],
) -> None:
    call_command("load_demo", "--size", "small")
    out = capsys.readouterr().out
    assert "city-commander" in out and "liangcao-demo" in out
    count = Node.objects.count()
    with pytest.raises(CommandError, match="already holds a tree"):
        call_command("load_demo", "--size", "small")
    call_command("load_demo", "--size", "small", "--if-empty")
    assert "nothing to do" in capsys.readouterr().out
    assert Node.objects.count() == count


@pytest.mark.django_db
def test_day_three_has_open_demand_and_sixty_percent_supply() -> None:
    from django.core.management import call_command as run
    from django.db.models import Sum

    from liangcao.demand.models import Requisition, RequisitionLine
    from liangcao.scenarios.day3 import day3_load
    from liangcao.stock.models import Balance, LocationKind

    demo_load(size="small", seed=7)
    result = day3_load(requisitions=30, sites=12)
    assert Requisition.objects.filter(state="approved").count() == 30
    assert Requisition.objects.values("site").distinct().count() == 12
    approved = dict(RequisitionLine.objects.values_list("item__code").annotate(n=Sum("approved")))
    on_hand = dict(
        Balance.objects.filter(location__kind=LocationKind.STORE)
        .values_list("item__code")
        .annotate(n=Sum("on_hand"))
    )
    assert approved == result.demand
    for code, total in approved.items():
        assert on_hand[code] == int(total * 0.6), code
    run("ledger_check")
