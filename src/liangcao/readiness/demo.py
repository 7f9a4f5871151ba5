"""Demo data for readiness: population norms and the demo city's 2-hour switch playbook.
Called by scenarios.demo inside its transaction (the levels and targets come from migration
0002)."""

from __future__ import annotations

from decimal import Decimal

from liangcao.catalog.models import Item
from liangcao.orgs.models import Node, Role
from liangcao.readiness.models import (
    NormKind,
    Playbook,
    PlaybookStep,
    PopulationNorm,
    ResponseLevel,
    StepKind,
)

# Issue units per 1,000 people: per day (necessities) or per round of mass testing
# (10-in-1 pooled sampling: one swab and one reagent dose per 10 people, and PPE for samplers).
NORMS = [
    ("RICE", NormKind.PER_HEAD_DAY, "400"),
    ("OIL", NormKind.PER_HEAD_DAY, "25"),
    ("WATER", NormKind.PER_HEAD_DAY, "500"),
    ("SWAB", NormKind.TESTING_ROUND, "100"),
    ("TEST-PCR", NormKind.TESTING_ROUND, "100"),
    ("GOWN-PROT", NormKind.TESTING_ROUND, "2"),
    ("MASK-KN95", NormKind.TESTING_ROUND, "6"),
]

# number, zh, en, kind, owner role, due minutes after start
STEPS = [
    (
        1,
        "发布应急响应，通知各区指挥部",
        "Declare the response, notify district commands",
        StepKind.TASK,
        Role.COMMANDER,
        10,
    ),
    (
        2,
        "储备库进入应急值守，核对可用库存",
        "Depots on emergency duty, check available stock",
        StepKind.TASK,
        Role.WAREHOUSE_KEEPER,
        30,
    ),
    (
        3,
        "启动协议储备（企业代储）",
        "Activate contracted reserves (enterprise stores)",
        StepKind.CONTRACTED_RESERVE,
        Role.PROCUREMENT_OFFICER,
        45,
    ),
    (
        4,
        "启动产能储备，下达生产任务",
        "Activate capacity reserves, order production",
        StepKind.CAPACITY_RESERVE,
        Role.PROCUREMENT_OFFICER,
        60,
    ),
    (
        5,
        "调度车辆与司机到位",
        "Vehicles and drivers on standby",
        StepKind.TASK,
        Role.DISPATCHER,
        75,
    ),
    (
        6,
        "审批通道切换为绿色通道",
        "Approvals switch to the fast track",
        StepKind.TASK,
        Role.APPROVER,
        90,
    ),
    (
        7,
        "市场保供监测启动",
        "Market supply monitoring starts",
        StepKind.TASK,
        Role.MARKET_MONITOR,
        100,
    ),
    (8, "指挥部确认切换完成", "Command confirms the switch", StepKind.TASK, Role.COMMANDER, 120),
]


def readiness_demo_load(*, city: Node) -> None:
    items = dict(Item.objects.filter(code__in=[c for c, _, _ in NORMS]).values_list("code", "pk"))
    PopulationNorm.objects.bulk_create(
        [
            PopulationNorm(item_id=items[code], kind=kind, per_thousand=Decimal(q))
            for code, kind, q in NORMS
            if code in items
        ]
    )
    level = (
        ResponseLevel.objects.filter(code="level1").first()
        or ResponseLevel.objects.order_by("-rank").first()
    )
    if level is None:
        return
    playbook = Playbook.objects.create(
        code="city-switch",
        name_zh="平急转换（两小时）",
        name_en="Peace-to-emergency switch (2 hours)",
        node=city,
        target_level=level,
        duration_minutes=120,
    )
    PlaybookStep.objects.bulk_create(
        [
            PlaybookStep(
                playbook=playbook,
                number=n,
                title_zh=zh,
                title_en=en,
                kind=kind,
                owner_role=role,
                due_minutes=due,
            )
            for n, zh, en, kind, role, due in STEPS
        ]
    )
