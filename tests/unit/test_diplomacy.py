"""The diplomacy helpers on small inline frames with known answers: episodes, counts, the event-study contrast,
its trend-preserving null and the words of the conclusion."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.notebook import diplomacy
from analysis.notebook.keyfigures import _clean_value

DAYS = pd.date_range("2022-08-15", "2022-11-15", freq="D")  # 93 days, as the shipped period
D = pd.Timestamp


def series(values) -> pd.Series:
    return pd.Series(np.asarray(values, dtype="int64"), index=DAYS[: len(values)])


def bumped(event_pos: list[int], n: int = 60, base: int = 1, bump: int = 2, k: int = 3) -> pd.Series:
    """base utterances a day, plus `bump` on the k days after each event day."""
    y = np.full(n, base)
    for e in event_pos:
        y[e + 1: e + k + 1] += bump
    return series(y)


# --- episodes ----------------------------------------------------------------------------------------------


def claims(*rows) -> pd.DataFrame:
    cols = ["claim_id", "place_name", "claim", "side", "date_end", "date_prec"]
    return pd.DataFrame([dict(zip(cols, r, strict=True)) for r in rows]).assign(date_end=lambda d: pd.to_datetime(
        d["date_end"]))


def test_took_and_lost_are_one_change_and_vague_dates_and_other_claims_are_left_out():
    c = claims(("CL-1", "Izium", "took", "ua", "2022-09-10", 1), ("CL-2", "Izium", "lost", "ru", "2022-09-11", 2),
               ("CL-3", "Izium", "holds", "ru", "2022-09-09", 1), ("CL-4", "Izium", "took", "ua", "2022-09-12", 4),
               ("CL-5", "Makiivka", "lost", "ua", "2022-11-01", 1))
    ch = diplomacy.control_changes(c)
    assert ch["key"].tolist() == ["Izium to UA", "Izium to UA", "Makiivka to RU"]
    assert ch["report"].tolist() == ["CL-1", "CL-2", "CL-5"]


def test_one_recapture_reported_four_times_is_one_episode():
    c = claims(("CL-1", "Balakliia", "took", "ua", "2022-09-08", 1),
               ("CL-2", "Balakliia", "lost", "ru", "2022-09-10", 2),
               ("CL-3", "Balakliia", "took", "ua", "2022-09-10", 1),
               ("CL-4", "Balakliia", "lost", "ru", "2022-09-12", 2),
               ("CL-5", "Izium", "took", "ua", "2022-09-10", 1),
               ("CL-6", "Balakliia", "took", "ua", "2022-09-25", 1),  # 13 days later: a new episode
               ("CL-7", "Balakliia", "took", "ru", "2022-09-26", 1))  # the other way round: its own episode
    ep = diplomacy.episodes(diplomacy.control_changes(c), gap_days=3)
    assert ep[["key", "day", "last_day", "reports"]].values.tolist() == [
        ["Balakliia to UA", D("2022-09-08"), D("2022-09-12"), 4],  # chained: 8 -> 10 -> 10 -> 12
        ["Izium to UA", D("2022-09-10"), D("2022-09-10"), 1],
        ["Balakliia to UA", D("2022-09-25"), D("2022-09-25"), 1],
        ["Balakliia to RU", D("2022-09-26"), D("2022-09-26"), 1]]
    assert len(diplomacy.episodes(diplomacy.control_changes(c), gap_days=0)) == 6  # 10 and 10 still one
    assert diplomacy.episodes(diplomacy.control_changes(c.iloc[0:0]), 3).empty


def test_strike_days_chain_into_episodes_and_settlements_drop_oblasts():
    ev = pd.DataFrame({"date_start": pd.to_datetime(["2022-10-10"] * 5 + ["2022-10-11"] * 5 + ["2022-10-20"] * 5
                                                    + ["2022-10-30"] * 2),
                       "date_prec": [1] * 17, "place_id": [f"p{i}" for i in range(17)]})
    ep = diplomacy.battlefield_episodes(pd.DataFrame(), ev, "major_strike", gap_days=3)
    assert ep[["day", "reports"]].values.tolist() == [[D("2022-10-10"), 2], [D("2022-10-20"), 1]]
    gaz = pd.DataFrame({"place_id": ["a", "b", "c"], "place_type": ["town", "oblast", "village"]})
    ctl = pd.DataFrame({"place_id": ["a", "b", "c", "zz"]})
    assert diplomacy.settlements(ctl, gaz)["place_id"].tolist() == ["a", "c"]
    with pytest.raises(ValueError, match="unknown kind"):
        diplomacy.battlefield_episodes(pd.DataFrame(), ev, "raids")


# --- selections and counts ---------------------------------------------------------------------------------


def test_topics_match_any_listed_topic_whole_words_only_and_days_are_zero_filled():
    st = pd.DataFrame({"statement_id": ["S1", "S2", "S3", "S4"], "utterance_id": ["U1", "U1", "U2", "U3"],
                       "date_start": pd.to_datetime(["2022-08-16", "2022-08-16", "2022-08-18", "2022-08-18"]),
                       "date_end": pd.to_datetime(["2022-08-16", "2022-08-16", "2022-08-18", "2022-08-18"]),
                       "date_prec": [1, 1, 1, 2], "topic": ["negotiations;annexation", "annexation", "nato", "nato"],
                       "stance": ["rejects", "rejects", "open", "open"]})
    sel = diplomacy.select(st, DAYS[0], DAYS[-1], max_date_prec=1, topics=["annexation"])
    assert sel["statement_id"].tolist() == ["S1", "S2"]
    assert diplomacy.select(st, DAYS[0], DAYS[-1], topics=["nat"]).empty
    assert diplomacy.select(st, DAYS[0], DAYS[-1], stances=["open"])["statement_id"].tolist() == ["S3", "S4"]
    u = diplomacy.utterances(diplomacy.select(st, DAYS[0], DAYS[-1], max_date_prec=1))
    counts = diplomacy.daily_counts(u, DAYS[0], DAYS[4])
    assert counts.tolist() == [0, 1, 0, 1, 0]  # two reports of U1 are one utterance; empty days are 0


# --- the event study ---------------------------------------------------------------------------------------


def test_a_known_effect_is_measured_exactly_and_its_interval_excludes_zero():
    y = bumped([9, 23, 41])  # 1 a day, 3 a day on the 3 days after each event
    res = diplomacy.event_study(y, y.index[[9, 23, 41]], k=3)
    assert res["contrast"] == pytest.approx(2.0)
    assert (res["before_total"], res["after_total"], res["event_days"]) == (9, 27, 3)
    assert res["n_shifts"] == 59 and res["p_value"] == pytest.approx(1 / 60)  # no shift reaches it
    assert 0 < res["ci_low"] <= res["effect"] <= res["ci_high"]
    assert res["degenerate"]  # most shifts see flat windows (contrast 0): no p-value is printed for it
    assert diplomacy.p_text(res).startswith("not reported")


def test_a_known_effect_in_noise_is_found_with_its_size_inside_the_interval():
    rng = np.random.default_rng(3)
    pos = [12, 20, 33, 41, 55, 70, 81]
    y = rng.poisson(2, len(DAYS))
    for e in pos:
        y[e + 1: e + 4] += 4  # 4 more a day on the 3 days after each event
    res = diplomacy.event_study(series(y), DAYS[pos], k=3)
    assert not res["degenerate"] and res["p_value"] < 0.05
    assert 0 < res["ci_low"] < 4 < res["ci_high"]
    assert diplomacy.conclusion(res, "control_change").startswith(
        "Statements were more frequent after control changes than the trend and clustering")


def test_no_effect_gives_an_interval_spanning_zero_and_says_no_evidence():
    rng = np.random.default_rng(7)
    y = series(rng.poisson(3, len(DAYS)))
    ev = DAYS[[12, 20, 33, 41, 55, 70, 81]]
    res = diplomacy.event_study(y, ev, k=3)
    assert res["ci_low"] < 0 < res["ci_high"] and res["p_value"] > 0.05
    assert diplomacy.conclusion(res, "control_change").startswith("No evidence that statements follow control changes.")


def test_the_null_keeps_the_trend_a_rising_series_without_effect_is_not_significant():
    """Statements rising from 0.2 to 8 a day with no event effect: after-minus-before is positive around
    almost any day, but against the circular-shift null it is not significant (at about the nominal rate)."""
    ev = DAYS[[24, 26, 27, 38, 47, 48, 50, 62, 78]]  # clustered, like the counteroffensive
    raw, significant = [], 0
    for seed in range(40):
        y = series(np.random.default_rng(seed).poisson(np.linspace(0.2, 8, len(DAYS))))
        res = diplomacy.event_study(y, ev, k=3)
        raw.append(res["contrast"])
        significant += res["ci_low"] > 0
    assert np.mean(raw) > 0.2  # the trend shows in the raw contrast ...
    assert significant <= 4  # ... but not as an effect (one-sided 2.5%: ~1 of 40 expected)


def test_a_constant_series_has_a_degenerate_null_and_no_p_value_is_printed():
    y = series(np.full(60, 2))
    res = diplomacy.event_study(y, y.index[[5, 15, 30, 40, 50]], k=3)
    assert res["contrast"] == 0 and res["degenerate"] and res["tie_share"] == 1.0
    assert diplomacy.p_text(res).startswith("not reported: degenerate null (100% of 59 shifts")
    text = diplomacy.conclusion(res, "control_change")
    assert "degenerate" in text and "p =" not in text


def test_profile_averages_each_relative_day_over_the_event_days_that_reach_it():
    y = bumped([9, 23, 41])
    prof = diplomacy.profile(y, y.index[[9, 23, 41]], horizon=14).set_index("rel_day")
    assert prof.loc[1:3, "mean"].tolist() == [3.0, 3.0, 3.0]
    assert prof.loc[-3:0, "mean"].tolist() == [1.0, 1.0, 1.0, 1.0]
    assert prof.loc[14, "events"] == 3
    assert diplomacy.profile(y, y.index[[9, 23, 50]], horizon=14).set_index("rel_day").loc[14, "events"] == 2
    assert (prof["null_low"] <= prof["null_high"]).all()


def test_no_events_or_no_statements_are_said_not_computed():
    y = series(np.zeros(30))
    res = diplomacy.event_study(y, [], k=3)
    assert np.isnan(res["contrast"]) and res["event_days"] == 0
    assert diplomacy.conclusion(res, "major_strike") == ("There are no battlefield episodes in this selection, "
                                                         "so there is nothing to test.")
    empty_st = pd.DataFrame({"speaker": pd.Series(dtype="str")})
    eps = diplomacy.episodes(pd.DataFrame(columns=["day", "key", "report"]), 3)
    figs = diplomacy.figures(empty_st, empty_st, eps, res)
    assert figs["after minus before (utterances per day)"] == "not computable"
    assert all(_clean_value(k, v) == v for k, v in figs.items())  # key_figures takes them (no NaN)
    assert diplomacy.profile(y, [], 14)["events"].eq(0).all()


def test_small_samples_are_stated_as_counts():
    y = bumped([9, 23, 41], n=60, base=0, bump=2)  # 18 utterances, all in the 3 days after an event
    text = diplomacy.conclusion(diplomacy.event_study(y, y.index[[9, 23, 41]], k=3), "control_change")
    assert text.startswith("The interval excludes zero (more statements after control changes), but it rests on "
                           "few numbers and is not read here as a pattern. The counts are small: 18 utterances over "
                           "60 days and 3 event days (control changes); 0 in the 3 days before event days and 18 in "
                           "the 3 days after")
    assert "per day in the 3 days after" not in text  # no rates from counts this small
    assert "One-sided p" not in text  # the null is degenerate here (most shifts see no utterances)
    y = bumped([9], n=30, base=0, bump=1)
    text = diplomacy.conclusion(diplomacy.event_study(y, y.index[[9]], k=3), "major_strike")
    assert text.startswith("Too few to test: 3 utterances over 30 days and 1 event day (major-strike days); 0 in")
