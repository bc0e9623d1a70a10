"""Coder decisions from links.csv, applied over the linking rules' answer.

A `split` row takes the reports it lists out of whatever group the rules put them in and makes them one
group of their own; a `merge` row joins the groups of the reports it lists. Splits are applied first, then
merges, each in link_id order, so the outcome does not depend on the order of rows in the file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.clean import arrow_lookup


def _find(parent: list[int], a: int) -> int:
    while parent[a] != a:
        parent[a] = parent[parent[a]]
        a = parent[a]
    return a


def _positions(rid: pd.Series, ids: pd.Series) -> dict[str, int]:
    """{id: its position in rid} for the ids the links name that rid holds (ids: ';'-joined cells). Looked up
    in Arrow, from rid's side: the few thousand ids named are hashed and the million reports probe them (a
    dict of every report cost a second; hashing every report for a lookup of the named, a fifth). rid's ids
    are unique (each table's key); were one there twice, its first position would be the one."""
    named = pd.unique(pd.Series([i for cell in ids.tolist() for i in str(cell).split(";")], dtype="str"))
    if not len(named) or not len(rid):
        return {}
    at = pc.index_in(arrow_lookup.arrow(rid), value_set=pa.array(named, type=pa.large_string()))
    hit = np.flatnonzero(pc.is_valid(at).to_numpy(zero_copy_only=False))
    which = at.take(pa.array(hit)).to_numpy(zero_copy_only=False).astype(np.int64) if len(hit) else hit
    which, first = np.unique(which, return_index=True)
    return {named[w]: int(p) for w, p in zip(which.tolist(), hit[first].tolist(), strict=True)}


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
    for g in np.flatnonzero(np.array(parent, dtype=np.int64) != root).tolist():
        root[g] = _find(parent, g)
    return root[label], moved
