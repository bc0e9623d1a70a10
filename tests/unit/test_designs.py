"""The coverage table's designs (clean/designs.py) on inline frames: which reports are the continuous record's daily
summaries, and the batch letters of a row id worked out in Arrow (what Python's regex gives)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.clean import designs


def rows(*r: tuple) -> pd.DataFrame:
    """(source_id, row_id, claim_by, date_reported) of events in Kharkiv oblast published on 1 Oct 2022."""
    df = pd.DataFrame(r, columns=["source_id", "row_id", "claim_by", "date_reported"])
    return df.assign(table="events", oblast="Kharkiv", day=pd.Timestamp("2022-10-01"), batch="B")


def test_an_outlet_retelling_the_governors_list_is_still_his_summary():
    # in-ukraine.info, 1 Oct (EV-B0051..54): the governor is quoted on the districts, the list of villages fired
    # on "le dernier jour" is the outlet's own sentence, so those rows are media; the report is his summary still
    r = rows(("s1", "R1", "regional_admin", "nan"), ("s1", "R2", "media", "Le dernier jour"))
    assert designs.summary_sources(r).tolist() == ["s1"]


def test_a_report_without_an_official_or_without_a_past_day_phrase_is_no_summary():
    r = rows(("s1", "R1", "media", "over the past day"), ("s2", "R2", "regional_admin", "on Friday"))
    assert designs.summary_sources(r).tolist() == []


def test_batch_is_the_regex_extract_for_every_kind_of_id():
    ids = pd.Series(["EV-K0007", "ACLED-UKR1001", "ACLED-CA-UKR1001", "UCDP-500001", None, "ev-k1", "EV-Kx",
                     "EV-K", "CA-A0001", "EV-AÄ1", "EV-AB-1", "X-Y1",
                     "TA-K٣", "EV-A𝟘"],  # letters then a non-ASCII decimal digit: Python's \d takes it, RE2's not
                    dtype="str", index=range(10, 24))
    want = ids.str.extract(designs.BATCH.pattern, expand=False).fillna("?")
    got = designs.batch(ids)
    pd.testing.assert_series_equal(got, want)
    assert got.tolist()[:4] == ["K", "UKR", "?", "?"] and got.tolist()[-2:] == ["K", "A"]


def table(prefix: str, *r: tuple) -> pd.DataFrame:
    """(row id, source_id, oblast, published, claim_by, date_reported, place_id, place_match) rows of one table."""
    df = pd.DataFrame(list(r), columns=[prefix, "source_id", "oblast", "published", "claim_by", "date_reported",
                                        "place_id", "place_match"]).astype("str")
    return df.assign(published=pd.to_datetime(df["published"].replace("nan", None)).astype("datetime64[s]"))


def tables() -> dict[str, pd.DataFrame]:
    """A Kharkiv summary day of batch K (with a tally), its places retold by batch B, rows elsewhere, rows
    without an oblast or a day, and a second batch on the same day."""
    ev = table("event_id",
               ("EV-K0001", "sK", "Kharkiv", "2022-10-01 09:00", "regional_admin", "over the past day", "P1", "exact"),
               ("EV-K0002", "sK", "Kharkiv", "2022-10-01 09:00", "regional_admin", "over the past day", "P2", "exact"),
               ("EV-K0003", "sK", "Kharkiv", "2022-10-01 09:00", "regional_admin", "over the past day", "R1", "raion"),
               ("EV-B0001", "sB", "Kharkiv", "2022-10-01 18:30", "regional_admin", "за минулу добу", "P3", "exact"),
               ("EV-B0002", "sB", "Donetsk", "2022-10-02 07:00", "media", "on Friday", "P9", "exact"),
               ("EV-D0001", "sD", "Odesa", "2022-09-01 07:00", "media", "on Friday", "P8", "exact"),
               ("EV-D0002", "sD", None, "2022-09-01 07:00", "media", "on Friday", "P8", "exact"),
               ("EV-D0003", "sD", "Odesa", None, "media", "on Friday", "P8", "exact"),
               ("EV-K0004", "sK", "Kharkiv", "2022-12-01 09:00", "regional_admin", "over the past day", "P1", "exact"))
    ca = table("casualty_id",
               ("CA-K0001", "sK", "Kharkiv", "2022-10-01 09:00", "regional_admin", "over the past day", "P1", "exact"),
               ("CA-D0001", "sD", "Odesa", "2022-09-01 07:00", "media", "on Friday", "P8", "exact"))
    ta = table("tally_id",
               ("TA-K0001", "sK", "Kharkiv", "2022-10-01 09:00", "regional_admin", "over the past day", None, None))
    return {"events": ev, "casualties": ca, "tallies": ta.assign(settlements_shelled_best=pd.array([3], "Int64"))}


def test_coverage_counts_each_batch_day_and_compares_the_summarys_places_with_its_tally():
    cov = designs.coverage(tables()).set_index("coverage_id")
    k = cov.loc["COV-2022-10-01-Kharkiv-K"]
    assert (k["design"], k["rows"], k["events"], k["summary_source_ids"]) == ("continuous_daily_summary", 5, 3, "sK")
    assert (k["places"], k["tally_settlements"], bool(k["tally_match"])) == (2, 3, False)
    b = cov.loc["COV-2022-10-01-Kharkiv-B"]  # an official past-day report of batch B: a summary of its own
    assert (b["design"], b["rows"], b["summary_source_ids"], b["places"]) == ("continuous_daily_summary", 1, "sB", 1)
    d = cov.loc["COV-2022-09-01-Odesa-D"]  # the rows without an oblast or a day are not counted
    assert (d["design"], d["rows"], d["events"]) == ("chosen_strike_days", 2, 1)
    assert cov.loc["COV-2022-12-01-Kharkiv-K", "design"] == "single_reports"  # outside the window
    assert len(cov) == 5


def test_coverage_reads_coded_columns_as_their_text():
    # the import hands coverage its columns coded (categoricals, the publication times too): same table
    t = tables()
    coded = {name: df.assign(**{c: df[c].astype("category") for c in df.columns if c not in ROW_KEYS})
             for name, df in t.items()}
    pd.testing.assert_frame_equal(designs.coverage(coded), designs.coverage(t))


def test_coverage_without_a_summary_day():
    t = {name: df[df["oblast"] != "Kharkiv"] for name, df in tables().items()}
    cov = designs.coverage(t)
    assert set(cov["design"]) == {"chosen_strike_days", "single_reports"} and cov["summary_source_ids"].isna().all()


ROW_KEYS = {"event_id", "casualty_id", "tally_id", "settlements_shelled_best"}


def test_batches_are_batch_as_codes():
    for ids in (pd.Series(["EV-K0007", "ACLED-UKR1001", None, "EV-K0008", "X-Y1", "ev-k1"], dtype="str"),
                pd.Series(["EV-K0007", "EV-A𝟘", "TA-K٣"], dtype="str"), pd.Series([], dtype="str")):
        codes, letters = designs._batches(ids)
        assert letters.take(codes).tolist() == designs.batch(ids).tolist()


@pytest.mark.integration
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1))
def test_coverage_does_not_depend_on_the_rows_order_or_on_which_rows_come_first(processed, seed):
    """The coverage table is a function of the rows, not of their order: counts are sums, the summaries' sets are
    sets, and every list in it is sorted. On the shipped data (its continuous daily summaries and tallies), each
    table's rows shuffled by a random seed give the same table. (What an import in key ranges needs: ranges of
    rows counted one after another.)"""
    from analysis.notebook.load import load

    t = load(processed)
    want = designs.coverage(t)
    assert (want["design"] == "continuous_daily_summary").any() and want["tally_match"].notna().any()
    rng = np.random.default_rng(seed)
    shuffled = {**t, **{name: t[name].iloc[rng.permutation(len(t[name]))].reset_index(drop=True)
                        for name in ("events", "casualties", "tallies")}}
    pd.testing.assert_frame_equal(designs.coverage(shuffled), want)
