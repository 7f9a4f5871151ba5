"""Days of cover against a ledger computed by hand; levels in force; mass-testing rounds."""

from __future__ import annotations

import math

import pytest

from liangcao.core.errors import Forbidden, Invalid, NotFound
from liangcao.orgs.models import Node, User
from liangcao.readiness import selectors, services
from liangcao.readiness.models import PopulationNorm
from liangcao.stock.selectors import consumption_by_day
from tests.readiness.conftest import Ledger, at


def _row(report: selectors.CoverReport, code: str) -> selectors.CoverRow:
    return next(r for r in report.rows if r.item.code == code)


@pytest.fixture
def flour(ledger: Ledger) -> Ledger:
    """FLOUR at depot-d01: 1000 received; issued 30, 40 (+5 reversed), 50 on the last three
    days and 20 today; 999 issued in district d02 (another subtree)."""
    ledger.receive("depot-d01", "FLOUR", 1000)
    ledger.receive("depot-d02", "FLOUR", 2000)
    ledger.issue("depot-d01", "FLOUR", 30, day=-3)
    ledger.issue("depot-d01", "FLOUR", 40, day=-2)
    mistake = ledger.issue("depot-d01", "FLOUR", 5, day=-2)
    ledger.reverse(mistake, day=-2)
    ledger.issue("depot-d01", "FLOUR", 50, day=-1)
    ledger.issue("depot-d01", "FLOUR", 20, day=0)
    ledger.issue("depot-d02", "FLOUR", 999, day=-1)
    return ledger


def test_consumption_by_day_nets_reversals_and_keeps_to_the_scope(flour: Ledger) -> None:
    commander = User.objects.get(username="district-commander")
    d01 = Node.objects.get(code="d01")
    rows = consumption_by_day(
        user=commander, node_id=d01.pk, since=at(flour.day(-5), 0), until=at(flour.day(1), 0)
    )
    by_day = {(day - flour.today).days: q for _s, _i, day, q in rows}
    assert by_day == {-3: 30, -2: 40, -1: 50, 0: 20}
    city_rows = consumption_by_day(
        user=flour.admin, since=at(flour.day(-5), 0), until=at(flour.day(1), 0)
    )
    assert sum(q for *_, q in city_rows) == 30 + 40 + 50 + 20 + 999


def test_days_of_cover_from_a_hand_computed_ledger(flour: Ledger) -> None:
    commander = User.objects.get(username="district-commander")
    d01 = Node.objects.get(code="d01")
    report = selectors.cover_report(user=commander, node_id=d01.pk, history_days=3)
    row = _row(report, "FLOUR")
    # History [30, 40, 50] is a straight line: level 50, trend 10; the next 7 days average
    # 50 + 10·4 = 90 a day. Available now: 1000 − 120 − 20 (today) = 860.
    assert row.history == [30, 40, 50]
    assert row.available == 860
    assert row.rate == pytest.approx(90)
    assert row.days == pytest.approx(860 / 90)
    # Normal level: daily necessities 7 days → 630 needed, no gap.
    assert report.level.level.code == "normal"
    assert (row.target_days, row.required, row.gap) == (7, 630, 0)
    suggested = {r.item.code for r in selectors.reorder_suggestions(report=report)}
    assert "FLOUR" not in suggested and {"RICE", "OIL", "WATER"} <= suggested  # per-head norms


def test_the_highest_level_among_node_and_ancestors_sets_the_target(flour: Ledger) -> None:
    d01 = Node.objects.get(code="d01")
    city = Node.objects.get(code="city")
    services.level_declare(actor=flour.admin, node_id=d01.pk, level_code="level1")
    services.level_declare(actor=flour.admin, node_id=city.pk, level_code="peak")
    commander = User.objects.get(username="district-commander")
    report = selectors.cover_report(user=commander, node_id=d01.pk, history_days=3)
    assert report.level.level.code == "peak"
    row = _row(report, "FLOUR")
    assert (row.target_days, row.required, row.gap) == (30, 2700, 2700 - 860)
    assert "FLOUR" in {r.item.code for r in selectors.reorder_suggestions(report=report)}
    # The city steps down: the district's own level I (daily necessities 14 days) holds.
    services.level_declare(actor=flour.admin, node_id=city.pk, level_code="normal")
    report = selectors.cover_report(user=commander, node_id=d01.pk, history_days=3)
    assert report.level.level.code == "level1"
    assert _row(report, "FLOUR").required == 14 * 90


def test_per_head_norms_raise_the_rate_and_testing_rounds_follow_population(
    ledger: Ledger,
) -> None:
    d01 = Node.objects.get(code="d01")
    population = selectors.subtree_population(node=d01)
    communities = Node.objects.filter(code__startswith="d01-", kind="community")
    assert population == sum(c.population for c in communities) > 0
    ledger.receive("depot-d01", "SWAB", 5000)
    ledger.receive("depot-d01", "TEST-PCR", 100_000)
    report = selectors.cover_report(user=ledger.admin, node_id=d01.pk)
    swab = next(t for t in report.testing if t.item.code == "SWAB")
    per_round = math.ceil(population * 100 / 1000)
    assert (swab.per_round, swab.rounds) == (per_round, 5000 // per_round)
    # Gowns and KN95 masks for the samplers are not stocked: zero rounds overall.
    assert report.testing_rounds == 0
    rice = _row(report, "RICE")  # no stock, no issues, but 0.4 kg a head a day
    norm = PopulationNorm.objects.get(item__code="RICE")
    assert rice.per_head_rate == pytest.approx(float(norm.per_thousand) * population / 1000)
    assert rice.days == 0 and rice.gap == math.ceil(7 * rice.per_head_rate - 1e-9)


def test_declaring_a_level_is_for_commanders_over_the_node(demo: object) -> None:
    d01 = Node.objects.get(code="d01")
    d02 = Node.objects.get(code="d02")
    commander = User.objects.get(username="district-commander")
    approver = User.objects.get(username="district-approver")
    with pytest.raises(NotFound):
        services.level_declare(actor=commander, node_id=d02.pk, level_code="level1")
    with pytest.raises(Forbidden):
        services.level_declare(actor=approver, node_id=d01.pk, level_code="level1")
    with pytest.raises(Invalid) as bad:
        services.level_declare(actor=commander, node_id=d01.pk, level_code="nope")
    assert bad.value.errors[0].field == "level"
    first = services.level_declare(
        actor=commander, node_id=d01.pk, level_code="level2", idempotency_key="k1"
    )
    again = services.level_declare(
        actor=commander, node_id=d01.pk, level_code="level2", idempotency_key="k1"
    )
    assert first.pk == again.pk
    assert selectors.level_in_force(node=d01).level.code == "level2"
    assert selectors.level_in_force(node=d02).level.code == "normal"


def test_the_forecast_command_prints_the_backtest(flour: Ledger) -> None:
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("readiness_forecast", "--node", "d01", "--history", "3", stdout=out)
    line = next(x for x in out.getvalue().splitlines() if x.startswith("FLOUR"))
    assert "holt" in line and "90.00" in line
