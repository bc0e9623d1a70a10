"""Coder decisions from links.csv, applied over the linking rules' answer.

A `split` row takes the reports it lists out of whatever group the rules put them in and makes them one
group of their own; a `merge` row joins the groups of the reports it lists. Splits are applied first, then
merges, each in link_id order, so the outcome does not depend on the order of rows in the file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.clean import arrow_lookup


def _find(parent: list[int], a: int) -> int:
    while parent[a] != a:
        parent[a] = parent[parent[a]]
        a = parent[a]
    return a


def _positions(rid: pd.Series, ids: pd.Series) -> dict[str, int]:
    """{id: its position in rid} for the ids the links name that rid holds (ids: ';'-joined cells). Looked up
    in Arrow: a dict of every report (a million Python strings) cost a second for a few hundred links. rid's
    ids are unique (each table's key), so the first position is the only one."""
    named = pd.unique(pd.Series([i for cell in ids.tolist() for i in str(cell).split(";")], dtype="str"))
    if not len(named):
        return {}
    pos = arrow_lookup.positions(pd.Series(named, dtype="str"), rid)
    return {i: int(p) for i, p in zip(named.tolist(), pos.tolist(), strict=True) if p >= 0}


def apply(label: np.ndarray, rid: pd.Series, links: pd.DataFrame) -> tuple[np.ndarray, dict[int, str]]:
    """(new labels, {report position: link_id} for every report a link moved). `links` holds the processed
    links rows that concern these reports (columns link_id, action, ids)."""
    label = label.copy()
    where = _positions(rid, links["ids"])
    moved: dict[int, str] = {}
    rows = links.sort_values("link_id")
    nxt = int(label.max()) + 1 if len(label) else 0
    for link_id, ids in rows.loc[rows["action"] == "split", ["link_id", "ids"]].itertuples(index=False):
        pos = [where[i] for i in ids.split(";") if i in where]
        label[pos] = nxt
        nxt += 1
        moved.update(dict.fromkeys(pos, link_id))
    parent = list(range(nxt))
    merges = rows.loc[rows["action"] == "merge", ["link_id", "ids"]].itertuples(index=False)
    for link_id, ids in merges:
        pos = [where[i] for i in ids.split(";") if i in where]
        for p in pos[1:]:
            a, b = _find(parent, int(label[pos[0]])), _find(parent, int(label[p]))
            parent[max(a, b)] = min(a, b)
        moved.update(dict.fromkeys(pos, link_id))
    # each group's root: only the groups a merge touched have another (a Python step per group, not per report)
    root = np.arange(nxt, dtype=np.int64)
    for g in [g for g, p in enumerate(parent) if p != g]:
        root[g] = _find(parent, g)
    return root[label], moved
