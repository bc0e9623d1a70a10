"""analysis.testdata.synth: a deterministic, realistically messy raw folder in the raw CSV layout."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from analysis.clean.pipeline import clean
from analysis.registry.schema import RAW_TABLES
from analysis.testdata.synth import synth

ROWS = 1500


@pytest.fixture(scope="module")
def synth_raw(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    synth(ROWS, out, seed=7)
    return out


def test_same_seed_same_bytes_other_seed_other_bytes(synth_raw, tmp_path):
    synth(ROWS, tmp_path / "again", seed=7)
    synth(ROWS, tmp_path / "other", seed=8)
    for t in RAW_TABLES:
        assert (tmp_path / "again" / f"{t.name}.csv").read_bytes() == (synth_raw / f"{t.name}.csv").read_bytes(), t.name
    assert (tmp_path / "other" / "events.csv").read_bytes() != (synth_raw / "events.csv").read_bytes()


def test_raw_layout_and_sizes(synth_raw):
    sizes = {"events": ROWS, "casualties": ROWS // 3, "statements": ROWS // 20, "control": ROWS // 50,
             "tallies": ROWS // 100, "sources": ROWS // 10}
    for t in RAW_TABLES:
        with open(synth_raw / f"{t.name}.csv", encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        assert rows[0] == t.raw_columns, t.name
        assert all(len(r) == len(t.raw_columns) for r in rows[1:]), t.name
        if t.name in sizes:
            assert len(rows) - 1 == sizes[t.name], t.name
    assert (synth_raw / "gazetteer.csv").read_bytes() == (Path(__file__).resolve().parents[2] / "data" / "raw" /
                                                    "gazetteer.csv").read_bytes()


def test_mess_is_there(synth_raw):
    text = "".join((synth_raw / f"{name}.csv").read_text(encoding="utf-8") for name in ("events", "casualties"))
    for sample in ("yesterday", "Протягом доби", "вересня", "about 60", "кілька", "on Sunday"):
        assert sample in text or sample.lower() in text.lower(), sample


def test_clean_accounts_for_every_row_with_a_few_rejects(synth_raw, tmp_path):
    summary = clean(synth_raw, tmp_path / "out")
    for t in RAW_TABLES:
        assert summary.read[t.name] == summary.kept[t.name] + summary.rejected[t.name], t.name
    assert summary.rejected["gazetteer"] == 0
    ev = summary.rejected["events"] / summary.read["events"]
    assert 0 < summary.rejected["events"] and ev < 0.05, ev
    assert sum(summary.rejected.values()) < 0.05 * sum(summary.read.values())
