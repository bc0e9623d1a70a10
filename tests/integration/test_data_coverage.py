"""The shipped dataset meets its targets, cleans without rejects, and docs/data.md states its real coverage."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis import coverage
from analysis.load import load

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
TARGETS = {"events": 300, "casualty reports": 150, "statements": 80, "control claims": 15,
           "distinct sources cited": 80, "distinct days (rows dated to the day)": 60}


def test_targets_are_met(processed: Path):
    figs = coverage.figures(load(processed))
    short = {k: (figs[k], v) for k, v in TARGETS.items() if figs[k] < v}
    assert not short, f"below target (have, want): {short}"


def test_shipped_data_cleans_without_rejects(processed: Path):
    rejects = load(processed)["rejects"]
    assert rejects.empty, rejects[["table", "line", "row_id", "column", "value", "reason"]].head(20).to_string()


def test_every_row_cites_a_source_with_url_and_date(processed: Path):
    t = load(processed)
    src = t["sources"].set_index("source_id")
    assert src["url"].str.match(r"^https?://").all() and src["published"].notna().all()
    for name in ("events", "casualties", "statements", "control", "tallies"):
        assert t[name]["source_id"].isin(src.index).all(), name


def test_docs_data_md_states_the_real_coverage(processed: Path):
    text = (ROOT / "docs" / "data.md").read_text(encoding="utf-8")
    stated = text[text.index(coverage.BEGIN) + len(coverage.BEGIN): text.index(coverage.END)].strip()
    assert stated == coverage.render(processed).strip(), "docs/data.md is stale: run `python -m analysis.coverage`"
