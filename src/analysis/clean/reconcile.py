"""One incident's casualty figures from many reports: who said what last, and what the incident's toll is.

Three steps (docs/codebook.md, "Reconciling casualty figures"):

1. **Supersede.** Within an incident, a later report by the same claimant replaces that claimant's earlier
   figures for each measure the later report gives for the same place or a wider one (all rows of one report
   stay together; one report never supersedes itself). A later report silent on a measure replaces nothing of
   it (an update on the wounded does not withdraw the dead), nor does a figure for a smaller place (a town's
   wounded are not the whole raion's). Reports by other claimants are untouched.
2. **Claims.** The current rows of one report by one claimant are added up across victim groups into one
   claim (low, best, high; a claim is open above when any of its rows is).
3. **Rule.** The incident's low/best/high come from its claims by a named rule. The default, `rising`,
   respects how tolls behave: they rise as bodies are found and counts are completed, so the highest current
   claim stands and an early "at least seven" cannot outvote a final count of 19. The alternatives are for
   sensitivity analyses. Under every rule low <= best <= high, and an open upper bound stays open.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.clean import arrow_lookup
from analysis.clean.places import claimant_keys

#: name -> what it does; the default first
RULES = {
    "rising": "highest low and highest best among the claimants' latest claims, and the high of the claims "
              "that give that best (open if one of them is): tolls rise, so the fullest count stands",
    "median": "lowest low, lower median of the claimants' best figures, highest high (open if any is open)",
    "latest": "the claim published last (several on that day: lowest low, lower median best, highest high)",
    "lowest": "lowest low, lowest best and lowest closed high among the claims: the most conservative reading",
}
DEFAULT_RULE = "rising"


def who(cas: pd.DataFrame) -> pd.Series:
    """The claimant a figure is attributed to, folded across spellings and the order of joint names
    (places.claimant_keys). A figure with no named claimant is its body's (claim_by); an unnamed media figure
    is that report's own.

    Worked out once per distinct (claim_by, claimant) (a million rows name a few hundred claimants: folding
    and joining every row's text cost a fifth of a second, and supersession and the claims ask five times),
    and per row only for the unnamed media figures, which depend on their source."""
    if not len(cas):
        return _who_rows(cas)
    key = arrow_lookup.group_codes(cas["claim_by"], cas["claimant"])  # numbered in order of first appearance
    rep = cas.iloc[arrow_lookup.first_of_codes(key)]
    out = pd.Series(_who_rows(rep).array.take(key), index=cas.index)
    per_source = ((rep["claim_by"] == "media").fillna(False).to_numpy(dtype=bool)
                  & claimant_keys(rep["claimant"]).isna().to_numpy())[key]
    if per_source.any():  # what _who_rows gives them: an unnamed media figure is its report's
        out[per_source] = ("media|" + cas["source_id"][per_source].astype("str")).to_numpy()
    return out


def _who_rows(cas: pd.DataFrame) -> pd.Series:
    """who() of every row, worked out row by row."""
    folded = claimant_keys(cas["claimant"])
    anon = cas["claim_by"].astype("str").where(cas["claim_by"] != "media",
                                                "media|" + cas["source_id"].astype("str"))
    return (cas["claim_by"].astype("str") + "|" + folded.astype("str")).where(folded.notna(), anon)


#: the measures a report can give, each superseded on its own
MEASURES = ("killed", "injured")
#: the casualty columns supersession and reconciliation read (what a caller passes when it trims a frame)
COLUMNS = ("incident_id", "casualty_id", "claimant", "claim_by", "source_id", "published", "status",
           "figure_type", "geo_prec", *(f"{m}_{x}" for m in MEASURES for x in ("low", "best", "high")))
#: the columns that go with each measure (its children count is part of it)
_MEASURE_COLUMNS = {m: [f"{p}{m}_{x}" for p in ("", "children_") for x in ("reported", "low", "best", "high")]
                    for m in MEASURES}


def _ordered(cas: pd.DataFrame, incident: np.ndarray | None = None) -> tuple[pd.DataFrame, list[pd.Series], pd.Series]:
    """The rows in the order supersession reads them, the keys of a claimant's figures (incident, figure
    type, claimant) and each row's group of those keys (worked out once here, not once per measure).
    incident: each row's incident as an integer (equal ids, equal integers; -1 none), when the caller has it
    (the clean's linking numbers the incidents: their million ids are not hashed again). The frame also
    holds each row's incident, claimant and source as integers (inc, who_code, src: -1 none), which
    disagreement() reads instead of hashing the text keys again."""
    cols = ["incident_id", "figure_type", "published", "casualty_id", "source_id"]
    c = cas[cols + [f"{m}_best" for m in MEASURES]].assign(who=who(cas))
    # how wide the row's place is (1 settlement ... 6 unknown); a frame without places: all alike
    c["wide"] = cas["geo_prec"].astype("Int64").fillna(6) if "geo_prec" in cas else 0
    c["src"] = pd.factorize(c["source_id"])[0]  # source as an integer (-1: none), for _revised
    # each group's rows together, in the order of sort_values(["published", "casualty_id"]) (a stable sort, as
    # sort_values on several columns is): one lexsort of integer codes. The groups themselves may come in any
    # order, as only rows of one group are compared and every result is aligned on the index, so their keys
    # are hashed (arrow_lookup.codes: a missing key one code of its own, as a sort puts them together) and
    # not sorted as text; the ids are ranked (no sort when they come in order, as processed tables do)
    inc = arrow_lookup.codes(c["incident_id"]) if incident is None else np.asarray(incident, dtype=np.int64)
    codes = [inc, *(arrow_lookup.codes(c[col]) for col in ("figure_type", "who"))]
    c["inc"], c["who_code"] = codes[0], codes[2]
    order = _group_order(codes, arrow_lookup.sort_codes(c["published"]), arrow_lookup.ranks(c["casualty_id"]))
    c = c.take(order)
    keys = [c["incident_id"], c["figure_type"], c["who"]]
    return c, keys, pd.Series(arrow_lookup.runs(*(k[order] for k in codes)), index=c.index)


def _group_order(codes: list[np.ndarray], published: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """np.lexsort((rank, published, *codes[::-1])) up to the order of the groups of equal codes (any order of
    groups will do, see _ordered): the codes joined into one group number (arrow_lookup.joint_codes) and the
    rows sorted on (group, published, rank) by arrow_lookup.lex_order, one sort of packed integers instead of a
    lexsort of five keys."""
    return arrow_lookup.lex_order(arrow_lookup.joint_codes(*codes), published, rank)


def _revised(c: pd.DataFrame, group: pd.Series, m: str) -> tuple[pd.Series, pd.Series]:
    """Per row of c: is its figure for m replaced by a later report of the same claimant that gives m for the
    same place or a wider one, and the id of the latest such row (what replaces it). A later figure for a
    smaller place (a town inside the raion, the city inside the oblast) may be only part of the earlier one,
    so it replaces nothing of it. Publication dates are days: of one claimant's reports published the same
    day, which came first is not known, so a lower figure that day replaces no higher one (tolls rise through
    a day: the governor's 10 wounded at 14:55 and 14 at 19:08 leave 14 standing, whichever id sorts last)."""
    row, by = _replacements(c, group, m)
    latest = pd.Series(pd.NA, index=c.index, dtype="str", name="id_by")
    latest.iloc[row] = c["casualty_id"].iloc[by].astype("str").to_numpy()
    return _marked(c, row), latest


def _marked(c: pd.DataFrame, row: np.ndarray) -> pd.Series:
    """True at the given positions of c, False elsewhere."""
    replaced = np.zeros(len(c), dtype=bool)
    replaced[row] = True
    return pd.Series(replaced, index=c.index)


def _replacements(c: pd.DataFrame, group: pd.Series, m: str) -> tuple[np.ndarray, np.ndarray]:
    """_revised's answer as positions in c: the rows whose figure for m is replaced, and the row of the latest
    report replacing each."""
    gives = c[f"{m}_best"].notna().to_numpy(dtype=bool)
    src = c["src"].to_numpy(dtype=np.int64)  # -1: none (_ordered)
    g = group.to_numpy(dtype=np.int64)
    at = _last_of_source(g, src)
    pub = c["published"].to_numpy(dtype="datetime64[s]")
    fig = c[f"{m}_best"].astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    wide = c["wide"].to_numpy(dtype=np.int64)
    i, j = _pairs_in_runs(np.flatnonzero(gives), g)
    ok = ((at[j] > at[i]) & (at[i] >= 0) & (src[j] != src[i]) & (wide[j] >= wide[i])
          & ((pub[j] > pub[i]) | (fig[j] >= fig[i])))
    i, j = i[ok], j[ok]
    last = np.r_[i[1:] != i[:-1], True] if len(i) else np.zeros(0, dtype=bool)  # j rises within each i
    return i[last], j[last]


def _last_of_source(group: np.ndarray, src: np.ndarray) -> np.ndarray:
    """Per row (rows in order), the position of the last row of its group with its source, -1 for a row without
    a source: a report is as late as its last row."""
    key = group * (int(src.max(initial=-1)) + 2) + src + 1
    codes, uniq = pd.factorize(key)
    last = np.full(len(uniq), -1, dtype=np.int64)
    np.maximum.at(last, codes, np.arange(len(key), dtype=np.int64))
    return np.where(src >= 0, last[codes], -1)


def _pairs_in_runs(rows: np.ndarray, group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every ordered pair (i, j) of `rows` (positions, rising) in one group (group: per position, rising), the
    pairs of each i with j rising: the self-merge on the group, on positions instead of a frame of text."""
    if not len(rows):
        none = np.empty(0, dtype=np.int64)
        return none, none
    g = group[rows]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    sizes = np.diff(np.r_[starts, len(g)])
    size = np.repeat(sizes, sizes)  # each row's group size
    first = np.repeat(starts, sizes)  # and where its group starts
    i = np.repeat(np.arange(len(g)), size)
    offset = np.arange(len(i)) - np.repeat(np.cumsum(size) - size, size)
    j = np.repeat(first, size) + offset
    return rows[i], rows[j]


def stale(cas: pd.DataFrame, ordered: Ordered | None = None) -> pd.DataFrame:
    """Per row and measure (columns MEASURES): True where a later report of the same claimant about the same
    incident gives that measure, so this row's figure for it no longer stands. ordered: order(x) of a frame x
    holding these rows and maybe others, when the caller has it (see in_force)."""
    if ordered is None or not cas.index.is_unique:
        c, _, group = _ordered(cas)
    else:  # these rows in x's order: each group's rows in the order _ordered(cas) gives them
        inside = ordered[0].index.isin(cas.index)
        c, group = ordered[0][inside], ordered[2][inside]
    # only whether each figure is replaced, not by whom (no text column of ids to build)
    return pd.DataFrame({m: _marked(c, _replacements(c, group, m)[0]) for m in MEASURES}).reindex(cas.index)


#: _ordered's answer: the rows in order, the keys of a claimant's figures, each row's group
Ordered = tuple[pd.DataFrame, list[pd.Series], pd.Series]


def order(cas: pd.DataFrame, incident: np.ndarray | None = None) -> Ordered:
    """The rows of cas in the order supersession reads them: to pass to supersede(), in_force() and
    disagreement() when they are asked of one frame (the clean asks all three), so that the rows are ordered
    once and not thrice. incident: each row's incident as an integer, when the caller has it (see _ordered)."""
    return _ordered(cas, incident)


def supersede(cas: pd.DataFrame, ordered: Ordered | None = None) -> pd.DataFrame:
    """status and superseded_by for every casualty row. `current`: all its figures stand; `partly superseded`:
    a later report of the same claimant replaced some of its measures (superseded_by names it) and the others
    stand; `superseded`: none stands. A row giving no figure at all is superseded by any later report.
    ordered: order(cas), when the caller has it."""
    c, keys, group = _ordered(cas) if ordered is None else ordered
    gives = pd.concat([c[f"{m}_best"].notna() for m in MEASURES], axis=1).any(axis=1)
    revised = {m: _revised(c, group, m) for m in MEASURES}
    any_stale = pd.concat([r[0] for r in revised.values()], axis=1).any(axis=1)
    standing = pd.concat([c[f"{m}_best"].notna() & ~revised[m][0] for m in MEASURES], axis=1).any(axis=1)
    later = c["source_id"] != _last_per_group(c["source_id"], group, keys)
    by = pd.Series(pd.NA, index=c.index, dtype="str")
    for m in reversed(MEASURES):  # name the report that replaced the first measure replaced
        by = revised[m][1].astype("str").where(revised[m][0], by)
    by = by.where(gives, _last_per_group(c["casualty_id"], group, keys).where(later))
    status = pd.Series("current", index=c.index, dtype="str")
    status = status.where(~any_stale, "partly superseded").where(standing | ~gives, "superseded")
    status = status.where(gives | ~later, "superseded")
    return pd.DataFrame({"status": status, "superseded_by": by.astype("str")}).reindex(cas.index)


def _last_per_group(values: pd.Series, group: pd.Series, keys: list[pd.Series]) -> pd.Series:
    """values.groupby(keys, sort=False).transform("last") on the keys' group codes (_ordered's), which hash
    integers instead of the three text keys again: each group's last non-missing value; a row with a missing
    key gets none, as groupby leaves it out."""
    got = values.groupby(group.to_numpy()).transform("last")
    return got.where(np.logical_and.reduce([k.notna().to_numpy() for k in keys]))


def in_force(cas: pd.DataFrame, ordered: Ordered | None = None) -> pd.DataFrame:
    """The rows not wholly superseded, each measure a later report replaced blanked: what still stands.
    ordered: order() of the frame whose status supersede() gave (these rows, or more), when the caller has it:
    the rows kept are then taken in that order instead of being ordered again. Only rows of one claimant's
    group are compared, and a group's rows keep their order when others are left out, so it is the same
    answer."""
    keep = cas[cas["status"] != "superseded"]
    gone = stale(keep, ordered)
    out = keep.copy()
    for m in MEASURES:
        cols = [col for col in _MEASURE_COLUMNS[m] if col in out]
        out.loc[gone[m], cols] = pd.NA
    return out


def current_new(cas: pd.DataFrame, ordered: Ordered | None = None) -> pd.DataFrame:
    """The figures an incident's toll is reconciled over: those still standing (not superseded), new (not
    cumulative). ordered: order(cas) (or of a frame with more rows), when the caller has it: a claimant's group
    has one figure type (it is one of its keys), so leaving out the cumulative rows leaves out whole groups and
    the order of the others stands (see in_force)."""
    return in_force(cas[cas["figure_type"] == "new"], ordered)


def claims(cur: pd.DataFrame, measures: tuple[str, ...]) -> pd.DataFrame:
    """One row per (incident, claimant, report): its rows added up. `{m}_open` says the claim has no upper
    bound for measure m (a 'more than N' somewhere in it)."""
    values = {"published": cur["published"]}
    for m in measures:
        low, best, high = (cur[f"{m}_{x}"].astype("Float64") for x in ("low", "best", "high"))
        values |= {f"{m}_low": low, f"{m}_best": best, f"{m}_high": high, f"{m}_open": best.notna() & high.isna()}
    # one grouping for every column: the three text keys are hashed once, not once per column
    g = pd.DataFrame(values).groupby([cur["incident_id"].rename("incident_id"), who(cur).rename("who"),
                                      cur["source_id"].rename("source_id")], sort=True)
    out = g[["published"]].max()
    summed = g[[f"{m}_{x}" for m in measures for x in ("low", "best", "high")]].sum(min_count=1)
    opened = g[[f"{m}_open" for m in measures]].any()
    for m in measures:
        for x in ("low", "best", "high"):
            out[f"{m}_{x}"] = summed[f"{m}_{x}"]
        out[f"{m}_open"] = opened[f"{m}_open"]
        out.loc[out[f"{m}_open"], f"{m}_high"] = pd.NA
    return out.reset_index()


def _lower_median(values: pd.Series, keys: pd.Series) -> pd.Series:
    d = pd.DataFrame({"k": keys, "v": values}).dropna(subset=["v"]).sort_values(["k", "v"], kind="stable")
    g = d.groupby("k", sort=False)["v"]
    return d.loc[g.cumcount() == (g.transform("size") - 1) // 2].set_index("k")["v"]


def reconcile(cur: pd.DataFrame, measures: tuple[str, ...] = ("killed", "injured"),
              rule: str = DEFAULT_RULE, cl: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per incident, over the given (current, new) rows: {m}_low, {m}_best, {m}_high for each measure, by
    `rule` (see RULES). A high is missing (open) when the rule takes it from an open claim. cl: claims(cur,
    measures) when the caller has them already."""
    if rule not in RULES:
        raise ValueError(f"reconciliation rule {rule!r}: expected one of {', '.join(RULES)}")
    cl = claims(cur, measures) if cl is None else cl
    idx = pd.Index(pd.unique(cur["incident_id"]), name="incident_id")
    out = pd.DataFrame(index=idx)
    if rule == "latest":
        last = cl.groupby("incident_id")["published"].transform("max")
        cl = cl[cl["published"] == last]
    # each claim's incident as its position in idx: the groupings below hash integers, not the text ids a
    # dozen times over, and their results are placed by position instead of aligned on a text index
    k = pd.Series(arrow_lookup.positions(cl["incident_id"], idx), index=cl.index)

    def placed(per_incident: pd.Series) -> pd.api.extensions.ExtensionArray:
        """A per-position result as a column of out (missing for an incident without claims)."""
        return per_incident.reindex(pd.RangeIndex(len(idx))).astype("Float64").array

    for m in measures:
        low, best, high, is_open = cl[f"{m}_low"], cl[f"{m}_best"], cl[f"{m}_high"], cl[f"{m}_open"]
        given = best.notna()
        any_open = is_open.groupby(k).any()
        if rule == "rising":  # the claims with the highest best stand; their high (open if any is) is the high
            lo, be = low.groupby(k).max(), best.groupby(k).max()
            top = best.eq(best.groupby(k).transform("max"))
            hi = high[top].groupby(k[top]).max().where(~is_open[top].groupby(k[top]).any())
        elif rule == "lowest":
            lo, be, hi = low.groupby(k).min(), best.groupby(k).min(), high.groupby(k).min()
            hi = hi.where(~(is_open | ~given).groupby(k).all() | hi.notna())
        else:  # median, and latest over the claims of its last day
            lo, be, hi = low.groupby(k).min(), _lower_median(best, k), high.groupby(k).max()
            hi = hi.where(~any_open)
        out[f"{m}_low"], out[f"{m}_best"], out[f"{m}_high"] = placed(lo), placed(be), placed(hi)
    return out.astype("Float64")


def disagreement(cur: pd.DataFrame, ordered: Ordered | None = None) -> pd.Series:
    """For each current row: do its incident's current claims give different (killed, injured) best figures?
    A missing figure counts as its own value. ordered: order(x) of a frame x holding these rows (cur's index
    unique), when the caller has it: its integer keys are read instead of the text keys hashed again.

    The claims (claims(): one per incident, claimant and report, its rows' bests added up, rows with a key
    missing left out) are worked out here on integer codes, only the two sums this needs: no text per claim,
    no sorted grouping on three text keys, no low, high or open columns."""
    if ordered is not None and cur.index.is_unique:
        keys = ordered[0][["inc", "who_code", "src"]].reindex(cur.index)
        inc_all, w_code, src = (keys[k].to_numpy(dtype=np.int64) for k in ("inc", "who_code", "src"))
        valid = (inc_all >= 0) & (w_code >= 0) & (src >= 0)
        claim = arrow_lookup.joint_codes(inc_all[valid], w_code[valid], src[valid])
    else:
        w = who(cur)
        inc_all = arrow_lookup.codes(cur["incident_id"])  # -1: none
        valid = (inc_all >= 0) & w.notna().to_numpy() & cur["source_id"].notna().to_numpy()
        claim = arrow_lookup.group_codes(cur["incident_id"][valid], w[valid], cur["source_id"][valid])
    n_claims = int(claim.max(initial=-1)) + 1
    killed, injured = (_factorized(_sum_per(cur[f"{m}_best"][valid], claim, n_claims)) for m in ("killed", "injured"))
    inc = inc_all[valid][arrow_lookup.first_of_codes(claim)]  # each claim's incident
    n_inc = int(inc_all.max(initial=-1)) + 1
    # a claim's (killed, injured) as one integer, an incident's distinct ones counted
    span = int(injured.max(initial=0)) + 1
    size = (int(killed.max(initial=0)) + 1) * span
    pairs = np.sort(inc * size + killed * span + injured)
    first = np.r_[True, pairs[1:] != pairs[:-1]] if len(pairs) else np.zeros(0, dtype=bool)
    n = np.bincount(pairs[first] // size, minlength=n_inc)
    many = np.append(n > 1, False)[np.where(inc_all < 0, n_inc, inc_all)]
    return pd.Series(pd.array(many, dtype="boolean"), index=cur.index, name="incident_id")


def _sum_per(values: pd.Series, code: np.ndarray, n: int) -> np.ndarray:
    """groupby(code).sum(min_count=1) as float64 (NaN for a group without a value), codes 0..n-1 each used."""
    v = values.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    given = ~np.isnan(v)
    total = np.bincount(code[given], weights=v[given], minlength=n)
    return np.where(np.bincount(code[given], minlength=n) > 0, total, np.nan)


def _factorized(values: np.ndarray) -> np.ndarray:
    """Integer codes of float values, NaN one code of its own."""
    return pd.factorize(values, use_na_sentinel=False)[0].astype(np.int64)


def same_victim(cas: pd.DataFrame, days: int = 2) -> pd.DataFrame:
    """Pairs of rows that each report one person of the same sex and age, at the same place or one inside the
    other, within `days` days, one as killed and the other as injured: id_a, id_b, incident_a, incident_b."""
    one = cas["killed_best"].fillna(0).astype("int64") + cas["injured_best"].fillna(0).astype("int64") == 1
    c = cas[one & cas["sex"].notna() & cas["ages"].notna() & ~cas["ages"].astype("str").str.contains(";")]
    c = c.assign(dead=c["killed_best"].fillna(0).gt(0), s=c["date_start"], e=c["date_end"])
    cols = ["casualty_id", "incident_id", "place_id", "raion", "geo_prec", "dead", "s", "e"]
    m = c[["sex", "ages", "oblast", *cols]].merge(c[["sex", "ages", "oblast", *cols]],
                                                  on=["sex", "ages", "oblast"], suffixes=("_a", "_b"))
    m = m[(m["casualty_id_a"] < m["casualty_id_b"]) & (m["dead_a"] != m["dead_b"])]
    near = (m["s_a"] - pd.Timedelta(days=days) <= m["e_b"]) & (m["s_b"] - pd.Timedelta(days=days) <= m["e_a"])
    area = (m["geo_prec_a"] >= 4) | (m["geo_prec_b"] >= 4) | (m["place_id_a"] == m["place_id_b"]) | (
        ((m["geo_prec_a"] == 3) | (m["geo_prec_b"] == 3)) & (m["raion_a"] == m["raion_b"]))
    m = m[near & area.fillna(False)]
    return pd.DataFrame({"id_a": m["casualty_id_a"], "id_b": m["casualty_id_b"],
                         "incident_a": m["incident_id_a"], "incident_b": m["incident_id_b"]}
                        ).reset_index(drop=True)


def conflicts(cas: pd.DataFrame, cur: pd.DataFrame | None = None, cl: pd.DataFrame | None = None,
              victims: pd.DataFrame | None = None) -> pd.Series:
    """Per incident (index), what its reports contradict each other on, in words; only incidents with some.
    cur: current_new(cas), cl: claims(cur, MEASURES) and victims: same_victim(cas), when the caller has them
    already (they are the costliest steps here; the clean's linking has the victims' pairs for its queue)."""
    cur = current_new(cas) if cur is None else cur
    cl = claims(cur, ("killed", "injured")) if cl is None else cl
    parts = []
    for m in ("killed", "injured"):
        g = cl.dropna(subset=[f"{m}_best"]).groupby("incident_id")[f"{m}_best"]
        lo, hi = g.min(), g.max()
        differ = lo < hi
        parts.append("tolls differ: " + m + " " + lo[differ].astype("int64").astype("str") + "–"
                      + hi[differ].astype("int64").astype("str"))
    v = same_victim(cas) if victims is None else victims
    if len(v):
        said = v.assign(what="one person (" + v["id_a"] + ", " + v["id_b"] + ") reported both killed and injured")
        other = said["incident_a"] != said["incident_b"]
        said.loc[other, "what"] += " (" + said.loc[other, "incident_a"] + ", " + said.loc[other, "incident_b"] + ")"
        both = pd.concat([said.set_index("incident_a")["what"], said[other].set_index("incident_b")["what"]])
        parts.append(both.groupby(level=0).agg("; ".join))
    parts = [p.rename("what") for p in parts if len(p)]
    if not parts:
        return pd.Series(dtype="str")
    return _joined_per_label(pd.concat(parts)).astype("str")


def _joined_per_label(s: pd.Series) -> pd.Series:
    """s.groupby(level=0).agg("; ".join): per label, its texts joined in their order, labels sorted. One stable
    sort of the labels' codes and a plain join per label (a large clean has tens of thousands of incidents
    whose tolls differ: a Python aggregation per group cost a second)."""
    s = s[s.index.notna()]  # as groupby drops a missing label
    codes, labels = pd.factorize(s.index, sort=True)
    order = np.argsort(codes, kind="stable")
    texts, sorted_codes = s.to_numpy(dtype=object)[order], codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]]) if len(s) else np.empty(0, int)
    ends = np.r_[starts[1:], len(s)].astype(int)
    joined = ["; ".join(texts[a:b]) for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
    return pd.Series(joined, index=pd.Index(labels, name=s.index.name), name=s.name, dtype=object).infer_objects()
