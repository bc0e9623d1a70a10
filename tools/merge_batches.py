"""Merge coders' batches (data/raw/_incoming/<batch>/<table>.csv) into the raw tables.

Rows are appended in batch order; a source coded by two coders (same source_id) is kept once.
Gazetteer candidates are not merged automatically: their spellings go into
data/gazetteer/curated.csv by hand, after a look at which GeoNames place they are.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from analysis.registry.schema import RAW_TABLES  # noqa: E402


def main(batches: list[str]) -> None:
    incoming = ROOT / "data/raw/_incoming"
    for t in RAW_TABLES:
        if t.name == "gazetteer":
            continue
        out = ROOT / "data/raw" / f"{t.name}.csv"
        rows, seen = [], set()
        if out.exists():
            rows = list(csv.DictReader(open(out, encoding="utf-8")))
            seen = {r[t.key] for r in rows}
        for b in batches:
            path = incoming / b / f"{t.name}.csv"
            if not path.exists():
                continue
            for r in csv.DictReader(open(path, encoding="utf-8")):
                if t.name == "sources" and r["source_id"] in seen:
                    continue
                seen.add(r.get(t.key))
                rows.append({c: (r.get(c) or "").strip() for c in t.raw_columns})
        with open(out, "w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, t.raw_columns, lineterminator="\n", extrasaction="ignore")
            w.writeheader()
            w.writerows(rows)
        print(f"{t.name}: {len(rows)} rows")


if __name__ == "__main__":
    main(sys.argv[1:])
