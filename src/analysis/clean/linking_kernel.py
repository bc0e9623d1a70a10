"""The loop of the linking rules (clean/linking.py, `link`) compiled with numba: the same rules, the same order
of reports, over numpy arrays instead of Python lists and dicts.

Why compiled: the loop is greedy and ordered (each report joins an incident that earlier reports made), so it
does not vectorise, and in Python it was about 25 s of a million-event clean. Only linking.link imports this
module, when it runs: numba's import (about 0.4 s) stays out of every other command and of `--help`. The
machine code is cached on disk (`_compiled`), so only the first run on a machine pays the compilation (about
10 s); a later process loads it (about 0.5 s).

The incident index is a hash table (open addressing, linear probing, keys >= 0, -1 for an empty slot) from an
integer key to a block of a pool holding the incidents entered under it: a key names the leader's place on a
day, or an area (its raion or oblast) on a day, one of the four area indexes and the leader's type class. A
second table holds each incident's daily-summary claimants (incident * claimants + claimant -> the day its
window starts). Nothing depends on the order in which a key's incidents come (linking.link's docstring says
why).
"""

from __future__ import annotations

import numpy as np
from numba import njit

LEAD, SAME, AREA, UNSPECIFIC, VAGUE, AMBIGUOUS = range(6)  # linking.RULES' codes
# the indexes an incident is entered in, the last digit (base 5) of a key
AT_PLACE, BY_OBLAST, OBLAST_WIDE, BY_RAION, RAION_WIDE = range(5)


def _compiled(func):
    """func compiled by numba, its machine code cached on disk: in the package's __pycache__, or where that is
    not writable numba's user cache (~/.cache/numba, or NUMBA_CACHE_DIR). Where neither is, numba refuses to
    cache (RuntimeError when the module is imported): then compiled anew in every process, a few seconds,
    rather than failing the clean."""
    try:
        return njit(cache=True, nogil=True)(func)
    except RuntimeError:
        return njit(func, nogil=True)


# an incident's columns, one row per incident (a comparison reads one row, a cache line or two, not a cell of a
# dozen arrays): the leader's, then what members fill in; MARK == i + 1 when found for the i-th report already;
# int32 cells (half the memory of int64: a million incidents' rows are 64 MB) and the clock time as a float64 in
# the last two (HOUR: its column in a float64 view of the rows)
MARK, S, E, EXACT, TYPE, LEVEL, RAION, OBLAST, PART, VICTIM, LEADER, PLACE, TOD = range(13)
_WIDTH = 16  # int32 columns per incident row: 64 bytes, a cache line
HOUR = _WIDTH // 2 - 1
# the loop's counts kept between calls (link_loop, _run), and why it stopped
IT, N_INC, USED, POOL_USED, S_USED, N_PAIRS, ANY_WIDE, LONGEST = range(8)
_STATE = 8
_DONE, _KEYS, _POOL, _SERIES, _PAIRS = range(5)
KEY, START, LENGTH, ROOM = range(4)  # an index slot: its key, where its incidents start in the pool, how many, room
_EMPTY = -1
_START = 1024  # first size of the growing arrays


@_compiled
def _hash(key: int) -> int:
    """A key's scrambled bits (Fibonacci hashing), so that keys a day apart spread over the table."""
    h = key * np.int64(-7046029254386353131)  # wraps around, as intended
    return h ^ (h >> 29)


@_compiled
def _find(keys: np.ndarray, key: int) -> int:
    """The slot holding key, or the empty slot where it would go (the table is never more than half full)."""
    mask = keys.shape[0] - 1
    j = _hash(key) & mask
    while keys[j] != key and keys[j] != _EMPTY:
        j = (j + 1) & mask
    return j


@_compiled
def _grown_table(keys: np.ndarray, vals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The table at twice the size, every key placed again."""
    new_keys = np.full(keys.shape[0] * 2, _EMPTY, dtype=np.int64)
    new_vals = np.empty(keys.shape[0] * 2, dtype=np.int64)
    for j in range(keys.shape[0]):
        if keys[j] != _EMPTY:
            t = _find(new_keys, keys[j])
            new_keys[t] = keys[j]
            new_vals[t] = vals[j]
    return new_keys, new_vals


@_compiled
def _grown_index(table: np.ndarray) -> np.ndarray:
    """The index (rows of KEY, START, LENGTH, ROOM) at twice the size, every key placed again."""
    new = np.full((table.shape[0] * 2, table.shape[1]), _EMPTY, dtype=np.int64)
    mask = new.shape[0] - 1
    for j in range(table.shape[0]):
        key = table[j, KEY]
        if key != _EMPTY:
            t = _hash(key) & mask
            while new[t, KEY] != _EMPTY:
                t = (t + 1) & mask
            new[t] = table[j]
    return new


@_compiled
def _grown(a: np.ndarray) -> np.ndarray:
    """The array at twice the length, its cells kept."""
    b = np.empty(a.shape[0] * 2, dtype=a.dtype)
    b[:a.shape[0]] = a
    return b


@_compiled
def _places_fit(lv: int, raion: int, oblast: int, lv2: int, raion2: int, oblast2: int) -> bool:
    """linking._places_fit: two different places, one inside the other."""
    if lv == 4 or lv2 == 4 or lv == lv2:
        return False
    if lv > lv2:
        big_lv, big_r, big_o, small_r, small_o = lv, raion, oblast, raion2, oblast2
    else:
        big_lv, big_r, big_o, small_r, small_o = lv2, raion2, oblast2, raion, oblast
    if big_o < 0 or big_o != small_o:
        return False
    return big_lv == 3 or (big_r >= 0 and big_r == small_r)


@_compiled
def _slots(part: int, exact_day: bool, s: int, e: int) -> tuple[int, int, int]:
    """linking._slots as (how many, first, second): where a part of the day falls on a line of quarter days."""
    if exact_day:
        if part == 0:
            return 2, 4 * s, 4 * (s + 1)
        return 1, 4 * s + part, 0
    if part == 0 and e - s == 1:
        return 1, 4 * e, 0
    return 0, 0, 0


@_compiled
def _time_fit(hour: float, part: int, n_slots: int, slot0: int, slot1: int, exact_day: bool, s: int,
              h2: float, part2: int, exact2: bool, s2: int, e2: int, hours_apart: int) -> int:
    """linking's _time_fit: -1 different attacks, else 0 clock times agree, 1 the same part of the day,
    2 neighbouring parts, 3 no evidence. The report's slots come as (n_slots, slot0, slot1)."""
    if hour == hour and h2 == h2:  # both clock times known (NaN != NaN)
        if exact_day and exact2:
            return 0 if abs((s * 24 + hour) - (s2 * 24 + h2)) <= hours_apart else -1
        d = abs(hour - h2)
        return 0 if min(d, 24 - d) <= hours_apart else -1
    if part < 0 or part2 < 0:
        return 3
    evidence = 1 if part == part2 else 2
    if not (exact_day and exact2) and n_slots > 0:
        n2, t0, t1 = _slots(part2, exact2, s2, e2)
        if n2 > 0:
            gap = abs(slot0 - t0)
            if n2 > 1:
                gap = min(gap, abs(slot0 - t1))
            if n_slots > 1:
                gap = min(gap, abs(slot1 - t0))
                if n2 > 1:
                    gap = min(gap, abs(slot1 - t1))
            return evidence if gap <= 1 else -1
    return evidence if (part - part2 + 4) % 4 != 2 else -1  # opposite parts of the day are apart


@_compiled
def _part_of_hour(hour: float) -> int:
    """times.part_of_hour of one known hour: night 0-5, morning 6-11, afternoon 12-17, evening 18-23."""
    return 0 if hour < 6 else 1 if hour < 12 else 2 if hour < 18 else 3


def link_loop(order: np.ndarray, place: np.ndarray, place_key: np.ndarray, raion_key: np.ndarray,
              oblast_key: np.ndarray, raion: np.ndarray, oblast: np.ndarray, level: np.ndarray, rtype: np.ndarray,
              hour: np.ndarray, tod: np.ndarray, part: np.ndarray, victim: np.ndarray, series: np.ndarray,
              s_: np.ndarray, e_: np.ndarray, exact: np.ndarray, precise: np.ndarray, lo_: np.ndarray,
              hi_: np.ndarray, type_fit: np.ndarray, type_generic: np.ndarray, tclass: np.ndarray,
              class_fits: np.ndarray, n_series: int, hours_apart: int, max_candidates: int, nearby_cap: int,
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The rules over every report in `order` (see linking.link and linking._Reports for the columns; tclass:
    per type code, the index class of an incident of that type; class_fits[type, class]: incidents of the class
    may fit a report of the type; n_series: how many claimant codes; then linking's HOURS_APART, MAX_CANDIDATES
    and NEARBY_CAP, passed in rather than read as globals, which numba would freeze into its cache). Returns each
    report's incident (label), its rule code and the review queue's pairs: the report's row, the row of the
    other incident's leader, the reason (PAIR_RULES index).

    The compiled loop (`_run`) never replaces an array: numba counts the references of an array variable that
    is rebound in a loop (atomic operations at every turn), which took a third of the loop's time. When one of
    its growing arrays is full it stops before the report that would overflow it and says which; it is grown
    here and the loop resumes at that report."""
    n = order.shape[0]
    small = np.iinfo(np.int32).max
    if n >= small or any(int(np.abs(a).max(initial=0)) >= small for a in (place, raion, oblast, rtype, s_, e_)):
        raise ValueError("linking: codes or days past the int32 range of the incident rows")
    # every report's columns in the order the reports are taken
    (place, place_key, raion_key, oblast_key, raion, oblast, level, rtype, hour, tod, part, victim, series, s_, e_,
     exact, precise, lo_, hi_) = (a[order] for a in (place, place_key, raion_key, oblast_key, raion, oblast, level,
                                                     rtype, hour, tod, part, victim, series, s_, e_, exact, precise,
                                                     lo_, hi_))
    label = np.full(n, -1, dtype=np.int64)
    rule = np.zeros(n, dtype=np.int64)
    inc = np.zeros((n, _WIDTH), dtype=np.int32)  # the incidents (at most one per report), one row each
    # the index: per key (the leader's place, or an area by class, on a day) the incidents entered under it, a
    # block of the pool each (moved to a block twice the size when full: a key's incidents are read one after
    # the other, not by following links all over memory)
    index = np.full((_START, 4), _EMPTY, dtype=np.int64)
    pool = np.empty(_START * 4, dtype=np.int32)
    s_keys = np.full(_START, _EMPTY, dtype=np.int64)
    s_vals = np.empty(_START, dtype=np.int64)
    pair_a, pair_b, pair_why = (np.empty(_START, dtype=np.int64), np.empty(_START, dtype=np.int64),
                                np.empty(_START, dtype=np.int8))
    n_classes = class_fits.shape[1]
    # the index keys a report looks up (its days, at its place and in two areas by class) or an incident is
    # entered under (its days, at its place and in three areas)
    wanted = np.empty(max(int((hi_ - lo_).max()) + 1, 1) * (1 + 2 * n_classes) + int((e_ - s_).max() + 1) * 4,
                      dtype=np.int64)
    state = np.zeros(_STATE, dtype=np.int64)
    while True:
        full = _run(place, place_key, raion_key, oblast_key, raion, oblast, level, rtype, hour, tod, part,
                    victim, series, s_, e_, exact, precise, lo_, hi_, type_fit, type_generic, tclass, class_fits,
                    n_series, hours_apart, max_candidates, nearby_cap, label, rule, inc, inc.view(np.float64),
                    index, pool, s_keys, s_vals, pair_a, pair_b, pair_why, wanted, state)
        if full == _DONE:
            k = state[N_PAIRS]
            back_label, back_rule = np.empty_like(label), np.empty_like(rule)
            back_label[order], back_rule[order] = label, rule
            return back_label, back_rule, order[pair_a[:k]], order[pair_b[:k]], pair_why[:k].copy()
        if full == _KEYS:
            index = _grown_index(index)
        elif full == _POOL:
            pool = _grown(pool)
        elif full == _SERIES:
            s_keys, s_vals = _grown_table(s_keys, s_vals)
        else:
            pair_a, pair_b, pair_why = _grown(pair_a), _grown(pair_b), _grown(pair_why)


@_compiled
def _run(place, place_key, raion_key, oblast_key, raion, oblast, level, rtype, hour, tod, part, victim,
         series, s_, e_, exact, precise, lo_, hi_, type_fit, type_generic, tclass, class_fits, n_series,
         hours_apart, max_candidates, nearby_cap, label, rule, inc, inc_f, index, pool, s_keys, s_vals, pair_a, pair_b,
         pair_why, wanted, state):
    """link_loop's loop, from report state[IT] on: _DONE at the end, else which array is full (the report it
    stopped before has not been touched). state holds the counts between calls. Reports are numbered in the
    order they are taken (their columns come in that order: read one after the other, not all over memory), and
    so are the labels, rules and pairs it writes."""
    n = place.shape[0]
    n_classes = class_fits.shape[1]
    # incidents made; the index's keys and pool used, its longest list; daily summaries (s_keys: incident *
    # n_series + claimant -> s_vals: the start of the claimant's window there) and their keys used; pairs queued;
    # a raion- or oblast-level incident indexed yet (before that a settlement has no areas to search)
    n_inc, used, pool_used, s_used, n_pairs = (state[N_INC], state[USED], state[POOL_USED], state[S_USED],
                                               state[N_PAIRS])
    longest = state[LONGEST]
    any_wide = state[ANY_WIDE] != 0
    found = np.empty(nearby_cap + 1, dtype=np.int64)  # the incidents nearby: those at the report's place first
    top = np.empty(max_candidates, dtype=np.int64)
    mask, s_mask = index.shape[0] - 1, s_keys.shape[0] - 1
    full = _DONE
    for i in range(state[IT], n):
        # room for what this report may add: else stop before it, to be resumed once the array has grown
        days = e_[i] - s_[i] + 1 if precise[i] else 0  # (only a precisely dated report is entered in the index)
        if 2 * (used + 4 * days) > index.shape[0]:
            full = _KEYS
        elif pool_used + 4 * days * (2 * longest + 4) > pool.shape[0]:  # a list moved to a block twice its size
            full = _POOL
        elif 2 * (s_used + 1) > s_keys.shape[0]:
            full = _SERIES
        elif n_pairs + nearby_cap + 1 + max_candidates > pair_a.shape[0]:
            full = _PAIRS
        if full != _DONE:
            state[IT] = i
            break
        rt, h, pt, vic, ser = rtype[i], hour[i], part[i], victim[i], series[i]
        s, e, exact_day, lv, rai, obl = s_[i], e_[i], exact[i], level[i], raion[i], oblast[i]
        n_slots, slot0, slot1 = _slots(pt, exact_day, s, e) if pt >= 0 else (0, 0, 0)
        no_time = h != h and pt < 0
        # nearby: at the report's place on its days (any type), then in the areas around it (types that may fit)
        lo, hi, pk, ok, rk = lo_[i], hi_[i], place_key[i], oblast_key[i], raion_key[i]
        n_wanted = 0
        for d in range(lo, hi + 1):
            wanted[n_wanted] = (pk + d) * 5 + AT_PLACE
            n_wanted += 1
        at_place = n_wanted
        if not (ok < 0 or lv == 4 or (lv == 1 and not any_wide)):
            for a in range(2):
                if lv == 3:
                    if a == 1:
                        break
                    which, ak = BY_OBLAST, ok
                elif a == 0:
                    if rk < 0:
                        continue
                    which, ak = (RAION_WIDE if lv == 1 else BY_RAION), rk
                else:
                    which, ak = OBLAST_WIDE, ok
                for d in range(lo, hi + 1):
                    for t in range(n_classes):
                        if class_fits[rt, t]:
                            wanted[n_wanted] = ((ak + d) * n_classes + t) * 5 + which
                            n_wanted += 1
        # each incident once (inc[k, MARK] == stamp: found already); past NEARBY_CAP the count is all that matters
        stamp = i + 1
        n_near, n_here = 0, -1
        for q in range(n_wanted):
            if q == at_place:
                n_here = n_near
            if n_near > nearby_cap:
                break
            key = wanted[q]
            j = _hash(key) & mask
            while index[j, KEY] != key and index[j, KEY] != _EMPTY:
                j = (j + 1) & mask
            if index[j, KEY] != key:
                continue
            for p in range(index[j, START], index[j, START] + index[j, LENGTH]):
                if n_near > nearby_cap:
                    break
                k = pool[p]
                if inc[k, MARK] != stamp:
                    inc[k, MARK] = stamp
                    found[n_near] = k
                    n_near += 1
        if n_here < 0:
            n_here = n_near
        if n_near > nearby_cap:  # an area report among very many incidents: not compared
            n_here, n_near = 0, 0
            rule[i] = AMBIGUOUS
        n_fit, best, n_top = 0, 99, 0
        for q in range(n_near):
            k = found[q]
            same_place = q < n_here
            if not same_place and n_fit > max_candidates:
                break  # too many fits already, and none of the rest is at the report's place
            exact2 = inc[k, EXACT] != 0
            if exact_day and exact2:
                if s != inc[k, S]:
                    h2 = inc_f[k, HOUR]  # the same attack either side of midnight
                    if not (h == h and h2 == h2 and abs((s * 24 + h) - (inc[k, S] * 24 + h2)) <= hours_apart):
                        continue
            elif not (s <= inc[k, E] and e >= inc[k, S]):
                continue
            if ser >= 0:  # daily summaries: the claimant's window here, if any, must start on the same day
                key = k * n_series + ser
                j = _hash(key) & s_mask
                while s_keys[j] != key and s_keys[j] != _EMPTY:
                    j = (j + 1) & s_mask
                if s_keys[j] == key and s_vals[j] != s:
                    continue
            if not (same_place or _places_fit(lv, rai, obl, inc[k, LEVEL], inc[k, RAION], inc[k, OBLAST])):
                continue
            it2 = inc[k, TYPE]
            if not type_fit[rt, it2]:
                if same_place:
                    pair_a[n_pairs], pair_b[n_pairs], pair_why[n_pairs] = i, inc[k, LEADER], 0  # different type
                    n_pairs += 1
                continue
            evidence = 3 if no_time else _time_fit(h, pt, n_slots, slot0, slot1, exact_day, s, inc_f[k, HOUR],
                                                   inc[k, PART], exact2, inc[k, S], inc[k, E], hours_apart)
            v2 = inc[k, VICTIM]
            if evidence < 0 or (vic >= 0 and v2 >= 0 and vic != v2):
                if same_place:
                    pair_a[n_pairs], pair_b[n_pairs], pair_why[n_pairs] = i, inc[k, LEADER], 1  # times or victims
                    n_pairs += 1
                continue
            n_fit += 1
            if n_fit <= max_candidates:  # the rank: same place, the time's evidence, the same type
                rank = (0 if same_place else 8) + 2 * evidence + (0 if rt == it2 else 1)
                if rank < best:
                    best = rank
                    top[0] = k
                    n_top = 1
                elif rank == best:
                    top[n_top] = k
                    n_top += 1
        k = -1
        if n_fit > max_candidates:
            rule[i] = AMBIGUOUS
        elif n_fit:
            if n_top == 1:
                k = top[0]
                label[i] = k
                rule[i] = (VAGUE if not precise[i] else SAME if place[i] == inc[k, PLACE] and best % 2 == 0
                           else AREA if place[i] != inc[k, PLACE] else UNSPECIFIC)
                # the report joins incident k: what the incident did not know yet, it takes from the report
                if inc_f[k, HOUR] != inc_f[k, HOUR] and h == h:
                    inc_f[k, HOUR] = h  # the incident's clock time: its first report that gives one
                if inc[k, TOD] < 0 and tod[i] >= 0:
                    inc[k, TOD] = tod[i]
                inc[k, PART] = _part_of_hour(inc_f[k, HOUR]) if inc_f[k, HOUR] == inc_f[k, HOUR] else inc[k, TOD]
                if inc[k, VICTIM] == -1 and vic >= 0:
                    inc[k, VICTIM] = vic
                if type_generic[inc[k, TYPE]] and not type_generic[rt]:  # an unspecific leader takes a specific type
                    inc[k, TYPE] = rt
            else:
                for q in range(1, n_top):  # the ties in order (insertion sort: a dozen at most)
                    x, r = top[q], q
                    while r > 0 and top[r - 1] > x:
                        top[r] = top[r - 1]
                        r -= 1
                    top[r] = x
                for q in range(n_top):
                    pair_a[n_pairs], pair_b[n_pairs], pair_why[n_pairs] = i, inc[top[q], LEADER], 2  # ambiguous
                    n_pairs += 1
                rule[i] = AMBIGUOUS
        if k < 0:  # the report leads a new incident
            k = n_inc
            n_inc += 1
            label[i] = k
            inc[k, S], inc[k, E], inc[k, EXACT], inc[k, TYPE], inc_f[k, HOUR] = s, e, exact_day, rt, h
            inc[k, LEVEL], inc[k, RAION], inc[k, OBLAST], inc[k, PART], inc[k, VICTIM] = lv, rai, obl, pt, vic
            inc[k, LEADER], inc[k, PLACE], inc[k, TOD] = i, place[i], tod[i]
            if precise[i] and rule[i] != AMBIGUOUS:  # only a clear, precisely dated leader is joined: index it
                t = tclass[rt]
                n_wanted = 0
                for d in range(s, e + 1):
                    wanted[n_wanted] = (pk + d) * 5 + AT_PLACE
                    n_wanted += 1
                    if ok < 0 or lv == 4:
                        continue
                    wanted[n_wanted] = ((ok + d) * n_classes + t) * 5 + BY_OBLAST
                    n_wanted += 1
                    if lv == 3:
                        any_wide = True
                        wanted[n_wanted] = ((ok + d) * n_classes + t) * 5 + OBLAST_WIDE
                        n_wanted += 1
                    elif rk >= 0:
                        wanted[n_wanted] = ((rk + d) * n_classes + t) * 5 + BY_RAION
                        n_wanted += 1
                        if lv == 2:
                            any_wide = True
                            wanted[n_wanted] = ((rk + d) * n_classes + t) * 5 + RAION_WIDE
                            n_wanted += 1
                for q in range(n_wanted):  # k joins the list of each key
                    key = wanted[q]
                    j = _hash(key) & mask
                    while index[j, KEY] != key and index[j, KEY] != _EMPTY:
                        j = (j + 1) & mask
                    if index[j, KEY] != key:  # a new key: a block of 4
                        index[j, KEY], index[j, START], index[j, LENGTH], index[j, ROOM] = key, pool_used, 0, 4
                        pool_used += 4
                        used += 1
                    length = index[j, LENGTH]
                    if length == index[j, ROOM]:  # full: moved to a block twice the size
                        start = index[j, START]
                        pool[pool_used:pool_used + length] = pool[start:start + length]
                        index[j, START], index[j, ROOM] = pool_used, 2 * length
                        pool_used += 2 * length
                    pool[index[j, START] + length] = k
                    index[j, LENGTH] = length + 1
                    longest = max(longest, length + 1)
        if ser >= 0:  # the claimant's window here starts on the report's day unless an earlier member's did
            key = k * n_series + ser
            j = _hash(key) & s_mask
            while s_keys[j] != key and s_keys[j] != _EMPTY:
                j = (j + 1) & s_mask
            if s_keys[j] != key:
                s_keys[j] = key
                s_vals[j] = s
                s_used += 1
    state[N_INC], state[USED], state[POOL_USED], state[S_USED], state[N_PAIRS] = (n_inc, used, pool_used, s_used,
                                                                                 n_pairs)
    state[LONGEST] = longest
    state[ANY_WIDE] = any_wide
    return full


@_compiled
def queue_keys(a: np.ndarray, b: np.ndarray, why: np.ndarray, id_rank: np.ndarray, group: np.ndarray,
               reason_rank: np.ndarray, top: int, reasons: int) -> np.ndarray:
    """The review queue's pairs left in different groups (group[a] != group[b]), each packed in one integer:
    (lower id rank * top + higher id rank) * reasons + the reason's rank (incidents._queue_pairs). One pass over
    the linking's millions of pairs instead of a dozen numpy passes, each with an array of its own."""
    out = np.empty(len(a), dtype=np.int64)
    n = 0
    for i in range(len(a)):
        x, y = a[i], b[i]
        if group[x] == group[y]:
            continue
        rx, ry = id_rank[x], id_rank[y]
        if rx > ry:
            rx, ry = ry, rx
        out[n] = (rx * top + ry) * reasons + reason_rank[why[i]]
        n += 1
    return out[:n]


@_compiled
def queue_rows(keys: np.ndarray, row: np.ndarray, reason: np.ndarray, top: int, reasons: int,
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """queue_keys' integers, sorted, back to rows: the first of each run of equal keys, as (row of the lower id,
    row of the higher id, reason), by the ranks' rows (row[rank], reason[rank])."""
    a, b, why = (np.empty(len(keys), dtype=np.int64), np.empty(len(keys), dtype=np.int64),
                 np.empty(len(keys), dtype=np.int64))
    n = 0
    for i in range(len(keys)):
        if i and keys[i] == keys[i - 1]:
            continue
        pair, code = keys[i] // reasons, keys[i] % reasons
        a[n], b[n], why[n] = row[pair // top], row[pair % top], reason[code]
        n += 1
    return a[:n], b[:n], why[:n]
