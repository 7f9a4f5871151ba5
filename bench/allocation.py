"""Allocation benchmark: priority_leximin against the "one LP" baseline on the same instance.

Instance (issue 5): 5,000 points × 20 items × 30 sources, about 40 % of point-item pairs
demanded, supply at 60 % of demand; dense costs, and a sparse variant where each point is
reachable from its 5 nearest sources. Each measurement runs in a fresh process so that its wall
time and peak memory (ru_maxrss, which sees HiGHS's native memory) are its own.

    .venv/bin/python bench/allocation.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

CHILD = textwrap.dedent("""
    import json, resource, sys, time
    from liangcao.allocation.engine import solve_json
    from liangcao.allocation.engine.baseline import one_lp
    data = json.load(open(sys.argv[1]))
    started = time.perf_counter()
    if sys.argv[2] == "one_lp":
        result = one_lp(data)
    else:
        result = solve_json(data, policy=sys.argv[2])
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "metrics": result["metrics"]}))
""")


def measure(path: Path, policy: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), policy], capture_output=True, text=True, check=True
    )
    out: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


def run(label: str, instance: dict[str, object], tmp: Path) -> None:
    path = tmp / f"{label}.json"
    path.write_text(json.dumps(instance))
    lines = len(instance["demands"])  # type: ignore[arg-type]
    print(f"\n## {label}: {lines} demand lines, {len(instance['costs'])} allowed pairs")  # type: ignore[arg-type]
    results = {p: measure(path, p) for p in ("priority_leximin", "one_lp", "proportional", "fcfs")}
    lex, base = results["priority_leximin"], results["one_lp"]
    ratio = float(lex["seconds"]) / float(base["seconds"])  # type: ignore[arg-type]
    print(f"priority_leximin: {lex['seconds']:.2f} s, peak {lex['peak_mb']:.0f} MB")
    print(f"one LP baseline:  {base['seconds']:.2f} s, peak {base['peak_mb']:.0f} MB")
    print(f"ratio leximin / one LP: {ratio:.2f}  (target ≤ 3; leximin target ≤ 30 s, ≤ 4 GB)")
    print(
        f"{'policy':18} {'min fill c1':>11} {'c2':>6} {'c3':>6} {'c4':>6} {'gini':>7} "
        f"{'unmet':>9} {'deprivation':>12} {'seconds':>8}"
    )
    for policy, r in results.items():
        m = r["metrics"]  # type: ignore[index]
        fills = [m["by_class"].get(str(c), {}).get("min_fill", float("nan")) for c in (1, 2, 3, 4)]
        print(
            f"{policy:18} {fills[0]:>11.3f} {fills[1]:>6.3f} {fills[2]:>6.3f} {fills[3]:>6.3f} "
            f"{m['gini_fill']:>7.3f} {m['unmet_total']:>9} {m['deprivation_cost']:>12.1f} "
            f"{float(r['seconds']):>8.2f}"
        )


def main() -> None:
    from liangcao.allocation.engine.generate import generate

    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="500 points × 5 items × 10 sources")
    args = parser.parse_args()
    points, items, sources = (500, 5, 10) if args.quick else (5000, 20, 30)
    with tempfile.TemporaryDirectory() as tmp:
        for label, sparse in (("dense", None), ("sparse-5", 5)):
            instance = generate(
                points=points,
                items=items,
                sources=sources,
                scarcity=0.6,
                seed=2022,
                density=0.4,
                sparse=sparse,
            )
            run(label, instance, Path(tmp))


if __name__ == "__main__":
    main()
