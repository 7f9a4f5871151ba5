#!/usr/bin/env python3
"""Verify Liangcao's published lists (no dependencies beyond Python 3.8+).

Download a day's `manifest.json` and its `.csv` files from the portal into one folder, then:

    python3 verify_publication.py DAY_FOLDER [NEXT_DAY_FOLDER ...]

It recomputes every row hash, every file digest and the day's digest (the rules are on the
portal's "Verify" page and in the manifest's "version"), says which file and row does not
match, and, given several days in order, checks each names the previous day's digest.
Exit status 0 when everything matches, 1 otherwise.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

VERSION = "liangcao-publication-v1"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_day(folder: Path) -> tuple[list[str], dict]:
    problems: list[str] = []
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    if manifest.get("version") != VERSION:
        return [f"{folder}: unknown version {manifest.get('version')!r}"], manifest
    summary = []
    for entry in manifest["files"]:
        name = entry["name"]
        path = folder / name
        if not path.exists():
            problems.append(f"{name}: missing from {folder}")
            continue
        lines = path.read_bytes().decode("utf-8").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        hashes = [sha256(f"{name}|{i}|{line}") for i, line in enumerate(lines)]
        published = entry["row_hashes"]
        for i in range(max(len(hashes), len(published))):
            mine = hashes[i] if i < len(hashes) else None
            theirs = published[i] if i < len(published) else None
            if mine != theirs:
                what = "header" if i == 0 else f"row {i}"
                if mine is None:
                    problems.append(f"{name} {what}: missing (the file is shorter)")
                elif theirs is None:
                    problems.append(f"{name} {what}: not published (extra line): {lines[i]}")
                else:
                    problems.append(f"{name} {what} (line {i + 1}) does not match: {lines[i]}")
        digest = sha256("\n".join(published))
        if digest != entry["digest"] or len(published) - 1 != entry["rows"]:
            problems.append(f"{name}: the manifest's digest does not match its row hashes")
        summary.append((name, entry["rows"], entry["digest"]))
    parts = [
        VERSION,
        manifest["day"],
        manifest["previous_digest"],
        manifest["ledger_seal"],
        str(manifest["ledger_balances"]),
    ]
    parts += [f"{n}|{r}|{d}" for n, r, d in sorted(summary)]
    if sha256("\n".join(parts)) != manifest["digest"]:
        problems.append(f"{folder}: the day's digest does not match the manifest")
    return problems, manifest


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    problems: list[str] = []
    previous = None
    for arg in argv:
        found, manifest = check_day(Path(arg))
        problems += found
        if previous is not None and manifest.get("previous_digest") != previous:
            problems.append(f"{arg}: does not chain to the previous day's digest")
        previous = manifest.get("digest")
        if not found:
            print(f"OK {manifest.get('day')} digest {manifest.get('digest')}")
    for problem in problems:
        print("MISMATCH", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
