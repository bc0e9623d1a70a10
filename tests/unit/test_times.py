"""The time of day of a report, as worded: linking keeps reports hours apart as different attacks, so an hour
misread (p.m. dropped, an ordinal hour not read) splits one attack or joins two."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.clean import times


@pytest.mark.parametrize(("phrase", "hour", "part"), [
    ("around 6:30 p.m.", 18, "evening"),  # EV-A0083 (Censor.NET, 4 Sep): read as 6 in the morning before
    ("around 09:00 p.m.", 21, "evening"),
    ("8.58 a.m.", 8, "morning"),
    ("12:30 a.m.", 0, "night"),
    ("Close to 9 p.m.", 21, "evening"),
    ("around 2 am", 2, "night"),
    ("at 11 o'clock", 11, "morning"),
    ("gegen 21.30 Uhr", 21, "evening"),
    ("Близько 21:30", 21, "evening"),
    ("20:47 та 20:48", 20, "evening"),  # the first time counts
    ("15.32; 16.04", 15, "afternoon"),
    ("Близько 17-ї години", 17, "afternoon"),
    ("після 22 години", 22, "evening"),
    ("близько 3 год", 3, "night"),
    ("около 1 часа ночи", 1, "night"),
    ("после 2 часов ночи", 2, "night"),
    ("около 6 утра", 6, "morning"),
    ("Приблизно о другій годині ночі", 2, "night"),
    ("Близько восьмої ранку", 8, "morning"),
    ("Близько опівночі", 0, "night"),
    ("around midnight", 0, "night"),
])
def test_clock_hours_as_worded(phrase: str, hour: int, part: str) -> None:
    assert times.parse(phrase) == (hour, part)


@pytest.mark.parametrize(("phrase", "part"), [
    ("уранці", "morning"), ("Утром", "morning"), ("matin", "morning"), ("dimineața", "morning"),
    ("Freitagmorgen", "morning"), ("ранкового обстрілу", "morning"), ("удень", "afternoon"),
    ("Вдень", "afternoon"), ("надвечір", "evening"), ("пізно ввечері", "evening"), ("early hours", "night"),
    ("в ночь на воскресенье", "night"), ("overnight", "night"), ("ввечері 17 серпня", "evening"),
])
def test_parts_of_the_day_in_words(phrase: str, part: str) -> None:
    assert times.parse(phrase) == (None, part)


@pytest.mark.parametrize("phrase", ["late", "early", "22.09.2022", "3 дня назад", "2 години тому",
                                    "3 hours ago", "", None])
def test_no_time_where_the_phrase_gives_none(phrase: str | None) -> None:
    assert times.parse(phrase) == (None, None)


@given(st.integers(0, 23), st.integers(0, 59))
def test_any_24_hour_clock_time_is_read_as_written(h: int, m: int) -> None:
    hour, part = times.parse(f"{h:02d}:{m:02d}")
    assert hour == h and part == times.PARTS[0 if h < 6 else 1 if h < 12 else 2 if h < 18 else 3]


def test_frame_keeps_the_index_and_dtypes() -> None:
    got = times.frame(pd.Series(["21:30", None, "вранці"], index=[5, 6, 7], dtype="str"))
    assert list(got.index) == [5, 6, 7]
    assert got["hour"].dtype == "Int64" and got["hour"].tolist() == [21, pd.NA, pd.NA]
    assert got["time_of_day"].tolist()[0::2] == ["evening", "morning"] and pd.isna(got["time_of_day"].iloc[1])
