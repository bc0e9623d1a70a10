"""Which statement rows report the same utterance (docs/codebook.md, "Linking statements").

Outlets syndicate one wire story, and one speech is retold for days: counting rows counts copies. Rows are
one utterance when, measured against the utterance's first (most precisely dated, earliest) report:

- speaker: the same person or body, folded across spellings (Zelensky = Zelenskyy = Зеленський);
- date: the same or the next day (ranges: overlapping, with a day's slack either side);
- substance: at least one topic in common, the same stance, and the same channel unless one says unknown.

Like incidents, every report is compared with the leader only, so a run of daily statements by one speaker
is not chained into one. A report that fits two utterances equally well stays apart and goes to the review
queue, as do same-speaker, same-day reports of different substance. links.csv overrides the rules.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.clean import overrides
from analysis.clean.places import fold_names

LEAD, SAME = "first report", "same speaker, day and substance"
AMBIGUOUS, APART = "several utterances fit: kept apart", "same speaker and day, different substance"


#: link_rule by utterance_kernel's codes, and the review queue's rules by its pair codes
_RULES = (LEAD, SAME, AMBIGUOUS)
PAIR_RULES = (APART, AMBIGUOUS)


def link_statements(st: pd.DataFrame, links: pd.DataFrame | None = None,
                    ) -> tuple[pd.Series, pd.Series, pd.DataFrame]:
    """(utterance_id, link_rule) per statement row and the review queue (kind 'utterance')."""
    n = len(st)
    d = statement_rows(st)
    order = np.lexsort((d["rid"].to_numpy(dtype=object), d["e"].to_numpy(), d["s"].to_numpy(),
                        d["prec"].to_numpy(), d["who"].to_numpy(dtype=object)))
    label, code, pair_i, pair_lead, why = link_rows(d, order)
    rule = np.array(_RULES, dtype=object)[code]
    rid = pd.Series(d["rid"])
    if links is not None and len(links) and n:
        label, moved = overrides.apply(label, rid, links)
        for p, link_id in moved.items():
            rule[p] = f"links.csv {link_id}"
    first = (pd.DataFrame({"label": label, "prec": d["prec"], "s": d["s"], "rid": d["rid"]})
             .sort_values(["label", "prec", "s", "rid"])
             .drop_duplicates("label").set_index("label")["rid"])
    ut = pd.Series(("UT-" + first.reindex(label)).to_numpy(), index=st.index, dtype="str")
    by_id = pd.Series(ut.to_numpy(), index=d["rid"].to_numpy())
    rids = d["rid"].to_numpy()
    cand = pd.DataFrame({"kind": "utterance", "id_a": rids[pair_i], "id_b": rids[pair_lead],
                         "rule": pd.Series(np.array(PAIR_RULES, dtype=object)[why])})
    cand["group_a"] = by_id.reindex(cand["id_a"]).to_numpy()
    cand["group_b"] = by_id.reindex(cand["id_b"]).to_numpy()
    return ut, pd.Series(rule, index=st.index, dtype="str"), cand


def statement_rows(st: pd.DataFrame) -> pd.DataFrame:
    """The columns the rules compare, one row per statement: id, folded speaker, days, date precision, topics
    (a frozenset of texts per row; no topic is the topic ''), stance and channel."""
    folded = fold_names(st["speaker"]).astype("str")
    return pd.DataFrame({
        "rid": st["statement_id"].astype("str").to_numpy(), "who": folded.to_numpy(),
        "s": st["date_start"].to_numpy().astype("datetime64[D]").astype("int64"),
        "e": st["date_end"].to_numpy().astype("datetime64[D]").astype("int64"),
        "prec": st["date_prec"].astype("Int64").fillna(5).to_numpy(dtype="int64"),
        "topics": st["topic"].fillna("").astype("str").str.split(";").map(frozenset).to_numpy(),
        "stance": st["stance"].astype("str").to_numpy(), "channel": st["channel"].astype("str").to_numpy()})


def link_rows(d: pd.DataFrame, order: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                                              np.ndarray]:
    """The rules over the rows of d (statement_rows) taken in `order`: per row its utterance (an integer) and
    rule (a _RULES index), and the review queue's pairs (row, the other utterance's leader's row, a PAIR_RULES
    index), in the order the rows were taken. The loop runs compiled (utterance_kernel) on integer codes: text
    compared for equality only, missing equal to missing (as the Python loop compared None with None)."""
    from analysis.clean import utterance_kernel  # numba: imported when statements are linked, not before

    who, _ = _codes(d["who"])
    order = np.asarray(order, dtype=np.int64)
    if len(order) and np.count_nonzero(np.diff(who[order])) + 1 != len(np.unique(who)):
        # the kernel reads one speaker's rows after the other (link_statements sorts by speaker first)
        raise ValueError("link_rows: the order does not keep each speaker's rows together")
    stance, _ = _codes(d["stance"])
    channel, channels = _codes(d["channel"])
    unknown = int(channels.get_loc("unknown")) if "unknown" in channels else -2
    topic_at, topics = _topic_codes(d["topics"])
    return utterance_kernel.link_loop(order, who, d["s"].to_numpy(dtype=np.int64), d["e"].to_numpy(dtype=np.int64),
                                      d["prec"].to_numpy(dtype=np.int64), topic_at, topics, stance, channel, unknown)


def _codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer code per cell (equal text, equal code; every missing cell one code of its own, -1) and the
    distinct texts."""
    codes, uniq = pd.factorize(pd.Series(values, dtype=object))
    return codes.astype(np.int64), pd.Index(uniq)


def _topic_codes(topics: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each row's topics (frozensets of text) as sorted distinct integer codes, in CSR form: row i's are
    codes[at[i]:at[i + 1]]."""
    sizes = np.fromiter((len(t) for t in topics), dtype=np.int64, count=len(topics))
    flat = pd.Series([x for t in topics for x in t], dtype=object)
    codes, _ = pd.factorize(flat)
    row = np.repeat(np.arange(len(topics), dtype=np.int64), sizes)
    order = np.lexsort((codes, row))
    return np.r_[0, np.cumsum(sizes)].astype(np.int64), codes[order].astype(np.int64)
