"""Shelling patterns: filters and tallies over the events table used by the shelling notebook."""

from __future__ import annotations

import pandas as pd

from analysis.load import within

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


def pivot_change(events: pd.DataFrame, place: str, pivot: pd.Timestamp, window_days: int = 30) -> pd.DataFrame:
    """Incidents per day at a place (or raion) in equal windows before and after a pivot date."""
    inc = incidents(events)
    at = inc[(inc["place_name"] == place) | (inc["raion"] == place)]
    before = at[(at["date_start"] >= pivot - pd.Timedelta(days=window_days)) & (at["date_start"] < pivot)]
    after = at[(at["date_start"] >= pivot) & (at["date_start"] < pivot + pd.Timedelta(days=window_days))]
    return pd.DataFrame({"window": ["before", "after"], "days": [window_days, window_days],
                         "incidents": [len(before), len(after)],
                         "per_day": [round(len(before) / window_days, 3), round(len(after) / window_days, 3)]})
