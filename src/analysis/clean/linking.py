"""Which reports describe the same attack: the linking rules (docs/codebook.md, "Linking reports").

A *report* is an event row, or a casualty row that names no event. Reports are taken in tiers, most
precise first: settlement-level reports dated to a day or a few days, then raion-, oblast- and country-level
ones, then reports with vague dates. Each report joins the one existing incident it fits, or starts its
own. It fits an incident when, measured against the incident's *leader* (its first, most precise report):

- place: the same place, or one place inside the other (a settlement inside a raion or oblast report's
  area, a raion inside an oblast);
- type: the same kind of attack, or one of the two is unspecific (plain shelling with no weapon named, a
  casualty of unknown cause), which fits a missile, air or drone strike; a clearly different kind does not;
- date: two reports dated to one day each must name the same day (unless their clock times are within
  three hours across midnight); otherwise their date ranges must overlap;
- time of day: clock times more than three hours apart, or opposite parts of the day (morning against
  evening, night against afternoon), are different attacks; neighbouring parts (a late evening strike
  reported as "at night") may be one; parts of different days are taken in order (the night of a two-day
  report is the night between its days, a day after the first day's morning);
- victims: casualty reports of civilians and of combatants are not one incident by rule;
- daily summaries: two "past day" reports by the same claimant (a window of two days ending on the day it
  was published, as the regional administration's morning summary is dated, or the day before it was
  published, "yesterday") published on different days describe different days, so they are never one
  incident, although their windows overlap by a day. Without
  this rule consecutive summaries that each name the same raion shelled would join into one incident per
  raion and fortnight.

Because every member is compared with the leader and never with other members, an imprecise report cannot
chain separate attacks together, and a report with a vague date (over a week or more) never leads an
incident that others join. When several incidents fit equally well the report stays apart and the pair goes
to the review queue (link_candidates.csv), as do near misses at one place (type or time apart). A coder's
decision in links.csv overrides the rules afterwards (`overrides.apply`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd
import pyarrow as pa

from analysis.clean.places import fold_names

#: attack types an unspecific report (plain shelling, unknown cause) may be a report of
ATTACKS = ("shelling", "missile_strike", "air_strike", "drone_strike")
#: the event type a casualty cause implies; 'unknown' fits any attack; other causes link only to each other
CAUSE_CLASS = {"shelling": "shelling", "missile_strike": "missile_strike", "air_strike": "air_strike",
               "drone_strike": "drone_strike", "landmine": "remote_explosive", "other": "other",
               "unknown": "any", "mass_grave": "mass_grave", "execution": "execution"}
HOURS_APART = 3  # clock times further apart than this are different attacks
PARTS = ("night", "morning", "afternoon", "evening")  # neighbours (evening and night) may be one attack
MAX_CANDIDATES = 12  # a report fitting more incidents than this: none is listed as a candidate
NEARBY_CAP = 120  # a report with more incidents than this around its place and dates is not compared

# rules recorded per report, in the `link_rule` column
LEAD, SAME, AREA, UNSPECIFIC, VAGUE, AMBIGUOUS = (
    "first report", "same place, type and time", "area report inside the incident's place",
    "unspecific type", "vague date inside the incident's dates", "several incidents fit: kept apart")


_NO_SERIES: Mapping[str, int] = MappingProxyType({})  # shared by the incidents without a daily summary


@dataclass(slots=True)
class _Incident:
    leader: int
    level: int
    place: str
    raion: str | None
    oblast: str | None
    cls: str
    generic: bool
    s: int
    e: int
    exact: bool
    hour: float
    tod: str | None
    victim: str | None
    series: Mapping[str, int]  # claimant -> the start of their past-day window in this incident (daily summaries)


def _series(r: pd.DataFrame, events: pd.DataFrame, cas: pd.DataFrame) -> np.ndarray:
    """Per report, the claimant of a daily summary's report as claim_by|folded name: a "past day" report (a
    two-day window ending on its publication day) or a "yesterday" one (the day before its publication day).
    None for other reports and for reports without a named claimant (a frame without these columns, an
    importer's or a test's, has none)."""
    w = pd.concat([f.reindex(columns=["published", "claim_by", "claimant"]) for f in (events, cas)],
                  ignore_index=True)
    folded = fold_names(w["claimant"].astype("str"))
    pub = pd.to_datetime(w["published"]).to_numpy().astype("datetime64[D]").astype("int64")
    s, e, prec = r["s"].to_numpy(), r["e"].to_numpy(), r["prec"].to_numpy()
    window = ((prec == 2) & (e - s == 1) & (e == pub)) | ((prec == 1) & (s == e) & (e == pub - 1))
    past_day = window & folded.notna().to_numpy()
    key = (w["claim_by"].astype("str") + "|" + folded.astype("str")).to_numpy(dtype=object)
    return np.where(past_day, key, None)


def reports(events: pd.DataFrame, cas: pd.DataFrame) -> pd.DataFrame:
    """One row per report to link: every event, and every casualty row without an event."""
    generic = (events["event_type"] == "shelling") & events["weapon"].isin(["artillery", "unknown"])
    ev = pd.DataFrame({
        "rid": events["event_id"].astype("str"), "kind": "event", "pos": np.arange(len(events)),
        "cls": events["event_type"].astype("str"), "generic": generic.to_numpy(dtype=bool),
        "hour": events["hour"].astype("Float64").to_numpy(dtype="float64", na_value=np.nan),
        "tod": events["time_of_day"], "victim": None})
    alone = cas["event_id"].isna().to_numpy()
    c = cas[alone]
    cls = c["cause"].map(CAUSE_CLASS).fillna("any")
    ca = pd.DataFrame({
        "rid": c["casualty_id"].astype("str"), "kind": "casualty", "pos": np.flatnonzero(alone),
        "cls": cls.astype("str"), "generic": cls.isin(["shelling", "any"]).to_numpy(dtype=bool),
        "hour": np.nan, "tod": None, "victim": c["victim_group"]})
    shared = ["place_id", "geo_prec", "raion", "oblast", "date_start", "date_end", "date_prec"]
    ev = pd.concat([ev.reset_index(drop=True), events[shared].reset_index(drop=True)], axis=1)
    ca = pd.concat([ca.reset_index(drop=True), c[shared].reset_index(drop=True)], axis=1)
    r = pd.concat([ev, ca], ignore_index=True)
    r["s"] = r["date_start"].to_numpy().astype("datetime64[D]").astype("int64")
    r["e"] = r["date_end"].to_numpy().astype("datetime64[D]").astype("int64")
    gp = r["geo_prec"].astype("Int64").fillna(6).to_numpy(dtype="int64")
    # a named village missing from GeoNames sits at its raion's centre (geo_prec 3) but is still one settlement
    match = pd.concat([f.reindex(columns=["place_match"]) for f in (events, c)], ignore_index=True)["place_match"]
    village = ((gp == 3) & match.notna() & ~match.isin(["raion", "oblast"])).to_numpy(dtype=bool)
    r["level"] = np.select([(gp <= 2) | village, gp == 3, gp == 4], [1, 2, 3], 4)
    r["precise"] = r["date_prec"].astype("Int64").fillna(5).to_numpy(dtype="int64") <= 2
    r["prec"] = r["date_prec"].astype("Int64").fillna(5).to_numpy(dtype="int64")
    r["series"] = pd.Series(_series(r, events, c), dtype="object")
    return r


_ALL_TCLASSES = (*ATTACKS, "remote_explosive", "other", "mass_grave", "execution", "generic", "any")


def _tclass(cls: str, generic: bool) -> str:
    """The class an incident is indexed under: its type, or 'generic' for plain shelling, 'any' for a
    casualty of unknown cause."""
    return "any" if cls == "any" else "generic" if generic else cls


def _fitting_tclasses(cls: str, generic: bool) -> tuple[str, ...]:
    """Index classes whose incidents may fit a report of this type (the exact test is made inline in link())."""
    if cls == "any":
        return _ALL_TCLASSES
    if generic:
        return (*ATTACKS, "generic", "any")
    return (cls, "generic", "any") if cls in ATTACKS else (cls, "any")


def _places_fit(lv: int, place: str, raion: str | None, oblast: str | None, inc: _Incident) -> bool:
    """One place inside the other (levels: 1 settlement, 2 raion, 3 oblast, 4 river or country)."""
    if place == inc.place:
        return True
    if lv == 4 or inc.level == 4:
        return False
    hi, lo = ((lv, (raion, oblast)), (inc.level, (inc.raion, inc.oblast)))
    if hi[0] == lo[0]:
        return False
    (big_lv, (big_r, big_o)), (_, (small_r, small_o)) = (hi, lo) if hi[0] > lo[0] else (lo, hi)
    if big_o is None or big_o != small_o:
        return False
    return big_lv == 3 or (big_r is not None and big_r == small_r)


def _times_fit(hour: float, tod: str | None, exact_day: bool, s: int, e: int, inc: _Incident) -> bool:
    """A report's clock time or part of the day (exact_day: dated to the one day s) against the incident's.
    Parts of the day on different days are compared in order: the morning of the 30th and the night into
    the 31st are a day apart, the evening of the 30th and that night neighbours."""
    h2 = inc.hour
    if hour == hour and h2 == h2:  # both clock times known (NaN != NaN)
        if exact_day and inc.exact:
            return abs((s * 24 + hour) - (inc.s * 24 + h2)) <= HOURS_APART
        d = abs(hour - h2)
        return min(d, 24 - d) <= HOURS_APART
    a = tod if hour != hour else _bucket(hour)
    b = inc.tod if h2 != h2 else _bucket(h2)
    if a is None or b is None:
        return True
    if not (exact_day and inc.exact):  # a night between two days against a part of a day, or another night
        sa, sb = _slots(a, exact_day, s, e), _slots(b, inc.exact, inc.s, inc.e)
        if sa and sb:
            return min(abs(x - y) for x in sa for y in sb) <= 1
    return (PARTS.index(a) - PARTS.index(b)) % 4 != 2  # opposite parts of the day (morning, evening) are apart


def _slots(tod: str, exact_day: bool, s: int, e: int) -> tuple[int, ...]:
    """Where a part of the day falls on a line of quarter days (4 per day: night, morning, afternoon,
    evening): a day's part, or for "the night" of a two-day window the night between its days. A one-day
    report's night may be its early hours or the night after, so it has two places; anything else none."""
    if exact_day:
        k = PARTS.index(tod)
        return (4 * s, 4 * (s + 1)) if tod == "night" else (4 * s + k,)
    if tod == "night" and e - s == 1:
        return (4 * e,)
    return ()


def _bucket(hour: float) -> str:
    return PARTS[0 if hour < 6 else 1 if hour < 12 else 2 if hour < 18 else 3]


def _time_evidence(hour: float, tod: str | None, inc: _Incident) -> int:
    """How well the fit on time is shown: 0 clock times agree, 1 the same part of the day, 2 neighbouring
    parts (evening and night), 3 no evidence."""
    h2 = inc.hour
    if hour == hour and h2 == h2:
        return 0
    a = tod if hour != hour else _bucket(hour)
    b = inc.tod if h2 != h2 else _bucket(h2)
    if a is None or b is None:
        return 3
    return 1 if a == b else 2




def _victims_fit(victim: str | None, inc: _Incident) -> bool:
    known = ("civilian", "military")
    return not (victim in known and inc.victim in known and victim != inc.victim)


@dataclass
class Linked:
    """The rules' answer: an integer incident per report, the rule that placed it, and the review queue."""

    label: np.ndarray
    rule: np.ndarray
    candidates: pd.DataFrame  # report_a, report_b (the other incident's leader), rule


def link(r: pd.DataFrame) -> Linked:
    """Apply the linking rules to the reports frame (see `reports`). Order of rows does not matter."""
    n = len(r)
    label = np.full(n, -1, dtype=np.int64)
    rule = np.full(n, LEAD, dtype=object)
    if n == 0:
        return Linked(label, rule, _candidates([], [], []))
    # tiers: precise dates before vague, then settlement before raion, oblast, country; within a tier the
    # narrowest dates lead, specific types before unspecific, then by date, clock time and id
    hour_missing = np.isnan(r["hour"].to_numpy(dtype="float64"))
    order = np.lexsort((r["rid"].to_numpy(dtype=object), r["hour"].fillna(0).to_numpy(), hour_missing,
                        r["e"].to_numpy(), r["s"].to_numpy(), r["prec"].to_numpy(), r["generic"].to_numpy(),
                        r["level"].to_numpy(), ~r["precise"].to_numpy()))
    # one list per column, indexed per report (no tuple per report: a million tuples cost more than the lists)
    (col_place, col_raion, col_oblast, col_cls, col_generic, col_hour, col_tod, col_victim, col_s, col_e, col_prec,
     col_level, col_precise, col_series) = columns(r, ["place_id", "raion", "oblast", "cls", "generic", "hour", "tod",
                                                       "victim", "s", "e", "prec", "level", "precise", "series"])
    incs: list[_Incident] = []
    by_place: dict[tuple, list[int]] = defaultdict(list)  # (place_id, day) -> incidents led there
    # the areas, by type class as well: (oblast, [raion,] day) -> {class: incidents}
    by_raion: dict[tuple, dict[str, list[int]]] = {}  # incidents in the raion
    by_oblast: dict[tuple, dict[str, list[int]]] = {}  # incidents in the oblast
    raion_wide: dict[tuple, dict[str, list[int]]] = {}  # raion-level incidents
    oblast_wide: dict[tuple, dict[str, list[int]]] = {}  # oblast-level incidents
    # the review queue as three columns: report, the other incident's leader, the reason (PAIR_RULES index)
    pair_a: list[int] = []
    pair_b: list[int] = []
    pair_why: list[int] = []
    fitting: dict[tuple[str, bool], tuple[str, ...]] = {}  # _fitting_tclasses, once per type

    def index(k: int) -> None:
        inc = incs[k]
        t = _tclass(inc.cls, inc.generic)
        for d in range(inc.s, inc.e + 1):
            by_place[(inc.place, d)].append(k)
            if inc.oblast is None or inc.level == 4:
                continue
            by_oblast.setdefault((inc.oblast, d), {}).setdefault(t, []).append(k)
            if inc.level == 3:
                oblast_wide.setdefault((inc.oblast, d), {}).setdefault(t, []).append(k)
            elif inc.raion is not None:
                by_raion.setdefault((inc.oblast, inc.raion, d), {}).setdefault(t, []).append(k)
                if inc.level == 2:
                    raion_wide.setdefault((inc.oblast, inc.raion, d), {}).setdefault(t, []).append(k)

    def nearby(level: int, oblast: str | None, raion: str | None, place: str, cls: str, generic: bool,
               days: range) -> list[int] | set[int]:
        """Incidents whose leader's place and days could fit x (the days of x, and a day either side for a
        clock time on a given day: an attack across midnight): at x's own place of any type, in the areas
        around it only of a type that may fit. Incidents are indexed by their leader's type class, which only
        ever turns from unspecific to specific, so looking up the unspecific classes too never misses one.
        The exact tests follow; their outcome does not depend on the order of the incidents returned (the best
        fits are sorted, the review queue is sorted by incidents.candidates)."""
        found: list[list[int]] = []  # the index lists that hold some; each holds an incident once
        lv, ob, ra = level, oblast, raion
        for d in days:  # at the same place every type: a different type is a near miss to queue
            hit = by_place.get((place, d))
            if hit:
                found.append(hit)
        if ob is not None and lv != 4:
            kind = (cls, generic)
            classes = fitting.get(kind)
            if classes is None:
                classes = fitting[kind] = _fitting_tclasses(*kind)
            if lv == 3:
                areas = [(by_oblast, (ob,))]
            else:
                areas = [(raion_wide if lv == 1 else by_raion, (ob, ra))] if ra is not None else []
                areas.append((oblast_wide, (ob,)))
            for idx, key in areas:
                for d in days:
                    per = idx.get((*key, d))
                    if per:
                        for t in classes:
                            hit = per.get(t)
                            if hit:
                                found.append(hit)
        if len(found) <= 1:
            return found[0] if found else []
        return set().union(*found)

    for i in order.tolist():
        place, raion, oblast, cls, generic, hour, tod = (col_place[i], col_raion[i], col_oblast[i], col_cls[i],
                                                         col_generic[i], col_hour[i], col_tod[i])
        victim, s, e, prec, level, precise, series = (col_victim[i], col_s[i], col_e[i], col_prec[i], col_level[i],
                                                      col_precise[i], col_series[i])
        exact_day = prec == 1
        days = range(s - 1, s + 2) if exact_day and hour == hour else range(s, e + 1)
        fits: list[tuple[tuple, int]] = []
        near = nearby(level, oblast, raion, place, cls, generic, days)
        if len(near) > NEARBY_CAP:  # an area report among very many incidents: not compared one by one
            near = []
            rule[i] = AMBIGUOUS
        for k in near:
            inc = incs[k]
            same_place = place == inc.place
            if not same_place and len(fits) > MAX_CANDIDATES:
                continue  # too many fits already: only a near miss at the same place is still recorded
            # dates, then daily summaries: the tests made for every incident nearby (millions), inline
            if exact_day and inc.exact:
                if s != inc.s:
                    h2 = inc.hour  # the same attack either side of midnight
                    if not (hour == hour and h2 == h2 and abs((s * 24 + hour) - (inc.s * 24 + h2)) <= HOURS_APART):
                        continue
            elif not (s <= inc.e and e >= inc.s):
                continue
            if series is not None and inc.series.get(series, s) != s:
                continue
            if not (same_place or _places_fit(level, place, raion, oblast, inc)):
                continue
            ic, ig = inc.cls, inc.generic
            if not (cls == ic or cls == "any" or ic == "any" or (generic and ic in ATTACKS)
                    or (ig and cls in ATTACKS)):  # types: the test made most often, inline
                if same_place:
                    pair_a.append(i)
                    pair_b.append(inc.leader)
                    pair_why.append(0)  # different type
                continue
            if not _times_fit(hour, tod, exact_day, s, e, inc) or not _victims_fit(victim, inc):
                if same_place:
                    pair_a.append(i)
                    pair_b.append(inc.leader)
                    pair_why.append(1)  # times or victims
                continue
            if len(fits) <= MAX_CANDIDATES:
                exact_type = cls == ic and generic == ig
                fits.append(((0 if same_place else 1, _time_evidence(hour, tod, inc), 0 if exact_type else 1), k))
            else:
                fits.append(((), k))  # more than enough: the report is ambiguous, no rank is needed
        if len(fits) > MAX_CANDIDATES:
            fits = []
            rule[i] = AMBIGUOUS
        elif fits:
            best = min(f[0] for f in fits)
            top = sorted(k for rank, k in fits if rank == best)
            if len(top) == 1:
                k = top[0]
                inc = incs[k]
                label[i] = k
                rule[i] = (VAGUE if not precise else SAME if place == inc.place and best[2] == 0
                           else AREA if place != inc.place else UNSPECIFIC)
                if inc.hour != inc.hour and hour == hour:
                    inc.hour = hour  # the incident's clock time: its first report that gives one
                if inc.tod is None and tod is not None:
                    inc.tod = tod
                if inc.victim in (None, "unknown", "mixed") and victim in ("civilian", "military"):
                    inc.victim = victim
                if inc.generic and not generic:  # an unspecific leader takes the first specific type
                    inc.cls, inc.generic = cls, False
                if series is not None:
                    if inc.series is _NO_SERIES:
                        inc.series = {series: s}
                    else:
                        inc.series.setdefault(series, s)
                continue
            pair_a.extend([i] * len(top))
            pair_b.extend(incs[k].leader for k in top)
            pair_why.extend([2] * len(top))  # ambiguous
            rule[i] = AMBIGUOUS
        label[i] = len(incs)
        incs.append(_Incident(i, level, place, raion, oblast, cls, generic, s, e, exact_day, hour, tod, victim,
                              _NO_SERIES if series is None else {series: s}))
        if precise and rule[i] != AMBIGUOUS:  # only a clear, precisely dated leader is joined
            index(len(incs) - 1)
    return Linked(label, rule, _candidates(pair_a, pair_b, pair_why))


def rows(df: pd.DataFrame, cols: list[str]) -> list[tuple]:
    """Rows as plain-Python tuples of `cols` (missing text as None, missing numbers as NaN), without pandas'
    per-cell boxing, which costs more than the linking itself (a tuple holds a row in a fifth of a dict's
    memory)."""
    return list(zip(*columns(df, cols), strict=True))


def columns(df: pd.DataFrame, cols: list[str]) -> list[list]:
    """`cols` as plain-Python lists (missing text as None, missing numbers as NaN). Each distinct value is one
    Python object that its rows share, not one object per cell."""
    lists = []
    for c in cols:
        s = df[c]
        if s.dtype.kind in "iuf" and isinstance(s.dtype, np.dtype):  # days, ranks, hours: shared values too
            uniq, inverse = np.unique(s.to_numpy(), return_inverse=True)
            lists.append(uniq.astype(object)[inverse.reshape(-1)].tolist())
        elif s.dtype.kind in "biuf":
            lists.append(s.to_numpy().tolist())
        else:
            codes, uniq = pd.factorize(s)
            lists.append(np.append(np.asarray(uniq, dtype=object), None)[codes].tolist())
    return lists


def records(df: pd.DataFrame, cols: list[str]) -> list[dict]:
    """rows() as dicts keyed by column."""
    return [dict(zip(cols, r, strict=True)) for r in rows(df, cols)]


#: why a pair goes to the review queue, by the code link() records
PAIR_RULES = ("different type of attack", "times of day or victims apart", AMBIGUOUS)


def _candidates(a: list[int], b: list[int], why: list[int]) -> pd.DataFrame:
    """The review queue's frame from link()'s three columns (the reasons named in Arrow: no Python strings)."""
    rule = pa.array(PAIR_RULES, type=pa.large_string()).take(pa.array(why, type=pa.int8()))
    return pd.DataFrame({"a": np.array(a, dtype="int64"), "b": np.array(b, dtype="int64"),
                         "rule": pd.array(rule, dtype="str")})
