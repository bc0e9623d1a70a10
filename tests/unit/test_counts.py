"""counts.parse_count / counts.resolve: counts as worded in reports -> (low, best, high)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.clean import counts


@pytest.mark.parametrize(
    "text, want",
    [
        ("2", (2, 2, 2)),
        ("two", (2, 2, 2)),
        ("Two", (2, 2, 2)),
        ("twenty-one", (21, 21, 21)),
        ("ten people", (10, 10, 10)),
        ("about 60", (54, 60, 66)),
        ("близько 60", (54, 60, 66)),
        ("more than 440", (441, 441, None)),
        ("понад 440", (441, 441, None)),
        ("over 9000", (9001, 9001, None)),
        ("dozens", (24, 24, 99)),
        ("at least 5", (5, 5, None)),
        ("щонайменше 5", (5, 5, None)),
        ("не менее 5", (5, 5, None)),
        ("up to 10", (1, 1, 10)),
        ("fewer than 5", (1, 1, 4)),
        ("several", (3, 3, 9)),
        ("кілька", (2, 2, 9)),
        ("no casualties", (0, 0, 0)),
        ("без жертв", (0, 0, 0)),
        ("0", (0, 0, 0)),
        ("1,200", (1200, 1200, 1200)),
        ("1 200", (1200, 1200, 1200)),
        ("3-5", (3, 3, 5)),
        ("3–5", (3, 3, 5)),
        ("3 to 5", (3, 3, 5)),
        ("5 or 6", (5, 5, 6)),
        ("від 3 до 5", (3, 3, 5)),
        ("at least dozens", (24, 24, None)),
    ],
)
def test_parse_count(text, want):
    assert counts.parse_count(text) == want


@pytest.mark.parametrize("text", [None, "", "   ", float("nan")])
def test_empty_is_no_figure(text):
    assert counts.parse_count(text) is None


@pytest.mark.parametrize(
    "text, reason",
    [
        ("-3", "negative"),
        ("- 3", "negative"),
        ("7-5", "low is above its high"),
        ("10 to 2", "low is above its high"),
        ("lots and lots", "unrecognised count"),
        ("3.5", "unrecognised count"),
        ("1,2", "unrecognised count"),
        ("unknown", "unrecognised count"),
        ("fewer than 0", "negative"),
        ("less than 0", "negative"),
    ],
)
def test_bad_counts_are_rejected_with_a_reason(text, reason):
    got = counts.parse_count(text)
    assert isinstance(got, str), got
    assert reason in got
    assert repr(text) in got  # the reason quotes the wording


def test_resolve_frame():
    words = pd.Series(["two", None, "7-5", "more than 440", "two"], index=[10, 11, 12, 13, 14], dtype="str")
    got = counts.resolve(words, "killed")
    want = pd.DataFrame(
        {
            "killed_low": pd.array([2, None, None, 441, 2], dtype="Int64"),
            "killed_best": pd.array([2, None, None, 441, 2], dtype="Int64"),
            "killed_high": pd.array([2, None, None, None, 2], dtype="Int64"),
            "killed_error": pd.Series([None, None, "a range whose low is above its high '7-5'", None, None],
                                      dtype="str", index=[10, 11, 12, 13, 14]),
        },
        index=[10, 11, 12, 13, 14],
    )
    pd.testing.assert_frame_equal(got, want)


# --- properties -------------------------------------------------------------------------------------
N = st.integers(min_value=0, max_value=10**7)
SMALL_OR_N = st.integers(min_value=0, max_value=3) | N  # small figures are where off-by-ones live


@given(N)
def test_any_number_is_itself(n):
    assert counts.parse_count(str(n)) == (n, n, n)


@given(N)
def test_thousands_separators(n):
    assert counts.parse_count(f"{n:,}") == (n, n, n)


@given(N, st.sampled_from(["more than", "over", "понад", "більше ніж", "более", "свыше"]))
def test_more_than_n_is_open_above_n(n, word):
    assert counts.parse_count(f"{word} {n}") == (n + 1, n + 1, None)


@given(N, st.sampled_from(["at least", "щонайменше", "не менше", "не менее"]))
def test_at_least_n(n, word):
    assert counts.parse_count(f"{word} {n}") == (n, n, None)


@given(st.integers(0, 10**6), st.integers(0, 10**6))
def test_ranges(a, b):
    got = counts.parse_count(f"{a}-{b}")
    if a <= b:
        assert got == (a, a, b)
    else:
        assert isinstance(got, str) and "above its high" in got


@given(st.integers(1, 10**6))
def test_negative_numbers_are_rejected(n):
    got = counts.parse_count(f"-{n}")
    assert isinstance(got, str) and "negative" in got


WORDINGS = st.one_of(
    SMALL_OR_N.map(str),
    st.tuples(st.sampled_from(["about", "around", "nearly", "more than", "at least", "up to", "fewer than",
                               "близько", "понад", "щонайменше", "до", "около", "не более"]), SMALL_OR_N)
    .map(lambda t: f"{t[0]} {t[1]}"),
    st.tuples(N, N).map(lambda t: f"{min(t)}-{max(t)}"),
    st.sampled_from(sorted(counts.VAGUE)),
    st.sampled_from(["two", "ten", "twenty one", "no casualties", "one", "дві", "троє"]),
)


@settings(max_examples=300)
@given(WORDINGS)
def test_low_best_high_are_ordered(text):
    got = counts.parse_count(text)
    if text in ("fewer than 0",):
        assert isinstance(got, str) and "negative" in got
        return
    assert isinstance(got, tuple), got
    low, best, high = got
    assert 0 <= low <= best
    if high is not None:
        assert best <= high


@settings(max_examples=50, deadline=None)
@given(st.lists(WORDINGS | st.none(), min_size=1, max_size=20))
def test_resolve_agrees_with_parse_count_row_by_row(texts):
    got = counts.resolve(pd.Series(texts, dtype="str"), "x")
    for i, t in enumerate(texts):
        p = counts.parse_count(t)
        want = p if isinstance(p, tuple) else (None, None, None)
        row = tuple(None if pd.isna(v) else int(v) for v in got.loc[i, ["x_low", "x_best", "x_high"]])
        assert row == want
        if isinstance(p, str):
            assert got.loc[i, "x_error"] == p
        else:
            assert pd.isna(got.loc[i, "x_error"])
