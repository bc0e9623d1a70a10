"""Casualty reports, counted per reconciled incident.

Every total, group, period and sensitivity figure here is a sum over *incidents* (reports of one attack
linked and reconciled by clean/reconcile.py), never over reports: an attack reported ten times counts
once. Groups (victim group, cause, sex, age) split each incident's toll as its *standing claim* splits it
(the claim whose figure the reconciliation rule takes), so the groups of an incident add up to its toll.
An open upper bound ("more than N") stays open through every sum and is shown as "at least".
Running totals (figure_type cumulative) are never summed: each is a series of its own.
"""

from __future__ import annotations

import pandas as pd

from analysis.clean.linking import AMBIGUOUS
from analysis.clean.reconcile import DEFAULT_RULE, RULES, claims, current_new, reconcile, stale, supersede, who
from analysis.notebook.load import within
from analysis.registry import vocab
from analysis.registry.schema import TABLES

ESTIMATES = ("low", "best", "high")
MEASURES = TABLES["incidents"].measures  # ("killed", "injured"): the figures an incident reconciles
GROUPS = ("victim_group", "cause", "sex", "age")
#: linking strictness: the link rules whose reports are split off into incidents of their own
LINKING = {
    "rules": (),
    "no area or vague-date links": ("area report inside the incident's place",
                                    "vague date inside the incident's dates"),
    "exact links only": ("area report inside the incident's place", "vague date inside the incident's dates",
                         "unspecific type"),
}
CHILD, ADULT = "child (under 18)", "adult or age not given"
__all__ = ["DEFAULT_RULE", "ESTIMATES", "GROUPS", "LINKING", "MEASURES", "RULES", "by_group", "composition",
           "cumulative_series", "current_new", "headline", "over_time", "per_incident", "relink", "revisions",
           "select", "sensitivity", "standing", "tally_check", "tally_summary", "toll_as_known", "total"]


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


def shown(value: int, is_open: bool) -> int | str:
    """A count as a reader should see it: 'at least N' when an open bound went into it."""
    return f"at least {int(value):,}" if is_open else int(value)


def headline(inc: pd.DataFrame, measure: str, estimate: str) -> int | str:
    """A key figure for one measure and estimate: a whole number, or 'at least N' when the sum is open."""
    return shown(*total(inc[f"{measure}_{estimate}"], inc[f"{measure}_best"] if estimate == "high" else None))


def select(cas: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, oblast: str = "all",
           civilians_only: bool = False, max_date_prec: int = 5) -> pd.DataFrame:
    """Reports dated inside the window (and oblast), optionally civilians only or only precisely dated."""
    c = within(cas, start, end, oblast)
    c = c[c["date_prec"] <= max_date_prec]
    if civilians_only:
        c = c[c["victim_group"] == "civilian"]
    return c


def restatus(cas: pd.DataFrame) -> pd.DataFrame:
    """Supersession recomputed over these rows only: dropping a report (a subset, a split incident) must not
    leave an earlier report of the same claimant superseded by a report no longer there."""
    if cas.empty:
        return cas
    return cas.drop(columns=["status", "superseded_by"], errors="ignore").join(supersede(cas))


def _placed_by(cas: pd.DataFrame, events: pd.DataFrame | None) -> pd.Series:
    """The link rule that placed each casualty row: its event's, for a row that goes with its event."""
    rule = cas["link_rule"]
    if events is not None and "event_id" in cas:
        ev_rule = cas["event_id"].map(events.set_index("event_id")["link_rule"])
        rule = ev_rule.where(cas["event_id"].notna(), rule)
    return rule


def relink(cas: pd.DataFrame, events: pd.DataFrame | None = None, linking: str = "rules") -> pd.DataFrame:
    """The reports re-linked at a stricter level (LINKING): a report placed by one of the level's rules (for
    a casualty row that goes with its event, the event's rule) becomes an incident of its own, and
    supersession is recomputed. Coder decisions (links.csv) and same place/type/time links stay."""
    split = LINKING[linking]
    if not split:
        return cas
    alone = _placed_by(cas, events).isin(split)
    own = ("INC-" + cas["event_id"].fillna(cas["casualty_id"]).astype("str"))
    return restatus(cas.assign(incident_id=cas["incident_id"].where(~alone, own)))


def per_incident(cas: pd.DataFrame, rule: str = DEFAULT_RULE) -> pd.DataFrame:
    """New-figure reports reconciled per incident by `rule` (clean/reconcile.py RULES; the default is the
    incidents table's): one row per incident, open highs left missing. Date and place are those of its most
    precise current report (a vague report does not stretch the incident)."""
    cur = current_new(cas)
    top = cur.sort_values(["geo_prec", "date_prec", "date_start", "casualty_id"]).drop_duplicates("incident_id")
    top = top.set_index("incident_id")
    sharp = cur[cur["date_prec"] == cur["incident_id"].map(cur.groupby("incident_id")["date_prec"].min())]
    out = cur.groupby("incident_id").agg(
        reports=("casualty_id", "size"), sources=("source_id", "nunique"), disagreement=("disagreement", "any"))
    out.insert(0, "date", sharp.groupby("incident_id")["date_start"].min())
    out.insert(1, "date_end", sharp.groupby("incident_id")["date_end"].max())
    for col, src in (("place", "place_name"), ("place_id", "place_id"), ("raion", "raion"), ("oblast", "oblast"),
                     ("geo_prec", "geo_prec")):
        out.insert(len(out.columns) - 3, col, top[src])
    figures = reconcile(cur, TABLES["casualties"].measures, rule)
    return out.join(figures.round().astype("Int64")).reset_index()


def standing(cas: pd.DataFrame, measure: str = "killed", rule: str = DEFAULT_RULE,
             estimate: str = "best") -> pd.DataFrame:
    """The current rows of each incident's standing claim for one measure and estimate, with `value` (the
    row's share of the incident's figure) and `open`. The standing claim is the claim whose figure the rule
    takes (the latest such claim on a tie), so an incident's values add up to its reconciled figure. For an
    incident open above, the high's floor is its best: the rows of the best's claim, flagged open."""
    m, cur = measure, current_new(cas)
    empty = cur.iloc[0:0].assign(value=pd.Series(dtype="Float64"), open=pd.Series(dtype="bool"))
    if cur.empty:
        return empty
    cl = claims(cur, (m,))
    inc = reconcile(cur, (m,), rule)
    k = cl["incident_id"]
    inc_open = (inc[f"{m}_high"].isna() & inc[f"{m}_best"].notna()) if estimate == "high" else \
        pd.Series(False, index=inc.index)
    opened = k.map(inc_open).astype("bool")
    if estimate == "high":  # an open incident's high is its floor, its best: take the best's claim
        target = k.map(inc[f"{m}_high"]).where(~opened, k.map(inc[f"{m}_best"]))
        value = cl[f"{m}_high"].where(~opened, cl[f"{m}_best"])
    else:
        target, value = k.map(inc[f"{m}_{estimate}"]), cl[f"{m}_{estimate}"]
    ok = value.eq(target).fillna(False)
    pick = (cl.assign(_open=cl[f"{m}_open"] & opened)[ok]
            .sort_values(["incident_id", "_open", "published", "source_id"], ascending=[True, False, False, False])
            .drop_duplicates("incident_id"))
    rows = cur.assign(who=who(cur)).merge(pick[["incident_id", "who", "source_id"]],
                                           on=["incident_id", "who", "source_id"])
    if rows.empty:
        return empty
    row_open = rows[f"{m}_best"].notna() & rows[f"{m}_high"].isna()
    inc_opened = rows["incident_id"].map(inc_open).astype("bool")
    if estimate == "high":
        v = rows[f"{m}_high"].astype("Float64").where(~inc_opened, rows[f"{m}_best"].astype("Float64"))
        # a claim open because of one row: only that row is open; else (another claim made it open) all are
        any_row = row_open.groupby(rows["incident_id"]).transform("any")
        flag = inc_opened & (row_open | ~any_row)
    else:
        v, flag = rows[f"{m}_{estimate}"].astype("Float64"), pd.Series(False, index=rows.index)
    out = rows.drop(columns="who").assign(value=v, open=flag.astype("bool"))
    return out[out["value"].notna()].reset_index(drop=True)


def composition(cas: pd.DataFrame, by: str, measure: str = "killed", rule: str = DEFAULT_RULE,
                estimate: str = "best") -> pd.DataFrame:
    """Per incident and group (victim_group, cause, sex or age): the share of the incident's reconciled
    figure, from its standing claim; the groups of an incident add up to its figure. Age splits each row
    into its children (children_<measure>) and the rest."""
    s = standing(cas, measure, rule, estimate)
    cols = ["incident_id", "group", "value", "open"]
    if s.empty:
        types = ("str", "str", "Float64", "bool")
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(cols, types, strict=True)})
    if by == "age":
        kids = s[f"children_{measure}_{estimate}"].astype("Float64")
        if estimate == "high":
            kids = kids.fillna(s[f"children_{measure}_best"].astype("Float64"))
        kids = kids.fillna(0).clip(upper=s["value"])
        s = pd.concat([s.assign(group=CHILD, value=kids), s.assign(group=ADULT, value=s["value"] - kids)])
    else:
        s = s.assign(group=s[by].fillna("not given").astype("str"))
    g = s.groupby(["incident_id", "group"], sort=True).agg(value=("value", "sum"), open=("open", "any"))
    g = g.reset_index()
    return g[(g["value"] > 0) | g["open"]][cols].reset_index(drop=True)


def by_group(comp: pd.DataFrame) -> pd.DataFrame:
    """Totals per group over incidents (from composition): incidents, value, open, and the figure as shown."""
    g = comp.groupby("group").agg(incidents=("incident_id", "nunique"), value=("value", "sum"), open=("open", "any"))
    g["value"] = g["value"].astype("int64")
    g["shown"] = [shown(v, o) for v, o in zip(g["value"], g["open"], strict=True)]
    return g.sort_values("value", ascending=False).reset_index()


def periods(start: pd.Timestamp, end: pd.Timestamp, freq: str) -> pd.DataFrame:
    """Every period touching [start, end], with `partial` where the window covers only part of it."""
    p = pd.period_range(start, end, freq=freq)
    return pd.DataFrame({"period": p, "period_start": p.start_time,
                         "partial": (p.start_time < start) | (p.end_time.normalize() > end)})


def over_time(inc: pd.DataFrame, freq: str = "W", start: pd.Timestamp | None = None,
              end: pd.Timestamp | None = None) -> pd.DataFrame:
    """Killed and injured per period (by the incident's first day): incidents, low, best, high, high_open.
    With start and end, every period of the window is there (zero when nothing was reported) and `partial`
    marks periods the window cuts. An open period's high is its floor (closed highs plus the bests of the
    incidents open above), never a sum that silently drops them."""
    p = inc.assign(period=inc["date"].dt.to_period(freq))
    rows = []
    for what in MEASURES:
        best = p[f"{what}_best"].astype("Float64")
        gap = p[f"{what}_high"].isna() & best.notna()
        q = p[best.notna()].assign(_high=p[f"{what}_high"].astype("Float64").where(~gap, best), _open=gap)
        g = q.groupby("period")
        d = pd.DataFrame({"incidents": g.size(), "low": g[f"{what}_low"].sum(), "best": g[f"{what}_best"].sum(),
                          "high": g["_high"].sum(), "high_open": g["_open"].any()})
        if start is not None and end is not None:
            d = d.reindex(pd.Index(periods(start, end, freq)["period"], name="period"))
        d = d.fillna({"incidents": 0, "low": 0, "best": 0, "high": 0, "high_open": False})
        rows.append(d.assign(measure=what).reset_index())
    out = pd.concat(rows, ignore_index=True)
    for c in ("incidents", "low", "best", "high"):
        out[c] = out[c].astype("int64")
    out["high_open"] = out["high_open"].astype("bool")
    out["period_start"] = out["period"].dt.start_time
    if start is not None and end is not None:
        out["partial"] = (out["period_start"] < start) | (out["period"].dt.end_time.dt.normalize() > end)
    return out[["measure", "period", "period_start", *(["partial"] if "partial" in out else []), "incidents",
                "low", "best", "high", "high_open"]]


def effort(cas: pd.DataFrame, freq: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Reporting effort per period: distinct sources with a casualty figure dated in it (zero-filled)."""
    n = cas.groupby(cas["date_start"].dt.to_period(freq))["source_id"].nunique()
    p = periods(start, end, freq)
    return p.assign(sources=n.reindex(p["period"]).fillna(0).astype("int64").to_numpy())


def _totals(cas: pd.DataFrame, rule: str, estimate: str) -> dict:
    inc = per_incident(cas, rule)
    row: dict = {"reports": len(cas), "incidents": len(inc)}
    for m in MEASURES:
        v, o = total(inc[f"{m}_{estimate}"], inc[f"{m}_best"] if estimate == "high" else None)
        row[m], row[f"{m} open"], row[f"{m} (shown)"] = v, o, shown(v, o)
    return row


def sensitivity(cas: pd.DataFrame, events: pd.DataFrame | None = None, estimate: str = "best",
                rule: str = DEFAULT_RULE) -> tuple[pd.DataFrame, list[str]]:
    """Killed and injured totals (per incident) when one choice changes and the others stay at the
    notebook's: reconciliation rule, linking strictness, estimate, date precision and claimant. Returns the
    table and, in words, the variants left out because no report in the selection has them (a row of
    zeros there would be empty by construction, not a finding)."""
    rows, notes = [], []

    def add(dimension: str, variant: str, sub: pd.DataFrame, r: str = rule, e: str = estimate) -> None:
        rows.append({"dimension": dimension, "variant": variant, **_totals(sub, r, e)})

    for r in RULES:
        add("reconciliation rule", r + (" (chosen)" if r == rule else ""), cas, r=r)
    for level in LINKING:
        add("linking", level + (" (default)" if level == "rules" else ""), relink(cas, events, level))
    # the other way: a report that fits several incidents stands as an incident of its own (nothing joins it) until
    # a coder decides; its toll may repeat a neighbour's, so the totals without such reports bound the risk
    unplaced = _placed_by(cas, events) == AMBIGUOUS
    if unplaced.any():
        add("linking", "rules, without reports that fit several incidents", restatus(cas[~unplaced]))
    else:
        notes.append("linking: every report in this selection was placed by a rule or a coder, so leaving out the "
                     "reports that fit several incidents changes nothing")
    for e in ESTIMATES:
        add("estimate", e + (" (chosen)" if e == estimate else ""), cas, e=e)
    for p, words in ((1, "dated to the day"), (2, "dated within 2–6 days or better"), (5, "any date precision")):
        sub = cas[cas["date_prec"] <= p]
        if p < 5 and len(sub) == len(cas):
            notes.append(f"date precision: every report is {words}, so restricting to it changes nothing")
        elif len(sub) or p == 5:
            add("date precision", words, restatus(sub))
    present = cas["claim_by"].value_counts()
    for body, n in present.items():
        add("claimant", f"only {body} ({n} reports)", restatus(cas[cas["claim_by"] == body]))
    absent = [b for b in vocab.grouped("claim_by") if b not in present.index]
    if absent:
        notes.append("claimant: no report in this selection is by " + ", ".join(absent))
    confirmed = cas["confirmed"].value_counts()
    if confirmed.get("yes", 0):
        add("confirmation", "independently confirmed only", restatus(cas[cas["confirmed"] == "yes"]))
    else:
        notes.append("confirmation: no report in this selection says its figure was independently confirmed ("
                     + ", ".join(f"{k}: {v}" for k, v in confirmed.items()) + "), so 'confirmed only' would be "
                     "empty")
    return pd.DataFrame(rows), notes


def disagreements(cas: pd.DataFrame) -> pd.DataFrame:
    """Incidents whose current reports give different numbers, the reports side by side."""
    d = cas[cas["disagreement"].fillna(False) & (cas["status"] != "superseded")]
    cols = ["incident_id", "casualty_id", "place_name", "date_start", "killed_reported", "killed_best",
            "injured_reported", "injured_best", "claim_by", "claimant", "source_id"]
    return d[cols].sort_values(["incident_id", "casualty_id"])


def conflicts(incidents: pd.DataFrame) -> pd.DataFrame:
    """Incidents whose reports contradict each other (different tolls, one person killed and injured)."""
    d = incidents[incidents["conflict"].notna()]
    return d[["incident_id", "place_id", "date_start", "killed_best", "injured_best", "conflict"]]


SCOPE = {"mass_grave": "bodies recovered", "unknown": "killed, cause not given"}


def cumulative_series(cas: pd.DataFrame) -> pd.DataFrame:
    """Running-total reports (never summed), each keyed to its series: place, claimant (folded across
    spellings), victim group and scope (what is counted, and since when when the report says). One series
    is one running total; two series are never joined into one line."""
    c = cas[cas["figure_type"] == "cumulative"]
    since = ("since " + c["date_start"].dt.strftime("%Y-%m-%d")).where(c["date_prec"] == 5, "")
    scope = (c["cause"].map(SCOPE).fillna(c["cause"].astype("str").str.replace("_", " ") + " casualties")
             + since.where(since == "", ", " + since))
    w = who(c)
    claimant = c.groupby(w)["claimant"].transform("first").fillna(c["claim_by"]).astype("str")
    label = c["place_name"] + " · " + claimant + " · " + c["victim_group"] + " · " + scope
    key = c["place_name"] + "|" + w + "|" + c["victim_group"] + "|" + scope
    same = label.groupby(label).transform(lambda s: key[s.index].nunique() > 1)  # one label, two series
    claimant = claimant.where(~same, claimant + " (" + c["claim_by"] + ")")
    label = c["place_name"] + " · " + claimant + " · " + c["victim_group"] + " · " + scope
    stands = (c["status"] != "superseded") & ~stale(c)["killed"]
    out = c.assign(claimant_label=claimant, scope=scope, series=label, stands=stands)
    cols = ["series", "place_name", "claimant_label", "victim_group", "scope", "published", "casualty_id",
            "killed_reported", "killed_low", "killed_best", "killed_high", "stands", "status", "claim_by",
            "source_id"]
    return out[cols].sort_values(["series", "published", "casualty_id"]).reset_index(drop=True)


def revisions(cas: pd.DataFrame, incident_id: str) -> pd.DataFrame:
    """How one incident's toll was reported, report by report: one row per claim (a claimant's report, its
    rows added up) with its publication date and, per measure, whether its figure still stands
    (`{m}_stands`: no later report of the same claimant gives that measure)."""
    rows = cas[(cas["incident_id"] == incident_id) & (cas["figure_type"] == "new")]
    if rows.empty:
        return pd.DataFrame()
    cl = claims(rows, MEASURES)
    d = rows.assign(who=who(rows))
    key = ["incident_id", "who", "source_id"]
    meta = d.groupby(key).agg(claimant=("claimant", "first"), claim_by=("claim_by", "first"),
                              status=("status", "first"), superseded_by=("superseded_by", "first"),
                              reports=("casualty_id", lambda s: "; ".join(sorted(s))))
    gone = stale(rows).groupby([d["incident_id"], d["who"], d["source_id"]]).any()
    out = cl.merge(meta.reset_index(), on=key).join((~gone).add_suffix("_stands"), on=key)
    for m in MEASURES:
        cols = [f"{m}_low", f"{m}_best", f"{m}_high"]
        out[cols] = out[cols].round().astype("Int64")
    out["claimant"] = out["claimant"].fillna(out["claim_by"])
    out["claimant"] = out.groupby("who")["claimant"].transform("first")  # one spelling per claimant
    return out.sort_values(["published", "source_id"]).reset_index(drop=True)


def toll_as_known(cas: pd.DataFrame, incident_id: str, rule: str = DEFAULT_RULE) -> pd.DataFrame:
    """The incident's reconciled toll as it stood on each publication date: supersession and the rule
    applied to the reports published by then."""
    rows = cas[(cas["incident_id"] == incident_id) & (cas["figure_type"] == "new")]
    if rows.empty:
        return pd.DataFrame()
    days = pd.DataFrame({"as_of": sorted(rows["published"].unique())})
    x = rows.merge(days, how="cross")
    x = x[x["published"] <= x["as_of"]].reset_index(drop=True)
    x = x.assign(incident_id=x["as_of"].dt.strftime("%Y-%m-%d"))
    got = reconcile(current_new(restatus(x)), MEASURES, rule).round().astype("Int64")
    got.index = pd.to_datetime(got.index)
    return got.rename_axis("as_of").reset_index()


def tally_check(tallies: pd.DataFrame, inc: pd.DataFrame) -> pd.DataFrame:
    """Official tallies set against the coded incidents of the same area and days, a completeness check.
    Tallies of the same area and days (the same figure in several outlets) are one period, with its highest
    figure. An incident counts toward a period when its dates lie inside the period's and its place inside
    the tally's area (country: all; oblast; raion; else the place itself). Coded figures are best estimates
    per incident; `killed_coded` below `killed_tally` means casualties the corpus holds no report of dated
    inside the period. An incident of the area whose dates overlap the period but run past it (one outlet
    dated the strike to the next day; a "past night" report spans two days) counts toward neither side: its
    figures are `{m}_straddling` (and `incidents_straddling`), which may hold the period's missing ones."""
    key = ["place_id", "place_name", "geo_prec", "oblast", "raion", "date_start", "date_end"]
    t = _set_aside_running_totals(tallies.assign(raion=tallies["raion"].astype("object")).reset_index(drop=True))
    agg = {"tallies": ("tally_id", lambda s: "; ".join(sorted(s))),
           "running_total": ("_rerun", lambda s: "; ".join(sorted(s.dropna())))}
    for m in MEASURES:
        t[f"_{m}_open"] = t[f"{m}_best"].notna() & t[f"{m}_high"].isna()
        agg[f"{m}_tally"] = (f"{m}_best", "max")
        agg[f"{m}_tally_open"] = (f"_{m}_open", "any")
    p = t.groupby(key, dropna=False).agg(**agg).reset_index()
    p["period"] = range(len(p))
    i = inc[["incident_id", "date", "date_end", "place_id", "raion", "oblast", *(f"{m}_best" for m in MEASURES)]]
    x = p[["period", *key]].merge(i, how="cross", suffixes=("", "_inc"))
    inside = (x["date"] >= x["date_start"]) & (x["date_end_inc"] <= x["date_end"])
    overlap = (x["date"] <= x["date_end"]) & (x["date_end_inc"] >= x["date_start"])
    area = ((x["geo_prec"] >= 6) | ((x["geo_prec"].isin([4, 5])) & (x["oblast"] == x["oblast_inc"]))
            | ((x["geo_prec"] == 3) & (x["oblast"] == x["oblast_inc"]) & (x["raion"] == x["raion_inc"]))
            | ((x["geo_prec"] <= 2) & (x["place_id"] == x["place_id_inc"])))
    out = p
    for side, rows in (("coded", inside), ("straddling", overlap & ~inside)):
        g = x[rows & area.fillna(False)].groupby("period")
        per = pd.DataFrame({f"incidents_{side}": g["incident_id"].nunique(),
                            **{f"{m}_{side}": g[f"{m}_best"].sum() for m in MEASURES}})
        out = out.join(per, on="period")
        for c in per.columns:
            out[c] = out[c].fillna(0).astype("int64")
    for m in MEASURES:
        out[f"{m}_tally"] = out[f"{m}_tally"].astype("Int64")
    out["days"] = (out["date_end"] - out["date_start"]).dt.days + 1
    out = out.rename(columns={"place_name": "area"})
    cols = ["tallies", "area", "date_start", "date_end", "days", "running_total", "incidents_coded",
            "incidents_straddling", *(f"{m}_{x}" for m in MEASURES for x in ("tally", "tally_open", "coded",
                                                                              "straddling"))]
    return out.sort_values(["date_start", "date_end", "area"])[cols].reset_index(drop=True)


def daily(check: pd.DataFrame) -> pd.DataFrame:
    """The tally periods of one or two days ('over the past day')."""
    return check[check["days"] <= 2]


def _set_aside_running_totals(t: pd.DataFrame) -> pd.DataFrame:
    """A tally of a week or less repeating the figure of a longer tally for the same area that ends within two
    days ("534 as of 6 October" of a "since 7 September" total) is that running total re-dated, not the
    period's toll: its figure is set aside (missing) and its id kept in `_rerun`."""
    days = (t["date_end"] - t["date_start"]).dt.days + 1
    t = t.assign(_rerun=pd.Series(pd.NA, index=t.index, dtype="object"))
    long = t[days > 7]
    for m in MEASURES:
        cols = ["place_id", "date_end", f"{m}_best"]
        pair = t[days <= 7][cols].reset_index().merge(long[cols].dropna(), on=["place_id", f"{m}_best"],
                                                       suffixes=("", "_long"))
        hit = pair.loc[(pair["date_end"] - pair["date_end_long"]).abs() <= pd.Timedelta(days=2), "index"].unique()
        t.loc[hit, [f"{m}_low", f"{m}_best", f"{m}_high"]] = pd.NA
        t.loc[hit, "_rerun"] = t.loc[hit, "tally_id"]
    return t


def tally_summary(check: pd.DataFrame) -> pd.DataFrame:
    """Per measure, over the daily tally periods: periods with a figure, and in how many the coded incidents
    fall short of, match or exceed it (exceeding: reports the tally leaves out, or a neighbouring day's); and of
    those short of it, how many stay short with the incidents that run past the period added (`straddling`):
    the periods where the corpus holds no report of some of the tally's casualties whatever their dates."""
    rows = []
    for m in MEASURES:
        c = daily(check)
        c = c[c[f"{m}_tally"].notna()]
        diff = c[f"{m}_coded"] - c[f"{m}_tally"].astype("int64")
        rows.append({"measure": m, "tally periods with a figure": len(c), "coded below tally": int((diff < 0).sum()),
                     "coded equals tally": int((diff == 0).sum()), "coded above tally": int((diff > 0).sum()),
                     "below even with straddling incidents": int((diff + c[f"{m}_straddling"] < 0).sum())})
    return pd.DataFrame(rows)
