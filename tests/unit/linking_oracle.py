"""The pure-Python linking loop that clean/linking.py ran before it was compiled with numba (linking_kernel.py):
kept here, as it was, as the oracle the compiled loop is tested against (test_linking_kernel.py). Only the loop
and its helpers are here; the rules' frame (`reports`), the order of reports and the review queue's frame are
linking's own."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.clean.linking import (
    _VICTIMS,
    HOURS_APART,
    MAX_CANDIDATES,
    NEARBY_CAP,
    RULES,
    Linked,
    _codes,
    _fitting_tclasses,
    _per_value,
    _tclass,
    _types_fit,
)
from analysis.clean.times import PARTS, part_of_hour


def _places_fit(lv: int, raion: int, oblast: int, lv2: int, raion2: int, oblast2: int) -> bool:
    """Two different places: one inside the other (levels: 1 settlement, 2 raion, 3 oblast, 4 river or country;
    raion and oblast as codes, -1 for none). The same place is tested by the caller."""
    if lv == 4 or lv2 == 4 or lv == lv2:
        return False
    big_lv, big_r, big_o, small_r, small_o = ((lv, raion, oblast, raion2, oblast2) if lv > lv2
                                              else (lv2, raion2, oblast2, raion, oblast))
    if big_o < 0 or big_o != small_o:
        return False
    return big_lv == 3 or (big_r >= 0 and big_r == small_r)


def _time_fit(hour: float, part: int, slots: tuple[int, ...], exact_day: bool, s: int,
              h2: float, part2: int, exact2: bool, s2: int, e2: int) -> int:
    """A report's clock time or part of the day against the incident's: -1 when they are different attacks,
    else how well the fit is shown: 0 clock times agree, 1 the same part of the day, 2 neighbouring parts
    (evening and night), 3 no evidence.

    part: the part of the day (PARTS index, -1 none), from the clock time when there is one; slots: the
    report's `_slots`; exact_day: dated to the one day s. Parts of the day on different days are compared in
    order: the morning of the 30th and the night into the 31st are a day apart, the evening of the 30th and
    that night neighbours."""
    if hour == hour and h2 == h2:  # both clock times known (NaN != NaN)
        if exact_day and exact2:
            return 0 if abs((s * 24 + hour) - (s2 * 24 + h2)) <= HOURS_APART else -1
        d = abs(hour - h2)
        return 0 if min(d, 24 - d) <= HOURS_APART else -1
    if part < 0 or part2 < 0:
        return 3
    evidence = 1 if part == part2 else 2
    if not (exact_day and exact2) and slots:  # a night between two days against a part of a day, or another night
        slots2 = _slots(part2, exact2, s2, e2)
        if slots2:
            return evidence if min(abs(x - y) for x in slots for y in slots2) <= 1 else -1
    return evidence if (part - part2) % 4 != 2 else -1  # opposite parts of the day (morning, evening) are apart


def _slots(part: int, exact_day: bool, s: int, e: int) -> tuple[int, ...]:
    """Where a part of the day (PARTS index) falls on a line of quarter days (4 per day: night, morning,
    afternoon, evening): a day's part, or for "the night" of a two-day window the night between its days. A
    one-day report's night may be its early hours or the night after, so it has two places; anything else none."""
    if exact_day:
        return (4 * s, 4 * (s + 1)) if part == 0 else (4 * s + part,)
    if part == 0 and e - s == 1:
        return (4 * e,)
    return ()


@dataclass(frozen=True)
class _Reports:
    """Every report's columns as link() reads them, worked out with numpy once for all reports: text as integer
    codes (equal text, equal code; -1 for none), index keys as integers, and per distinct type the tests that
    depend on the types alone. Plain-Python lists, indexed by report: the loop reads one cell at a time, and a
    list's cell costs less than a numpy scalar."""

    place: list[int]  # place code
    place_key: list[int]  # the incident index's key of the report's place; + a day gives its key that day
    raion_key: list[int]  # the same for its raion (-1: none)
    oblast_key: list[int]  # and its oblast (-1: none)
    raion: list[int]  # raion code (-1 none)
    oblast: list[int]  # oblast code (-1 none)
    level: list[int]  # 1 settlement, 2 raion, 3 oblast, 4 river or country
    type: list[int]  # type code: 2 * class code + generic
    hour: list[float]  # NaN: none
    tod: list[int]  # the time of day given (PARTS index, -1 none)
    part: list[int]  # the part of the day compared: from the clock time when there is one, else tod
    victim: list[int]  # see _VICTIMS
    series: list[int]  # claimant code of a daily summary (-1: not one)
    s: list[int]
    e: list[int]
    exact: list[bool]  # dated to one day
    precise: list[bool]
    lo: list[int]  # the days searched: a day either side of a clock time on one day, else the report's own
    hi: list[int]
    type_fit: list[list[bool]]  # [report's type][incident's type]
    generic: list[bool]  # per type code
    tclass: list[str]  # per type code: the class an incident of this type is indexed under
    fitting: list[tuple[str, ...]]  # per type code: the classes of incidents that may fit it


def _shared(values: np.ndarray) -> list:
    """values as a Python list whose equal cells share one object. `tolist()` makes an object per cell (36 bytes
    a cell for an int past 256, against 8 for a shared one): at a million reports a dozen such columns were
    about 0.4 GiB of linking's peak memory. Day numbers, place keys and clock hours take few distinct values."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    objects = uniques.tolist()
    return list(map(objects.__getitem__, codes.tolist()))


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
    series, _ = _codes(r["series"])
    exact = r["prec"].to_numpy(dtype=np.int64) == 1
    around = exact & has_hour
    return _Reports(
        place=_shared(place), place_key=_shared(place_key), raion_key=_shared(raion_key),
        oblast_key=_shared(oblast_key), raion=_shared(raion), oblast=_shared(oblast),
        level=r["level"].to_numpy(dtype=np.int64).tolist(), type=kind.tolist(), hour=_shared(hour),
        tod=tod.tolist(), part=np.where(has_hour, bucket, tod).tolist(), victim=victim.tolist(),
        series=_shared(series), s=_shared(s), e=_shared(e), exact=exact.tolist(),
        precise=r["precise"].to_numpy(dtype=bool).tolist(),
        lo=_shared(np.where(around, s - 1, s)), hi=_shared(np.where(around, s + 1, e)),
        type_fit=[[_types_fit(*a, *b) for b in names] for a in names],
        generic=[g for _, g in names], tclass=[_tclass(*t) for t in names],
        fitting=[_fitting_tclasses(*t) for t in names])


def _order(r: pd.DataFrame) -> np.ndarray:
    """The order reports are taken in (linking._order before its keys were packed): a sort on nine keys."""
    hour = r["hour"].to_numpy(dtype="float64")
    rid = pa.array(r["rid"].to_numpy(dtype=object), type=pa.large_string())
    rid_rank = np.asarray(pc.rank(rid, sort_keys="ascending", tiebreaker="dense"))
    return np.lexsort((rid_rank, np.nan_to_num(hour, nan=0.0), np.isnan(hour), r["e"].to_numpy(),
                       r["s"].to_numpy(), r["prec"].to_numpy(), r["generic"].to_numpy(), r["level"].to_numpy(),
                       ~r["precise"].to_numpy())).astype(np.int64)


def link(r: pd.DataFrame) -> Linked:
    """Apply the linking rules to the reports frame (see `reports`). Order of rows does not matter.

    Incidents are kept as parallel lists (one cell per incident) and indexed by integer keys of their leader's
    place, raion and oblast and each of its days, so a report looks only at the incidents around its own place
    and days. The review queue's pairs are one integer each until the end."""
    n = len(r)
    if n == 0:
        return Linked(np.full(0, -1, dtype=np.int64), np.zeros(0, dtype=np.int64),
                      _candidates(np.empty(0, dtype=np.int64), n))
    c = _prepare(r)
    label = [-1] * n
    rule = [0] * n  # RULES index
    lead, same, area, unspecific, vague, ambiguous = range(len(RULES))
    # the incidents, one list per column: the leader's place, level, raion, oblast, dates and exactness (fixed),
    # and the type, clock time, time of day, part of the day, victims and daily summaries (filled in by members)
    i_leader: list[int] = []
    i_place: list[int] = []
    i_level: list[int] = []
    i_raion: list[int] = []
    i_oblast: list[int] = []
    i_s: list[int] = []
    i_e: list[int] = []
    i_exact: list[bool] = []
    i_type: list[int] = []
    i_hour: list[float] = []
    i_tod: list[int] = []
    i_part: list[int] = []
    i_victim: list[int] = []
    i_series: list[dict[int, int] | None] = []  # claimant code -> the start of their past-day window here
    by_place: dict[int, list[int]] = defaultdict(list)  # place key + day -> incidents led there
    # the areas, by type class as well: area key + day -> {class: incidents}
    by_raion: dict[int, dict[str, list[int]]] = {}  # incidents in the raion
    by_oblast: dict[int, dict[str, list[int]]] = {}  # incidents in the oblast
    raion_wide: dict[int, dict[str, list[int]]] = {}  # raion-level incidents
    oblast_wide: dict[int, dict[str, list[int]]] = {}  # oblast-level incidents
    # the review queue: one integer per pair, (report * n + the other incident's leader) * 4 + PAIR_RULES index
    pairs: list[int] = []
    (c_place, c_place_key, c_raion_key, c_oblast_key, c_raion, c_oblast, c_level, c_type, c_hour, c_tod, c_part,
     c_victim, c_series, c_s, c_e, c_exact, c_precise, c_lo, c_hi) = (
        c.place, c.place_key, c.raion_key, c.oblast_key, c.raion, c.oblast, c.level, c.type, c.hour, c.tod,
        c.part, c.victim, c.series, c.s, c.e, c.exact, c.precise, c.lo, c.hi)
    type_fit, type_generic, tclass, fitting = c.type_fit, c.generic, c.tclass, c.fitting

    def index(k: int, i: int) -> None:
        """Index incident k, led by report i, under its place, areas and days."""
        t, lv, pk, ok, rk = tclass[i_type[k]], i_level[k], c_place_key[i], c_oblast_key[i], c_raion_key[i]
        for d in range(i_s[k], i_e[k] + 1):
            by_place[pk + d].append(k)
            if ok < 0 or lv == 4:
                continue
            by_oblast.setdefault(ok + d, {}).setdefault(t, []).append(k)
            if lv == 3:
                oblast_wide.setdefault(ok + d, {}).setdefault(t, []).append(k)
            elif rk >= 0:
                by_raion.setdefault(rk + d, {}).setdefault(t, []).append(k)
                if lv == 2:
                    raion_wide.setdefault(rk + d, {}).setdefault(t, []).append(k)

    def nearby(i: int) -> tuple[list[int] | set[int], list[int] | set[int]]:
        """Incidents whose leader's place and days could fit report i (its days, and a day either side for a
        clock time on a given day: an attack across midnight): those at its own place, of any type, and those
        in the areas around it, only of a type that may fit. Incidents are indexed by their leader's type class,
        which only ever turns from unspecific to specific, so looking up the unspecific classes too never misses
        one. An incident is indexed at its place on every day it is indexed in an area, so the area lists'
        incidents at the report's own place are among the first set and are left out of the second: each
        incident comes once. The exact tests follow; their outcome does not depend on the order of the incidents
        returned (the best fits are sorted, the review queue is sorted by incidents.candidates)."""
        lo, hi, pk = c_lo[i], c_hi[i], c_place_key[i]
        days = range(lo, hi + 1)
        # the index lists that hold some (each holds an incident once); at the same place every type: a different
        # type is a near miss to queue
        if lo == hi:
            hit = by_place.get(pk + lo)
            found = [hit] if hit else []
        else:
            found = [hit for d in days if (hit := by_place.get(pk + d))]
        here = (found[0] if found else []) if len(found) <= 1 else set().union(*found)
        lv, ok, rk = c_level[i], c_oblast_key[i], c_raion_key[i]
        if ok < 0 or lv == 4 or (lv == 1 and not raion_wide and not oblast_wide):  # (the first tier has no areas)
            return here, []
        classes = fitting[c_type[i]]
        if lv == 3:
            areas = [(by_oblast, ok)]
        else:
            areas = [(raion_wide if lv == 1 else by_raion, rk)] if rk >= 0 else []
            areas.append((oblast_wide, ok))
        found = []
        for idx, key in areas:
            if not idx:
                continue
            for d in days:
                per = idx.get(key + d)
                if per:
                    for t in classes:
                        hit = per.get(t)
                        if hit:
                            found.append(hit)
        if not found:
            return here, []
        around = set().union(*found)
        around.difference_update(here)
        return here, around

    for i in _order(r).tolist():
        place, rt, hour, part, victim, series = c_place[i], c_type[i], c_hour[i], c_part[i], c_victim[i], c_series[i]
        s, e, exact_day, level, raion, oblast = c_s[i], c_e[i], c_exact[i], c_level[i], c_raion[i], c_oblast[i]
        fits_type = type_fit[rt]
        slots = _slots(part, exact_day, s, e) if part >= 0 else ()
        # no clock time and no part of the day: nothing to compare, whatever the incident (what _time_fit says)
        no_time = hour != hour and part < 0
        n_fit, best, top = 0, 99, []  # fits found; the best rank among the first MAX_CANDIDATES and who has it
        near = nearby(i)
        if len(near[0]) + len(near[1]) > NEARBY_CAP:  # an area report among very many incidents: not compared
            near = ((), ())
            rule[i] = ambiguous
        for same_place, cands in zip((True, False), near, strict=True):
            for k in cands:
                if not same_place and n_fit > MAX_CANDIDATES:
                    break  # too many fits already, and none of the rest is at the report's place
                # dates, then daily summaries: the tests made for every incident nearby (millions), inline
                exact2 = i_exact[k]
                if exact_day and exact2:
                    if s != i_s[k]:
                        h2 = i_hour[k]  # the same attack either side of midnight
                        if not (hour == hour and h2 == h2 and abs((s * 24 + hour) - (i_s[k] * 24 + h2)) <= HOURS_APART):
                            continue
                elif not (s <= i_e[k] and e >= i_s[k]):
                    continue
                if series >= 0:
                    got = i_series[k]
                    if got is not None and got.get(series, s) != s:
                        continue
                if not (same_place or _places_fit(level, raion, oblast, i_level[k], i_raion[k], i_oblast[k])):
                    continue
                it = i_type[k]
                if not fits_type[it]:
                    if same_place:
                        pairs.append((i * n + i_leader[k]) * 4)  # different type
                    continue
                evidence = 3 if no_time else _time_fit(hour, part, slots, exact_day, s, i_hour[k], i_part[k], exact2,
                                                       i_s[k], i_e[k])
                v2 = i_victim[k]
                if evidence < 0 or (victim >= 0 and v2 >= 0 and victim != v2):
                    if same_place:
                        pairs.append((i * n + i_leader[k]) * 4 + 1)  # times or victims
                    continue
                n_fit += 1
                if n_fit <= MAX_CANDIDATES:  # the rank: same place, the time's evidence, the same type
                    rank = (0 if same_place else 8) + 2 * evidence + (0 if rt == it else 1)
                    if rank < best:
                        best, top = rank, [k]
                    elif rank == best:
                        top.append(k)
        if n_fit > MAX_CANDIDATES:
            rule[i] = ambiguous
        elif n_fit:
            if len(top) == 1:
                k = top[0]
                label[i] = k
                rule[i] = (vague if not c_precise[i] else same if place == i_place[k] and best % 2 == 0
                           else area if place != i_place[k] else unspecific)
                _join(k, hour, c_tod[i], victim, rt, series, s, i_hour, i_tod, i_part, i_victim, i_type,
                      i_series, type_generic)
                continue
            top.sort()
            pairs.extend((i * n + i_leader[k]) * 4 + 2 for k in top)  # ambiguous
            rule[i] = ambiguous
        k = len(i_leader)
        label[i] = k
        i_leader.append(i)
        i_place.append(place)
        i_level.append(level)
        i_raion.append(raion)
        i_oblast.append(oblast)
        i_s.append(s)
        i_e.append(e)
        i_exact.append(exact_day)
        i_type.append(rt)
        i_hour.append(hour)
        i_tod.append(c_tod[i])
        i_part.append(part)
        i_victim.append(victim)
        i_series.append(None if series < 0 else {series: s})
        if c_precise[i] and rule[i] != ambiguous:  # only a clear, precisely dated leader is joined
            index(k, i)
    return Linked(np.array(label, dtype=np.int64), np.array(rule, dtype=np.int64),
                  _candidates(np.array(pairs, dtype=np.int64), n))


def _join(k: int, hour: float, tod: int, victim: int, rt: int, series: int, s: int, i_hour: list[float],
          i_tod: list[int], i_part: list[int], i_victim: list[int], i_type: list[int],
          i_series: list[dict[int, int] | None], type_generic: list[bool]) -> None:
    """A report joins incident k: what the incident did not know yet, it takes from the report."""
    if i_hour[k] != i_hour[k] and hour == hour:
        i_hour[k] = hour  # the incident's clock time: its first report that gives one
    if i_tod[k] < 0 and tod >= 0:
        i_tod[k] = tod
    h2 = i_hour[k]
    i_part[k] = part_of_hour(h2) if h2 == h2 else i_tod[k]
    if i_victim[k] == -1 and victim >= 0:
        i_victim[k] = victim
    if type_generic[i_type[k]] and not type_generic[rt]:  # an unspecific leader takes the first specific type
        i_type[k] = rt
    if series >= 0:
        got = i_series[k]
        if got is None:
            i_series[k] = {series: s}
        else:
            got.setdefault(series, s)


def _candidates(pairs: np.ndarray, n: int) -> pd.DataFrame:
    """The review queue's frame from link()'s pairs, each (report * n + the other incident's leader) * 4 + the
    reason's PAIR_RULES index: its reason stays that index (`why`), named only for the rows kept
    (incidents.link_incidents)."""
    why, ab = pairs % 4, pairs // 4
    return pd.DataFrame({"a": ab // max(n, 1), "b": ab % max(n, 1), "why": why.astype(np.int8)})
