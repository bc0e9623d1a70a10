"""Which reports are the continuous record's daily summaries (clean/designs.py), on inline frames."""

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
