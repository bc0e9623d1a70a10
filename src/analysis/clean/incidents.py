"""Link reports of the same attack into incidents, and reconcile their casualty figures.

Two event reports belong to one incident when they name the same place and type of attack and their
date ranges overlap (or touch, within `window_days`); only reports dated to within a few days (date_prec
1-2) are linked, so a vague 'over the past week' cannot swallow a week of separate attacks. Casualty
reports join the incident of their event; those with no event join an incident at the same place, of the
type their cause implies, whose dates overlap theirs, else form their own. Within an incident, a later
report by the same claimant about the same group of victims supersedes an earlier one (rows of one report
never supersede each other); reports by different claimants stay side by side, and the incident records
that they disagree.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.clean import fast
from analysis.clean.places import skeleton

LINK_MAX_PREC = 2
#: the event type a casualty cause implies, for linking casualty reports that name no event
CAUSE_TO_TYPE = {"shelling": "shelling", "missile_strike": "missile_strike", "air_strike": "air_strike",
                 "drone_strike": "drone_strike", "landmine": "remote_explosive"}


def link_events(events: pd.DataFrame, window_days: int = 0) -> pd.Series:
    """incident_id for every event: INC- + the first event id (by date, then id) of its incident."""
    if events.empty:
        return pd.Series(dtype="str", index=events.index)
    n = len(events)
    # integers in place of text: place and type as codes, event ids as their rank in sort order
    place, etype = fast.codes(events["place_id"]), fast.codes(events["event_type"])
    group = place * (int(etype.max()) + 1) + etype
    alone = (events["date_prec"] > LINK_MAX_PREC).to_numpy(dtype=bool, na_value=False)
    group[alone] = -1 - np.flatnonzero(alone)  # imprecise reports stay alone: each in a group of its own
    start, end = _seconds(events["date_start"]), _seconds(events["date_end"]) + window_days * 86_400
    order = np.lexsort((fast.ranks(events["event_id"]), start, group))  # by group, date, then id
    g, st, en = group[order], start[order], end[order]
    first_of_group = np.r_[True, g[1:] != g[:-1]]
    reach = pd.Series(en).groupby(g, sort=False).cummax().to_numpy()  # latest end so far in the group
    new = first_of_group | (st > np.r_[np.iinfo("int64").min, reach[:-1]])
    run = np.cumsum(new) - 1
    firsts = order[np.flatnonzero(new)]  # each incident's first event
    ids = fast.arrow(events["event_id"]).take(pa.array(firsts)).combine_chunks()
    inc = pc.binary_join_element_wise(pa.scalar("INC-", ids.type), ids, pa.scalar("", ids.type)).take(pa.array(run))
    out = np.empty(n, dtype=np.int64)
    out[order] = np.arange(n)
    return pd.Series(pd.array(inc.take(pa.array(out)), dtype="str"), index=events.index)


def _seconds(s: pd.Series) -> np.ndarray:
    return s.to_numpy(dtype="datetime64[s]").view("int64")


def link_casualties(cas: pd.DataFrame, events: pd.DataFrame) -> pd.Series:
    """incident_id for every casualty report."""
    inc = fast.map_series(cas["event_id"], events.set_index("event_id")["incident_id"])
    todo = inc.isna()
    if todo.any() and not events.empty:
        spans = events.groupby("incident_id").agg(place_id=("place_id", "first"), event_type=("event_type", "first"),
                                                   s=("date_start", "min"), e=("date_end", "max")).reset_index()
        c = cas.loc[todo, ["casualty_id", "place_id", "date_start", "date_end", "cause"]].reset_index()
        c["event_type"] = c["cause"].map(CAUSE_TO_TYPE)
        m = _overlapping(c.dropna(subset=["event_type"]), spans)
        inc.loc[m.index.to_numpy()] = m.to_numpy()
    inc = inc.fillna("INC-" + cas["casualty_id"])
    return inc.astype("str")


_SHORT_DAYS = 62  # ranges up to this long are matched day by day; longer ones pair by place and type


def _days(s: pd.Series) -> np.ndarray:
    return s.to_numpy().astype("datetime64[D]").astype("int64")


def _expand(df: pd.DataFrame, start: str, end: str) -> pd.DataFrame:
    """One row per day of each row's [start, end] range, as column `day` (days since the epoch)."""
    a, b = _days(df[start]), _days(df[end])
    n = np.maximum(b - a + 1, 0)
    rows = np.repeat(np.arange(len(df)), n)
    offset = np.arange(len(rows)) - np.repeat(np.cumsum(n) - n, n)
    out = df.iloc[rows].reset_index(drop=True)
    out["day"] = a[rows] + offset
    return out


def _overlapping(c: pd.DataFrame, spans: pd.DataFrame) -> pd.Series:
    """For each casualty row (column `index` = its label in cas), the smallest incident_id among the spans
    at the same place and type whose dates overlap its own. Same answer as joining every casualty with
    every span of its place and type, without the quadratic join: short ranges meet day by day."""
    keys = ["place_id", "event_type"]
    long_c = (_days(c["date_end"]) - _days(c["date_start"])) > _SHORT_DAYS
    long_s = (_days(spans["e"]) - _days(spans["s"])) > _SHORT_DAYS
    parts = []
    # short with short: expand both into days (spans reduced to the smallest id per place, type and day)
    sd = _expand(spans.loc[~long_s, ["incident_id", *keys, "s", "e"]], "s", "e")
    sd = sd.groupby([*keys, "day"], sort=False)["incident_id"].min().reset_index()
    cd = _expand(c.loc[~long_c, ["index", *keys, "date_start", "date_end"]], "date_start", "date_end")
    parts.append(cd.merge(sd, on=[*keys, "day"], how="inner")[["index", "incident_id"]])
    # anything long: pair by place and type, then test the overlap
    for cc, ss in ((c[long_c], spans), (c[~long_c], spans[long_s])):
        if len(cc) and len(ss):
            m = cc[["index", *keys, "date_start", "date_end"]].merge(ss[["incident_id", *keys, "s", "e"]], on=keys)
            m = m[(m["date_start"] <= m["e"]) & (m["date_end"] >= m["s"])]
            parts.append(m[["index", "incident_id"]])
    allm = pd.concat(parts, ignore_index=True)
    if allm.empty:
        return pd.Series(dtype="str")
    return allm.groupby("index")["incident_id"].min()


def supersede(cas: pd.DataFrame) -> pd.DataFrame:
    """status, superseded_by and disagreement for casualty reports within each incident."""
    c = cas[["incident_id", "figure_type", "published", "casualty_id", "claim_by", "claimant", "victim_group",
             "source_id", "killed_best", "injured_best"]].sort_values(["incident_id", "figure_type", "published",
                                                                       "casualty_id"])
    names = pd.Series(pd.unique(c["claimant"].dropna()))
    folded = dict(zip(names, names.map(skeleton), strict=True))  # Sinegubov = Syniehubov = Синєгубов
    who = c["claim_by"].astype("str") + "|" + c["claimant"].map(folded).astype("str").fillna("")
    keys = [c["incident_id"], c["figure_type"], c["victim_group"].astype("str"), who]
    later = c.groupby(keys, sort=False)["casualty_id"].transform("last")
    later_src = c.groupby(keys, sort=False)["source_id"].transform("last")
    keep = (later == c["casualty_id"]) | (later_src == c["source_id"])
    status = pd.Series("current", index=c.index, dtype="str").where(keep, "superseded")
    sup = later.where(status == "superseded").astype("str")
    cur = c[status == "current"]
    dis = pd.Series(False, index=c.index, dtype="boolean")
    dis[cur.index] = disagreement(cur)
    return pd.DataFrame({"status": status, "superseded_by": sup, "disagreement": dis}).reindex(cas.index)


def current_new(cas: pd.DataFrame) -> pd.DataFrame:
    """The casualty reports an incident's figures are reconciled over: current (not superseded), new (not
    cumulative) figures."""
    return cas[(cas["status"] == "current") & (cas["figure_type"] == "new")]


def disagreement(cur: pd.DataFrame) -> pd.Series:
    """For each current report: do the current reports of its incident and figure type give different
    (killed best, injured best) pairs? A missing figure counts as its own value."""
    sig = cur["killed_best"].fillna(-1).astype("str") + "/" + cur["injured_best"].fillna(-1).astype("str")
    return sig.groupby([cur["incident_id"], cur["figure_type"]]).transform("nunique") > 1


def _group_lower_median(values: pd.Series, keys: pd.Series) -> pd.Series:
    """Lower median of each group: the ((n - 1) // 2)-th of the group's sorted non-missing values."""
    d = pd.DataFrame({"k": keys, "v": values}).dropna(subset=["v"]).sort_values(["k", "v"], kind="stable")
    g = d.groupby("k", sort=False)["v"]
    pick = g.cumcount() == (g.transform("size") - 1) // 2
    return d.loc[pick].set_index("k")["v"]


def _group_max_unless_open(values: pd.Series, keys: pd.Series) -> pd.Series:
    """Per group: the maximum, or missing when any value is missing (an open upper bound)."""
    g = values.groupby(keys)
    mx = g.max()
    return mx.where(g.count() == g.size())


def reconcile(cur: pd.DataFrame, measures: tuple[str, ...] = ("killed", "injured")) -> pd.DataFrame:
    """Per incident, over the given (current, new) casualty reports: the lowest low, the lower median of the
    bests and the highest high (open when any report leaves it open). The one reconciliation rule, used by
    the incidents table and by the casualty notebook on any subset of reports."""
    k = cur["incident_id"]
    out = pd.DataFrame(index=pd.Index(pd.unique(k), name="incident_id"))
    for m in measures:
        out[f"{m}_low"] = cur[f"{m}_low"].groupby(k).min()
        out[f"{m}_best"] = _group_lower_median(cur[f"{m}_best"], k)
        out[f"{m}_high"] = _group_max_unless_open(cur[f"{m}_high"], k)
    return out


def _joined_ids(ids: pd.Series, code: np.ndarray, k: int) -> np.ndarray:
    """For each group 0..k-1 (code: each id's group), its ids sorted and joined with ';' ('' for none)."""
    joined = np.full(k, "", dtype=object)
    if not len(ids):
        return joined
    order = np.lexsort((fast.ranks(ids), code))
    g = code[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    ends = np.r_[starts[1:], len(g)]
    one = ends - starts == 1
    sorted_ids = fast.arrow(ids).take(pa.array(order)).combine_chunks()
    joined[g[starts]] = sorted_ids.take(pa.array(starts)).to_numpy(zero_copy_only=False)  # a group of one: its id
    many = sorted_ids.to_pylist() if not one.all() else []
    for j in np.flatnonzero(~one).tolist():  # only groups of several ids are joined in Python
        joined[g[starts[j]]] = ";".join(many[starts[j]:ends[j]])
    return joined


def _joint_codes(*columns: pd.Series) -> tuple[np.ndarray, pa.Array]:
    """Integer codes over the text columns one after another (equal text, equal code), and the distinct texts
    in order of first appearance."""
    arr = pa.chunked_array([ch for s in columns for ch in fast.arrow(s).chunks], type=pa.large_string())
    enc = pc.dictionary_encode(arr.combine_chunks())
    return enc.indices.to_numpy(zero_copy_only=False).astype("int64"), enc.dictionary


def _per_group(values: pd.Series, code: np.ndarray, k: int, how: str) -> np.ndarray:
    """min or max of values per integer group 0..k-1 (NaT/NaN for a group with no rows)."""
    agg = getattr(pd.Series(values.to_numpy()).groupby(code), how)()
    return agg.reindex(range(k)).to_numpy()


def incidents_table(events: pd.DataFrame, cas: pd.DataFrame) -> pd.DataFrame:
    """One row per incident with its reports and reconciled new-casualty figures."""
    # every incident as an integer: the events' incidents first, then those of casualty reports alone
    code, incident_ids = _joint_codes(events["incident_id"], cas["incident_id"])
    k = len(incident_ids)
    ev_code, ca_code = code[:len(events)], code[len(events):]
    n_ev = np.bincount(ev_code, minlength=k)
    # the row whose place and type the incident takes: its first event's, else its first casualty report's
    first = np.full(k, -1, dtype="int64")
    first[ca_code[::-1]] = len(events) + np.arange(len(cas) - 1, -1, -1)
    first[ev_code[::-1]] = np.arange(len(events) - 1, -1, -1)
    only = n_ev == 0
    span = pd.concat([events[["place_id", "event_type", "date_start", "date_end"]],
                      cas[["place_id", "cause", "date_start", "date_end"]].rename(columns={"cause": "event_type"})],
                     ignore_index=True)
    rows_of = np.r_[np.ones(len(events), dtype=bool), only[ca_code]]  # the rows an incident's dates come from
    out = span.iloc[first].reset_index(drop=True)
    out.insert(0, "incident_id", pd.array(incident_ids, dtype="str"))
    out["date_start"] = _per_group(span["date_start"][rows_of], code[rows_of], k, "min")
    out["date_end"] = _per_group(span["date_end"][rows_of], code[rows_of], k, "max")
    out["event_ids"] = pd.array(_joined_ids(events["event_id"], ev_code, k), dtype="str")
    # distinct sources over an incident's event and casualty reports
    src, sources = _joint_codes(events["source_id"], cas["source_id"])
    pairs = pd.unique(code * len(sources) + src)
    n_src = np.bincount(pairs // len(sources), minlength=k)
    n_ca = np.bincount(ca_code, minlength=k)
    cur = current_new(cas)
    agg = reconcile(cur).join(cur.groupby("incident_id").agg(disagreement=("disagreement", "any")))
    pos = fast.positions(out["incident_id"], agg.index)
    for c in ("killed_low", "killed_best", "killed_high", "injured_low", "injured_best", "injured_high"):
        out[c] = pd.array(agg[c].to_numpy(dtype="float64", na_value=np.nan), dtype="Float64").take(
            pos, allow_fill=True).astype("Int64")
    out["n_reports"] = pd.array(n_ev + n_ca, dtype="Int64")
    out["n_sources"] = pd.array(n_src, dtype="Int64")
    out["disagreement"] = pd.array(agg["disagreement"].to_numpy(dtype=bool, na_value=False),
                                   dtype="boolean").take(pos, allow_fill=True).fillna(False)
    cols = ["incident_id", "place_id", "event_type", "date_start", "date_end", "n_reports", "n_sources",
            "event_ids", "killed_low", "killed_best", "killed_high", "injured_low", "injured_best",
            "injured_high", "disagreement"]
    return out[cols].sort_values("incident_id").reset_index(drop=True)
