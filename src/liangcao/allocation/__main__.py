"""`python -m liangcao.allocation solve INSTANCE.json [--policy NAME] [--out RESULT.json]`
and `python -m liangcao.allocation generate --points P --items I --sources S --scarcity R
--seed N [--sparse K] [--out FILE]`. No Django."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from liangcao.allocation.engine import InstanceError, solve_json
from liangcao.allocation.engine.generate import generate
from liangcao.allocation.engine.model import POLICIES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m liangcao.allocation")
    sub = parser.add_subparsers(dest="command", required=True)
    solve = sub.add_parser("solve", help="solve an instance (allocation-format.md)")
    solve.add_argument("instance", type=Path)
    solve.add_argument("--policy", choices=POLICIES)
    solve.add_argument("--out", type=Path)
    gen = sub.add_parser("generate", help="write a random instance")
    gen.add_argument("--points", type=int, required=True)
    gen.add_argument("--items", type=int, required=True)
    gen.add_argument("--sources", type=int, required=True)
    gen.add_argument("--scarcity", type=float, required=True)
    gen.add_argument("--seed", type=int, default=1)
    gen.add_argument("--density", type=float, default=0.4)
    gen.add_argument("--sparse", type=int)
    gen.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    if args.command == "generate":
        data = generate(
            points=args.points,
            items=args.items,
            sources=args.sources,
            scarcity=args.scarcity,
            seed=args.seed,
            density=args.density,
            sparse=args.sparse,
        )
        return _write(data, args.out)
    try:
        data = json.loads(args.instance.read_text())
    except (OSError, ValueError) as exc:
        print(f"error: cannot read {args.instance}: {exc}", file=sys.stderr)
        return 2
    try:
        result = solve_json(data, policy=args.policy)
    except InstanceError as exc:
        for p in exc.problems:
            print(f"error: {p.field} [{p.id}]: {p.message}", file=sys.stderr)
        return 1
    return _write(result, args.out)


def _write(data: object, out: Path | None) -> int:
    text = json.dumps(data, ensure_ascii=False, indent=None)
    if out is None:
        sys.stdout.write(text + "\n")
    else:
        out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
