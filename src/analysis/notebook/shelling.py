"""Shelling patterns: filters and tallies over the events table used by the shelling notebook."""

from __future__ import annotations

import pandas as pd

from analysis.notebook.load import within

FREQS = {"D": "day", "W": "week", "M": "month"}


def select(events: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, oblast: str = "all",
           weapon: str = "all", max_date_prec: int = 5) -> pd.DataFrame:
    """Events whose date range lies within [start, end], optionally one oblast / weapon / precision."""
    e = within(events, start, end, oblast)
    e = e[e["date_prec"] <= max_date_prec]
    if weapon != "all":
        e = e[e["weapon"] == weapon]
    return e


SCOPES = {"continuous": "the continuously covered record (days with a coded daily summary)",
          "all": "every coded report"}


def with_design(events: pd.DataFrame, coverage: pd.DataFrame) -> pd.DataFrame:
    """Events with the collection design of their report day, oblast and batch (table `coverage`)."""
    key = events["event_id"].str.extract(r"^[A-Z]+-([A-Z]+)\d", expand=False)
    cid = ("COV-" + events["published"].dt.strftime("%Y-%m-%d") + "-" + events["oblast"] + "-" + key)
    return events.assign(design=cid.map(coverage.set_index("coverage_id")["design"]).fillna("single_reports"))


def scope(events: pd.DataFrame, coverage: pd.DataFrame, which: str = "continuous") -> pd.DataFrame:
    """'continuous': only events from days and batches covered by continuous daily summaries; 'all': all.

    Data without a continuous record (an imported ACLED or UCDP export) has nothing to restrict to: every
    event is kept, as for 'all'."""
    e = with_design(events, coverage)
    continuous = e["design"] == "continuous_daily_summary"
    return e[continuous] if which == "continuous" and (coverage["design"] == "continuous_daily_summary").any() else e


def incidents(events: pd.DataFrame) -> pd.DataFrame:
    """One row per incident (reports of the same attack collapsed): its report with the most precise place,
    then the most precise date, as the incidents table chooses its place."""
    return (events.sort_values(["incident_id", "geo_prec", "date_prec", "date_start", "event_id"])
            .drop_duplicates("incident_id"))


def over_time(events: pd.DataFrame, freq: str = "W", by: str | None = None) -> pd.DataFrame:
    """Incident counts per period (by the start of each incident's date range), optionally split by `by`."""
    inc = incidents(events)
    period = inc["date_start"].dt.to_period(freq).rename("period")
    keys = [period] + ([inc[by]] if by else [])
    out = inc.groupby(keys, observed=True).size().rename("incidents").reset_index()
    out["period_start"] = out["period"].dt.start_time
    return out


def top_places(events: pd.DataFrame, level: str = "place_name", n: int = 15) -> pd.DataFrame:
    """Hotspots: incidents and reports per place (or raion/oblast), most-hit first."""
    inc = incidents(events)
    a = inc.groupby(level).size().rename("incidents")
    b = events.groupby(level).size().rename("reports")
    c = events.groupby(level)["source_id"].nunique().rename("sources")
    return (pd.concat([a, b, c], axis=1).fillna(0).astype("int64")
            .sort_values(["incidents", "reports"], ascending=False).head(n).reset_index())


def mix(events: pd.DataFrame, column: str) -> pd.DataFrame:
    """Share of incidents by a category; multi-valued cells (target_type) count once per value."""
    inc = incidents(events)
    s = inc[column].fillna("not reported")
    if column == "target_type":
        s = s.str.split(";").explode()
    counts = s.value_counts()
    return pd.DataFrame({column: counts.index, "incidents": counts.to_numpy(),
                         "share": (counts / len(inc)).round(3).to_numpy()})

PIVOT_SCOPES = {"place": "the named settlement only",
                "raion": "every row in the settlement's raion, raion-level rows included"}
DAY = pd.Timedelta(days=1)


def place_raion(gazetteer: pd.DataFrame, place: str) -> str | None:
    """The raion of a settlement (or the raion itself, when `place` is a raion name)."""
    g = gazetteer[(gazetteer["name"] == place) & gazetteer["raion"].notna()]
    settlements = g[~g["place_type"].isin(["raion", "oblast", "country", "river"])]
    if len(settlements):
        return str(settlements["raion"].iloc[0])
    return place if place in set(gazetteer["raion"].dropna()) else None


def at_place(incidents: pd.DataFrame, place: str, pivot_scope: str = "place",
             raion: str | None = None) -> pd.DataFrame:
    """Incidents at exactly the named place ('place'), or anywhere in its raion ('raion': settlements of the
    raion and raion-level rows). `raion` defaults to the place's raion as the rows give it."""
    if pivot_scope == "place":
        return incidents[incidents["place_name"] == place]
    if raion is None:
        named = incidents.loc[incidents["place_name"] == place, "raion"].dropna()
        raion = str(named.iloc[0]) if len(named) else place
    return incidents[incidents["raion"] == raion]


def windows(pivot: pd.Timestamp, window_days: int, start: pd.Timestamp, end: pd.Timestamp,
            pivot_end: pd.Timestamp | None = None) -> pd.DataFrame:
    """The before window [pivot - window_days, pivot) and the after window [pivot_end, pivot_end + window_days)
    clipped to the period [start, end]: first and last day (inclusive) and the real number of days (0 when the
    period has none of it). Days from pivot to pivot_end (a change of hands dated only to a range) are in
    neither."""
    pivot_end = pivot if pivot_end is None else pivot_end
    rows = []
    for name, lo, hi in (("before", pivot - window_days * DAY, pivot - DAY),
                         ("after", pivot_end, pivot_end + (window_days - 1) * DAY)):
        lo, hi = max(lo, start), min(hi, end)
        days = max((hi - lo).days + 1, 0)
        rows.append({"window": name, "first_day": lo if days else pd.NaT, "last_day": hi if days else pd.NaT,
                     "days": days})
    return pd.DataFrame(rows)


def count_in(incidents: pd.DataFrame, w: pd.Series) -> int:
    if not w["days"]:
        return 0
    return int(((incidents["date_start"] >= w["first_day"]) & (incidents["date_start"] <= w["last_day"])).sum())


def pivot_change(events: pd.DataFrame, place: str, pivot: pd.Timestamp, window_days: int = 30,
                 start: pd.Timestamp | None = None, end: pd.Timestamp | None = None, pivot_scope: str = "place",
                 raion: str | None = None) -> pd.DataFrame:
    """Incidents at a place (or its raion) in windows before and after a pivot date, clipped to the period
    [start, end] (default: unclipped) and labelled with their real lengths; per_day is over the clipped days
    (empty when a window has no day in the period)."""
    start = pivot - window_days * DAY if start is None else start
    end = pivot + window_days * DAY if end is None else end
    at = at_place(incidents(events), place, pivot_scope, raion)
    w = windows(pivot, window_days, start, end)
    w["incidents"] = [count_in(at, r) for _, r in w.iterrows()]
    w["per_day"] = [round(n / d, 3) if d else float("nan") for n, d in zip(w["incidents"], w["days"], strict=True)]
    w["label"] = [f"{r.window} ({r.days} days" + (f": {r.first_day:%d %b} to {r.last_day:%d %b %Y})" if r.days else ")")
                  for r in w.itertuples()]
    return w


def sources_per_day(events: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> float:
    """Reporting effort: distinct sources per day published from first to last day (inclusive)."""
    days = (last - first).days + 1
    if days <= 0:
        return float("nan")
    p = events[(events["published"] >= first) & (events["published"] <= last)]
    return p.groupby("published")["source_id"].nunique().sum() / days


def comparison_places(events: pd.DataFrame, claimed: set[str]) -> list[str]:
    """Comparison settlements: settlement-level places (geo_prec 1) with an incident in the selection and no
    control claim about them at all (a proxy for 'never occupied' in the period)."""
    inc = incidents(events)
    return sorted(set(inc.loc[inc["geo_prec"] == 1, "place_id"]) - claimed)


def recapture_did(events: pd.DataFrame, recaptured: pd.DataFrame, comparison: list[str], start: pd.Timestamp,
                  end: pd.Timestamp, window_days: int = 30, n_boot: int = 2000,
                  seed: int = 0) -> tuple[pd.DataFrame, dict]:
    """Stacked before/after study: for each recaptured settlement, incidents per day at it after minus before
    its recapture, less the same change in the mean incidents per place and day at the comparison places over
    the same (clipped) windows. Before ends the day before `earliest`, after starts on `since` (days changing
    hands are in neither). Settlements without a day in both windows are left out.

    Returns one row per settlement (counts as counts, days, rates) and a summary: the mean difference in
    differences with a 95% percentile interval from a bootstrap over recaptured and comparison settlements
    (seeded), and reporting effort (sources per day, all of the selection) in the same windows."""
    inc = incidents(events)
    comp = inc[inc["place_id"].isin(comparison)]
    rows, cb, ca = [], [], []
    n_comp = max(len(comparison), 1)
    for r in recaptured.itertuples():
        w = windows(r.earliest, window_days, start, end, pivot_end=r.since)
        b, a = w.iloc[0], w.iloc[1]
        if not b["days"] or not a["days"]:
            continue
        at = inc[inc["place_id"] == r.place_id]
        per_place = [(count_in(comp[comp["place_id"] == c], b), count_in(comp[comp["place_id"] == c], a))
                     for c in comparison]
        cb.append([x[0] / b["days"] for x in per_place])
        ca.append([x[1] / a["days"] for x in per_place])
        nb, na = count_in(at, b), count_in(at, a)
        rows.append({"place_name": r.place_name, "raion": r.raion, "earliest": r.earliest, "since": r.since,
                     "days_before": int(b["days"]), "days_after": int(a["days"]), "incidents_before": nb,
                     "incidents_after": na, "per_day_before": nb / b["days"], "per_day_after": na / a["days"],
                     "comparison_per_place_day_before": sum(x[0] for x in per_place) / n_comp / b["days"],
                     "comparison_per_place_day_after": sum(x[1] for x in per_place) / n_comp / a["days"],
                     "sources_per_day_before": sources_per_day(events, b["first_day"], b["last_day"]),
                     "sources_per_day_after": sources_per_day(events, a["first_day"], a["last_day"])})
    table = pd.DataFrame(rows)
    summary = {"settlements": len(table), "comparison places": len(comparison), "estimate": float("nan"),
               "low": float("nan"), "high": float("nan"), "incidents before": 0, "incidents after": 0,
               "sources per day before": float("nan"), "sources per day after": float("nan")}
    if table.empty or not comparison:
        return table.assign(did=float("nan")), summary
    table["did"] = ((table["per_day_after"] - table["per_day_before"])
                    - (table["comparison_per_place_day_after"] - table["comparison_per_place_day_before"]))
    import numpy as np

    treated = (table["per_day_after"] - table["per_day_before"]).to_numpy()
    cdiff = np.asarray(ca) - np.asarray(cb)  # settlement x comparison place
    rng = np.random.default_rng(seed)
    n, m = len(table), len(comparison)
    boots = np.empty(n_boot)
    for k in range(n_boot):
        i = rng.integers(0, n, n)
        j = rng.integers(0, m, m)
        boots[k] = (treated[i] - cdiff[np.ix_(i, j)].mean(axis=1)).mean()
    summary.update({"estimate": float(table["did"].mean()), "low": float(np.quantile(boots, 0.025)),
                    "high": float(np.quantile(boots, 0.975)),
                    "incidents before": int(table["incidents_before"].sum()),
                    "incidents after": int(table["incidents_after"].sum()),
                    "sources per day before": float(table["sources_per_day_before"].mean()),
                    "sources per day after": float(table["sources_per_day_after"].mean()),
                    "recaptured per day before": float(table["per_day_before"].mean()),
                    "recaptured per day after": float(table["per_day_after"].mean()),
                    "comparison per day before": float(table["comparison_per_place_day_before"].mean()),
                    "comparison per day after": float(table["comparison_per_place_day_after"].mean())})
    return table, summary


def did_conclusion(s: dict) -> str:
    """The study's result in words, worded with the caution its numbers allow."""
    if not s["settlements"] or not s["comparison places"]:
        return ("Not estimated: no recaptured settlement has days both before and after its recapture in this "
                "selection, or there is no comparison place.")
    n_inc = s["incidents before"] + s["incidents after"]
    est = (f"{s['estimate']:+.3f} incidents per settlement and day (95% bootstrap interval "
           f"{s['low']:+.3f} to {s['high']:+.3f})")
    parts = (f"Incidents per settlement and day went from {s['recaptured per day before']:.3f} to "
             f"{s['recaptured per day after']:.3f} at the recaptured settlements and from "
             f"{s['comparison per day before']:.3f} to {s['comparison per day after']:.3f} at the "
             f"{s['comparison places']} comparison places: of the difference, "
             f"{s['recaptured per day after'] - s['recaptured per day before']:+.3f} is the change at the "
             f"recaptured settlements and {s['comparison per day before'] - s['comparison per day after']:+.3f} "
             "the reverse of the change at the comparison places.")
    effort = (f"Reporting effort changed too: {s['sources per day before']:.1f} sources per day in the before "
              f"windows, {s['sources per day after']:.1f} in the after windows.")
    if s["low"] <= 0 <= s["high"]:
        verdict = (f"No evidence that reported shelling of recaptured settlements changed relative to the "
                   f"comparison places: {est}; the interval spans zero.")
    else:
        way = "rose" if s["estimate"] > 0 else "fell"
        verdict = (f"Reported incidents at recaptured settlements {way} relative to the comparison places: {est}. "
                   "This is a change in what was reported, not necessarily in what happened: before recapture "
                   "Ukrainian sources rarely report shelling inside occupied towns.")
    small = (f" Only {n_inc} incidents at {s['settlements']} recaptured settlements carry the estimate: read it "
             "as a description of these few reports, not a measured effect." if n_inc < 30 else "")
    return f"{verdict} {parts} {effort}{small}"


def per_period(events: pd.DataFrame, freq: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Every period from start to end (zero-filled): incidents by the start of their date range, the days of
    the period inside [start, end], whether the period is cut by the selection (`partial`), and reporting
    effort: distinct sources per day published in those days."""
    inc = incidents(events)
    periods = pd.period_range(start, end, freq=freq)
    counts = inc["date_start"].dt.to_period(freq).value_counts().reindex(periods, fill_value=0)
    rows = []
    for p in periods:
        first, last = max(p.start_time.normalize(), start), min(p.end_time.normalize(), end)
        full = (p.end_time.normalize() - p.start_time.normalize()).days + 1
        days = (last - first).days + 1
        rows.append({"period": p, "period_start": p.start_time.normalize(), "first_day": first, "last_day": last,
                     "days": days, "full_days": full, "partial": days < full, "incidents": int(counts[p]),
                     "sources_per_day": round(float(sources_per_day(events, first, last)), 3)})
    return pd.DataFrame(rows)
