"""Ids are permanent (docs/codebook.md, section 2): a withdrawn row's id is retired (data/retired_ids.txt) and is
never given to a new row. A new row numbered with a retired id would silently take over the old row's history in
the changelog and in every report that cited it."""

from __future__ import annotations

import csv
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROW_ID = re.compile(r"(?:EV|CA|ST|CL|TA)-[A-Z]\d{4}|LK-\d{4,}")


def retired() -> list[str]:
    text = (ROOT / "data" / "retired_ids.txt").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def raw_ids() -> set[str]:
    ids: set[str] = set()
    for path in (ROOT / "data" / "raw").glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as f:
            rows = csv.reader(f)
            next(rows, None)
            ids |= {r[0] for r in rows if r}
    return ids


def test_the_retired_list_is_well_formed():
    ids = retired()
    assert ids == sorted(set(ids)), "one id per line, sorted, no repeats"
    assert all(ROW_ID.fullmatch(i) for i in ids), [i for i in ids if not ROW_ID.fullmatch(i)]


def test_no_retired_id_is_given_to_a_row_again():
    assert not set(retired()) & raw_ids()
