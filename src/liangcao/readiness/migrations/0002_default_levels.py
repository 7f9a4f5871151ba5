"""Default response levels and days-of-cover targets (editable in the admin).

Tier 1 is kept 14–20 days (14 in peace, 20 at level I), tier 2 7–10 days, tier 3 on demand
(0 = no standing target), and the peak reserve holds 30 days of everything stocked.
"""

from django.db import migrations

LEVELS = [
    # code, zh, en, rank, emergency, {category: days}
    (
        "normal",
        "常态",
        "Normal",
        0,
        False,
        {"tier1": 14, "tier2": 7, "tier3": 0, "daily": 7, "medicine": 14, "equipment": 0},
    ),
    (
        "level4",
        "四级响应",
        "Level IV response",
        1,
        True,
        {"tier1": 14, "tier2": 7, "tier3": 0, "daily": 10, "medicine": 14, "equipment": 0},
    ),
    (
        "level3",
        "三级响应",
        "Level III response",
        2,
        True,
        {"tier1": 16, "tier2": 8, "tier3": 0, "daily": 10, "medicine": 20, "equipment": 0},
    ),
    (
        "level2",
        "二级响应",
        "Level II response",
        3,
        True,
        {"tier1": 18, "tier2": 9, "tier3": 0, "daily": 14, "medicine": 20, "equipment": 0},
    ),
    (
        "level1",
        "一级响应",
        "Level I response",
        4,
        True,
        {"tier1": 20, "tier2": 10, "tier3": 0, "daily": 14, "medicine": 30, "equipment": 0},
    ),
    (
        "peak",
        "峰值储备",
        "Peak reserve",
        5,
        True,
        {"tier1": 30, "tier2": 30, "tier3": 0, "daily": 30, "medicine": 30, "equipment": 0},
    ),
]


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    ResponseLevel = apps.get_model("readiness", "ResponseLevel")
    CoverTarget = apps.get_model("readiness", "CoverTarget")
    for code, zh, en, rank, emergency, targets in LEVELS:
        level, _ = ResponseLevel.objects.get_or_create(
            code=code,
            defaults={"name_zh": zh, "name_en": en, "rank": rank, "is_emergency": emergency},
        )
        for category, days in targets.items():
            CoverTarget.objects.get_or_create(
                level=level, category=category, defaults={"days": days}
            )


def unseed(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("readiness", "ResponseLevel").objects.filter(
        code__in=[c for c, *_ in LEVELS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("readiness", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
