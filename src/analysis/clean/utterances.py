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
from analysis.clean.linking import records
from analysis.clean.places import fold_names

LEAD, SAME = "first report", "same speaker, day and substance"
AMBIGUOUS, APART = "several utterances fit: kept apart", "same speaker and day, different substance"


def _fits(x: dict, lead: dict) -> tuple[bool, bool]:
    """(dates fit, substance fits)"""
    if x["prec"] == 1 and lead["prec"] == 1:
        dates = abs(x["s"] - lead["s"]) <= 1
    else:
        dates = x["s"] <= lead["e"] + 1 and x["e"] >= lead["s"] - 1
    same = (bool(x["topics"] & lead["topics"]) and x["stance"] == lead["stance"]
            and (x["channel"] == lead["channel"] or "unknown" in (x["channel"], lead["channel"])))
    return dates, same


def link_statements(st: pd.DataFrame, links: pd.DataFrame | None = None,
                    ) -> tuple[pd.Series, pd.Series, pd.DataFrame]:
    """(utterance_id, link_rule) per statement row and the review queue (kind 'utterance')."""
    n = len(st)
    folded = fold_names(st["speaker"]).astype("str")
    d = pd.DataFrame({
        "rid": st["statement_id"].astype("str").to_numpy(), "who": folded.to_numpy(),
        "s": st["date_start"].to_numpy().astype("datetime64[D]").astype("int64"),
        "e": st["date_end"].to_numpy().astype("datetime64[D]").astype("int64"),
        "prec": st["date_prec"].astype("Int64").fillna(5).to_numpy(dtype="int64"),
        "topics": st["topic"].fillna("").astype("str").str.split(";").map(frozenset).to_numpy(),
        "stance": st["stance"].astype("str").to_numpy(), "channel": st["channel"].astype("str").to_numpy()})
    label = np.full(n, -1, dtype=np.int64)
    rule = np.full(n, LEAD, dtype=object)
    pairs: list[tuple[int, int, str]] = []
    order = np.lexsort((d["rid"].to_numpy(dtype=object), d["e"].to_numpy(), d["s"].to_numpy(),
                        d["prec"].to_numpy(), d["who"].to_numpy(dtype=object)))
    recs = records(d, list(d.columns))
    leaders: list[int] = []
    by_day: dict[tuple[str, int], list[int]] = {}  # (speaker, day) -> utterances whose leader spans the day
    for i in order.tolist():
        x = recs[i]
        fits = []
        near: dict[int, None] = {}
        for day in range(x["s"] - 1, x["e"] + 2):
            near.update(dict.fromkeys(by_day.get((x["who"], day), ())))
        for k in near:
            lead = recs[leaders[k]]
            dates, same = _fits(x, lead)
            if dates and same:
                fits.append((-len(x["topics"] & lead["topics"]), k))
            elif dates and x["s"] == lead["s"]:
                pairs.append((i, leaders[k], APART))
        if fits:
            best = min(f[0] for f in fits)
            top = [k for rank, k in fits if rank == best]
            if len(top) == 1:
                label[i], rule[i] = top[0], SAME
                continue
            pairs.extend((i, leaders[k], AMBIGUOUS) for k in top)
            rule[i] = AMBIGUOUS
        label[i] = len(leaders)
        leaders.append(i)
        if x["prec"] <= 2:  # a vaguely dated report never leads an utterance that others join
            for day in range(x["s"], x["e"] + 1):
                by_day.setdefault((x["who"], day), []).append(int(label[i]))
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
    cand = pd.DataFrame(pairs, columns=["a", "b", "rule"])
    cand = pd.DataFrame({"kind": "utterance", "id_a": d["rid"].to_numpy()[cand["a"].to_numpy(dtype=int)],
                         "id_b": d["rid"].to_numpy()[cand["b"].to_numpy(dtype=int)], "rule": cand["rule"]})
    cand["group_a"] = by_id.reindex(cand["id_a"]).to_numpy()
    cand["group_b"] = by_id.reindex(cand["id_b"]).to_numpy()
    return ut, pd.Series(rule, index=st.index, dtype="str"), cand
