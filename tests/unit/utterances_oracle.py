"""The pure-Python loop that clean/utterances.py ran before it was compiled with numba (utterance_kernel.py):
kept here, as it was, as the oracle the compiled loop is tested against (test_utterance_kernel.py). It takes
the rows (utterances.statement_rows) and their order and gives what utterances.link_rows gives: per row its
utterance and rule code, and the review queue's pairs in the order it listed them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.clean.linking import records
from analysis.clean.utterances import _RULES, AMBIGUOUS, APART, LEAD, PAIR_RULES, SAME


def _fits(x: dict, lead: dict) -> tuple[bool, bool]:
    """(dates fit, substance fits)"""
    if x["prec"] == 1 and lead["prec"] == 1:
        dates = abs(x["s"] - lead["s"]) <= 1
    else:
        dates = x["s"] <= lead["e"] + 1 and x["e"] >= lead["s"] - 1
    same = (bool(x["topics"] & lead["topics"]) and x["stance"] == lead["stance"]
            and (x["channel"] == lead["channel"] or "unknown" in (x["channel"], lead["channel"])))
    return dates, same


def link_rows(d: pd.DataFrame, order: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                                              np.ndarray]:
    n = len(d)
    label = np.full(n, -1, dtype=np.int64)
    rule = np.full(n, LEAD, dtype=object)
    pairs: list[tuple[int, int, str]] = []
    recs = records(d, list(d.columns))
    leaders: list[int] = []
    by_day: dict[tuple[str, int], list[int]] = {}  # (speaker, day) -> utterances whose leader spans the day
    for i in order.tolist():
        x = recs[i]
        fits = []
        near: dict[int, None] = {}
        for day in range(x["s"] - 1, x["e"] + 2):
            near.update(dict.fromkeys(by_day.get((x["who"], day), ())))
        for k in near:
            lead = recs[leaders[k]]
            dates, same = _fits(x, lead)
            if dates and same:
                fits.append((-len(x["topics"] & lead["topics"]), k))
            elif dates and x["s"] == lead["s"]:
                pairs.append((i, leaders[k], APART))
        if fits:
            best = min(f[0] for f in fits)
            top = [k for rank, k in fits if rank == best]
            if len(top) == 1:
                label[i], rule[i] = top[0], SAME
                continue
            pairs.extend((i, leaders[k], AMBIGUOUS) for k in top)
            rule[i] = AMBIGUOUS
        label[i] = len(leaders)
        leaders.append(i)
        if x["prec"] <= 2:  # a vaguely dated report never leads an utterance that others join
            for day in range(x["s"], x["e"] + 1):
                by_day.setdefault((x["who"], day), []).append(int(label[i]))
    code = np.array([_RULES.index(r) for r in rule], dtype=np.int64)
    return (label, code, np.array([p[0] for p in pairs], dtype=np.int64),
            np.array([p[1] for p in pairs], dtype=np.int64),
            np.array([PAIR_RULES.index(p[2]) for p in pairs], dtype=np.int64))
