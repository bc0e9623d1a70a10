"""The compiled statement-linking loop (clean/utterance_kernel.py) gives what the Python loop it replaced
gives (tests/unit/utterances_oracle.py): the same utterance and rule per row and the same review-queue pairs
in the same order, on random crowds of statements: few speakers (one missing), few days, overlapping topic
sets (no topic at all is the topic ''), a missing stance or channel, vague dates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import utterances_oracle
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.clean import utterances

SPEAKERS = ["Pope Francis", "Papa Francesco", "Olaf Scholz", "Olaf  Scholz", None]
TOPICS = ["peace_talks", "nuclear", "war_end", "annexation", "peace_talks;nuclear", "nuclear;war_end;annexation",
          None, "nuclear;nuclear"]


def statements(seed: int, n: int, n_days: int, n_speakers: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    day0 = np.datetime64("2022-10-01")
    s = day0 + rng.integers(0, max(n_days, 1), n)
    width = rng.choice([0, 0, 0, 1, 2, 6, 30], n)
    prec = np.where(width == 0, 1, np.where(width <= 2, 2, np.where(width == 6, 3, 4)))
    prec = np.where(rng.random(n) < 0.05, 5, prec)
    speakers = SPEAKERS[:max(n_speakers, 1)] + ([None] if rng.random() < 0.3 else [])
    df = pd.DataFrame({
        "statement_id": [f"ST-{i:04d}" for i in rng.permutation(n)],
        "speaker": pd.Series(rng.choice(np.array(speakers, dtype=object), n), dtype="str"),
        "date_start": pd.to_datetime(s), "date_end": pd.to_datetime(s + width),
        "date_prec": pd.array(np.where(rng.random(n) < 0.05, -1, prec), dtype="Int64"),
        "topic": pd.Series(rng.choice(np.array(TOPICS, dtype=object), n), dtype="str"),
        "stance": pd.Series(rng.choice(np.array(["proposes", "rejects", None], dtype=object), n), dtype="str"),
        "channel": pd.Series(rng.choice(np.array(["speech", "unknown", "interview", None], dtype=object), n),
                             dtype="str")})
    df["date_prec"] = df["date_prec"].mask(df["date_prec"] < 0)
    return df


def assert_same(df: pd.DataFrame) -> None:
    d = utterances.statement_rows(df)
    if d["who"].isna().any():  # the object sort of missing speakers against names: not for this test
        d["who"] = d["who"].fillna("")
    order = np.lexsort((d["rid"].to_numpy(dtype=object), d["e"].to_numpy(), d["s"].to_numpy(),
                        d["prec"].to_numpy(), d["who"].to_numpy(dtype=object)))
    got, want = utterances.link_rows(d, order), utterances_oracle.link_rows(d, order)
    for g, w, what in zip(got, want, ("label", "rule", "pair row", "pair leader", "pair rule"), strict=True):
        np.testing.assert_array_equal(g, w, err_msg=what)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 80), n_days=st.integers(1, 8),
       n_speakers=st.integers(1, 4))
def test_compiled_loop_agrees_with_the_oracle(seed, n, n_days, n_speakers):
    assert_same(statements(seed, n, n_days, n_speakers))


def test_the_crowds_reach_every_rule_and_pair_rule():
    got = [utterances.link_rows(d, np.lexsort((d["rid"].to_numpy(dtype=object), d["s"].to_numpy(),
                                                d["prec"].to_numpy(), d["who"].fillna("").to_numpy(dtype=object))))
           for d in (utterances.statement_rows(statements(seed, 80, 3, 2)) for seed in range(20))]
    assert set(np.concatenate([g[1] for g in got]).tolist()) == {0, 1, 2}
    assert set(np.concatenate([g[4] for g in got]).tolist()) == {0, 1}


def test_many_pairs_grow_the_room():
    """More pairs than the first room (1,024): the loop runs again with more and gives all of them."""
    n = 400
    df = pd.DataFrame({"statement_id": [f"ST-{i:04d}" for i in range(n)], "speaker": "Olaf Scholz",
                       "date_start": pd.Timestamp("2022-10-01"), "date_end": pd.Timestamp("2022-10-01"),
                       "date_prec": pd.array([1] * n, dtype="Int64"), "topic": [f"t{i}" for i in range(n)],
                       "stance": "proposes", "channel": "speech"})
    d = utterances.statement_rows(df)
    order = np.arange(n)
    got, want = utterances.link_rows(d, order), utterances_oracle.link_rows(d, order)
    assert len(want[2]) > 1024
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)


def test_an_order_that_mixes_speakers_is_refused():
    d = utterances.statement_rows(statements(1, 30, 3, 3))
    mixed = np.argsort(d["rid"].to_numpy(dtype=object))
    if np.count_nonzero(np.diff(pd.factorize(d["who"])[0][mixed])) + 1 != d["who"].nunique(dropna=False):
        try:
            utterances.link_rows(d, mixed)
        except ValueError:
            return
        raise AssertionError("mixed speakers accepted")
