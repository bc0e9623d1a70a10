"""Timing of diplomatic statements around battlefield events."""

from __future__ import annotations

import numpy as np
import pandas as pd

EVENT_TYPES = ("control_took", "control_lost", "major_strike")


def battlefield_events(control: pd.DataFrame, events: pd.DataFrame, kinds: list[str],
                       major_min_places: int = 5) -> pd.DataFrame:
    """Dated battlefield events: control changes (one per place and day) and major strike days
    (days on which attacks hit at least `major_min_places` distinct places)."""
    parts = []
    precise = control[control["date_prec"] <= 2]
    for kind, claim in (("control_took", "took"), ("control_lost", "lost")):
        if kind in kinds:
            c = precise[precise["claim"] == claim]
            c = c.assign(day=c["date_end"]).drop_duplicates(["place_name", "day"])
            label = c["place_name"] + " (" + c["side"] + ")"
            parts.append(pd.DataFrame({"day": c["day"], "kind": kind, "label": label}))
    if "major_strike" in kinds:
        e = events[events["date_prec"] == 1]
        per_day = e.groupby("date_start")["place_id"].nunique()
        big = per_day[per_day >= major_min_places]
        parts.append(pd.DataFrame({"day": big.index, "kind": "major_strike",
                                   "label": big.astype("str").radd("strikes on ").add(" places").to_numpy()}))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["day", "kind", "label"])
    return out.drop_duplicates(["day", "kind"]).sort_values(["day", "kind"]).reset_index(drop=True)


def select(statements: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, speakers: list[str] | str = "all",
           max_date_prec: int = 2) -> pd.DataFrame:
    s = statements[(statements["date_start"] >= start) & (statements["date_end"] <= end)
                   & (statements["date_prec"] <= max_date_prec)]
    if speakers != "all":
        s = s[s["speaker_group"].isin(speakers)]
    return s


def utterances(statements: pd.DataFrame) -> pd.DataFrame:
    """One row per utterance (the clean's utterance_id): its first, most precisely dated report. Syndicated
    copies and retellings of one statement are counted once."""
    order = statements.sort_values(["utterance_id", "date_prec", "date_start", "statement_id"])
    return order.drop_duplicates("utterance_id").sort_values("statement_id").reset_index(drop=True)


def speaker_group(statements: pd.DataFrame) -> pd.Series:
    """Country of the speaker, with UA and RU kept apart from everyone else."""
    return statements["country"].where(statements["country"].isin(["UA", "RU"]), "third parties")


def lags(bevents: pd.DataFrame, statements: pd.DataFrame, max_days: int = 14) -> pd.DataFrame:
    """For each battlefield event, days until the first statement by each speaker group (within max_days)."""
    rows = []
    days = statements[["date_start", "speaker_group"]]
    for ev in bevents.itertuples(index=False):  # events are few (tens): a loop over them is fine
        after = days[(days["date_start"] >= ev.day) & (days["date_start"] <= ev.day + pd.Timedelta(days=max_days))]
        first = after.groupby("speaker_group")["date_start"].min()
        for grp, d in first.items():
            rows.append({"day": ev.day, "kind": ev.kind, "label": ev.label, "speaker_group": grp,
                         "lag_days": int((d - ev.day).days)})
    return pd.DataFrame(rows, columns=["day", "kind", "label", "speaker_group", "lag_days"])


def window_rate(bevents: pd.DataFrame, statements: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
                window_days: int, n_perm: int = 2000, seed: int = 1) -> dict[str, float]:
    """Statements per day within ±window_days of battlefield events, against a permutation baseline
    that places the same number of events on random days of the period. Returns the observed rate, the
    baseline mean, the one-sided p-value (share of permutations with a rate at least as high), and the
    permuted rates themselves under 'permutations' (for the figure)."""
    days = pd.date_range(start, end, freq="D")
    per_day = statements.groupby("date_start").size().reindex(days, fill_value=0).to_numpy()
    n = len(days)
    ev_idx = np.searchsorted(days.to_numpy(), bevents["day"].drop_duplicates().to_numpy())
    ev_idx = ev_idx[(ev_idx >= 0) & (ev_idx < n)]

    def rate(idx: np.ndarray) -> float:
        mask = np.zeros(n, dtype=bool)
        for i in idx:
            mask[max(0, i - window_days): i + window_days + 1] = True
        return float(per_day[mask].mean()) if mask.any() else float("nan")

    obs = rate(ev_idx)
    rng = np.random.default_rng(seed)
    perm = np.array([rate(rng.choice(n, size=len(ev_idx), replace=False)) for _ in range(n_perm)]) \
        if len(ev_idx) else np.array([np.nan])
    return {"events": int(len(ev_idx)), "observed_rate": round(obs, 3),
            "baseline_rate": round(float(np.nanmean(perm)), 3),
            "p_value": round(float(np.mean(perm >= obs)), 3) if len(ev_idx) else float("nan"),
            "days": n, "statements": int(per_day.sum()), "permutations": perm}
