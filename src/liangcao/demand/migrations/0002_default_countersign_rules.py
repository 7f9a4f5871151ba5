"""The default countersign rules of architecture.md (editable in the admin afterwards)."""

from django.db import migrations

DEFAULTS = [
    ("district", "tier1", [], None, "Tier-1 protective supplies are countersigned by the district"),
    (
        "district",
        "",
        ["hospital", "fangcang"],
        None,
        "Hospital and fangcang lists are countersigned by the district",
    ),
    ("city", "", [], 10000, "Lines above 10,000 units are countersigned by the city"),
]


def add_rules(apps, schema_editor):  # type: ignore[no-untyped-def]
    rule = apps.get_model("demand", "CountersignRule")
    for level, category, kinds, above, text in DEFAULTS:
        rule.objects.create(
            level=level,
            category=category,
            site_kinds=kinds,
            min_line_quantity=above,
            description=text,
        )


def remove_rules(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("demand", "CountersignRule").objects.filter(
        description__in=[d[-1] for d in DEFAULTS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("demand", "0001_initial")]
    operations = [migrations.RunPython(add_rules, remove_rules)]
