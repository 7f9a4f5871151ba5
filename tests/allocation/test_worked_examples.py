"""Worked examples a commander can check by hand."""

from __future__ import annotations

from typing import Any

from liangcao.allocation.engine import solve_json


def lines(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {ln["demand"]: ln for ln in result["lines"]}


def test_one_depot_three_hospitals_two_communities_at_half_supply() -> None:
    # Demand 1,000 masks, supply 500: hospitals (class 1) ask 200, 100 and 100 = 400 and are
    # met in full; the 100 left are shared by the two communities (class 4) at the same rate.
    instance = {
        "supplies": [{"source": "depot", "item": "N95", "qty": 500}],
        "demands": [
            {
                "id": "h1",
                "point": "hospital-1",
                "region": ["city", "d1"],
                "item": "N95",
                "qty": 200,
                "class": 1,
            },
            {
                "id": "h2",
                "point": "hospital-2",
                "region": ["city", "d1"],
                "item": "N95",
                "qty": 100,
                "class": 1,
            },
            {
                "id": "h3",
                "point": "hospital-3",
                "region": ["city", "d2"],
                "item": "N95",
                "qty": 100,
                "class": 1,
            },
            {
                "id": "c1",
                "point": "community-1",
                "region": ["city", "d1"],
                "item": "N95",
                "qty": 400,
                "class": 4,
            },
            {
                "id": "c2",
                "point": "community-2",
                "region": ["city", "d2"],
                "item": "N95",
                "qty": 200,
                "class": 4,
            },
        ],
    }
    result = solve_json(instance)
    got = lines(result)
    assert [got[h]["allocated"] for h in ("h1", "h2", "h3")] == [200, 100, 100]
    assert {got["c1"]["allocated"], got["c2"]["allocated"]} <= {66, 67, 33, 34}
    assert got["c1"]["allocated"] + got["c2"]["allocated"] == 100
    assert abs(got["c1"]["fill"] - got["c2"]["fill"]) < 0.01  # one shared rate, 1/6
    assert got["h1"]["reason"]["code"] == "met_in_full"
    assert got["c1"]["reason"]["code"] == "supply_exhausted"
    assert abs(got["c1"]["reason"]["level"] - 1 / 6) < 1e-3
    assert "16.7%" in got["c1"]["reason"]["text_en"] and "16.7%" in got["c1"]["reason"]["text_zh"]
    metrics = result["metrics"]
    assert metrics["by_class"]["1"] == {
        "requested": 400,
        "allocated": 400,
        "min_fill": 1.0,
        "unmet": 0,
    }
    assert metrics["unmet_total"] == 500
    # fcfs hands the communities' 100 to the first in line; proportional gives every class one
    # rate, so the class-4 lines both get 1/6 too — but fcfs deprives community 2 entirely.
    fcfs = lines(solve_json(instance, policy="fcfs"))
    assert (fcfs["c1"]["allocated"], fcfs["c2"]["allocated"]) == (100, 0)
    assert (
        solve_json(instance, policy="fcfs")["metrics"]["deprivation_cost"]
        > metrics["deprivation_cost"]
    )


def region_floor_instance(floor: float | None = 0.9) -> dict[str, Any]:
    return {
        "supplies": [
            {"source": "shared", "item": "rice", "qty": 100},
            {"source": "city-own", "item": "rice", "qty": 1000},
        ],
        "demands": [
            {
                "id": "county",
                "point": "clinic",
                "region": ["city", "remote-county"],
                "item": "rice",
                "qty": 100,
                "class": 2,
            },
            {
                "id": "city-a",
                "point": "hospital-a",
                "region": ["city", "urban"],
                "item": "rice",
                "qty": 1000,
                "class": 2,
            },
            {
                "id": "city-b",
                "point": "hospital-b",
                "region": ["city", "urban"],
                "item": "rice",
                "qty": 1000,
                "class": 2,
            },
        ],
        "costs": [
            {"source": "shared", "point": "clinic", "cost": 9.0},
            {"source": "shared", "point": "hospital-a", "cost": 1.0},
            {"source": "city-own", "point": "hospital-b", "cost": 1.0},
        ],
        "policy": {"name": "priority_leximin", "region_floor": floor},
    }


def test_region_floor_keeps_a_remote_county_from_being_left_with_scraps() -> None:
    # The remote county (one clinic, 100) shares the only depot that reaches it with a big city
    # hospital (1,000); the city's other hospital has its own depot. Leximin gives the two that
    # share one rate, 100 / 1,100 — the county gets 9 units. A 0.9 floor guarantees each region
    # 0.9 × A × D_r ÷ D of what the class can reach: 0.9 × 1,100 × 100 ÷ 2,100 = 47.1 units.
    instance = region_floor_instance(floor=None)
    plain = lines(solve_json(instance))
    assert plain["county"]["allocated"] == 9
    floored_result = solve_json(
        {**instance, "policy": {"name": "priority_leximin", "region_floor": 0.9}}
    )
    floored = lines(floored_result)
    assert floored["county"]["allocated"] in (47, 48)
    assert floored["county"]["reason"]["code"] == "region_floor"
    assert floored["city-a"]["allocated"] == 100 - floored["county"]["allocated"]
    assert floored["city-b"]["allocated"] == 1000
    assert floored_result["metrics"]["by_region"]["remote-county"]["allocated"] >= 47


def test_an_unreachable_line_gets_nothing_and_says_why() -> None:
    instance = {
        "supplies": [{"source": "depot", "item": "gowns", "qty": 50}],
        "demands": [
            {
                "id": "cut-off",
                "point": "island",
                "region": ["city", "x"],
                "item": "gowns",
                "qty": 10,
                "class": 1,
            },
            {
                "id": "served",
                "point": "clinic",
                "region": ["city", "y"],
                "item": "gowns",
                "qty": 10,
                "class": 2,
            },
        ],
        "costs": [{"source": "depot", "point": "clinic", "cost": 3.0}],
    }
    got = lines(solve_json(instance))
    assert got["cut-off"]["allocated"] == 0
    assert got["cut-off"]["reason"]["code"] == "unreachable"
    assert got["served"]["allocated"] == 10
    assert "island" in got["cut-off"]["reason"]["text_zh"]


def test_a_line_asking_for_nothing_is_met() -> None:
    got = lines(
        solve_json(
            {
                "supplies": [],
                "demands": [
                    {"id": "z", "point": "p", "region": [], "item": "x", "qty": 0, "class": 1}
                ],
            }
        )
    )
    assert got["z"]["fill"] == 1.0 and got["z"]["reason"]["code"] == "met_in_full"


def test_only_the_region_whose_floor_binds_is_explained_by_it() -> None:
    instance = region_floor_instance()
    got = lines(solve_json(instance))
    assert got["county"]["reason"]["code"] == "region_floor"
    assert got["city-a"]["reason"]["code"] == "supply_exhausted"
