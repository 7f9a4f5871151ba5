"""`python -m liangcao.logistics.routing solve FILE [--seconds N] [--seed S] [--iterations I]
[--workers W]`

Reads a CVRPLIB `.vrp` or Solomon `.txt` file, solves it with PyVRP and prints the routes, then
`cost=<number>` as the last line in the instance set's convention. `baseline FILE` prints the
nearest-neighbour construction the same way. `--workers W` solves with seeds S … S+W−1 in
parallel processes and keeps the best (same wall time on a machine with W cores). No Django."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from liangcao.logistics.routing.baseline import nearest_neighbour
from liangcao.logistics.routing.problem import ProblemError, Solution, format_cost
from liangcao.logistics.routing.solver import solve_portfolio
from liangcao.logistics.routing.vrplib_io import read


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m liangcao.logistics.routing")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("solve", help="solve a VRPLIB (.vrp) or Solomon (.txt) file")
    run.add_argument("file", type=Path)
    run.add_argument("--seconds", type=float, default=10.0)
    run.add_argument("--seed", type=int, default=1)
    run.add_argument("--iterations", type=int, help="also stop after this many iterations")
    run.add_argument(
        "--workers", type=int, default=1, help="seeds solved in parallel; the best is kept"
    )
    base = sub.add_parser("baseline", help="nearest-neighbour construction of a file")
    base.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    try:
        problem = read(args.file)
    except (OSError, ValueError, KeyError) as exc:
        print(f"error: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    try:
        if args.command == "baseline":
            solution = nearest_neighbour(problem)
        else:
            solution = solve_portfolio(
                problem,
                seconds=args.seconds,
                seeds=[args.seed + k for k in range(max(1, args.workers))],
                iterations=args.iterations,
            )
    except ProblemError as exc:
        for f, m in exc.problems:
            print(f"error: {f}: {m}", file=sys.stderr)
        return 1
    _print(solution, problem.scale)
    return 0


def _print(solution: Solution, scale: int) -> None:
    for k, route in enumerate(solution.routes, start=1):
        print(f"Route #{k}: {' '.join(str(s) for s in route.stops)}")
    print(f"vehicles={len(solution.routes)} feasible={str(solution.feasible).lower()}")
    print(f"cost={format_cost(solution.cost, scale)}")


if __name__ == "__main__":
    sys.exit(main())
