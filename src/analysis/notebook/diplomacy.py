"""Timing of diplomatic statements around battlefield events, as an event study.

The unit of statements is the utterance (reports of one statement counted once); the unit of battlefield
events is the *episode* (one recapture reported four times is one change, not four). The question is
directional — do statements *follow* events? — so the study contrasts the days after an event with the days
before it, and judges that contrast against a null that keeps what a naive test loses: the strong trend of
statements over the period, their day-to-day dependence, and the clustering of events.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

EVENT_KINDS = ("control_change", "major_strike")
KIND_LABELS = {"control_change": "control changes", "major_strike": "major-strike days"}
SETTLEMENT_TYPES = ("village", "town", "city")
OTHER_SIDE = {"ua": "ru", "ru": "ua"}
HORIZON = 14  # days either side of an event in the profile
LEVEL = 0.95  # confidence level of the interval
DEGENERATE_SHARE = 0.2  # a null with this share of shifts on one value cannot carry a p-value
SMALL = 30  # fewer utterances or event days than this: numbers are stated as counts


# --- selections --------------------------------------------------------------------------------------------


def speaker_group(statements: pd.DataFrame) -> pd.Series:
    """Country of the speaker, with UA and RU kept apart from everyone else."""
    return statements["country"].where(statements["country"].isin(["UA", "RU"]), "third parties")


def _any_of(values: pd.Series, wanted: list[str]) -> pd.Series:
    """True where a ';'-separated cell names one of `wanted` (topic is multi-valued)."""
    pattern = r"(?:^|;)(?:" + "|".join(map(re.escape, wanted)) + r")(?:;|$)"
    return values.fillna("").str.contains(pattern, regex=True)


def select(statements: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, speakers: list[str] | str = "all",
           max_date_prec: int = 2, topics: list[str] | str = "all",
           stances: list[str] | str = "all") -> pd.DataFrame:
    """Statement reports dated inside the period (to within `max_date_prec`), by speaker group, topic (any of
    a statement's topics) and stance. Expects a `speaker_group` column when speakers is not 'all'."""
    s = statements[(statements["date_start"] >= start) & (statements["date_end"] <= end)
                   & (statements["date_prec"] <= max_date_prec)]
    if speakers != "all":
        s = s[s["speaker_group"].isin(speakers)]
    if topics != "all":
        s = s[_any_of(s["topic"], list(topics))]
    if stances != "all":
        s = s[s["stance"].isin(stances)]
    return s


def utterances(statements: pd.DataFrame) -> pd.DataFrame:
    """One row per utterance (the clean's utterance_id): its first, most precisely dated report. Syndicated
    copies and retellings of one statement are counted once."""
    order = statements.sort_values(["utterance_id", "date_prec", "date_start", "statement_id"])
    return order.drop_duplicates("utterance_id").sort_values("statement_id").reset_index(drop=True)


def daily_counts(utts: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    """Utterances per calendar day of the period, days without any kept as 0 (an empty day is data)."""
    days = pd.date_range(start, end, freq="D", name="day")
    return utts.groupby("date_start").size().reindex(days, fill_value=0).astype("int64").rename("utterances")


# --- battlefield episodes ----------------------------------------------------------------------------------


def settlements(control: pd.DataFrame, gazetteer: pd.DataFrame) -> pd.DataFrame:
    """Control claims about villages, towns and cities: an oblast, raion or river line changing hands is a
    summary of many changes, not one more."""
    kind = control["place_id"].map(gazetteer.drop_duplicates("place_id").set_index("place_id")["place_type"])
    return control[kind.isin(SETTLEMENT_TYPES)]


def control_changes(control: pd.DataFrame) -> pd.DataFrame:
    """Claims that a place changed hands (took / lost, dated to within 6 days), as the side that gained it:
    'Ukraine took Izium' and 'Russia lost Izium' are the same change."""
    c = control[(control["date_prec"] <= 2) & control["claim"].isin(["took", "lost"])]
    gainer = c["side"].where(c["claim"] == "took", c["side"].map(OTHER_SIDE))
    return pd.DataFrame({"day": c["date_end"], "key": c["place_name"] + " to " + gainer.str.upper(),
                         "report": c["claim_id"]}).dropna().reset_index(drop=True)


def strike_days(events: pd.DataFrame, min_places: int = 5) -> pd.DataFrame:
    """Days (exactly dated) on which attacks were reported on at least `min_places` distinct places."""
    e = events[events["date_prec"] == 1]
    per_day = e.groupby("date_start")["place_id"].nunique()
    big = per_day[per_day >= min_places]
    return pd.DataFrame({"day": big.index.to_numpy(), "key": "major strike",
                         "report": big.astype("str").radd("strikes on ").add(" places").to_numpy()})


def episodes(claims: pd.DataFrame, gap_days: int) -> pd.DataFrame:
    """Cluster dated claims (day, key, report) into episodes: claims with the same key (place and gaining side,
    or 'major strike') whose days are at most `gap_days` apart chain into one. An episode is dated by its
    first claim — the day the change was first known — and keeps how many reports it rests on."""
    cols = ["key", "day", "last_day", "reports"]
    if claims.empty:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in
                             zip(cols, ("str", "datetime64[ms]", "datetime64[ms]", "int64"), strict=True)})
    c = claims.sort_values(["key", "day"]).reset_index(drop=True)
    new = (c["key"] != c["key"].shift()) | (c["day"].diff() > pd.Timedelta(days=gap_days))
    out = c.groupby(new.cumsum()).agg(key=("key", "first"), day=("day", "min"), last_day=("day", "max"),
                                      reports=("report", "size"))
    return out.sort_values(["day", "key"]).reset_index(drop=True)[cols]


def battlefield_episodes(control: pd.DataFrame, events: pd.DataFrame, kind: str, gap_days: int = 3,
                         major_min_places: int = 5) -> pd.DataFrame:
    """Episodes of one kind: control changes of settlements, or runs of major-strike days."""
    if kind == "control_change":
        claims = control_changes(control)
    elif kind == "major_strike":
        claims = strike_days(events, major_min_places)
    else:
        raise ValueError(f"unknown kind {kind!r}: expected one of {EVENT_KINDS}")
    return episodes(claims, gap_days).assign(kind=kind)


# --- event study -------------------------------------------------------------------------------------------


def _positions(counts: pd.Series, days: pd.Series | np.ndarray) -> np.ndarray:
    """Positions of the distinct event days within the period (days outside it dropped)."""
    d = pd.DatetimeIndex(pd.unique(pd.to_datetime(pd.Series(days)).dropna())).sort_values()
    pos = counts.index.get_indexer(d)
    return pos[pos >= 0]


def _window(y: np.ndarray, idx: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """y at idx + offset for every event (and shift), NaN where that day is outside the period."""
    at = idx[..., None] + offsets
    inside = (at >= 0) & (at < len(y))
    return np.where(inside, y[np.clip(at, 0, len(y) - 1)], np.nan)


def _nanmean(a: np.ndarray, axis: int) -> np.ndarray:
    n = np.sum(~np.isnan(a), axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, np.nansum(a, axis=axis) / np.maximum(n, 1), np.nan)


def _contrast(y: np.ndarray, idx: np.ndarray, k: int) -> np.ndarray:
    """Mean over events of (mean count on days +1..+k) - (mean on days -k..-1); the event day itself is in
    neither, since a same-day statement cannot be ordered against the event. Works on (shifts, events) too."""
    after = _nanmean(_window(y, idx, np.arange(1, k + 1)), axis=-1)
    before = _nanmean(_window(y, idx, np.arange(-k, 0)), axis=-1)
    return _nanmean(after - before, axis=-1)


def shifts(n: int, idx: np.ndarray) -> np.ndarray:
    """Every circular shift of the event days over the n days of the period (shift 1..n-1), as rows: the
    events keep their spacing (clustering) and the statements keep their own series (trend, dependence)."""
    return (idx[None, :] + np.arange(1, n)[:, None]) % n


def profile(counts: pd.Series, days: pd.Series | np.ndarray, horizon: int = HORIZON,
            level: float = LEVEL) -> pd.DataFrame:
    """Mean utterances per day at each day from -horizon to +horizon around the event days, with how many
    event days reach that day inside the period, and the band the circular-shift null gives that mean."""
    y, idx = counts.to_numpy(dtype=float), _positions(counts, days)
    offsets = np.arange(-horizon, horizon + 1)
    if len(idx) == 0 or len(y) < 2:
        nan = np.full(len(offsets), np.nan)
        return pd.DataFrame({"rel_day": offsets, "mean": nan, "events": 0, "null_low": nan, "null_high": nan})
    win = _window(y, idx, offsets)
    null = _nanmean(_window(y, shifts(len(y), idx), offsets), axis=1)
    alpha = (1 - level) / 2
    with warnings.catch_warnings():  # a day no shift reaches inside the period has no band
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanquantile(null, [alpha, 1 - alpha], axis=0)
    return pd.DataFrame({"rel_day": offsets, "mean": _nanmean(win, axis=0),
                         "events": np.sum(~np.isnan(win), axis=0), "null_low": low, "null_high": high})


def event_study(counts: pd.Series, days: pd.Series | np.ndarray, k: int, level: float = LEVEL) -> dict:
    """Before/after contrast around event days with a circular-shift null and an interval.

    contrast: mean utterances per day on the k days after an event day minus the k days before (averaged
    over event days; windows clipped to the period). Under a rising trend this is positive with no effect at
    all, so it is judged against the same contrast with the event days circularly shifted over the period
    (all n-1 shifts: exact, no seed). effect = contrast - median of the null; its interval inverts the
    shift test (an additive effect d leaves contrast - d distributed as the null):
    [contrast - q_hi(null), contrast - q_lo(null)]. p_value is one-sided (after > before), counting the
    observed as one of the shifts. degenerate flags a null with >= DEGENERATE_SHARE of its shifts on one
    value, where a p-value says more about ties than about timing.
    """
    y, idx = counts.to_numpy(dtype=float), _positions(counts, days)
    n = len(y)
    before = _window(y, idx, np.arange(-k, 0))
    after = _window(y, idx, np.arange(1, k + 1))
    res = {"k": k, "days": n, "utterances": int(y.sum()), "event_days": int(len(idx)),
           "before_total": int(np.nansum(before)), "after_total": int(np.nansum(after)),
           "before_rate": float(np.nanmean(before)) if np.isfinite(before).any() else float("nan"),
           "after_rate": float(np.nanmean(after)) if np.isfinite(after).any() else float("nan"),
           "lag1_autocorr": _lag1(y), "level": level}
    obs = float(_contrast(y, idx, k)) if len(idx) and n > 1 else float("nan")
    null = _contrast(y, shifts(n, idx), k) if len(idx) and n > 1 else np.array([])
    null = null[np.isfinite(null)]
    res.update(contrast=obs, null=null, n_shifts=int(len(null)))
    if not np.isfinite(obs) or len(null) == 0:
        return res | {"effect": float("nan"), "ci_low": float("nan"), "ci_high": float("nan"),
                      "p_value": float("nan"), "tie_share": float("nan"), "degenerate": True}
    alpha = (1 - level) / 2
    q_lo, q_hi = np.quantile(null, [alpha, 1 - alpha])
    _, ties = np.unique(np.round(null, 9), return_counts=True)
    tie_share = float(ties.max() / len(null))
    return res | {"effect": obs - float(np.median(null)), "ci_low": obs - float(q_hi), "ci_high": obs - float(q_lo),
                  "p_value": float((1 + np.sum(null >= obs - 1e-12)) / (1 + len(null))),
                  "tie_share": tie_share, "degenerate": tie_share >= DEGENERATE_SHARE}


def _lag1(y: np.ndarray) -> float:
    """Lag-1 autocorrelation of the daily counts (why a test that treats days as independent misleads)."""
    if len(y) < 3 or np.std(y[:-1]) == 0 or np.std(y[1:]) == 0:
        return float("nan")
    return float(np.corrcoef(y[:-1], y[1:])[0, 1])


# --- words -------------------------------------------------------------------------------------------------


def _num(x: float, digits: int = 2) -> str:
    return f"{x:.{digits}f}".replace("-", "\u2212")


def p_text(res: dict) -> str:
    """The p-value as it may be cited, or why there is none."""
    if not np.isfinite(res.get("contrast", float("nan"))):
        return "not computable"
    if res["degenerate"]:
        return f"not reported: degenerate null ({res['tie_share']:.0%} of {res['n_shifts']} shifts on one value)"
    return f"{res['p_value']:.3f} (one-sided, {res['n_shifts']} circular shifts)"


def _n(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def conclusion(res: dict, kind: str) -> str:
    """A written conclusion worded with the caution the numbers allow: 'no evidence' when the interval spans
    zero, counts rather than rates when they are small, no p-value from a degenerate null."""
    what = KIND_LABELS.get(kind, kind)
    k = res["k"]
    if res["event_days"] == 0 or res["utterances"] == 0:
        missing = "no battlefield episodes" if res["event_days"] == 0 else "no utterances"
        return f"There are {missing} in this selection, so there is nothing to test."
    if not np.isfinite(res["contrast"]):
        return "No event day has days both before and after it inside the period: the contrast cannot be computed."
    counts = (f"{_n(res['utterances'], 'utterance')} over {res['days']} days and {_n(res['event_days'], 'event day')} "
              f"({what}); {res['before_total']} in the {k} days before event days and {res['after_total']} in the "
              f"{k} days after (windows of clustered events overlap, so some utterances are counted twice).")
    if res["utterances"] < 10 or res["event_days"] < 3:
        return (f"Too few to test: {counts} With numbers this small a difference in timing cannot be told "
                f"from chance; read the counts, not a rate.")
    interval = f"{res['level']:.0%} interval {_num(res['ci_low'])} to {_num(res['ci_high'])}"
    excess = (f"Against the circular-shift null, which keeps the trend and clustering, the excess after event "
              f"days is {_num(res['effect'])} utterances per day ({interval}).")
    p = ("The null distribution is degenerate, so no p-value is given." if res["degenerate"]
         else f"One-sided p = {res['p_value']:.3f}.")
    spans = res["ci_low"] <= 0 <= res["ci_high"]
    if res["utterances"] < SMALL or res["event_days"] < 5:
        verdict = (f"No evidence that statements follow {what}." if spans else
                   f"The interval excludes zero ({'more' if res['ci_low'] > 0 else 'fewer'} statements after "
                   f"{what}), but it rests on few numbers and is not read here as a pattern.")
        return f"{verdict} The counts are small: {counts} {excess} {p}"
    rates = (f"On average {_num(res['after_rate'])} utterances per day in the {k} days after an event day against "
             f"{_num(res['before_rate'])} in the {k} days before (raw contrast {_num(res['contrast'])}).")
    if spans:
        verdict = f"No evidence that statements follow {what}."
    elif res["ci_low"] > 0:
        verdict = (f"Statements were more frequent after {what} than the trend and clustering of statements "
                   f"alone explain; this is timing in one period, not evidence that the events caused them.")
    else:
        verdict = f"Statements were less frequent after {what} than before, beyond what the trend explains."
    return f"{verdict} {rates} {excess} {p} Counts: {counts}"


def figures(reports: pd.DataFrame, utts: pd.DataFrame, eps: pd.DataFrame, res: dict) -> dict[str, int | float | str]:
    """The notebook's key figures (rounded as cited; a number that cannot be computed says so)."""
    k = res["k"]

    def num(x: float) -> float | str:
        return round(float(x), 3) if np.isfinite(x) else "not computable"

    return {"statement reports": len(reports), "utterances": len(utts),
            "speakers": int(utts["speaker"].nunique()),
            "battlefield episodes": len(eps), "reports behind the episodes": int(eps["reports"].sum()),
            "event days": res["event_days"],
            f"utterances in the {k} days before event days": res["before_total"],
            f"utterances in the {k} days after event days": res["after_total"],
            "after minus before (utterances per day)": num(res["contrast"]),
            "excess over the circular-shift null (utterances per day)": num(res["effect"]),
            f"{res['level']:.0%} interval, low": num(res["ci_low"]),
            f"{res['level']:.0%} interval, high": num(res["ci_high"]),
            "p-value": p_text(res),
            "lag-1 autocorrelation of daily utterances": num(res["lag1_autocorr"])}
