"""common._checked_and_prepared: a batch prepared while its text checks run beside it is the batch prepared
after them (the exact way: checks.safe_text first), in its rows, values and rejects, whatever the checks find."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal, assert_series_equal

from analysis.clean import checks
from analysis.clean.errors import Rejects, kept
from analysis.importers import acled, common
from analysis.importers.stream import Stream

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TODAY = pd.Timestamp("2026-12-02")


def _batch(tmp_path: Path, changed: dict[int, dict[str, str]]) -> pd.DataFrame:
    """The sample export's rows as one batch, with the given cells changed (row -> column -> text)."""
    import csv

    with open(FIXTURES / "acled_sample.csv", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows, header = list(reader), reader.fieldnames
    path = tmp_path / "export.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, header)
        w.writeheader()
        for i, r in enumerate(rows):
            w.writerow({**r, **changed.get(i, {})})
    return pd.concat(list(Stream.open(path).batches(acled.WANTED)), ignore_index=True)


def _exact(batch: pd.DataFrame) -> tuple[common.Prepared, Rejects]:
    rej = Rejects(acled.NAME, "export.csv")
    return acled.prepare(kept(checks.safe_text(batch, acled.WANTED, rej, acled.ID)), rej, TODAY), rej


def _same(got: tuple[common.Prepared, Rejects], want: tuple[common.Prepared, Rejects]) -> None:
    assert_frame_equal(got[0].frame, want[0].frame)
    assert got[0].values.keys() == want[0].values.keys()
    for k, v in want[0].values.items():
        w = got[0].values[k]
        if isinstance(v, pd.DataFrame):
            assert_frame_equal(w, v)
        elif isinstance(v, pd.Series):
            assert_series_equal(w, v)
        else:
            np.testing.assert_array_equal(np.asarray(w), np.asarray(v))
    assert_frame_equal(got[1].frame(), want[1].frame())


@pytest.mark.parametrize("changed", [
    {},  # clear: the preparing done beside the checks is kept
    {1: {"location": "Kupi\u202eansk"}},  # a bidi override: that row rejected first
    {0: {"notes": "shelled\x07 at night"}, 2: {"admin1": "Khar\u200bkiv"}},  # a control and a zero-width character
    {1: {"notes": "x" * (checks.MAX_CELL + 1)}},  # a cell too long
], ids=["clear", "bidi", "control-and-zero-width", "long"])
def test_prepared_beside_the_checks_is_prepared_after_them(tmp_path, changed):
    batch = _batch(tmp_path, changed)
    with ThreadPoolExecutor(1) as pool:
        got = common._checked_and_prepared(acled, batch, "export.csv", TODAY, pool)
    want = _exact(batch)
    _same(got, want)
    text = want[1].frame()["reason"].str.startswith(("text without", "a cell of at most"))
    assert text.sum() == len(changed)  # each changed row (rows kept when unchanged) rejected by the checks, once


class _Fragile:
    """acled, whose prepare fails on a cell holding U+202E (text the checks reject before it gets there)."""

    def __getattr__(self, name):
        return getattr(acled, name)

    @staticmethod
    def prepare(df, rej, today):
        if df["location"].str.contains("\u202e", regex=False).any():
            raise ValueError("prepare met a bidi override")
        return acled.prepare(df, rej, today)


def test_a_preparing_that_fails_on_text_the_checks_reject_is_done_again_after_them(tmp_path):
    batch = _batch(tmp_path, {1: {"location": "Kupi\u202eansk"}})
    with ThreadPoolExecutor(1) as pool:
        got = common._checked_and_prepared(_Fragile(), batch, "export.csv", TODAY, pool)
    _same(got, _exact(batch))


def test_a_preparing_that_fails_on_a_clear_batch_raises(tmp_path, monkeypatch):
    batch = _batch(tmp_path, {})

    def failing(df, rej, today):
        raise ValueError("a real failure")

    fragile = _Fragile()
    monkeypatch.setattr(_Fragile, "prepare", staticmethod(failing))
    with ThreadPoolExecutor(1) as pool, pytest.raises(ValueError, match="a real failure"):
        common._checked_and_prepared(fragile, batch, "export.csv", TODAY, pool)
