"""Routing benchmark: PyVRP (our solver) on the public instances against their best-known
costs, with a nearest-neighbour construction as the baseline measured in the same run.

Instances: every `.vrp` (CVRPLIB X set) and `.txt` (Solomon VRPTW) file in the bench-data
folder, with best-known costs from its `bks.json`. Costs follow each set's convention
(X: rounded Euclidean; Solomon: DIMACS, distances truncated to one decimal, minimum distance).
Each solve runs in a fresh process (`python -m liangcao.logistics.routing solve`), and the cost
printed there is recomputed here from the printed routes, independently of the solver.

    .venv/bin/python bench/routing.py [--quick] [--seconds N] [--data DIR] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

from liangcao.logistics.routing.baseline import nearest_neighbour
from liangcao.logistics.routing.problem import check, format_cost
from liangcao.logistics.routing.vrplib_io import read

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "bench-data" / "routing"


def solve_in_child(
    path: Path, seconds: float, seed: int, workers: int = 1
) -> tuple[list[list[int]], str, float, float]:
    """Routes, printed cost, wall seconds and the child's CPU seconds (on a loaded machine the
    solver gets less CPU than its wall-clock limit)."""
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "liangcao.logistics.routing",
            "solve",
            str(path),
            "--seconds",
            str(seconds),
            "--seed",
            str(seed),
            "--workers",
            str(workers),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    lines = done.stdout.strip().splitlines()
    routes = [
        [int(s) for s in m.group(1).split()]
        for line in lines
        if (m := re.fullmatch(r"Route #\d+: ?(.*)", line))
    ]
    return routes, lines[-1].removeprefix("cost="), wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="3 s per instance instead of 60")
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="seeds solved in parallel per instance, best kept (default: one per core)",
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    seconds = args.seconds or (3.0 if args.quick else 60.0)
    bks = json.loads((args.data / "bks.json").read_text())
    files = sorted(p for p in args.data.iterdir() if p.suffix in {".vrp", ".txt"})
    print(
        f"# routing bench: PyVRP {seconds:g} s per instance, seeds {args.seed}…"
        f"{args.seed + args.workers - 1} in parallel (best kept); data {args.data}"
    )
    print("# baseline: nearest-neighbour construction (same instance, same cost convention)")
    header = (
        f"{'instance':12} {'n':>4} {'cost':>9} {'bks':>9} {'gap %':>7} {'routes':>6} "
        f"{'ok':>3} {'baseline':>9} {'base ok':>7} {'ours/base':>9} {'wall s':>7} {'cpu s':>6}"
    )
    print(header)
    gaps = []
    for path in files:
        problem = read(path)
        routes, printed, wall, cpu = solve_in_child(path, seconds, args.seed, args.workers)
        checked = check(problem, routes)
        recomputed = format_cost(checked.cost, problem.scale)
        assert recomputed == printed, f"{path.name}: printed {printed}, routes cost {recomputed}"
        base = nearest_neighbour(problem)
        best = float(bks[path.stem])
        cost = checked.cost / problem.scale
        gap = 100.0 * (cost - best) / best
        gaps.append(gap)
        print(
            f"{path.stem:12} {problem.size - 1:>4} {printed:>9} {best:>9g} {gap:>7.2f} "
            f"{len(routes):>6} {'yes' if not checked.violations else 'NO':>3} "
            f"{format_cost(base.cost, problem.scale):>9} {'yes' if base.feasible else 'no':>7} "
            f"{checked.cost / base.cost:>9.3f} {wall:>7.1f} {cpu:>6.1f}"
        )
    mean = sum(gaps) / len(gaps)
    print(f"max gap {max(gaps):.2f} %, mean gap {mean:.2f} %  (target: every gap ≤ 1 %)")
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
