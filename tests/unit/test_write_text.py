"""The CSV twin's text of dates (write._date_text) is Arrow's cast of every cell, made another way."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.clean import write

_DAYS = st.one_of(st.none(), st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)))


def _cast(col: pa.ChunkedArray) -> pa.ChunkedArray:
    return col.cast(pa.date32(), safe=False).cast(pa.large_string())


def _timestamps(days: list, unit: str = "s") -> pa.Array:
    return pa.array([None if d is None else dt.datetime(d.year, d.month, d.day) for d in days], pa.timestamp(unit))


@given(st.lists(_DAYS, max_size=40), st.integers(0, 5), st.sampled_from(["s", "ms"]))
def test_date_text_is_the_cast(days, cut, unit):
    arr = _timestamps(days, unit)
    col = pa.chunked_array([arr, arr.slice(min(cut, len(arr)))], arr.type)
    got = write._date_text(col)
    got.validate(full=True)
    assert got.equals(_cast(col))


@pytest.mark.parametrize("days", [
    [dt.date(2022, 8, 15), None, dt.date(2024, 2, 29)],  # one span, a missing day
    [dt.date(999, 12, 31), dt.date(2022, 1, 1)],  # a year of three digits: Arrow's cast
    [dt.date(1800, 1, 1), dt.date(2022, 1, 1)],  # a span wider than _DAY_SPAN: Arrow's cast
    [None, None],
    [],
])
def test_date_text_edges(days):
    col = pa.chunked_array([_timestamps(days)], pa.timestamp("s"))
    assert write._date_text(col).equals(_cast(col))


@pytest.mark.parametrize("first, last", [(-800_000, -790_000), (-719_530, -719_000), (2_900_000, 2_940_000),
                                         (-20_000, 20_000)])
def test_date_text_of_spans_beyond_four_digit_years(first, last):
    """Spans (days since 1970) over negative years, year 0 and years past 9999: the same text as the cast."""
    days = pa.array(list(range(first, last, 7)), pa.int32()).cast(pa.date32())
    col = pa.chunked_array([days.cast(pa.timestamp("s"))])
    assert write._date_text(col).equals(_cast(col))
