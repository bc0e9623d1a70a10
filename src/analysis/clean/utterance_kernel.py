"""The loop of the statement linking (clean/utterances.py, `link_statements`) compiled with numba: the same
rules, the same order of rows, over numpy arrays instead of Python dicts and sets.

Why compiled: like the incidents' loop (linking_kernel.py) it is greedy and ordered (a row joins an utterance
that earlier rows made), so it does not vectorise; in Python it cost about 3 s of a million-event clean (50,000
statements), in numba a few hundredths of a second. Only utterances.link_statements imports this module, when
it runs. The Python loop it replaced is tests/unit/utterances_oracle.py, which the tests hold it to.

Rows come as integer codes: the speaker (equal folded text, equal code), stance and channel (missing has a code
of its own, as the Python loop compared missing with missing), and the topics as each row's sorted distinct
codes (CSR: row i's are topics[topic_at[i]:topic_at[i + 1]]).
"""

from __future__ import annotations

import numpy as np

from analysis.clean.linking_kernel import _compiled

LEAD, SAME, AMBIGUOUS = 0, 1, 2  # utterances._RULES' codes (a row's link_rule)
APART_PAIR, AMBIGUOUS_PAIR = 0, 1  # utterances.PAIR_RULES' codes (a review-queue pair's rule)


def link_loop(order: np.ndarray, who: np.ndarray, s: np.ndarray, e: np.ndarray, prec: np.ndarray,
              topic_at: np.ndarray, topics: np.ndarray, stance: np.ndarray, channel: np.ndarray, unknown: int,
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(label, rule code, pair row, pair leader's row, pair rule code) of the rows taken in `order` (see the
    module's docstring for the columns; unknown: the channel code of 'unknown', -2 for none). Labels number
    the utterances in the order they are founded; the pairs come in the order the Python loop listed them."""
    n = len(order)
    label = np.full(n, -1, dtype=np.int64)
    rule = np.zeros(n, dtype=np.int64)
    if n == 0:
        none = np.empty(0, dtype=np.int64)
        return label, rule, none, none, none
    base = int(s.min()) - 1
    n_days = int(e.max()) - base + 2
    room = 1024
    while True:
        pair_i, pair_lead, pair_why = (np.empty(room, dtype=np.int64) for _ in range(3))
        k = _run(order, who, s, e, prec, topic_at, topics, stance, channel, unknown, base, n_days, label, rule,
                 pair_i, pair_lead, pair_why)
        if k >= 0:
            return label, rule, pair_i[:k].copy(), pair_lead[:k].copy(), pair_why[:k].copy()
        room *= 4  # more pairs than room: run again with more (a rerun starts afresh; it is rare and cheap)


@_compiled
def _shared(topics, a0, a1, b0, b1):
    """How many topics two rows share: the merge of two short sorted runs of distinct codes."""
    n = 0
    while a0 < a1 and b0 < b1:
        if topics[a0] == topics[b0]:
            n += 1
            a0 += 1
            b0 += 1
        elif topics[a0] < topics[b0]:
            a0 += 1
        else:
            b0 += 1
    return n


@_compiled
def _run(order, who, s, e, prec, topic_at, topics, stance, channel, unknown, base, n_days, label, rule,
         pair_i, pair_lead, pair_why):
    """link_loop's loop. The index of utterances by (speaker, day) is a list per day (head, tail, next: entries
    appended in order, as the Python loop's dict of lists was), reset when the speaker changes: the rows come
    sorted by speaker, so no later row looks up an earlier speaker's days. Returns how many pairs, or -1 when
    they do not fit in pair_i (the caller runs it again with more room)."""
    n = len(order)
    leaders = np.empty(n, dtype=np.int64)
    n_lead = 0
    head = np.full(n_days, -1, dtype=np.int64)
    tail = np.full(n_days, -1, dtype=np.int64)
    day_of = np.full(n_days, -1, dtype=np.int64)  # which speaker block a day's list belongs to
    entry_label = np.empty(16, dtype=np.int64)
    entry_next = np.empty(16, dtype=np.int64)
    n_entries = 0
    seen = np.full(n, -1, dtype=np.int64)  # seen[k] == i: utterance k is near the i-th row already
    near = np.empty(n, dtype=np.int64)
    fit_rank = np.empty(n, dtype=np.int64)
    fit_k = np.empty(n, dtype=np.int64)
    n_pairs = 0
    block = -1
    last_who = -3
    for it in range(n):
        i = order[it]
        if who[i] != last_who:
            block += 1
            last_who = who[i]
        # the utterances whose leader spans a day from the day before to the day after, each once, in order
        n_near = 0
        for day in range(s[i] - 1 - base, e[i] + 2 - base):
            if day_of[day] != block:
                continue
            q = head[day]
            while q >= 0:
                k = entry_label[q]
                if seen[k] != it:
                    seen[k] = it
                    near[n_near] = k
                    n_near += 1
                q = entry_next[q]
        n_fits = 0
        for j in range(n_near):
            k = near[j]
            ld = leaders[k]
            if prec[i] == 1 and prec[ld] == 1:
                dates = abs(s[i] - s[ld]) <= 1
            else:
                dates = s[i] <= e[ld] + 1 and e[i] >= s[ld] - 1
            if not dates:
                continue
            shared = _shared(topics, topic_at[i], topic_at[i + 1], topic_at[ld], topic_at[ld + 1])
            if (shared > 0 and stance[i] == stance[ld]
                    and (channel[i] == channel[ld] or channel[i] == unknown or channel[ld] == unknown)):
                fit_rank[n_fits] = -shared
                fit_k[n_fits] = k
                n_fits += 1
            elif s[i] == s[ld]:
                if n_pairs == len(pair_i):
                    return -1
                pair_i[n_pairs], pair_lead[n_pairs], pair_why[n_pairs] = i, ld, APART_PAIR
                n_pairs += 1
        if n_fits:
            best = fit_rank[:n_fits].min()
            n_top, top = 0, -1
            for j in range(n_fits):
                if fit_rank[j] == best:
                    n_top += 1
                    top = fit_k[j]
            if n_top == 1:
                label[i], rule[i] = top, SAME
                continue
            for j in range(n_fits):
                if fit_rank[j] == best:
                    if n_pairs == len(pair_i):
                        return -1
                    pair_i[n_pairs], pair_lead[n_pairs], pair_why[n_pairs] = i, leaders[fit_k[j]], AMBIGUOUS_PAIR
                    n_pairs += 1
            rule[i] = AMBIGUOUS
        label[i] = n_lead
        leaders[n_lead] = i
        n_lead += 1
        if prec[i] <= 2:  # a vaguely dated row never leads an utterance that others join
            for day in range(s[i] - base, e[i] + 1 - base):
                if n_entries == len(entry_label):
                    entry_label = np.concatenate((entry_label, np.empty(n_entries, dtype=np.int64)))
                    entry_next = np.concatenate((entry_next, np.empty(n_entries, dtype=np.int64)))
                entry_label[n_entries], entry_next[n_entries] = label[i], -1
                if day_of[day] != block:
                    day_of[day], head[day] = block, n_entries
                else:
                    entry_next[tail[day]] = n_entries
                tail[day] = n_entries
                n_entries += 1
    return n_pairs
