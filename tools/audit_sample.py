"""Draw the seeded audit sample: 40 coded rows checked by hand against their pages (issue 13, item 6).

The ids of every row of the five coded tables (events, casualties, statements, control, tallies) are
pooled and sorted, so the draw does not depend on file order; 40 are drawn uniformly without
replacement with numpy's default_rng(20261130) and printed, one per line, with their table.

Usage: python tools/audit_sample.py [--raw data/raw] [--n 40] [--seed 20261130]
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

TABLES = ("events", "casualties", "statements", "control", "tallies")


def pooled_ids(raw: Path) -> list[tuple[str, str]]:
    """(id, table) for every row of the coded tables, sorted by id; the id is the first column."""
    rows = []
    for table in TABLES:
        with open(raw / f"{table}.csv", newline="", encoding="utf-8") as f:
            rows += [(row[0], table) for row in csv.reader(f) if row][1:]
    return sorted(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--raw", type=Path, default=Path(__file__).resolve().parents[1] / "data" / "raw")
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--seed", type=int, default=20261130)
    args = ap.parse_args()
    ids = pooled_ids(args.raw)
    picks = np.random.default_rng(args.seed).choice(len(ids), size=args.n, replace=False)
    for i in sorted(picks):
        print(*ids[i], sep="\t")


if __name__ == "__main__":
    main()
