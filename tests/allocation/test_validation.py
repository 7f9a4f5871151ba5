"""Bad instances are refused with every problem named (field and id); nothing is written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from liangcao.allocation.engine import InstanceError, solve_json

GOOD: dict[str, Any] = {
    "supplies": [{"source": "s", "item": "i", "qty": 5}],
    "demands": [{"id": "d", "point": "p", "region": ["c", "r"], "item": "i", "qty": 3, "class": 1}],
    "costs": [{"source": "s", "point": "p", "cost": 1.0}],
}


def problems(data: dict[str, Any]) -> set[tuple[str, str | None]]:
    with pytest.raises(InstanceError) as caught:
        solve_json(data)
    return {(p.field, p.id) for p in caught.value.problems}


def test_negative_and_fractional_quantities() -> None:
    bad = json.loads(json.dumps(GOOD))
    bad["supplies"][0]["qty"] = -1
    bad["demands"][0]["qty"] = 2.5
    assert problems(bad) == {("supplies.qty", "s/i"), ("demands.qty", "d")}


def test_a_source_without_supply_in_costs_gives_nothing() -> None:
    """A depot that ran out stays in the road matrix: it is not an error, it gives nothing."""
    data = json.loads(json.dumps(GOOD))
    data["costs"].append({"source": "empty-depot", "point": "p", "cost": 0})
    result = solve_json(data)
    assert {a["source"] for a in result["allocations"]} == {"s"}
    assert sum(a["qty"] for a in result["allocations"]) == 3


def test_a_cost_row_needs_a_source() -> None:
    bad = json.loads(json.dumps(GOOD))
    bad["costs"].append({"source": "", "point": "p", "cost": 1})
    assert problems(bad) == {("costs.source", "->p")}


def test_duplicate_ids_and_supplies() -> None:
    bad = json.loads(json.dumps(GOOD))
    bad["demands"].append(dict(bad["demands"][0]))
    bad["supplies"].append(dict(bad["supplies"][0]))
    assert problems(bad) == {("demands.id", "d"), ("supplies", "s/i")}


def test_class_zero_and_bad_policy() -> None:
    bad = json.loads(json.dumps(GOOD))
    bad["demands"][0]["class"] = 0
    bad["policy"] = {"name": "loudest_first", "region_floor": 1.5}
    assert problems(bad) == {
        ("demands.class", "d"),
        ("policy.name", None),
        ("policy.region_floor", None),
    }


def test_cli_writes_nothing_for_a_bad_instance(tmp_path: Path) -> None:
    bad = json.loads(json.dumps(GOOD))
    bad["demands"][0]["class"] = 0
    source, out = tmp_path / "in.json", tmp_path / "out.json"
    source.write_text(json.dumps(bad))
    done = subprocess.run(
        [sys.executable, "-m", "liangcao.allocation", "solve", str(source), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "demands.class [d]" in done.stderr
    assert not out.exists()


def test_cli_solves_and_generates(tmp_path: Path) -> None:
    instance = tmp_path / "gen.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "liangcao.allocation",
            "generate",
            "--points",
            "20",
            "--items",
            "2",
            "--sources",
            "3",
            "--scarcity",
            "0.5",
            "--seed",
            "4",
            "--sparse",
            "2",
            "--out",
            str(instance),
        ],
        check=True,
    )
    done = subprocess.run(
        [sys.executable, "-m", "liangcao.allocation", "solve", str(instance), "--policy", "fcfs"],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(done.stdout)
    assert result["policy"] == "fcfs"
    assert len(result["lines"]) == len(json.loads(instance.read_text())["demands"])
