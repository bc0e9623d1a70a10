"""Link reports of the same attack into incidents, and reconcile their casualty figures.

Two event reports belong to one incident when they name the same place and type of attack and their
date ranges overlap (or touch, within `window_days`). Casualty reports join the incident of their event;
those with no event join an incident at the same place whose dates overlap theirs, else form their own.
Within an incident, a later report by the same claimant supersedes an earlier one; reports by different
claimants stay side by side, and the incident records that they disagree.
"""

from __future__ import annotations

import pandas as pd


def link_events(events: pd.DataFrame, window_days: int = 0) -> pd.Series:
    """incident_id for every event: INC- + the first event id (by date, then id) of its incident."""
    if events.empty:
        return pd.Series(dtype="str", index=events.index)
    e = events[["event_id", "place_id", "event_type", "date_start", "date_end"]].sort_values(
        ["place_id", "event_type", "date_start", "event_id"])
    grp = (e["place_id"] + "|" + e["event_type"]).rename("g")
    reach = e.groupby(grp, sort=False)["date_end"].cummax() + pd.Timedelta(days=window_days)
    prev_reach = reach.groupby(grp, sort=False).shift(1)
    new = prev_reach.isna() | (e["date_start"] > prev_reach)
    run = new.cumsum()
    first = e["event_id"].groupby(run).transform("first")
    return ("INC-" + first).reindex(events.index)


def link_casualties(cas: pd.DataFrame, events: pd.DataFrame) -> pd.Series:
    """incident_id for every casualty report."""
    inc = cas["event_id"].map(events.set_index("event_id")["incident_id"])
    todo = inc.isna()
    if todo.any() and not events.empty:
        spans = events.groupby("incident_id").agg(place_id=("place_id", "first"),
                                                   s=("date_start", "min"), e=("date_end", "max")).reset_index()
        c = cas.loc[todo, ["casualty_id", "place_id", "date_start", "date_end"]].reset_index()
        m = c.merge(spans, on="place_id", how="inner")
        m = m[(m["date_start"] <= m["e"]) & (m["date_end"] >= m["s"])]
        m = m.sort_values(["index", "incident_id"]).drop_duplicates("index")
        inc.loc[m["index"].to_numpy()] = m["incident_id"].to_numpy()
    inc = inc.fillna("INC-" + cas["casualty_id"])
    return inc.astype("str")


def supersede(cas: pd.DataFrame) -> pd.DataFrame:
    """status, superseded_by and disagreement for casualty reports within each incident."""
    c = cas.sort_values(["incident_id", "figure_type", "claimant", "published", "casualty_id"])
    who = c["claim_by"].astype("str") + "|" + c["claimant"].fillna("").astype("str")
    keys = [c["incident_id"], c["figure_type"], who]
    later = c.groupby(keys, sort=False)["casualty_id"].transform("last")
    status = pd.Series("current", index=c.index, dtype="str").where(later == c["casualty_id"], "superseded")
    sup = later.where(status == "superseded").astype("str")
    cur = c[status == "current"]
    sig = cur["killed_best"].astype("str") + "/" + cur["injured_best"].astype("str")
    n_sig = sig.groupby([cur["incident_id"], cur["figure_type"]]).transform("nunique")
    dis = pd.Series(False, index=c.index, dtype="boolean")
    dis[cur.index] = n_sig > 1
    return pd.DataFrame({"status": status, "superseded_by": sup, "disagreement": dis}).reindex(cas.index)


def _lower_median(s: pd.Series) -> object:
    v = s.dropna().sort_values()
    return v.iloc[(len(v) - 1) // 2] if len(v) else pd.NA


def incidents_table(events: pd.DataFrame, cas: pd.DataFrame) -> pd.DataFrame:
    """One row per incident with its reports and reconciled new-casualty figures."""
    ev = events.groupby("incident_id").agg(
        place_id=("place_id", "first"), event_type=("event_type", "first"),
        date_start=("date_start", "min"), date_end=("date_end", "max"),
        n_ev=("event_id", "size"), event_ids=("event_id", lambda s: ";".join(sorted(s))))
    cur = cas[(cas["status"] == "current") & (cas["figure_type"] == "new")]
    agg = cur.groupby("incident_id").agg(
        killed_low=("killed_low", "min"), killed_best=("killed_best", _lower_median),
        killed_high=("killed_high", lambda s: pd.NA if s.isna().any() else s.max()),
        injured_low=("injured_low", "min"), injured_best=("injured_best", _lower_median),
        injured_high=("injured_high", lambda s: pd.NA if s.isna().any() else s.max()),
        disagreement=("disagreement", "any"))
    ca_n = cas.groupby("incident_id").size().rename("n_ca")
    srcs = pd.concat([events[["incident_id", "source_id"]], cas[["incident_id", "source_id"]]])
    n_src = srcs.groupby("incident_id")["source_id"].nunique().rename("n_sources")
    only = cas[~cas["incident_id"].isin(ev.index)].groupby("incident_id").agg(
        place_id=("place_id", "first"), event_type=("cause", "first"),
        date_start=("date_start", "min"), date_end=("date_end", "max"))
    ev = pd.concat([ev, only.assign(n_ev=0, event_ids="")])
    out = ev.join(agg, how="left").join(ca_n, how="left").join(n_src, how="left").reset_index()
    out["n_reports"] = (out["n_ev"] + out["n_ca"].fillna(0)).astype("Int64")
    out["disagreement"] = out["disagreement"].astype("boolean").fillna(False)
    for c in ("killed_low", "killed_best", "killed_high", "injured_low", "injured_best", "injured_high",
              "n_sources"):
        out[c] = pd.to_numeric(out[c], errors="coerce").astype("Int64")
    cols = ["incident_id", "place_id", "event_type", "date_start", "date_end", "n_reports", "n_sources",
            "event_ids", "killed_low", "killed_best", "killed_high", "injured_low", "injured_best",
            "injured_high", "disagreement"]
    return out[cols].sort_values("incident_id").reset_index(drop=True)
