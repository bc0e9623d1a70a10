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

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.clean import arrow_lookup
from analysis.clean.places import claimant_keys
from analysis.clean.times import PARTS, part_of_hour  # neighbours (evening and night) may be one attack

#: attack types an unspecific report (plain shelling, unknown cause) may be a report of
ATTACKS = ("shelling", "missile_strike", "air_strike", "drone_strike")
#: the event type a casualty cause implies; 'unknown' fits any attack; other causes link only to each other
CAUSE_CLASS = {"shelling": "shelling", "missile_strike": "missile_strike", "air_strike": "air_strike",
               "drone_strike": "drone_strike", "landmine": "remote_explosive", "other": "other",
               "unknown": "any", "mass_grave": "mass_grave", "execution": "execution"}
HOURS_APART = 3  # clock times further apart than this are different attacks
MAX_CANDIDATES = 12  # a report fitting more incidents than this: none is listed as a candidate
NEARBY_CAP = 120  # a report with more incidents than this around its place and dates is not compared

# rules recorded per report, in the `link_rule` column
LEAD, SAME, AREA, UNSPECIFIC, VAGUE, AMBIGUOUS = (
    "first report", "same place, type and time", "area report inside the incident's place",
    "unspecific type", "vague date inside the incident's dates", "several incidents fit: kept apart")


def _series(r: pd.DataFrame, events: pd.DataFrame, cas: pd.DataFrame) -> pd.Categorical:
    """Per report, the claimant of a daily summary's report as claim_by|folded name: a "past day" report (a
    two-day window ending on its publication day) or a "yesterday" one (the day before its publication day).
    Missing for other reports and for reports without a named claimant (a frame without these columns, an
    importer's or a test's, has none). A categorical of the distinct names: the text of a million reports is
    never made, and link() codes it on integers (factorize numbers it as it would the text)."""
    w = pd.concat([f.reindex(columns=["published", "claim_by", "claimant"]) for f in (events, cas)],
                  ignore_index=True)
    # the claimant's key worked out once per distinct (claim_by, claimant), not per row: a million reports
    # name a few hundred claimants
    code = arrow_lookup.group_codes(w["claim_by"], w["claimant"])
    rep = w.iloc[arrow_lookup.first_of_codes(code)]
    folded = claimant_keys(rep["claimant"].astype("str"))
    pub = pd.to_datetime(w["published"]).to_numpy().astype("datetime64[D]").astype("int64")
    s, e, prec = r["s"].to_numpy(), r["e"].to_numpy(), r["prec"].to_numpy()
    window = ((prec == 2) & (e - s == 1) & (e == pub)) | ((prec == 1) & (s == e) & (e == pub - 1))
    past_day = window & folded.notna().to_numpy()[code]
    # each claimant group's name as a code among the distinct names (several spellings fold to one name)
    name, names = pd.factorize(rep["claim_by"].astype("str") + "|" + folded.astype("str"))
    return pd.Categorical.from_codes(np.where(past_day, name.astype(np.int64)[code], -1), categories=names)


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
    r["series"] = _series(r, events, c)
    return r


_ALL_TCLASSES = (*ATTACKS, "remote_explosive", "other", "mass_grave", "execution", "generic", "any")


def _tclass(cls: str, generic: bool) -> str:
    """The class an incident is indexed under: its type, or 'generic' for plain shelling, 'any' for a
    casualty of unknown cause."""
    return "any" if cls == "any" else "generic" if generic else cls


def _fitting_tclasses(cls: str, generic: bool) -> tuple[str, ...]:
    """Index classes whose incidents may fit a report of this type (the exact test is made in link())."""
    if cls == "any":
        return _ALL_TCLASSES
    if generic:
        return (*ATTACKS, "generic", "any")
    return (cls, "generic", "any") if cls in ATTACKS else (cls, "any")


def _types_fit(cls: str, generic: bool, ic: str, ig: bool) -> bool:
    """The same kind of attack, or one of the two unspecific (plain shelling, a casualty of unknown cause) and
    the other an attack. Worked out once per pair of distinct types (`_Reports.type_fit`), not per comparison."""
    return cls == ic or cls == "any" or ic == "any" or (generic and ic in ATTACKS) or (ig and cls in ATTACKS)


#: victims as link() compares them: the two known groups, -1 for an unknown one that the first known report
#: names (none, 'unknown', 'mixed'), -2 for any other (never replaced)
_VICTIMS = {"civilian": 0, "military": 1, "unknown": -1, "mixed": -1}


@dataclass
class Linked:
    """The rules' answer: an integer incident per report, the rule that placed it, and the review queue."""

    label: np.ndarray
    rule_code: np.ndarray  # the rule as its index in RULES: a million reports' text is made only where needed
    candidates: pd.DataFrame  # a, b: rows of the report and of the other incident's leader; why: PAIR_RULES index

    @property
    def rule(self) -> np.ndarray:
        """The rule that placed each report, as text (object array)."""
        return np.array(RULES, dtype=object)[self.rule_code]


#: the rules link() records, by its codes (Linked.rule_code)
RULES = (LEAD, SAME, AREA, UNSPECIFIC, VAGUE, AMBIGUOUS)


@dataclass(frozen=True)
class _Reports:
    """Every report's columns as the compiled loop reads them (linking_kernel.link_loop), worked out with numpy
    once for all reports: text as integer codes (equal text, equal code; -1 for none), index keys as integers,
    and per distinct type the tests that depend on the types alone. Arrays indexed by report, except the last
    four (by type code)."""

    place: np.ndarray  # place code
    place_key: np.ndarray  # the incident index's key of the report's place; + a day gives its key that day
    raion_key: np.ndarray  # the same for its raion (-1: none)
    oblast_key: np.ndarray  # and its oblast (-1: none)
    raion: np.ndarray  # raion code (-1 none)
    oblast: np.ndarray  # oblast code (-1 none)
    level: np.ndarray  # 1 settlement, 2 raion, 3 oblast, 4 river or country
    type: np.ndarray  # type code: 2 * class code + generic
    hour: np.ndarray  # float64, NaN: none
    tod: np.ndarray  # the time of day given (PARTS index, -1 none)
    part: np.ndarray  # the part of the day compared: from the clock time when there is one, else tod
    victim: np.ndarray  # see _VICTIMS
    series: np.ndarray  # claimant code of a daily summary (-1: not one)
    s: np.ndarray
    e: np.ndarray
    exact: np.ndarray  # bool: dated to one day
    precise: np.ndarray  # bool
    lo: np.ndarray  # the days searched: a day either side of a clock time on one day, else the report's own
    hi: np.ndarray
    n_series: int  # how many claimant codes
    type_fit: np.ndarray  # bool [report's type, incident's type]
    generic: np.ndarray  # bool per type code
    tclass: np.ndarray  # per type code: the class code an incident of this type is indexed under
    class_fits: np.ndarray  # bool [type code, class]: incidents of the class may fit a report of the type


def _codes(s: pd.Series) -> tuple[np.ndarray, int]:
    """Integer code per cell (-1 for missing) and how many distinct values."""
    codes, uniq = pd.factorize(s)
    return codes.astype(np.int64), len(uniq)


def _per_value(codes: np.ndarray, values: list[int], missing: int) -> np.ndarray:
    """values[code] per cell (a value worked out once per distinct text), `missing` where the code is -1."""
    return np.append(np.asarray(values, dtype=np.int64), missing)[codes]


def _prepare(r: pd.DataFrame) -> _Reports:
    """The reports frame (see `reports`) as link() reads it."""
    s, e = r["s"].to_numpy(dtype=np.int64), r["e"].to_numpy(dtype=np.int64)
    base = min(0, int(s.min()) - 1)  # the first day searched or earlier (keys >= 0, -1 for none): days count from it
    span = int(e.max()) - base + 2  # days from there to the last searched, and one spare
    place, _ = _codes(r["place_id"])
    raion, n_raion = _codes(r["raion"])
    oblast, _ = _codes(r["oblast"])
    place_key = (place + 1) * span - base
    oblast_key = np.where(oblast >= 0, oblast * span - base, -1)
    raion_key = np.where((oblast >= 0) & (raion >= 0), (oblast * (n_raion + 1) + raion) * span - base, -1)
    cls, cls_names = pd.factorize(r["cls"])
    generic = r["generic"].to_numpy(dtype=bool)
    kind = cls.astype(np.int64) * 2 + generic
    names = [(str(cls_names[t // 2]), bool(t % 2)) for t in range(2 * len(cls_names))]
    hour = r["hour"].to_numpy(dtype="float64")
    has_hour = ~np.isnan(hour)
    tod_code, tod_text = pd.factorize(r["tod"])
    unknown = set(tod_text) - set(PARTS)
    if unknown:
        raise ValueError(f"time of day {sorted(unknown)}: expected one of {', '.join(PARTS)}")
    tod = _per_value(tod_code, [PARTS.index(x) for x in tod_text], -1)
    bucket = part_of_hour(hour)
    victim_code, victim_text = pd.factorize(r["victim"])
    victim = _per_value(victim_code, [_VICTIMS.get(x, -2) for x in victim_text], -1)
    series, n_series = _codes(r["series"])
    exact = r["prec"].to_numpy(dtype=np.int64) == 1
    around = exact & has_hour
    fitting = [_fitting_tclasses(*t) for t in names]
    tclass = [_tclass(*t) for t in names]
    # index classes as codes: the known ones, then any other type an importer brings (indexed under itself)
    classes = [*_ALL_TCLASSES, *sorted(set(tclass) - set(_ALL_TCLASSES))]
    return _Reports(
        place=place, place_key=place_key, raion_key=raion_key, oblast_key=oblast_key, raion=raion, oblast=oblast,
        level=r["level"].to_numpy(dtype=np.int64), type=kind, hour=hour, tod=tod,
        part=np.where(has_hour, bucket, tod).astype(np.int64), victim=victim, series=series,
        s=s, e=e, exact=exact, precise=r["precise"].to_numpy(dtype=bool),
        lo=np.where(around, s - 1, s), hi=np.where(around, s + 1, e), n_series=n_series,
        type_fit=np.array([[_types_fit(*a, *b) for b in names] for a in names], dtype=bool).reshape(len(names), -1),
        generic=np.array([g for _, g in names], dtype=bool),
        tclass=np.array([classes.index(t) for t in tclass], dtype=np.int64),
        class_fits=np.array([[c in f for c in classes] for f in fitting], dtype=bool).reshape(-1, len(classes)))


def _order(r: pd.DataFrame) -> np.ndarray:
    """The order reports are taken in. Tiers: precise dates before vague, then settlement before raion,
    oblast, country; within a tier the narrowest dates lead, specific types before unspecific, then by date,
    clock time and id (ids compared by their rank among the ids: the same order as the text, without sorting
    a million Python strings). The nine keys are packed into two integers where they fit (`_packed`): a sort
    of two keys instead of nine, the same order."""
    hour = r["hour"].to_numpy(dtype="float64")
    rid_rank = _text_ranks(pa.array(r["rid"], type=pa.large_string()))
    keys = (rid_rank, np.nan_to_num(hour, nan=0.0), np.isnan(hour), r["e"].to_numpy(), r["s"].to_numpy(),
            r["prec"].to_numpy(), r["generic"].to_numpy(), r["level"].to_numpy(), ~r["precise"].to_numpy())
    low, high = _packed(keys[:3]), _packed(keys[3:])
    if low is not None and high is not None:
        return arrow_lookup.lex_order(high, low)  # np.lexsort((low, high)), one sort when the two fit one integer
    return np.lexsort(keys).astype(np.int64)


def _text_ranks(ids: pa.Array) -> np.ndarray:
    """Integers in the order of the texts (equal texts, equal numbers): the texts' dense ranks. Without a sort
    when the texts come as at most two rising runs, one wholly before the other (the reports: events in id
    order, then casualty rows in id order, CA- before EV-), as the processed tables come; else ranked (Arrow)."""
    n = len(ids)
    if n > 1 and ids.null_count == 0:
        breaks = np.flatnonzero(~pc.less(ids.slice(0, n - 1), ids.slice(1)).to_numpy(zero_copy_only=False))
        if not len(breaks):
            return np.arange(1, n + 1, dtype=np.int64)
        if len(breaks) == 1 and ids[n - 1].as_py() < ids[0].as_py():  # the second run wholly before the first
            p = int(breaks[0]) + 1
            return np.r_[np.arange(p) + (n - p) + 1, np.arange(n - p) + 1].astype(np.int64)
    return np.asarray(pc.rank(ids, sort_keys="ascending", tiebreaker="dense")).astype(np.int64)


def _packed(keys: tuple[np.ndarray, ...]) -> np.ndarray | None:
    """Keys for np.lexsort (the last the most significant) as one int64 in the same order: each key a digit of a
    mixed-radix number (an integer key less its least value, a float key its rank among its values). None when
    the number could pass 2**62."""
    out, size = np.zeros(len(keys[0]), dtype=np.int64), 1
    for key in reversed(keys):
        if key.dtype.kind == "f":
            uniq, digit = np.unique(key, return_inverse=True)
            radix = len(uniq)
        else:
            key = key.astype(np.int64)
            least = int(key.min())
            digit, radix = key - least, int(key.max()) - least + 1
        size *= radix
        if size >= 2**62:
            return None
        out = out * radix + digit.reshape(-1)
    return out


def link(r: pd.DataFrame) -> Linked:
    """Apply the linking rules to the reports frame (see `reports`). Order of rows does not matter.

    The loop over reports is compiled (linking_kernel.link_loop; the first run on a machine compiles it, a few
    seconds, later runs read numba's cache). Incidents are indexed by integer keys of their leader's place, raion
    and oblast and each of its days, so a report looks only at the incidents around its own place and days. The
    outcome does not depend on the order in which the incidents nearby are compared: the best fits are sorted,
    a report with more than MAX_CANDIDATES fits is ambiguous whichever they are, and the review queue is sorted
    by incidents.candidates."""
    n = len(r)
    if n == 0:
        none = np.empty(0, dtype=np.int64)
        return Linked(none, none, _candidates(none, none, none.astype(np.int8)))
    from analysis.clean import linking_kernel  # imports numba: only when linking runs, not for every command

    c = _prepare(r)
    label, rule, a, b, why = linking_kernel.link_loop(
        _order(r), c.place, c.place_key, c.raion_key, c.oblast_key, c.raion, c.oblast,
        c.level, c.type, c.hour, c.tod, c.part, c.victim, c.series, c.s, c.e, c.exact, c.precise, c.lo, c.hi,
        c.type_fit, c.generic, c.tclass, c.class_fits, max(c.n_series, 1), HOURS_APART, MAX_CANDIDATES, NEARBY_CAP)
    return Linked(label, rule, _candidates(a, b, why))


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


def _candidates(a: np.ndarray, b: np.ndarray, why: np.ndarray) -> pd.DataFrame:
    """The review queue's frame from link()'s pairs: a, the report's row, b the row of the other incident's leader,
    why the reason's PAIR_RULES index (int8), named only for the rows kept (incidents.link_incidents)."""
    return pd.DataFrame({"a": a, "b": b, "why": why}, copy=False)  # link()'s own arrays: millions of pairs, no copy
