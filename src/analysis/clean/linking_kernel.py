"""The loop of the linking rules (clean/linking.py, `link`) compiled with numba: the same rules, the same order
of reports, over numpy arrays instead of Python lists and dicts.

Why compiled: the loop is greedy and ordered (each report joins an incident that earlier reports made), so it
does not vectorise, and in Python it was about 25 s of a million-event clean. Only linking.link imports this
module, when it runs: numba's import (about 0.3 s) stays out of every other command and of `--help`.
`cache=True` keeps the machine code in __pycache__ (or numba's user cache when that is not writable), so
only the first run on a machine pays the compilation.

The incident index is one hash table (open addressing, linear probing, keys >= 0, -1 for an empty slot) from
an integer key to the head of a chain of incidents in growing arrays: a key names the leader's place on a day,
or an area (its raion or oblast) on a day, one of the four area indexes and the leader's type class. A second
table holds each incident's daily-summary claimants (incident * claimants + claimant -> the day its window
starts). The chains are walked newest first; nothing depends on the order incidents come in (linking.link's
docstring says why).
"""

from __future__ import annotations

import numpy as np
from numba import njit

LEAD, SAME, AREA, UNSPECIFIC, VAGUE, AMBIGUOUS = range(6)  # linking._RULES' codes
# the indexes an incident is entered in, the last digit (base 5) of a key
AT_PLACE, BY_OBLAST, OBLAST_WIDE, BY_RAION, RAION_WIDE = range(5)
_EMPTY = -1
_START = 1024  # first size of the growing arrays


@njit(cache=True)
def _hash(key: int) -> int:
    """A key's scrambled bits (Fibonacci hashing), so that keys a day apart spread over the table."""
    h = key * np.int64(-7046029254386353131)  # wraps around, as intended
    return h ^ (h >> 29)


@njit(cache=True)
def _find(keys: np.ndarray, key: int) -> int:
    """The slot holding key, or the empty slot where it would go (the table is never more than half full)."""
    mask = keys.shape[0] - 1
    j = _hash(key) & mask
    while keys[j] != key and keys[j] != _EMPTY:
        j = (j + 1) & mask
    return j


@njit(cache=True)
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


@njit(cache=True)
def _grown(a: np.ndarray) -> np.ndarray:
    """The array at twice the length, its cells kept."""
    b = np.empty(a.shape[0] * 2, dtype=a.dtype)
    b[:a.shape[0]] = a
    return b


@njit(cache=True)
def _set_default(keys: np.ndarray, vals: np.ndarray, used: int, key: int, val: int):
    """dict.setdefault: key -> val unless key is there already. Returns the (maybe grown) table, its keys' count."""
    if 2 * (used + 1) > keys.shape[0]:
        keys, vals = _grown_table(keys, vals)
    j = _find(keys, key)
    if keys[j] != key:
        keys[j] = key
        vals[j] = val
        used += 1
    return keys, vals, used


@njit(cache=True)
def _append(keys: np.ndarray, vals: np.ndarray, used: int, node_k: np.ndarray, node_next: np.ndarray, m: int,
            key: int, k: int):
    """Incident k joins the chain of key (a new node m at its head). Returns the (maybe grown) table and chain
    arrays, and their counts."""
    if 2 * (used + 1) > keys.shape[0]:
        keys, vals = _grown_table(keys, vals)
    if m == node_k.shape[0]:
        node_k, node_next = _grown(node_k), _grown(node_next)
    j = _find(keys, key)
    if keys[j] == key:
        node_next[m] = vals[j]
    else:
        keys[j] = key
        node_next[m] = -1
        used += 1
    node_k[m] = k
    vals[j] = m
    return keys, vals, used, node_k, node_next, m + 1


@njit(cache=True)
def _collect(keys: np.ndarray, vals: np.ndarray, node_k: np.ndarray, node_next: np.ndarray, key: int,
             mark: np.ndarray, stamp: int, buf: np.ndarray, n: int) -> int:
    """Add the incidents of key's chain not yet marked with stamp to buf[n:]; returns the new count."""
    j = _find(keys, key)
    if keys[j] != key:
        return n
    node = vals[j]
    while node >= 0:
        k = node_k[node]
        if mark[k] != stamp:
            mark[k] = stamp
            buf[n] = k
            n += 1
        node = node_next[node]
    return n


@njit(cache=True)
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


@njit(cache=True)
def _slots(part: int, exact_day: bool, s: int, e: int) -> tuple[int, int, int]:
    """linking._slots as (how many, first, second): where a part of the day falls on a line of quarter days."""
    if exact_day:
        if part == 0:
            return 2, 4 * s, 4 * (s + 1)
        return 1, 4 * s + part, 0
    if part == 0 and e - s == 1:
        return 1, 4 * e, 0
    return 0, 0, 0


@njit(cache=True)
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


@njit(cache=True)
def _part_of_hour(hour: float) -> int:
    """times.part_of_hour of one known hour: night 0-5, morning 6-11, afternoon 12-17, evening 18-23."""
    return 0 if hour < 6 else 1 if hour < 12 else 2 if hour < 18 else 3


@njit(cache=True)
def link_loop(order, place, place_key, raion_key, oblast_key, raion, oblast, level, rtype, hour, tod, part, victim,
              series, s_, e_, exact, precise, lo_, hi_, type_fit, type_generic, tclass, class_fits, n_series,
              hours_apart, max_candidates, nearby_cap):
    """The rules over every report in `order` (see linking.link and linking._Reports for the columns; tclass:
    per type code, the index class of an incident of that type; class_fits[type, class]: incidents of the class
    may fit a report of the type; n_series: how many claimant codes; then linking's HOURS_APART, MAX_CANDIDATES
    and NEARBY_CAP, passed in rather than read as globals, which numba would freeze into its cache). Returns each
    report's incident (label), its rule code and the review queue's pairs ((report * n + the other incident's
    leader) * 4 + PAIR_RULES index)."""
    n = order.shape[0]
    n_classes = class_fits.shape[1]
    label = np.full(n, -1, dtype=np.int64)
    rule = np.zeros(n, dtype=np.int64)
    # the incidents (at most one per report): the leader's columns, and what members fill in
    i_leader = np.empty(n, dtype=np.int64)
    i_place = np.empty(n, dtype=np.int64)
    i_level = np.empty(n, dtype=np.int64)
    i_raion = np.empty(n, dtype=np.int64)
    i_oblast = np.empty(n, dtype=np.int64)
    i_s = np.empty(n, dtype=np.int64)
    i_e = np.empty(n, dtype=np.int64)
    i_exact = np.empty(n, dtype=np.bool_)
    i_type = np.empty(n, dtype=np.int64)
    i_hour = np.empty(n, dtype=np.float64)
    i_tod = np.empty(n, dtype=np.int64)
    i_part = np.empty(n, dtype=np.int64)
    i_victim = np.empty(n, dtype=np.int64)
    n_inc = 0
    # the index: key -> head of a chain of nodes (node_k: the incident, node_next: the next node, -1 the end)
    keys = np.full(_START, _EMPTY, dtype=np.int64)
    heads = np.empty(_START, dtype=np.int64)
    used = 0
    node_k = np.empty(_START, dtype=np.int64)
    node_next = np.empty(_START, dtype=np.int64)
    m = 0
    any_wide = False  # a raion- or oblast-level incident indexed (before that a settlement has no areas to search)
    # daily summaries: incident * n_series + claimant -> the start of the claimant's window there
    s_keys = np.full(_START, _EMPTY, dtype=np.int64)
    s_vals = np.empty(_START, dtype=np.int64)
    s_used = 0
    pairs = np.empty(_START, dtype=np.int64)
    n_pairs = 0
    mark = np.zeros(n, dtype=np.int64)  # mark[k] == it + 1: incident k already found for the it-th report
    buf = np.empty(n, dtype=np.int64)  # the incidents nearby: those at the report's place first
    top = np.empty(max_candidates, dtype=np.int64)
    for it in range(n):
        i = order[it]
        rt, h, pt, vic, ser = rtype[i], hour[i], part[i], victim[i], series[i]
        s, e, exact_day, lv, rai, obl = s_[i], e_[i], exact[i], level[i], raion[i], oblast[i]
        n_slots, slot0, slot1 = _slots(pt, exact_day, s, e) if pt >= 0 else (0, 0, 0)
        no_time = h != h and pt < 0
        # nearby: at the report's place on its days (any type), then in the areas around it (types that may fit)
        stamp = it + 1
        lo, hi, pk, ok, rk = lo_[i], hi_[i], place_key[i], oblast_key[i], raion_key[i]
        n_here = 0
        for d in range(lo, hi + 1):
            n_here = _collect(keys, heads, node_k, node_next, (pk + d) * 5 + AT_PLACE, mark, stamp, buf, n_here)
        n_near = n_here
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
                            n_near = _collect(keys, heads, node_k, node_next, ((ak + d) * n_classes + t) * 5 + which,
                                              mark, stamp, buf, n_near)
        if n_near > nearby_cap:  # an area report among very many incidents: not compared
            n_here, n_near = 0, 0
            rule[i] = AMBIGUOUS
        n_fit, best, n_top = 0, 99, 0
        for q in range(n_near):
            k = buf[q]
            same_place = q < n_here
            if not same_place and n_fit > max_candidates:
                break  # too many fits already, and none of the rest is at the report's place
            exact2 = i_exact[k]
            if exact_day and exact2:
                if s != i_s[k]:
                    h2 = i_hour[k]  # the same attack either side of midnight
                    if not (h == h and h2 == h2 and abs((s * 24 + h) - (i_s[k] * 24 + h2)) <= hours_apart):
                        continue
            elif not (s <= i_e[k] and e >= i_s[k]):
                continue
            if ser >= 0:
                j = _find(s_keys, k * n_series + ser)
                if s_keys[j] != _EMPTY and s_vals[j] != s:
                    continue
            if not (same_place or _places_fit(lv, rai, obl, i_level[k], i_raion[k], i_oblast[k])):
                continue
            it2 = i_type[k]
            if not type_fit[rt, it2]:
                if same_place:
                    if n_pairs == pairs.shape[0]:
                        pairs = _grown(pairs)
                    pairs[n_pairs] = (i * n + i_leader[k]) * 4  # different type
                    n_pairs += 1
                continue
            evidence = 3 if no_time else _time_fit(h, pt, n_slots, slot0, slot1, exact_day, s, i_hour[k], i_part[k],
                                                   exact2, i_s[k], i_e[k], hours_apart)
            v2 = i_victim[k]
            if evidence < 0 or (vic >= 0 and v2 >= 0 and vic != v2):
                if same_place:
                    if n_pairs == pairs.shape[0]:
                        pairs = _grown(pairs)
                    pairs[n_pairs] = (i * n + i_leader[k]) * 4 + 1  # times or victims
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
        if n_fit > max_candidates:
            rule[i] = AMBIGUOUS
        elif n_fit:
            if n_top == 1:
                k = top[0]
                label[i] = k
                rule[i] = (VAGUE if not precise[i] else SAME if place[i] == i_place[k] and best % 2 == 0
                           else AREA if place[i] != i_place[k] else UNSPECIFIC)
                # the report joins incident k: what the incident did not know yet, it takes from the report
                if i_hour[k] != i_hour[k] and h == h:
                    i_hour[k] = h  # the incident's clock time: its first report that gives one
                if i_tod[k] < 0 and tod[i] >= 0:
                    i_tod[k] = tod[i]
                i_part[k] = _part_of_hour(i_hour[k]) if i_hour[k] == i_hour[k] else i_tod[k]
                if i_victim[k] == -1 and vic >= 0:
                    i_victim[k] = vic
                if type_generic[i_type[k]] and not type_generic[rt]:  # an unspecific leader takes a specific type
                    i_type[k] = rt
                if ser >= 0:
                    s_keys, s_vals, s_used = _set_default(s_keys, s_vals, s_used, k * n_series + ser, s)
                continue
            ties = np.sort(top[:n_top])
            for q in range(n_top):
                if n_pairs == pairs.shape[0]:
                    pairs = _grown(pairs)
                pairs[n_pairs] = (i * n + i_leader[ties[q]]) * 4 + 2  # ambiguous
                n_pairs += 1
            rule[i] = AMBIGUOUS
        # the report leads a new incident
        k = n_inc
        n_inc += 1
        label[i] = k
        i_leader[k], i_place[k], i_level[k], i_raion[k], i_oblast[k] = i, place[i], lv, rai, obl
        i_s[k], i_e[k], i_exact[k], i_type[k], i_hour[k] = s, e, exact_day, rt, h
        i_tod[k], i_part[k], i_victim[k] = tod[i], pt, vic
        if ser >= 0:
            s_keys, s_vals, s_used = _set_default(s_keys, s_vals, s_used, k * n_series + ser, s)
        if precise[i] and rule[i] != AMBIGUOUS:  # only a clear, precisely dated leader is joined: index it
            t = tclass[rt]
            for d in range(s, e + 1):
                keys, heads, used, node_k, node_next, m = _append(keys, heads, used, node_k, node_next, m,
                                                                  (pk + d) * 5 + AT_PLACE, k)
                if ok < 0 or lv == 4:
                    continue
                keys, heads, used, node_k, node_next, m = _append(keys, heads, used, node_k, node_next, m,
                                                                  ((ok + d) * n_classes + t) * 5 + BY_OBLAST, k)
                if lv == 3:
                    any_wide = True
                    keys, heads, used, node_k, node_next, m = _append(
                        keys, heads, used, node_k, node_next, m, ((ok + d) * n_classes + t) * 5 + OBLAST_WIDE, k)
                elif rk >= 0:
                    keys, heads, used, node_k, node_next, m = _append(
                        keys, heads, used, node_k, node_next, m, ((rk + d) * n_classes + t) * 5 + BY_RAION, k)
                    if lv == 2:
                        any_wide = True
                        keys, heads, used, node_k, node_next, m = _append(
                            keys, heads, used, node_k, node_next, m, ((rk + d) * n_classes + t) * 5 + RAION_WIDE, k)
    return label, rule, pairs[:n_pairs].copy()
