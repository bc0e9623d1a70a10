"""Apply a fix pass's cell corrections to the raw tables, checking each cell's old value first.

A fix pass (docs/data.md, "Audit") re-reads rows on their pages and writes its corrections as a CSV with
the header `table,row_id,column,old,new,reason,url`, one line per changed cell. A correction is applied
only if the cell still holds `old`, so a pass that read a row before someone else changed it cannot
silently overwrite that change: such lines are listed as conflicts and left for a person to decide.
Lines with column `*` (a page not found, a page from another period) are listed, never applied: whether
to withdraw a row is a decision the changelog records (data/CHANGELOG.md), not something a script makes.

Rows keep their order and every other byte of the files (the same csv dialect as tools/merge_batches.py).

Usage: python tools/apply_fixes.py FIXES.csv [FIXES.csv ...] [--dry-run]
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from analysis.registry.schema import RAW_TABLES  # noqa: E402

FIELDS = ("table", "row_id", "column", "old", "new", "reason", "url")


def read_fixes(paths: list[Path]) -> list[dict[str, str]]:
    """Every correction line of the given files, with the file it came from."""
    fixes = []
    for path in paths:
        with open(path, encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            if tuple(reader.fieldnames or ()) != FIELDS:
                sys.exit(f"{path}: header must be {','.join(FIELDS)}, found {','.join(reader.fieldnames or [])}")
            fixes += [{**{k: (v or "") for k, v in r.items()}, "file": path.name} for r in reader]
    return fixes


def apply(raw: Path, fixes: list[dict[str, str]], dry_run: bool) -> tuple[list, list, list]:
    """Applied, conflicting and row-level (`*`) lines; writes the changed tables unless dry_run."""
    tables = {t.name: t for t in RAW_TABLES}
    by_table: dict[str, list[dict[str, str]]] = defaultdict(list)
    for f in fixes:
        by_table[f["table"]].append(f)
    applied, conflicts, row_level = [], [], []
    for name, lines in by_table.items():
        if name not in tables:
            conflicts += [(f, f"no raw table {name!r}") for f in lines]
            continue
        path = raw / f"{name}.csv"
        with open(path, encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            header = list(reader.fieldnames or [])
            rows = list(reader)
        at = {r[header[0]]: r for r in rows}
        changed = False
        for f in lines:
            row = at.get(f["row_id"])
            if f["column"] == "*":
                row_level.append(f)
            elif row is None:
                conflicts.append((f, "no such row"))
            elif f["column"] not in header:
                conflicts.append((f, f"no column {f['column']!r}"))
            elif row[f["column"]] != f["old"]:
                conflicts.append((f, f"cell holds {row[f['column']]!r}"))
            else:
                row[f["column"]] = f["new"]
                applied.append(f)
                changed = True
        if changed and not dry_run:
            with open(path, "w", encoding="utf-8", newline="") as fh:
                w = csv.DictWriter(fh, header, lineterminator="\n")
                w.writeheader()
                w.writerows(rows)
    return applied, conflicts, row_level


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("fixes", type=Path, nargs="+")
    ap.add_argument("--raw", type=Path, default=ROOT / "data" / "raw")
    ap.add_argument("--dry-run", action="store_true")
    args = ap.parse_args()
    applied, conflicts, row_level = apply(args.raw, read_fixes(args.fixes), args.dry_run)
    print(f"{len(applied)} cells {'would be ' if args.dry_run else ''}applied")
    for f, why in conflicts:
        print(f"CONFLICT {f['file']}: {f['table']} {f['row_id']} {f['column']}: {why}; "
              f"fix wanted {f['old']!r} -> {f['new']!r}")
    for f in row_level:
        print(f"ROW {f['file']}: {f['table']} {f['row_id']}: {f['new']} ({f['reason']})")


if __name__ == "__main__":
    main()
