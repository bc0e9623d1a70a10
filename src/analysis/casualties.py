"""Casualty reports: bands over time, reconciliation per incident, sensitivity to which reports count."""

from __future__ import annotations

import pandas as pd

from analysis.clean.reconcile import DEFAULT_RULE, RULES, current_new, reconcile
from analysis.load import within

ESTIMATES = ("low", "best", "high")
__all__ = ["DEFAULT_RULE", "ESTIMATES", "RULES", "current_new", "headline", "per_incident", "total"]


def total(values: pd.Series, best: pd.Series | None = None) -> tuple[int, bool]:
    """(sum, open) of one column over incidents. For a high column (give `best`): an incident with a best
    but no high is open above, so the total is open, and its floor counts that incident's best."""
    v = values.astype("Float64")
    is_open = False
    if best is not None:
        gap = v.isna() & best.notna()
        is_open = bool(gap.any())
        v = v.where(~gap, best.astype("Float64"))
    return int(v.sum()) if v.notna().any() else 0, is_open


def headline(inc: pd.DataFrame, measure: str, estimate: str) -> int | str:
    """A key figure for one measure and estimate: a whole number, or 'at least N' when the sum is open."""
    value, is_open = total(inc[f"{measure}_{estimate}"], inc[f"{measure}_best"] if estimate == "high" else None)
    return f"at least {value:,}" if is_open else value


def select(cas: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, oblast: str = "all",
           civilians_only: bool = False) -> pd.DataFrame:
    c = within(cas, start, end, oblast)
    if civilians_only:
        c = c[c["victim_group"] == "civilian"]
    return c


def per_incident(cas: pd.DataFrame, rule: str = DEFAULT_RULE) -> pd.DataFrame:
    """New-figure reports reconciled per incident by `rule` (clean/reconcile.py RULES; the default is the
    incidents table's): one row per incident, open highs left missing."""
    cur = current_new(cas)
    out = cur.groupby("incident_id").agg(
        date=("date_start", "min"), place=("place_name", "first"), oblast=("oblast", "first"),
        reports=("casualty_id", "size"), sources=("source_id", "nunique"), disagreement=("disagreement", "any"))
    figures = reconcile(cur, ("killed", "injured", "children_killed", "children_injured"), rule)
    return out.join(figures.round().astype("Int64")).reset_index()


def over_time(inc: pd.DataFrame, freq: str = "W") -> pd.DataFrame:
    """Killed and injured per period: low, best, high and high_open. An open period's high is its floor
    (closed highs plus the bests of the incidents open above), never a sum that silently drops them."""
    p = inc.assign(period=inc["date"].dt.to_period(freq))
    rows = []
    for what in ("killed", "injured"):
        best = p[f"{what}_best"].astype("Float64")
        gap = p[f"{what}_high"].isna() & best.notna()
        g = p.assign(_high=p[f"{what}_high"].astype("Float64").where(~gap, best), _open=gap).groupby("period")
        rows.append(pd.DataFrame({
            "measure": what, "low": g[f"{what}_low"].sum(min_count=1), "best": g[f"{what}_best"].sum(min_count=1),
            "high": g["_high"].sum(min_count=1), "high_open": g["_open"].any(),
        }).reset_index())
    out = pd.concat(rows, ignore_index=True)
    out["period_start"] = out["period"].dt.start_time
    return out


def sensitivity(cas: pd.DataFrame, estimate: str = "best", rule: str = DEFAULT_RULE) -> pd.DataFrame:
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
        rows.append(_sensitivity_row(name, per_incident(sub, rule), estimate))
    for name in RULES:
        if name != rule:
            rows.append(_sensitivity_row(f"all reports, rule '{name}'", per_incident(cas, name), estimate))
    return pd.DataFrame(rows)


def _sensitivity_row(name: str, inc: pd.DataFrame, estimate: str) -> dict:
    """Totals as numbers (for charts) with a flag where a high total is open and so only a floor."""
    row: dict = {"reports kept": name, "incidents": len(inc)}
    for m in ("killed", "injured"):
        row[m], row[f"{m} open above"] = total(inc[f"{m}_{estimate}"],
                                               inc[f"{m}_best"] if estimate == "high" else None)
    return row


def disagreements(cas: pd.DataFrame) -> pd.DataFrame:
    """Incidents whose current reports give different numbers, the reports side by side."""
    d = cas[cas["disagreement"].fillna(False) & (cas["status"] == "current")]
    cols = ["incident_id", "casualty_id", "place_name", "date_start", "killed_reported", "killed_best",
            "injured_reported", "injured_best", "claim_by", "claimant", "source_id"]
    return d[cols].sort_values(["incident_id", "casualty_id"])


def conflicts(incidents: pd.DataFrame) -> pd.DataFrame:
    """Incidents whose reports contradict each other (different tolls, one person killed and injured)."""
    d = incidents[incidents["conflict"].notna()]
    return d[["incident_id", "place_id", "date_start", "killed_best", "injured_best", "conflict"]]


def cumulative(cas: pd.DataFrame) -> pd.DataFrame:
    """Running-total figures (never summed): how each total grew report by report."""
    c = cas[cas["figure_type"] == "cumulative"]
    cols = ["place_name", "published", "cause", "killed_reported", "killed_low", "killed_best", "killed_high",
            "claim_by", "source_id"]
    return c[cols].sort_values(["place_name", "published"])
