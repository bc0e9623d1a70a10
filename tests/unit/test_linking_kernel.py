"""The compiled linking loop (linking_kernel.link_loop, through linking.link) gives what the pure-Python loop it
replaced gives (tests/unit/linking_oracle.py): the same incident and rule per report and the same review-queue
pairs, on random report frames built to reach every branch of the rules, and on the shipped data."""

from __future__ import annotations

from pathlib import Path

import linking_oracle
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.clean import linking
from analysis.clean.times import PARTS

# place -> (level, raion, oblast): settlements in two raions of one oblast and one of another, a settlement with
# no raion, the raions themselves, the oblasts, the country, and a second place for a raion and an oblast
PLACES = {"s1": (1, "R1", "O1"), "s2": (1, "R1", "O1"), "s3": (1, "R2", "O1"), "s4": (1, "R3", "O2"),
          "s5": (1, None, "O1"), "r1": (2, "R1", "O1"), "r2": (2, "R2", "O1"), "r3": (2, "R3", "O2"),
          "o1": (3, None, "O1"), "o2": (3, None, "O2"), "ua": (4, None, None),
          "r1b": (2, "R1", "O1"), "o1b": (3, None, "O1")}  # (two names of one area: neither inside the other)
# (class, generic): specific attacks, plain shelling, a casualty of unknown cause, kinds that link only to themselves
TYPES = [("shelling", False), ("shelling", True), ("missile_strike", False), ("air_strike", False),
         ("drone_strike", False), ("any", True), ("remote_explosive", False), ("other", False),
         ("execution", False), ("protest", False)]
VICTIMS = [None, None, "civilian", "military", "unknown", "mixed", "other"]
DAY0 = 19000


def frame(seed: int, n: int, n_places: int, n_days: int, villages: int = 0) -> pd.DataFrame:
    """n reports as linking.reports makes them, drawn around few places and days so that they meet: clock times
    across midnight, parts of the day, two-day nights, series of daily summaries, vague dates, areas, crowds
    (`villages` more settlements in the first raion: an area report there has more than NEARBY_CAP incidents
    around it)."""
    rng = np.random.default_rng(seed)
    places = PLACES | {f"v{j}": (1, "R1", "O1") for j in range(villages)}
    names = list(PLACES)[:max(n_places, 1)] + ["ua"] + [f"v{j}" for j in range(villages)]
    place = rng.choice(names, n)
    level = np.array([places[p][0] for p in place])
    s = DAY0 + rng.integers(0, max(n_days, 1), n)
    width = rng.choice([0, 0, 0, 1, 1, 2, 5, 6, 9, 30], n)
    prec = np.where(width == 0, 1, np.where(width <= 5, 2, np.where(width == 6, 3, 4)))
    prec = np.where(rng.random(n) < 0.03, 5, prec)
    hour = np.where(rng.random(n) < 0.4, rng.choice([0, 1, 2, 3, 5, 6, 9, 11, 12, 17, 18, 21, 22, 23], n), np.nan)
    tod = np.where(rng.random(n) < 0.4, rng.choice(PARTS, n), None)
    types = rng.integers(0, len(TYPES), n)
    victim = np.array(VICTIMS, dtype=object)[rng.integers(0, len(VICTIMS), n)]
    series = np.where(rng.random(n) < 0.25, rng.choice(["gov|a", "gov|b", "mod|c"], n), None)
    return pd.DataFrame({
        "rid": [f"R{i:05d}" for i in rng.permutation(n)], "kind": "event", "pos": np.arange(n),
        "cls": [TYPES[t][0] for t in types], "generic": [TYPES[t][1] for t in types], "hour": hour,
        "tod": pd.Series(tod, dtype=object), "victim": pd.Series(victim, dtype=object), "place_id": place,
        "raion": [places[p][1] for p in place], "oblast": [places[p][2] for p in place],
        "s": s, "e": s + width, "level": level, "precise": prec <= 2, "prec": prec,
        "series": pd.Series(series, dtype=object)})


def assert_same(r: pd.DataFrame) -> linking.Linked:
    """linking.link and the oracle agree on r: labels, rules, and the review queue's pairs (as a set: the queue
    is sorted downstream, and the compiled loop meets the incidents nearby in another order)."""
    got, want = linking.link(r), linking_oracle.link(r)
    np.testing.assert_array_equal(got.label, want.label)
    assert got.rule.tolist() == want.rule.tolist()
    key = ["a", "b", "why"]
    pd.testing.assert_frame_equal(got.candidates.sort_values(key, ignore_index=True),
                                  want.candidates.sort_values(key, ignore_index=True))
    return want


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 60), n_places=st.integers(1, len(PLACES)),
       n_days=st.integers(1, 6))
def test_compiled_loop_agrees_with_the_oracle_on_small_frames(seed, n, n_places, n_days):
    assert_same(frame(seed, n, n_places, n_days))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(300, 1500), n_days=st.integers(1, 4),
       villages=st.integers(0, 400))
def test_compiled_loop_agrees_with_the_oracle_in_crowds(seed, n, n_days, villages):
    # hundreds of reports on a few days in one oblast: more than MAX_CANDIDATES fits, more than NEARBY_CAP nearby
    assert_same(frame(seed, n, len(PLACES), n_days, villages))


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 200), n_days=st.integers(1, 6))
def test_the_packed_order_is_the_order_of_the_nine_keys(seed, n, n_days):
    r = frame(seed, n, len(PLACES), n_days)
    np.testing.assert_array_equal(linking._order(r), linking_oracle._order(r))


def test_the_frames_reach_every_rule_and_pair_reason():
    rules, why = set(), set()
    for seed in range(40):
        want = assert_same(frame(seed, 400 if seed % 4 == 0 else 40, len(PLACES), 1 + seed % 4,
                                 villages=300 if seed % 8 == 0 else 0))
        rules |= set(want.rule.tolist())
        why |= set(want.candidates["why"].tolist())
    assert rules == set(linking.RULES)
    assert why == {0, 1, 2}


def test_an_empty_frame():
    got = linking.link(frame(0, 1, 1, 1).iloc[:0])
    assert len(got.label) == 0 and len(got.candidates) == 0


@pytest.mark.integration
def test_compiled_loop_agrees_with_the_oracle_on_the_shipped_data(processed: Path):
    events = pd.read_parquet(processed / "events.parquet")
    cas = pd.read_parquet(processed / "casualties.parquet")
    assert_same(linking.reports(events, cas))


def test_the_kernel_is_compiled_without_a_cache_where_none_is_writable(monkeypatch):
    # numba raises RuntimeError when asked to cache a function with nowhere to write (read-only package and home)
    from analysis.clean import linking_kernel

    asked = []

    def njit(func=None, *, cache=False, nogil=False):
        asked.append(nogil)
        if func is not None:
            return ("compiled", func)

        def cached(f):
            raise RuntimeError("cannot cache function: no locator available")
        return cached

    monkeypatch.setattr(linking_kernel, "njit", njit)
    assert linking_kernel._compiled(len) == ("compiled", len)
    assert asked == [True, True]  # both ways release the GIL (the clean's second thread runs meanwhile)


def test_the_compiled_loops_release_the_gil():
    """The loops run while the clean's second thread cleans and links the statements (pipeline._beside): a loop
    that held the GIL would stop that thread for its seconds."""
    from analysis.clean import linking_kernel, utterance_kernel

    for loop in (linking_kernel._run, utterance_kernel._run):
        assert loop.targetoptions.get("nogil") is True
