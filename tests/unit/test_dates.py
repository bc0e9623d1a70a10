"""dates.resolve: date phrases as coders copy them from reports -> start, end, precision, rule, error."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.clean import dates

T = pd.Timestamp


def ucdp_prec(days: int) -> int:
    """schema.DATE_PRECISION (UCDP GED's date_prec) for a range of `days` + 1 days."""
    return 1 if days == 0 else 2 if days <= 5 else 3 if days == 6 else 4 if days <= 30 else 5


# phrase, published, start, end, prec, rule
GOOD = [
    ("2022-09-18", "2022-09-19", "2022-09-18", "2022-09-18", 1, "iso"),
    ("18/09/2022", "2022-09-19", "2022-09-18", "2022-09-18", 1, "numeric"),
    ("18.09.2022", "2022-09-19", "2022-09-18", "2022-09-18", 1, "numeric"),
    ("Sept 18, 2022", "2022-09-19", "2022-09-18", "2022-09-18", 1, "month_day"),
    ("18 вересня 2022", "2022-09-19", "2022-09-18", "2022-09-18", 1, "day_month"),
    ("18 сентября", "2022-09-19", "2022-09-18", "2022-09-18", 1, "day_month"),
    ("19-го жовтня", "2022-10-20", "2022-10-19", "2022-10-19", 1, "day_month"),  # ordinal as worded
    ("упродовж минулої доби", "2022-10-24", "2022-10-23", "2022-10-24", 2, "relative"),
    ("on Sunday", "2022-09-19", "2022-09-18", "2022-09-18", 1, "weekday"),
    ("yesterday", "2022-09-19", "2022-09-18", "2022-09-18", 1, "relative"),
    ("сьогоднішнього", "2022-09-12", "2022-09-12", "2022-09-12", 1, "relative"),  # "today's (shelling)"
    ("last night", "2022-09-19", "2022-09-18", "2022-09-19", 2, "relative"),
    ("more than a week ago", "2022-09-19", "2022-09-05", "2022-09-11", 3, "relative"),
    ("end of March", "2022-04-10", "2022-03-21", "2022-03-31", 4, "month_end"),
    ("earlier this month", "2022-09-19", "2022-09-01", "2022-09-19", 4, "this_month"),
    ("у ніч на 22 вересня", "2022-09-22", "2022-09-21", "2022-09-22", 2, "night_of"),
    ("On the morning of October 31", "2022-11-01", "2022-10-31", "2022-10-31", 1, "month_day"),
    ("Во вторник, 15 ноября", "2022-11-16", "2022-11-15", "2022-11-15", 1, "day_month"),
    (None, "2022-09-19", "2022-09-18", "2022-09-19", 2, "publication"),
]


def _resolve(phrases: list[str | None], published: list[str]) -> pd.DataFrame:
    return dates.resolve(pd.Series(phrases, dtype="str"), pd.Series(pd.to_datetime(published)))


def test_resolve_known_phrases_whole_frame():
    got = _resolve([g[0] for g in GOOD], [g[1] for g in GOOD])
    want = pd.DataFrame({
        "date_start": pd.Series([T(g[2]) for g in GOOD], dtype="datetime64[s]"),
        "date_end": pd.Series([T(g[3]) for g in GOOD], dtype="datetime64[s]"),
        "date_prec": pd.Series([g[4] for g in GOOD], dtype="Int64"),
        "date_rule": pd.Series([g[5] for g in GOOD], dtype="str"),
        "date_error": pd.Series([None] * len(GOOD), dtype="str"),
    })
    pd.testing.assert_frame_equal(got, want)


def test_resolve_keeps_the_index_of_its_input():
    phrases = pd.Series(["yesterday", "2022-09-01"], index=[17, 3], dtype="str")
    got = dates.resolve(phrases, pd.Series(pd.to_datetime(["2022-09-19", "2022-09-19"]), index=[17, 3]))
    assert list(got.index) == [17, 3]
    assert got.loc[17, "date_start"] == T("2022-09-18")
    assert got.loc[3, "date_start"] == T("2022-09-01")


@pytest.mark.parametrize(
    "phrase, published, error",
    [
        ("31/02/2022", "2022-09-19", "no such day"),
        ("2021-05-01", "2022-09-19", "before the full-scale invasion"),
        ("12 May 2021", "2022-09-19", "before the full-scale invasion"),
        ("2022-12-01", "2022-09-19", "after its report's publication date"),
        ("у ніч на 22 вересня", "2022-09-19", "after its report's publication date"),
        ("23-22 September", "2022-09-30", "ends before it starts"),
        ("when the moon was full", "2022-09-19", "unrecognised date phrase"),
    ],
)
def test_resolve_errors_name_the_problem(phrase, published, error):
    # a good row next to the bad one must come out untouched
    got = _resolve([phrase, "yesterday"], [published, "2022-09-19"])
    assert error in got.loc[0, "date_error"]
    assert pd.isna(got.loc[1, "date_error"])
    assert got.loc[1, "date_start"] == T("2022-09-18")


def test_impossible_day_gives_no_dates():
    got = _resolve(["31/02/2022"], ["2022-09-19"])
    assert pd.isna(got.loc[0, "date_start"]) and pd.isna(got.loc[0, "date_end"])
    assert pd.isna(got.loc[0, "date_prec"])


def test_date_without_a_year_is_the_latest_one_not_after_publication():
    # '20 December' reported in March 2022 is December 2021: before the invasion, so an error
    got = _resolve(["20 December", "15 March"], ["2022-03-10", "2022-09-19"])
    assert "before the full-scale invasion" in got.loc[0, "date_error"]
    assert got.loc[1, "date_start"] == T("2022-03-15")


def test_a_month_runs_no_further_than_its_report():
    got = _resolve(["September"], ["2022-09-19"])
    assert (got.loc[0, "date_start"], got.loc[0, "date_end"]) == (T("2022-09-01"), T("2022-09-19"))
    assert got.loc[0, "date_prec"] == 4


# --- properties -------------------------------------------------------------------------------------
EN = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
      "November", "December"]
UK = ["січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня", "вересня", "жовтня",
      "листопада", "грудня"]
RU = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
      "ноября", "декабря"]
FORMATS = {
    "iso": lambda d: d.strftime("%Y-%m-%d"),
    "dotted": lambda d: d.strftime("%d.%m.%Y"),
    "en": lambda d: f"{d.day} {EN[d.month - 1]} {d.year}",
    "uk": lambda d: f"{d.day} {UK[d.month - 1]} {d.year}",
    "ru": lambda d: f"{d.day} {RU[d.month - 1]} {d.year}",
}
war_days = st.dates(min_value=dt.date(2022, 2, 24), max_value=dt.date(2022, 11, 15))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(war_days, st.sampled_from(sorted(FORMATS)), st.integers(0, 30)), min_size=1, max_size=15))
def test_any_war_day_in_any_format_resolves_to_itself(cases):
    phrases = [FORMATS[f](d) for d, f, _ in cases]
    published = [pd.Timestamp(d) + pd.Timedelta(days=k) for d, _, k in cases]
    got = dates.resolve(pd.Series(phrases, dtype="str"), pd.Series(published))
    want = pd.Series([pd.Timestamp(d) for d, _, _ in cases], dtype="datetime64[s]")
    assert got["date_error"].isna().all(), got["date_error"].tolist()
    assert (got["date_start"] == want).all(), list(zip(phrases, got["date_start"], strict=True))
    assert (got["date_end"] == want).all()
    assert (got["date_prec"] == 1).all()


WEEKDAY_PHRASES = [
    ("Monday", 0), ("on Tuesday", 1), ("last Wednesday", 2), ("on Thursday", 3), ("Friday", 4),
    ("on Saturday", 5), ("on Sunday", 6),
    ("в понеділок", 0), ("у вівторок", 1), ("в середу", 2), ("у четвер", 3), ("в п'ятницю", 4),
    ("в суботу", 5), ("у неділю", 6),
    ("в понедельник", 0), ("во вторник", 1), ("в среду", 2), ("в четверг", 3), ("в пятницу", 4),
    ("в субботу", 5), ("в воскресенье", 6),
]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(WEEKDAY_PHRASES),
                          st.dates(min_value=dt.date(2022, 3, 3), max_value=dt.date(2022, 12, 31))),
                min_size=1, max_size=15))
def test_weekday_is_the_last_such_day_on_or_before_publication(cases):
    phrases = [p for (p, _), _ in cases]
    pub = pd.Series([pd.Timestamp(d) for _, d in cases], dtype="datetime64[s]")
    got = dates.resolve(pd.Series(phrases, dtype="str"), pub)
    assert got["date_error"].isna().all(), got["date_error"].tolist()
    assert (got["date_start"] == got["date_end"]).all()
    back = (pub - got["date_start"]).dt.days
    assert back.between(0, 6).all()
    assert (got["date_start"].dt.day_of_week == pd.Series([w for (_, w), _ in cases])).all()
    assert (got["date_prec"] == 1).all()
    assert (got["date_rule"] == "weekday").all()


@given(st.dates(min_value=dt.date(2022, 1, 1), max_value=dt.date(2023, 12, 31)),
       st.integers(0, 400), st.integers(0, 400))
def test_precision_is_monotone_in_range_width(start, w1, w2):
    lo, hi = sorted((w1, w2))
    s = pd.Series([pd.Timestamp(start)] * 2, dtype="datetime64[s]")
    e = s + pd.to_timedelta([lo, hi], unit="D")
    p = dates.precision(s, e)
    assert 1 <= p[0] <= p[1] <= 5


@pytest.mark.parametrize("width, prec", [(0, 1), (1, 2), (5, 2), (6, 3), (7, 4), (27, 4), (30, 4), (31, 5),
                                         (364, 5)])
def test_precision_boundaries(width, prec):
    s = pd.Series([pd.Timestamp("2022-05-01")], dtype="datetime64[s]")
    assert dates.precision(s, s + pd.Timedelta(days=width))[0] == prec


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["yesterday", "last night", "over the past day", "this week", "earlier this month",
                        "last week", "a few days ago", "end of August", "August", "18 вересня", "1-10 September"]),
       st.dates(min_value=dt.date(2022, 9, 20), max_value=dt.date(2022, 11, 30)))
def test_resolved_ranges_never_pass_publication_and_precision_matches_width(phrase, published):
    got = _resolve([phrase], [published.isoformat()]).iloc[0]
    assert pd.isna(got["date_error"])
    assert got["date_start"] <= got["date_end"] <= pd.Timestamp(published)
    assert got["date_prec"] == ucdp_prec((got["date_end"] - got["date_start"]).days)


def test_no_rows_gives_an_empty_frame():
    got = _resolve([], [])
    assert list(got.columns) == ["date_start", "date_end", "date_prec", "date_rule", "date_error"]
    assert len(got) == 0


def test_only_unparseable_phrases_give_errors_not_a_crash():
    got = _resolve(["garbage", "garbage"], ["2022-09-19", "2022-09-20"])
    assert got["date_error"].str.startswith("unrecognised date phrase 'garbage'").all()
    assert got["date_start"].isna().all()
