"""The shipped dataset meets its targets, cleans without rejects, and docs/data.md states its real coverage."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.docgen import data_coverage
from analysis.notebook.load import load

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
TARGETS = {"events": 300, "casualty reports": 150, "statements": 80, "control claims": 15,
           "distinct sources cited": 80, "distinct days (rows dated to the day)": 60}


def test_targets_are_met(processed: Path):
    figs = data_coverage.figures(load(processed))
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
    stated = text[text.index(data_coverage.BEGIN) + len(data_coverage.BEGIN): text.index(data_coverage.END)].strip()
    assert stated == data_coverage.render(processed).strip(), \
        "docs/data.md is stale: run `python -m analysis.docgen.data_coverage`"


#: days of 15 Aug – 15 Nov 2022 with a coded Kharkiv daily summary (issue 18); change it only with the data
CONTINUOUS_DAYS = 81


def test_continuous_record_day_count(processed: Path):
    from analysis.clean import designs

    cov = load(processed)["coverage"]
    days = designs.continuous_days(cov)
    assert len(days) == CONTINUOUS_DAYS, f"{len(days)} continuously covered days, expected {CONTINUOUS_DAYS}"
    assert len(days) + len(designs.missing_days(cov)) == 93
    assert (cov.loc[cov["design"] == "continuous_daily_summary", "oblast"] == designs.CONTINUOUS_OBLAST).all()


def test_every_continuous_day_has_a_summary_source(processed: Path):
    t = load(processed)
    cov, src = t["coverage"], t["sources"].set_index("source_id")
    cont = cov[cov["design"] == "continuous_daily_summary"]
    assert cont["summary_source_ids"].notna().all()
    for row in cont.itertuples():
        for sid in row.summary_source_ids.split(";"):
            assert sid in src.index, sid
            assert src.loc[sid, "published"].normalize() == row.date, (sid, row.date)
    k = [s for s in t["events"].loc[t["events"]["event_id"].str.startswith("EV-K"), "source_id"]]
    assert set(k) <= set(";".join(cont["summary_source_ids"]).split(";")), "a batch K report is not a summary day"
