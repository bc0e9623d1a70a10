"""The coverage table's batch letters of a row id, worked out in Arrow, are what Python's regex gives."""

from __future__ import annotations

import pandas as pd

from analysis.clean import designs


def test_batch_is_the_regex_extract_for_every_kind_of_id():
    ids = pd.Series(["EV-K0007", "ACLED-UKR1001", "ACLED-CA-UKR1001", "UCDP-500001", None, "ev-k1", "EV-Kx",
                     "EV-K", "CA-A0001", "EV-AÄ1", "EV-AB-1", "X-Y1",
                     "TA-K٣", "EV-A𝟘"],  # letters then a non-ASCII decimal digit: Python's \d takes it, RE2's not
                    dtype="str", index=range(10, 24))
    want = ids.str.extract(designs.BATCH.pattern, expand=False).fillna("?")
    got = designs.batch(ids)
    pd.testing.assert_series_equal(got, want)
    assert got.tolist()[:4] == ["K", "UKR", "?", "?"] and got.tolist()[-2:] == ["K", "A"]
