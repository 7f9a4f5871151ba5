"""Reads for readiness, each scoped to the acting user: the level in force at a node, days of
cover per item (available stock over the forecast rate) against the level's targets, reorder
suggestions, mass-testing rounds, switch runs and notifications.

The ledger is read only through `stock.selectors` (balances and consumption by day).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liangcao.catalog.models import Category, Item
from liangcao.core.errors import NotFound
from liangcao.orgs.models import Node, NodeClosure, User
from liangcao.orgs.selectors import Scope, node_get, node_list, scope_for_user
from liangcao.readiness import forecasting
from liangcao.readiness.models import (
    CoverTarget,
    LevelDeclaration,
    NormKind,
    Notification,
    Playbook,
    PopulationNorm,
    ResponseLevel,
    SwitchRun,
)
from liangcao.stock.selectors import balance_list, consumption_by_day

HISTORY_DAYS = 28
HORIZON_DAYS = 7
HOLDOUT_DAYS = 7


def system_reader() -> User:
    """An unsaved reader with the whole city in scope, for background work (the daily report,
    the forecast command): it reads through the scoped selectors, and the caller restricts
    itself to one node. It is never saved and can sign in nowhere."""
    reader = User(username="system-reader", is_superuser=True, is_active=True)
    reader._liangcao_scope = Scope(True, frozenset(), frozenset(), frozenset())  # type: ignore[attr-defined]
    return reader


def level_normal() -> ResponseLevel:
    """The lowest-ranked level (normal, peace time)."""
    level = ResponseLevel.objects.order_by("rank").first()
    if level is None:
        raise NotFound(_("No response levels are configured"))
    return level


@dataclass(frozen=True)
class LevelInForce:
    level: ResponseLevel
    declaration: LevelDeclaration | None  # None: nothing declared, the normal level holds


def current_declarations(*, node_ids: list[int]) -> dict[int, LevelDeclaration]:
    """The latest declaration at each of the nodes that has one."""
    latest: dict[int, LevelDeclaration] = {}
    for d in (
        LevelDeclaration.objects.filter(node_id__in=node_ids)
        .select_related("level", "node")
        .order_by("node_id", "-declared_at", "-id")
    ):
        latest.setdefault(d.node_id, d)
    return latest


def level_in_force(*, node: Node) -> LevelInForce:
    """The highest-ranked current level among the node and its ancestors (a city-wide level
    reaches every district; a district may be raised above the city)."""
    ancestors = list(
        NodeClosure.objects.filter(descendant_id=node.pk).values_list("ancestor_id", flat=True)
    )
    found = current_declarations(node_ids=ancestors)
    if not found:
        return LevelInForce(level_normal(), None)
    best = max(found.values(), key=lambda d: (d.level.rank, d.declared_at))
    return LevelInForce(best.level, best)


def level_list() -> QuerySet[ResponseLevel]:
    """Every configured level with its targets (reference data, city-wide)."""
    return ResponseLevel.objects.prefetch_related("targets").order_by("rank")


def declaration_list(*, user: User) -> QuerySet[LevelDeclaration]:
    """Declarations at nodes the user may see, newest first."""
    scope = scope_for_user(user)
    qs = LevelDeclaration.objects.select_related("node", "level", "declared_by")
    if not scope.everything:
        qs = qs.filter(node_id__in=scope.descendant_ids())
    return qs.order_by("-declared_at", "-id")


def default_node(*, user: User) -> Node | None:
    """The top node the user may see (their membership node), or None for site-only users."""
    return node_list(user=user).first()


def subtree_population(*, node: Node) -> int:
    """A node's population: its own figure when set, otherwise the sum over its children by the
    same rule (communities carry the figure in the demo city; districts leave it at zero)."""
    ids = NodeClosure.objects.filter(ancestor_id=node.pk).values("descendant_id")
    rows = list(Node.objects.filter(id__in=ids).values_list("id", "parent_id", "population"))
    children: dict[int, list[int]] = defaultdict(list)
    own: dict[int, int] = {}
    for pk, parent, population in rows:
        own[pk] = int(population)
        if parent is not None:
            children[parent].append(pk)

    def total(pk: int) -> int:
        if own[pk] > 0:
            return own[pk]
        return sum(total(c) for c in children.get(pk, []))

    return total(node.pk)


@dataclass(frozen=True)
class CoverRow:
    item: Item
    available: int
    history: list[float]
    fit: forecasting.Fit
    rate: float  # forecast issue units per day
    per_head_rate: float  # norm for the population, units per day (0 without a norm)
    mae: float | None
    mape: float | None
    days: float | None  # days of cover at the larger of the two rates; None = nothing used
    target_days: int  # 0 = on demand
    required: int  # target days × rate, rounded up
    gap: int  # required − available when positive, else 0

    @property
    def below_target(self) -> bool:
        return self.gap > 0


@dataclass(frozen=True)
class TestingRow:
    item: Item
    available: int
    per_round: int
    rounds: int


@dataclass
class CoverReport:
    node: Node
    as_of: date
    level: LevelInForce
    population: int
    rows: list[CoverRow] = field(default_factory=list)
    testing: list[TestingRow] = field(default_factory=list)

    @property
    def testing_rounds(self) -> int | None:
        """Rounds of mass testing the stock is enough for (the scarcest item decides)."""
        return min((t.rounds for t in self.testing), default=None)

    def by_category(self) -> dict[str, tuple[int, int]]:
        """Per category: (items below target, items with a target)."""
        out: dict[str, tuple[int, int]] = {}
        for r in self.rows:
            if r.target_days:
                below, total = out.get(r.item.category, (0, 0))
                out[r.item.category] = (below + int(r.below_target), total + 1)
        return out


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def cover_report(
    *,
    user: User,
    node_id: int,
    as_of: date | None = None,
    history_days: int = HISTORY_DAYS,
    horizon: int = HORIZON_DAYS,
    holdout: int = HOLDOUT_DAYS,
    category: str | None = None,
) -> CoverReport:
    """Days of cover per item for a node's subtree on `as_of` (default today): stock available
    now in its stores, the consumption of the `history_days` before `as_of` (the day itself
    excluded: it is not over), the Holt forecast and its backtest, the target of the level in
    force and the gap. Raises NotFound for a node outside the scope."""
    node = node_get(user=user, node_id=node_id)
    as_of = as_of or timezone.localdate()
    level = level_in_force(node=node)
    population = subtree_population(node=node)
    targets = dict(CoverTarget.objects.filter(level=level.level).values_list("category", "days"))
    norms: dict[tuple[int, str], Decimal] = {
        (n.item_id, n.kind): n.per_thousand for n in PopulationNorm.objects.all()
    }
    available: dict[int, int] = defaultdict(int)
    for row in balance_list(user=user, node_id=node.pk, category=category):
        available[int(row["item_id"])] += int(row["available"])  # type: ignore[call-overload]
    first = as_of - timedelta(days=history_days)
    used: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    for _site, item_id, day, qty in consumption_by_day(
        user=user, node_id=node.pk, since=_day_start(first), until=_day_start(as_of)
    ):
        used[item_id][day.toordinal()] += qty
    items = Item.objects.filter(is_active=True)
    if category:
        items = items.filter(category=category)
    report = CoverReport(node=node, as_of=as_of, level=level, population=population)
    for item in items.order_by("category", "code"):
        have = available.get(item.pk, 0)
        series = forecasting.daily_series(
            used.get(item.pk, {}), first.toordinal(), as_of.toordinal() - 1
        )
        has_use = any(series)
        per_head = norms.get((item.pk, NormKind.PER_HEAD_DAY))
        per_head_rate = float(per_head) * population / 1000 if per_head else 0.0
        if not (have or has_use or per_head_rate):
            continue
        model = forecasting.fit(series) if has_use else forecasting.Fit("none", 0, 0, 0, 0)
        rate = model.rate(horizon)
        test = (
            forecasting.backtest(series, holdout)
            if has_use
            else forecasting.Backtest(holdout, None, None)
        )
        need_rate = max(rate, per_head_rate)
        target = int(targets.get(item.category, 0))
        required = math.ceil(target * need_rate - 1e-9) if target else 0
        report.rows.append(
            CoverRow(
                item=item,
                available=have,
                history=series,
                fit=model,
                rate=rate,
                per_head_rate=per_head_rate,
                mae=test.mae,
                mape=test.mape,
                days=forecasting.days_of_cover(have, need_rate),
                target_days=target,
                required=required,
                gap=max(0, required - have),
            )
        )
    for norm in PopulationNorm.objects.filter(kind=NormKind.TESTING_ROUND).select_related("item"):
        per_round = math.ceil(float(norm.per_thousand) * population / 1000 - 1e-9)
        have = available.get(norm.item_id, 0)
        report.testing.append(
            TestingRow(norm.item, have, per_round, have // per_round if per_round else 0)
        )
    return report


def reorder_suggestions(*, report: CoverReport) -> list[CoverRow]:
    """The rows below their level's target, biggest shortfall in days first."""
    rows = [r for r in report.rows if r.below_target]
    return sorted(rows, key=lambda r: (r.days if r.days is not None else 0.0, r.item.code))


CATEGORY_LABELS = dict(Category.choices)


def switch_run_list(*, user: User) -> QuerySet[SwitchRun]:
    """Switch runs of playbooks at nodes the user may see, newest first."""
    scope = scope_for_user(user)
    qs = SwitchRun.objects.select_related("playbook__node", "playbook__target_level")
    if not scope.everything:
        qs = qs.filter(playbook__node_id__in=scope.descendant_ids())
    return qs.order_by("-started_at", "-id")


def switch_run_get(*, user: User, run_id: int) -> SwitchRun:
    run = switch_run_list(user=user).filter(pk=run_id).first()
    if run is None:
        raise NotFound(_("No such switch run"))
    return run


def notification_list(*, user: User) -> QuerySet[Notification]:
    """The user's own notifications, newest first."""
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


@dataclass(frozen=True)
class TimelineRow:
    step_id: int
    number: int
    title: str
    kind: str
    owner_role: str
    due_at: datetime
    done_at: datetime | None
    done_by: str
    late_minutes: int | None  # positive: late; negative: early; None: not done

    @property
    def on_time(self) -> bool | None:
        return None if self.late_minutes is None else self.late_minutes <= 0


def switch_timeline(*, run: SwitchRun) -> list[TimelineRow]:
    """Each step of a run against its due time (the caller already may see the run)."""
    rows = []
    for s in run.steps.select_related("step", "done_by").order_by("step__number"):
        late = None
        if s.done_at is not None:
            late = math.floor((s.done_at - s.due_at).total_seconds() / 60)
        rows.append(
            TimelineRow(
                step_id=s.pk,
                number=s.step.number,
                title=s.step.title_zh,
                kind=s.step.kind,
                owner_role=s.step.owner_role,
                due_at=s.due_at,
                done_at=s.done_at,
                done_by=s.done_by.username if s.done_by else "",
                late_minutes=late,
            )
        )
    return rows


def playbook_list(*, user: User) -> QuerySet[Playbook]:
    """Playbooks of nodes the user may see."""
    scope = scope_for_user(user)
    qs = Playbook.objects.select_related("node", "target_level").prefetch_related("steps")
    if not scope.everything:
        qs = qs.filter(node_id__in=scope.descendant_ids())
    return qs.order_by("code")
