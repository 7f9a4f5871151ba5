"""docs/ARCHITECTURE.md and docs/glossary.md tell the truth about the code.

The app table in ARCHITECTURE.md is the import contract: each app may import only the apps in
its "may import" column (plus `web.pages` from its HTML views). The glossary names every model.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "liangcao"
PURE = ("allocation/engine", "allocation/__main__.py", "allocation/__init__.py")


def app_table() -> dict[str, set[str]]:
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    table: dict[str, set[str]] = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and re.fullmatch(r"[a-z_]+", cells[0]) and cells[0] != "app":
            allowed = cells[2]
            table[cells[0]] = (
                {"*"}
                if allowed == "*"
                else {a.strip() for a in allowed.split(",") if a.strip() not in {"—", "-", ""}}
            )
    return table


def packages() -> set[str]:
    return {p.parent.name for p in SRC.glob("*/__init__.py")}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return found


def test_every_app_is_on_the_map() -> None:
    assert packages() - set(app_table()) == set(), "add the new app's row to docs/ARCHITECTURE.md"


def test_apps_import_only_what_the_map_allows() -> None:
    table = app_table()
    violations: list[str] = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC)
        app = rel.parts[0]
        if app not in table or "*" in table[app] or "migrations" in rel.parts:
            continue
        for module in imports_of(path):
            if not module.startswith("liangcao."):
                continue
            target = module.split(".")[1]
            if target in {app, "manage"} or target in table[app]:
                continue
            if module.startswith("liangcao.web.pages") and path.name == "views.py":
                continue
            violations.append(f"{rel}: imports {module}")
    assert violations == []


def test_the_pure_solver_imports_no_django() -> None:
    offenders = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        if not rel.startswith(PURE):
            continue
        for module in imports_of(path):
            if module.startswith("django") or (
                module.startswith("liangcao.") and not module.startswith("liangcao.allocation")
            ):
                offenders.append(f"{rel}: {module}")
    assert offenders == []


def test_glossary_names_every_model_and_nothing_that_does_not_exist() -> None:
    text = (ROOT / "docs" / "glossary.md").read_text()
    ours = {
        f"{m._meta.app_label}.{m.__name__}"
        for m in apps.get_models()
        if m.__module__.startswith("liangcao.")
    }
    missing = sorted(m for m in ours if f"`{m}`" not in text and f"`{m} " not in text)
    assert missing == [], "add these models to docs/glossary.md"
    labels = {name.split(".")[0] for name in ours}
    for label, name in re.findall(r"`([a-z_]+)\.([A-Za-z_]+)", text):
        if label not in labels:
            continue
        module = importlib.import_module(f"liangcao.{label}.models")
        assert f"{label}.{name}" in ours or hasattr(module, name), f"{label}.{name} does not exist"


def test_the_admin_knows_every_model() -> None:
    from django.contrib import admin

    ours = {m for m in apps.get_models() if m.__module__.startswith("liangcao.")}
    shown = set(admin.site._registry)
    for model_admin in admin.site._registry.values():
        shown |= {inline.model for inline in model_admin.inlines}
    missing = sorted(m.__name__ for m in ours if m not in shown)
    assert missing == [], "register these models in their app's admin.py"


def test_the_routing_solver_imports_no_django() -> None:
    """`logistics/routing/` (solver, VRPLIB reader, CLI) is pure: no Django, no other app."""
    offenders = []
    for path in (SRC / "logistics" / "routing").rglob("*.py"):
        for module in imports_of(path):
            if module.startswith("django") or (
                module.startswith("liangcao.")
                and not module.startswith("liangcao.logistics.routing")
            ):
                offenders.append(f"{path.relative_to(SRC)}: {module}")
    assert offenders == []
