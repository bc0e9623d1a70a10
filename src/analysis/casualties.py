"""Casualty reports: bands over time, reconciliation per incident, sensitivity to which reports count."""

from __future__ import annotations

import pandas as pd

from analysis.clean.incidents import current_new, reconcile
from analysis.load import within

ESTIMATES = ("low", "best", "high")


def select(cas: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, oblast: str = "all",
           civilians_only: bool = False) -> pd.DataFrame:
    c = within(cas, start, end, oblast)
    if civilians_only:
        c = c[c["victim_group"] == "civilian"]
    return c


def per_incident(cas: pd.DataFrame) -> pd.DataFrame:
    """New-figure reports reconciled per incident: min low, lower-median best, max high (open if any open)."""
    cur = current_new(cas)
    out = cur.groupby("incident_id").agg(
        date=("date_start", "min"), place=("place_name", "first"), oblast=("oblast", "first"),
        reports=("casualty_id", "size"), sources=("source_id", "nunique"), disagreement=("disagreement", "any"))
    figures = reconcile(cur, ("killed", "injured", "children_killed", "children_injured"))
    return out.join(figures.astype("Int64")).reset_index()


def over_time(inc: pd.DataFrame, freq: str = "W") -> pd.DataFrame:
    """Killed and injured per period with low / best / high (high summed only where every incident bounds it)."""
    p = inc.assign(period=inc["date"].dt.to_period(freq))
    g = p.groupby("period")
    rows = []
    for what in ("killed", "injured"):
        high = g[f"{what}_high"]
        rows.append(pd.DataFrame({
            "measure": what, "low": g[f"{what}_low"].sum(min_count=1), "best": g[f"{what}_best"].sum(min_count=1),
            "high": high.sum(min_count=1).where(high.count() == high.size()),  # open when any incident is open
        }).reset_index())
    out = pd.concat(rows, ignore_index=True)
    out["period_start"] = out["period"].dt.start_time
    return out


def sensitivity(cas: pd.DataFrame, estimate: str = "best") -> pd.DataFrame:
    """How the killed / injured totals move when only some reports are kept."""
    subsets = {
        "all reports": cas,
        "confirmed only": cas[cas["confirmed"] == "yes"],
        "Ukrainian official or regional sources": cas[cas["claim_by"].isin(["ua_official", "regional_admin"])],
        "Russian official sources": cas[cas["claim_by"].isin(["ru_official", "ru_proxy_official"])],
        "media and international": cas[cas["claim_by"].isin(["media", "international_body", "third_state"])],
    }
    rows = []
    for name, sub in subsets.items():
        inc = per_incident(sub)
        rows.append({"reports kept": name, "incidents": len(inc),
                     "killed": inc[f"killed_{estimate}"].sum(min_count=1),
                     "injured": inc[f"injured_{estimate}"].sum(min_count=1)})
    out = pd.DataFrame(rows)
    out[["killed", "injured"]] = out[["killed", "injured"]].astype("Int64").fillna(0)
    return out


def disagreements(cas: pd.DataFrame) -> pd.DataFrame:
    """Incidents whose current reports give different numbers, the reports side by side."""
    d = cas[cas["disagreement"].fillna(False) & (cas["status"] == "current")]
    cols = ["incident_id", "casualty_id", "place_name", "date_start", "killed_reported", "killed_best",
            "injured_reported", "injured_best", "claim_by", "claimant", "source_id"]
    return d[cols].sort_values(["incident_id", "casualty_id"])


def cumulative(cas: pd.DataFrame) -> pd.DataFrame:
    """Running-total figures (never summed): how each total grew report by report."""
    c = cas[cas["figure_type"] == "cumulative"]
    cols = ["place_name", "published", "cause", "killed_reported", "killed_low", "killed_best", "killed_high",
            "claim_by", "source_id"]
    return c[cols].sort_values(["place_name", "published"])
