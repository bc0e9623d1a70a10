"""The coverage table's designs (clean/designs.py) on inline frames: which reports are the continuous record's daily
summaries, and the batch letters of a row id worked out in Arrow (what Python's regex gives)."""

from __future__ import annotations

import pandas as pd

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
