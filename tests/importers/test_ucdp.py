"""UCDP GED import: mapped values, rejects, accounting and the processed folder."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from pandas.testing import assert_frame_equal

from analysis.clean.validate import integrity, validate
from analysis.importers import common, ucdp
from analysis.notebook import shelling
from analysis.notebook.load import load
from analysis.registry.schema import PROCESSED_TABLES

FIXTURES = Path(__file__).resolve().parent / "fixtures"
REPO = Path(__file__).resolve().parents[2]
D = pd.Timestamp


def _str(df: pd.DataFrame) -> pd.DataFrame:
    for c in df.columns:
        if df[c].dtype == object:
            df[c] = df[c].astype("str")
    return df


def test_events_mapped(ucdp_run):
    _, res = ucdp_run
    ev = res.tables["events"]
    cols = ["event_id", "published", "date_start", "date_end", "date_prec", "date_rule", "place_id", "place_name",
            "place_match", "oblast", "geo_prec", "event_type", "weapon", "claimant", "raw_line"]
    expected = _str(pd.DataFrame({
        "event_id": ["UCDP-500001", "UCDP-500002", "UCDP-500003", "UCDP-500004"],
        # published: the earliest source_date, else the event's date_end
        "published": pd.to_datetime(["2022-09-19", "2022-11-02", "2022-11-06", "2022-12-01"]).astype("datetime64[s]"),
        "date_start": pd.to_datetime(["2022-09-18", "2022-10-01", "2022-11-01", "2022-12-01"]).astype("datetime64[s]"),
        "date_end": pd.to_datetime(["2022-09-18", "2022-10-31", "2022-11-05", "2022-12-01"]).astype("datetime64[s]"),
        "date_prec": pd.array([1, 4, 2, 1], dtype="Int64"),  # carried over from UCDP
        "date_rule": "ucdp",
        "place_id": ["gn:703656", "oskil:oblast-donetsk", "ucdp:donetsk-bakhmutskyi-raion", "oskil:oblast-odesa"],
        "place_name": ["Kupiansk", "Donetsk oblast", "Bakhmutskyi raion", "Odesa oblast"],
        "place_match": ["exact", "oblast", "import", "oblast"],
        "oblast": ["Kharkiv", "Donetsk", "Donetsk", "Odesa"],
        "geo_prec": pd.array([1, 4, 3, 5], dtype="Int64"),  # where_prec carried; 7 (at sea) -> 5
        "event_type": "other", "weapon": "unknown",
        "claimant": ["Kharkiv regional governor", "Donetsk regional governor", "Ukrainian General Staff", None],
        "raw_line": pd.array([2, 3, 4, 5], dtype="Int64"),
    }))
    assert_frame_equal(ev[cols], expected)
    notes = ev.set_index("event_id")["coder_note"]
    assert notes["UCDP-500002"].startswith("UCDP type_of_violence 3 (one-sided violence)")
    assert notes["UCDP-500004"].startswith("UCDP type_of_violence 2 (non-state conflict); where_prec 7")


def test_casualties_mapped(ucdp_run):
    _, res = ucdp_run
    cols = ["casualty_id", "event_id", "killed_low", "killed_best", "killed_high", "victim_group", "cause"]
    expected = _str(pd.DataFrame({
        "casualty_id": ["UCDP-CA-500001", "UCDP-CA-500002", "UCDP-CA-500003"],
        "event_id": ["UCDP-500001", "UCDP-500002", "UCDP-500003"],
        "killed_low": pd.array([2, 5, 6], dtype="Int64"), "killed_best": pd.array([2, 5, 7], dtype="Int64"),
        "killed_high": pd.array([3, 5, 9], dtype="Int64"),
        # civilian: deaths_civilians == best; military: deaths_a + deaths_b == best
        "victim_group": ["civilian", "civilian", "military"],
        "cause": "unknown",
    }))
    assert_frame_equal(res.tables["casualties"][cols], expected)


def test_sources(ucdp_run):
    _, res = ucdp_run
    s = res.tables["sources"].set_index("outlet").sort_index()
    assert s.index.tolist() == ["AFP", "Kyiv Independent", "Reuters", "UCDP GED"]
    assert s.loc["AFP", "published"] == D("2022-11-02") and s.loc["AFP", "date_basis"] == "page"
    assert s.loc["Reuters", "title"] == "Russian shelling kills two in Kupiansk"
    assert s.loc["Reuters", "source_type"] == "news_agency"
    assert s.loc["UCDP GED", "date_basis"] == "inferred"
    assert (s["url"] == ucdp.URL).all()


def test_rejects_and_accounting(ucdp_run):
    _, res = ucdp_run
    r = res.tables["rejects"]
    assert r[["line", "row_id", "column", "value"]].astype("object").values.tolist() == [
        [6, "500005", "date_start", "2022-13-01"],
        [7, "500006", "where_prec", "9"],
        [8, "500007", "best", "2"],
        [9, "500008", "country", "Russia"],
        [10, "500009", "longitude", "n/a"],
    ]
    for reason, pattern in zip(r["reason"], ["YYYY-MM-DD", "where_prec 1-7", "low <= best <= high",
                                             "country Ukraine", "a number for 'longitude'"], strict=True):
        assert re.search(pattern, reason)
    assert (res.read["events"], res.kept["events"], res.rejected["events"]) == (9, 4, 5)


def test_every_table_valid_and_helpers_run(ucdp_run):
    out, res = ucdp_run
    for t in PROCESSED_TABLES:
        validate(t.name, res.tables[t.name])
    assert integrity(res.tables) == []
    ev = load(out)["events"]
    sel = shelling.select(ev, D("2022-09-01"), D("2022-12-31"), max_date_prec=4)
    assert len(sel) == 4
    assert shelling.over_time(sel, "M")["incidents"].sum() == 4


def test_small_batches_give_the_same_tables(ucdp_run, gaz_dir, tmp_path):
    _, res = ucdp_run
    small = common.run(ucdp, FIXTURES / "ged_sample.csv", tmp_path / "small", gaz_dir, block_size=700)
    for name in ("events", "casualties", "sources", "rejects"):
        assert_frame_equal(small.tables[name], res.tables[name])


def test_docs_table_matches_the_code():
    doc = (REPO / "docs" / "importers.md").read_text()
    rows = re.findall(r"^\| (\d) \| ([^|]+?) \| `(\w+)` \| `(\w+)` \| `(\w+)` \|$", doc, flags=re.M)
    assert {int(r[0]): tuple(r[1:]) for r in rows} == ucdp.TYPE_OF_VIOLENCE
