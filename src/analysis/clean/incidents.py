"""Incidents: reports of one attack under one id, and one row per incident with its reconciled toll.

Which reports go together is decided by the linking rules (clean/linking.py) and the coder's decisions in
links.csv (clean/overrides.py); how their casualty figures combine, by clean/reconcile.py. This module joins
the two into the incident ids of events and casualty reports and into the incidents table.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.clean import arrow_lookup, linking, overrides, reconcile
from analysis.registry.schema import TABLES

#: link_rule of a casualty report that names its event: it goes where the event goes
WITH_EVENT = "its event's incident"
#: link_rule of an imported ACLED/UCDP event: the export's coders already consolidated their reports into it,
#: so it is an incident of its own and is not linked to other events (docs/importers.md, "Incidents")
EXPORT_EVENT = "export event"


def link_incidents(events: pd.DataFrame, cas: pd.DataFrame, links: pd.DataFrame | None = None,
                   ) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series, pd.DataFrame]:
    """(incident_id, link_rule) for every event, the same for every casualty report, and the review queue.

    The rules (clean/linking.py) place events and the casualty reports that name no event; a casualty report
    that names its event goes with it; then the coder's decisions in links.csv override both. An incident is
    named INC- + its most precisely dated, earliest event id, or casualty id when it has no event."""
    got = link_reports(events, cas, links)
    return got.ev_incident, got.ev_rule, got.cas_incident, got.cas_rule, got.queue.frame()


class Reported(NamedTuple):
    """link_reports' answer: link_incidents' with the review queue's rows as row numbers (QueuePairs), and the
    incidents as codes for incidents_table (IncidentCodes)."""

    ev_incident: pd.Series
    ev_rule: pd.Series
    cas_incident: pd.Series
    cas_rule: pd.Series
    queue: QueuePairs
    codes: IncidentCodes


def link_reports(events: pd.DataFrame, cas: pd.DataFrame, links: pd.DataFrame | None = None) -> Reported:
    """link_incidents with the review queue's rows as row numbers (QueuePairs), their text not yet taken, and
    the incidents as codes (IncidentCodes)."""
    r = linking.reports(events, cas)
    got = linking.link(r)
    n_ev = len(events)
    # every event and every casualty row, in that order, with the rules' label and rule
    rid = pd.concat([events["event_id"], cas["casualty_id"]], ignore_index=True).astype("str")
    label = np.empty(len(rid), dtype=np.int64)
    # each report's rule as a code into rule_text (linking's rules, WITH_EVENT, then one per link that moved a
    # report), made text in one Arrow take: no Python string per report
    rule_text = [*linking.RULES, WITH_EVENT]
    rule = np.empty(len(rid), dtype=np.int64)
    is_ev = (r["kind"] == "event").to_numpy()
    pos = r["pos"].to_numpy()
    label[pos[is_ev]] = got.label[is_ev]
    rule[pos[is_ev]] = got.rule_code[is_ev]
    alone = cas["event_id"].isna().to_numpy()
    label[n_ev + pos[~is_ev]] = got.label[~is_ev]
    rule[n_ev + pos[~is_ev]] = got.rule_code[~is_ev]
    with_event = np.flatnonzero(~alone)
    if len(with_event):
        ev_pos = arrow_lookup.positions(cas["event_id"].iloc[with_event], events["event_id"])
        label[n_ev + with_event] = label[ev_pos]
        rule[n_ev + with_event] = len(linking.RULES)  # WITH_EVENT
    if links is not None and len(links):
        label, moved = overrides.apply(label, rid, links)
        for p, link_id in moved.items():
            rule[p] = len(rule_text)
            rule_text.append(f"links.csv {link_id}")
        if len(with_event):  # a casualty report goes where a link moved its event, unless a link names it
            follow = ~np.isin(n_ev + with_event, list(moved))
            label[n_ev + with_event[follow]] = label[ev_pos[follow]]
    id_rank = _id_ranks(events["event_id"], cas["casualty_id"], rid)
    groups, first = _leaders(label, rid, pd.concat([events["date_prec"], cas["date_prec"]], ignore_index=True),
                             pd.concat([events["date_start"], cas["date_start"]], ignore_index=True), n_ev, id_rank)
    in_group = _positions_in(groups, label)
    leader_names = _leader_names(rid, first)
    names = leader_names.take(pa.array(in_group))  # _incident_names
    inc = pd.Series(pd.array(names, dtype="str"))
    rules = pd.Series(pd.array(pa.array(rule_text, type=pa.large_string()).take(pa.array(rule)), dtype="str"))
    cand = got.candidates
    # the pairs' reports by their rows in rid and `names` (events first, then casualty rows) instead of in r: the
    # queue reads the ids and names of every report as they are, no copy of a million texts in r's order
    at = pos + np.where(is_ev, 0, n_ev)
    a, b = at[cand["a"].to_numpy()], at[cand["b"].to_numpy()]
    queue = _queue_pairs(arrow_lookup.arrow(rid).combine_chunks(), names, a, b, cand["why"].to_numpy(),
                         pa.array(linking.PAIR_RULES, type=pa.large_string()), id_rank=id_rank, group=label)
    return Reported(inc[:n_ev].set_axis(events.index), rules[:n_ev].set_axis(events.index),
                    inc[n_ev:].set_axis(cas.index), rules[n_ev:].set_axis(cas.index), queue,
                    _incident_codes(first, in_group, id_rank, leader_names))


def export_incidents(events: pd.DataFrame, cas: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """(incident_id, link_rule) for every event and every casualty row of an import, where each export event
    is its own incident: INC- + its event id, as link_incidents names an incident its event founded, rule
    EXPORT_EVENT; a casualty row names its event and goes with it (rule WITH_EVENT). Nothing is linked, so
    there is no review queue. Why not the linking rules: they join reports of one attack, and an export event
    is already the consolidation of its reports by the export's coders; linking merged events the source keeps
    apart, and an incident's toll became the median of distinct events' figures."""
    ev_id, ca_event = events["event_id"].astype("str"), cas["event_id"].astype("str")
    if ca_event.isna().any() or not arrow_lookup.isin(ca_event, ev_id).all():
        raise AssertionError("an imported casualty row that names no kept event")
    return (incident_ids(ev_id), pd.Series(EXPORT_EVENT, index=events.index, dtype="str"),
            incident_ids(ca_event), pd.Series(WITH_EVENT, index=cas.index, dtype="str"))


def incident_ids(event_ids: pd.Series) -> pd.Series:
    """INC- + each event id, as text (concatenated in Arrow: a million ids, no Python strings)."""
    ids = pc.binary_join_element_wise(pa.scalar("INC-", type=pa.large_string()),
                                      arrow_lookup.arrow(event_ids).combine_chunks(),
                                      pa.scalar("", type=pa.large_string()))
    return pd.Series(pd.array(ids, dtype="str"), index=event_ids.index)


def export_incidents_table(events: pd.DataFrame, cas: pd.DataFrame) -> pd.DataFrame:
    """incidents_table(events, cas) of an import's incidents (export_incidents: one event each, with at most
    one casualty row, every figure new and current), column by column from the event and its casualty row
    instead of grouped: the general function groups, sorts and reconciles per incident, which for a million
    one-event incidents cost seconds to arrive at each event's own values. What it arrives at, and this takes:
    the event's place, type and dates; one or two reports; the casualty row's figures as the rule `rising`
    gives one claim (its high only with a best: a best without a high is open); one claim never disagrees
    and the same-person test needs a sex and an age, which no imported row has. Fails on any other shape."""
    ev = events[["incident_id", "event_id", "place_id", "event_type", "date_start", "date_end",
                 "source_id"]].reset_index(drop=True)
    ev = ev.iloc[np.argsort(arrow_lookup.ranks(ev["incident_id"]), kind="stable")].reset_index(drop=True)
    at = arrow_lookup.positions(ev["incident_id"], cas["incident_id"])  # its casualty row, -1 for none
    has = at >= 0
    _check_export_shape(ev["incident_id"], cas, int(has.sum()))

    def its(col: str) -> pd.Series:
        """The casualty row's `col` per incident (missing for an incident without one)."""
        return pd.Series(cas[col].array.take(at, allow_fill=True))

    out = ev[["incident_id", "place_id", "event_type", "date_start", "date_end"]].copy()
    out["n_reports"] = pd.array(1 + has, dtype="Int64")
    out["n_sources"] = pd.array(1 + (has & (its("source_id") != ev["source_id"]).fillna(False).to_numpy(bool)),
                                dtype="Int64")
    out["event_ids"] = ev["event_id"]
    out["casualty_ids"] = its("casualty_id")
    out["place_ids"] = _two_sorted(ev["place_id"], its("place_id"))
    out["links"] = pd.Series(pd.NA, index=out.index, dtype="str")
    t = TABLES["incidents"]
    for meas in t.measures:
        best = its(f"{meas}_best").astype("Float64")
        for part in ("low", "best", "high"):
            v = its(f"{meas}_{part}").astype("Float64")
            out[t.count_column(meas, part)] = (v.where(best.notna()) if part == "high" else v).round().astype("Int64")
    out["disagreement"] = pd.array(its("disagreement").fillna(False).to_numpy(dtype=bool), dtype="boolean")
    out["conflict"] = pd.Series(pd.NA, index=out.index, dtype="str")
    return out


def _check_export_shape(sorted_ids: pd.Series, cas: pd.DataFrame, matched: int) -> None:
    """The shape export_incidents_table relies on, checked on what it has worked out already (sorted_ids: the
    events' incident ids in order; matched: how many of them a casualty row names), so each test is a pass
    over one column: no incident id twice among the events (neighbours in order differ), every casualty row
    in its own event's incident (as many matched as there are rows: none outside, none sharing one), every
    figure new and current, no sex or age (the same-person conflict test)."""
    ids = arrow_lookup.arrow(sorted_ids).combine_chunks()
    problems = [what for what, bad in (
        ("an incident with several events",
         len(ids) > 1 and bool(pc.any(pc.equal(ids.slice(1), ids.slice(0, len(ids) - 1))).as_py())),
        ("a casualty row outside the events' incidents, or several in one", matched != len(cas)),
        ("a figure that is not new and current",
         bool(((cas["figure_type"] != "new") | (cas["status"] != "current")).fillna(True).any())),
        ("a casualty row with a sex or ages", bool(cas["sex"].notna().any() or cas["ages"].notna().any())),
    ) if bad]
    if problems:
        raise AssertionError("export_incidents_table: " + "; ".join(problems))


def _two_sorted(a: pd.Series, b: pd.Series) -> pd.Series:
    """Per row, the distinct values of a and b (b may be missing) sorted and joined with ';', as _joined_ids
    joins a group's ids (text order)."""
    lo, hi = a.where(~(b < a).fillna(False), b), b.where(~(b < a).fillna(False), a)
    return a.where(b.isna() | (a == b).fillna(False), lo + ";" + hi)


_dense = arrow_lookup.dense_ranks  # a text cell's rank among the distinct texts, from 1


def _id_ranks(event_ids: pd.Series, casualty_ids: pd.Series, rid: pd.Series) -> np.ndarray:
    """_dense(rid) for rid = the event ids then the casualty ids, without sorting a million ids when each table
    is in id order (as processed tables are) and one table's ids all sort before the other's (EV- and CA-)."""
    ev, ca = (arrow_lookup.arrow(s).combine_chunks() for s in (event_ids, casualty_ids))
    if (len(ev) and len(ca) and ev.null_count == 0 and ca.null_count == 0
            and arrow_lookup.is_sorted(event_ids, strict=True) and arrow_lookup.is_sorted(casualty_ids, strict=True)
            and (ev[-1].as_py() < ca[0].as_py() or ca[-1].as_py() < ev[0].as_py())):
        first, second = (len(ca), 0) if ca[-1].as_py() < ev[0].as_py() else (0, len(ev))
        return np.r_[np.arange(len(ev)) + 1 + first, np.arange(len(ca)) + 1 + second]
    return _dense(arrow_lookup.arrow(rid).combine_chunks())


def _review_queue(ids: pa.Array, names: pa.Array, a: np.ndarray, b: np.ndarray, why: np.ndarray,
                  reasons: pa.Array, id_rank: np.ndarray | None = None, group: np.ndarray | None = None,
                  ) -> pd.DataFrame:
    """candidates() of the linking's pairs, kind 'incident' (a, b: the reports' rows in ids and names; why: each
    pair's reason, an index into reasons): the same rows, worked out on text ranks, and the text taken only for
    the rows kept (the review queue of a million reports has millions of pairs). id_rank: _dense(ids), and
    group: any integer per row equal where names are equal, when the caller has them (no text sorted here)."""
    return _queue_pairs(ids, names, a, b, why, reasons, id_rank, group).frame()


@dataclass(frozen=True)
class QueuePairs:
    """The incident rows of the review queue in their final order, as row numbers into the reports' ids and
    incident names and into the reasons, until their text is asked for: the text of a million reports' queue
    (six million pairs, five text columns, about 0.8 GB) is then made one written chunk at a time, on the
    writer's thread, instead of whole on the clean's."""

    ids: pa.Array
    names: pa.Array
    a: np.ndarray
    b: np.ndarray
    why: np.ndarray
    reasons: pa.Array

    def __len__(self) -> int:
        return len(self.a)

    def frame(self, start: int = 0, stop: int | None = None) -> pd.DataFrame:
        """Rows start:stop of the queue as candidates() gives them (every column text)."""
        a, b, why = self.a[start:stop], self.b[start:stop], self.why[start:stop]
        kind = pa.repeat(pa.scalar("incident", type=pa.large_string()), len(a))  # no Python object per row
        return pd.DataFrame({"kind": pd.Series(pd.array(kind, dtype="str")),
                             "id_a": _text(self.ids, a), "id_b": _text(self.ids, b),
                             "group_a": _text(self.names, a), "group_b": _text(self.names, b),
                             "rule": _text(self.reasons, why)})


def _queue_pairs(ids: pa.Array, names: pa.Array, a: np.ndarray, b: np.ndarray, why: np.ndarray,
                 reasons: pa.Array, id_rank: np.ndarray | None = None, group: np.ndarray | None = None,
                 ) -> QueuePairs:
    """_review_queue's rows as row numbers (QueuePairs), no text taken."""
    if not len(a):
        return QueuePairs(ids, names, np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int64), reasons)
    id_rank = _dense(ids) if id_rank is None else id_rank
    name_rank = _dense(names) if group is None else group
    reason_rank = _dense(reasons)
    m, n_reasons = len(ids), len(reasons)
    top = int(id_rank.max()) + 1  # ranks are below it (_id_ranks' leave gaps for the ids that are not reports)
    if (_each_once(id_rank, top) and len(np.unique(reason_rank)) == n_reasons
            and float(top) ** 2 * (n_reasons + 1) < 2.0 ** 62):
        # every id once, every reason once: a pair left in different groups is its ranks, packed in one integer,
        # sorted and made unique as such (np.sort of integers, no argsort; np.unique hashes, many times slower),
        # its rows follow from its ranks; packed and unpacked by compiled loops, a pass each over six million pairs
        from analysis.clean import linking_kernel  # numba: loaded already when linking gave the pairs

        u = linking_kernel.queue_keys(a, b, why, id_rank, name_rank, reason_rank, top, n_reasons + 1)
        u.sort()
        row, reason = np.empty(top, dtype=np.int64), np.empty(n_reasons + 1, dtype=np.int64)
        row[id_rank], reason[reason_rank] = np.arange(m), np.arange(n_reasons)
        a, b, why = linking_kernel.queue_rows(u, row, reason, top, n_reasons + 1)
    else:
        apart = name_rank[a] != name_rank[b]  # pairs left in different groups: nearly all, then no copy of the rest
        if not apart.all():
            keep = np.flatnonzero(apart)
            a, b, why = a[keep], b[keep], why[keep]
        swap = id_rank[a] > id_rank[b]
        a, b = np.where(swap, b, a), np.where(swap, a, b)
        first = _first_of_each(id_rank[a], id_rank[b], reason_rank[why])
        a, b, why = a[first], b[first], why[first]
    return QueuePairs(ids, names, a, b, why, reasons)


def _each_once(ranks: np.ndarray, top: int) -> bool:
    """No rank twice among ranks (non-negative integers below top): one pass over a mark per rank, no sort."""
    seen = np.zeros(top, dtype=bool)
    seen[ranks] = True
    return int(np.count_nonzero(seen)) == len(ranks)


def _first_of_each(*keys: np.ndarray) -> np.ndarray:
    """Positions of the rows in the order of the keys (non-negative integers, the first the most significant),
    the first of each run of equal keys (arrow_lookup.lex_order: the keys packed into one integer and sorted once
    when they fit)."""
    if not len(keys[0]):
        return np.empty(0, dtype=np.int64)
    order = arrow_lookup.lex_order(*keys)
    return order[_starts(np.stack(keys)[:, order])]


def _starts(sorted_keys: np.ndarray) -> np.ndarray:
    """Mask of the first row of each run of equal keys, the rows in sorted order: a 1-D array of keys, or one
    row per key column (2-D, the rows as columns). Empty keys, empty mask."""
    if sorted_keys.shape[-1] == 0:
        return np.zeros(0, dtype=bool)
    if sorted_keys.ndim == 1:
        return np.r_[True, sorted_keys[1:] != sorted_keys[:-1]]
    return np.r_[True, (sorted_keys[:, 1:] != sorted_keys[:, :-1]).any(axis=0)]


def _sort_key(s: pd.Series) -> np.ndarray:
    """A column as numbers that sort as pandas sorts it, missing values last: numbers as floats, dates as
    integers, text by its rank (Arrow's sort of the text; no Python strings), anything else by its rank among
    its sorted distinct values."""
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        days = s.to_numpy().astype("datetime64[s]").astype(np.int64)
        return np.where(s.isna().to_numpy(), np.iinfo(np.int64).max, days)
    if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
        return s.astype("Float64").to_numpy(dtype="float64", na_value=np.inf)
    if isinstance(s.dtype, pd.StringDtype):
        arr = arrow_lookup.arrow(s).combine_chunks()
        return np.asarray(pc.rank(arr, sort_keys="ascending", tiebreaker="dense"))
    codes, uniq = pd.factorize(s, sort=True)
    return np.where(codes < 0, len(uniq), codes)


def _incident_names(label: np.ndarray, rid: pd.Series, prec: pd.Series, start: pd.Series, n_ev: int,
                    id_rank: np.ndarray | None = None) -> pa.Array:
    """INC- + the first event id of each group by (date precision, date, id): its most precisely dated
    report, earliest first; groups without events: the same over their casualty reports (_leaders)."""
    groups, first = _leaders(label, rid, prec, start, n_ev, id_rank)
    return _leader_names(rid, first).take(pa.array(_positions_in(groups, label)))


def _leader_names(rid: pd.Series, first: np.ndarray) -> pa.Array:
    """INC- + the id of each group's first report (first: its row in rid)."""
    text = pa.scalar("INC-", type=pa.large_string()), pa.scalar("", type=pa.large_string())
    return pc.binary_join_element_wise(text[0], arrow_lookup.arrow(rid).combine_chunks().take(pa.array(first)),
                                       text[1])


class IncidentCodes(NamedTuple):
    """What link_reports knows of the incidents and incidents_table works out again from their id text: each
    report's incident (events, then casualty rows) as the rank of its id among the incident ids (code), and
    those ids in order (ids): _sorted_codes of the reports' incident ids, without hashing or sorting the text."""

    code: np.ndarray
    ids: pa.Array


def _incident_codes(first: np.ndarray, at: np.ndarray, id_rank: np.ndarray, names: pa.Array) -> IncidentCodes:
    """IncidentCodes of the groups led by the rows `first` of the reports (at: each report's group, by position
    in first; names: _leader_names(rid, first)), when id_rank ranks the reports' ids in text order: an
    incident's id is INC- + its leader's id, so the ids sort as their leaders' ranks (distinct: the ids are)."""
    by_id = np.argsort(id_rank[first])
    rank = np.empty(len(first), dtype=np.int64)
    rank[by_id] = np.arange(len(first))
    return IncidentCodes(rank[at], names.take(pa.array(by_id)))


def _leaders(label: np.ndarray, rid: pd.Series, prec: pd.Series, start: pd.Series, n_ev: int,
             id_rank: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The groups (distinct labels, sorted) and the row of each one's first report by (date precision, date,
    id): its most precisely dated report, earliest first, events before casualty reports. Sorted on integer
    keys (a missing precision or date last, as pandas sorts them; ids by their rank), one sort of the rows:
    of the five keys packed in one integer when they fit (arrow_lookup.lex_order; precision and date as their
    dense codes), else a lexsort. id_rank: the ids' dense ranks (_id_ranks) when the caller has them."""
    kind = np.r_[np.zeros(n_ev, dtype=np.int8), np.ones(len(rid) - n_ev, dtype=np.int8)]
    ids = _sort_key(rid) if id_rank is None else id_rank
    if len(label) and label.min() >= 0 and ids.dtype.kind in "iu" and ids.min() >= 0:
        order = arrow_lookup.lex_order(label, kind, arrow_lookup.sort_codes(prec), arrow_lookup.sort_codes(start), ids)
    else:
        order = np.lexsort((ids, _sort_key(start), _sort_key(prec), kind, label))
    g = label[order]
    first = order[_starts(g)]
    return label[first], first  # the groups sorted, one each


def _positions_in(groups: np.ndarray, label: np.ndarray) -> np.ndarray:
    """np.searchsorted(groups, label) for labels that are all among the sorted, distinct groups: through a table
    by label when the labels are small non-negative integers (as the linking's are), one lookup per row instead
    of a binary search (half a second for a million reports)."""
    if len(groups) and int(groups[0]) >= 0 and int(groups[-1]) < 4 * len(label) + 1024:
        where = np.empty(int(groups[-1]) + 1, dtype=np.int64)
        where[groups] = np.arange(len(groups))
        return where[label]
    return np.searchsorted(groups, label)


def _text(values: pa.Array | pa.ChunkedArray, at: np.ndarray) -> pd.Series:
    """values[at] as a text column, taken in Arrow (millions of review-queue rows: no Python strings)."""
    return pd.Series(pd.array(values.take(pa.array(at, type=pa.int64())), dtype="str"))


def candidates(c: pd.DataFrame, done: pd.DataFrame | None = None) -> pd.DataFrame:
    """The review queue in a stable form: one row per pair of reports left in different groups, by rule (in
    the order of kind, id_a, id_b, rule, each compared as text). done: rows already in this form, all of one
    kind (link_incidents' queue), merged in by their kind instead of being sorted again."""
    cols = ["kind", "id_a", "id_b", "group_a", "group_b", "rule"]
    keys = ["kind", "id_a", "id_b", "rule"]
    if done is not None and len(done):
        kind = done["kind"].iloc[0]
        rest = candidates(c)
        if (done["kind"] != kind).any() or (rest["kind"] == kind).any():
            return candidates(pd.concat([done, c], ignore_index=True))
        return pd.concat([rest[rest["kind"] < kind], done, rest[rest["kind"] > kind]], ignore_index=True)
    if c.empty:
        return pd.DataFrame({k: pd.Series(dtype="str") for k in cols})
    c = c.loc[c["group_a"] != c["group_b"], cols].astype("str")
    if c.empty:  # every pair within one group: nothing to review
        return c.reset_index(drop=True)
    swap = (c["id_a"] > c["id_b"]).to_numpy(dtype=bool)
    for a, b in (("id_a", "id_b"), ("group_a", "group_b")):
        c[a], c[b] = c[a].where(~swap, c[b]), c[b].where(~swap, c[a])
    # sort and drop repeated pairs on integer codes (text sorted once per column), not on the text itself; a
    # pair's groups follow from its ids, so rows with equal keys are equal
    codes = [pd.factorize(c[k], sort=True)[0] + 1 for k in keys]  # a missing cell first, as before
    return c.iloc[_first_of_each(*codes)].reset_index(drop=True)


@dataclass(frozen=True)
class ReviewQueue:
    """The review queue (link_candidates) in candidates()' order: the rows of the kinds that sort before
    'incident', the incident rows as row numbers (QueuePairs), the rows of the kinds after it. Only the few
    rows of the other kinds are held as text; the incident rows' text is made per chunk (chunks())."""

    before: pd.DataFrame
    pairs: QueuePairs
    after: pd.DataFrame

    def __len__(self) -> int:
        return len(self.before) + len(self.pairs) + len(self.after)

    def frame(self) -> pd.DataFrame:
        """The whole queue as one frame (what candidates(c, done=pairs.frame()) gives)."""
        return self.rows(0, len(self))

    def rows(self, start: int, stop: int) -> pd.DataFrame:
        """Rows start:stop of the queue, each part's text made for its rows in that range only."""
        n0, n1 = len(self.before), len(self.before) + len(self.pairs)
        parts = [self.before.iloc[min(start, n0):min(stop, n0)],
                 self.pairs.frame(min(max(start - n0, 0), n1 - n0), min(max(stop - n0, 0), n1 - n0)),
                 self.after.iloc[max(start - n1, 0):max(stop - n1, 0)]]
        return pd.concat([p for p in parts if len(p)] or [parts[1]], ignore_index=True)

    def chunks(self, size: int) -> Iterator[pd.DataFrame]:
        """The queue as consecutive frames of `size` rows (the last shorter; an empty queue is one empty frame):
        written as Parquet row groups of that size, the same bytes as the whole frame written at once when
        `size` is a multiple of the writer's row group size."""
        for start in range(0, max(len(self), 1), size):
            yield self.rows(start, min(start + size, len(self)))


def review_queue(c: pd.DataFrame, pairs: QueuePairs) -> ReviewQueue:
    """candidates(c, done=pairs.frame()) as a ReviewQueue: c (the queue's rows of other kinds) put in order
    around the incident rows, whose text is not taken. When c has incident rows too, everything is sorted as
    one frame (as candidates() does then)."""
    rest = candidates(c)
    if (rest["kind"] == "incident").any():
        whole = candidates(pd.concat([pairs.frame(), c], ignore_index=True))
        return ReviewQueue(whole, _no_pairs(pairs), whole.iloc[:0])
    before = (rest["kind"] < "incident").to_numpy(dtype=bool)
    return ReviewQueue(rest[before].reset_index(drop=True), pairs, rest[~before].reset_index(drop=True))


def _no_pairs(pairs: QueuePairs) -> QueuePairs:
    """pairs without a row."""
    none = np.empty(0, dtype=np.int64)
    return QueuePairs(pairs.ids, pairs.names, none, none, none, pairs.reasons)


def _joined_ids(ids: pd.Series, code: np.ndarray, k: int, rank: np.ndarray | None = None) -> pa.Array:
    """For each group 0..k-1 (code: each id's group), its ids sorted and joined with ';' ('' for none), as
    Arrow text: the ids sorted by (group, id) become one list per group and Arrow joins every list at once
    (no Python string per id or per group). rank: the ids as integers in their text order (a missing id last),
    when the caller has them and no id is twice in a group (ties are then never broken by position)."""
    if not len(ids):
        return pa.array(np.full(k, "", dtype=object), type=pa.large_string())
    order = arrow_lookup.lex_order(code, arrow_lookup.ranks(ids) if rank is None else rank)
    offsets = np.r_[0, np.cumsum(np.bincount(code, minlength=k))].astype(np.int64)
    values = arrow_lookup.arrow(ids).take(pa.array(order)).combine_chunks()
    lists = pa.LargeListArray.from_arrays(pa.array(offsets, type=pa.int64()), values)
    return pc.binary_join(lists, pa.scalar(";", type=pa.large_string()))


def _sorted_codes(ids: pd.Series) -> tuple[np.ndarray, pa.Array]:
    """Integer codes of the text ids (equal text, equal code) numbered in the order the texts sort, and the
    distinct texts in that order: a table built per code is then in id order without sorting it."""
    enc = pc.dictionary_encode(arrow_lookup.arrow(ids).combine_chunks())
    order = np.asarray(pc.sort_indices(enc.dictionary)).astype(np.int64)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank[enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)], enc.dictionary.take(pa.array(order))


def _distinct_per_group(values: pd.Series, code: np.ndarray, k: int) -> np.ndarray:
    """Per group 0..k-1, how many distinct values it has, a missing value not counted (groupby().nunique()),
    counted on integer codes."""
    v = arrow_lookup.codes(values)
    filled = v >= 0
    pairs = np.sort(code[filled] * (int(v.max(initial=0)) + 1) + v[filled])  # np.unique hashes: many times slower
    return np.bincount(pairs[_starts(pairs)] // (int(v.max(initial=0)) + 1), minlength=k)[:k]


def _first_of_pairs(code: np.ndarray, values: pd.Series, value_codes: np.ndarray | None = None) -> np.ndarray:
    """Positions of the first row of each distinct (code, value) pair, in row order (drop_duplicates on the
    two columns, a missing value equal to another). value_codes: non-negative integers, equal where the values
    are (missing values one code), when the caller has them."""
    v = arrow_lookup.codes(values) + 1 if value_codes is None else value_codes  # missing: 0
    order = arrow_lookup.lex_order(code, v)  # stable: the first row of a pair comes first among its equals
    return np.sort(order[_starts(code[order] * (int(v.max(initial=0)) + 1) + v[order])])


def _per_group(values: np.ndarray, code: np.ndarray, k: int, how: str) -> np.ndarray:
    """min or max of datetime64 values per integer group 0..k-1, a missing value skipped, NaT for a group with
    none (groupby(code).min()/max()): reduced in place on the integers behind the dates, no grouping frame.
    Values of another dtype (dates as objects, beside an empty frame of casualty reports) are grouped by pandas."""
    if values.dtype.kind != "M":
        return getattr(pd.Series(values).groupby(code), how)().reindex(range(k)).to_numpy()
    ints = values.view(np.int64)
    ok = ~np.isnat(values)
    big = np.iinfo(np.int64).max
    out = np.full(k, big if how == "min" else np.iinfo(np.int64).min, dtype=np.int64)  # the min is NaT's integer
    (np.minimum if how == "min" else np.maximum).at(out, code[ok], ints[ok])
    if how == "min":
        out[out == big] = np.iinfo(np.int64).min
    return out.view(values.dtype)


def _any_per_group(flags: pd.Series, code: np.ndarray, k: int) -> np.ndarray:
    """Per group 0..k-1 (code: each row's group), is any of its flags true (a missing flag is not):
    groupby(...).any() counted with bincount, no grouping on the text ids."""
    hit = flags.fillna(False).to_numpy(dtype=bool)
    return np.bincount(code[hit], minlength=k)[:k] > 0


def _sharpest(prec: np.ndarray, code: np.ndarray, k: int) -> np.ndarray:
    """Mask of the rows whose precision (float, NaN for none) is their group's smallest: own[prec ==
    groupby(code).transform("min")], a missing precision never the smallest, nor anything in a group of none."""
    low = np.full(k, np.inf)
    ok = ~np.isnan(prec)
    np.minimum.at(low, code[ok], prec[ok])
    return prec == low[code]  # NaN == anything: False


def _first_per_code(code: np.ndarray, keys: list[np.ndarray]) -> np.ndarray:
    """For rows with integer group codes covering every group 0..k-1, the position of each group's first row in
    the order of (code, *keys), in code order: one sort of packed integer keys, no frame sorted."""
    order = arrow_lookup.lex_order(code, *keys)
    return order[_starts(code[order])]


def _both(events: pd.DataFrame, cas: pd.DataFrame, ev_col: str, cas_col: str | None = None) -> pd.Series:
    """One column of the events followed by one of the casualty reports (the reports' rows in incidents_table's
    order), as one Series: Arrow text is concatenated by chunks, not copied."""
    return pd.concat([events[ev_col], cas[cas_col or ev_col]], ignore_index=True)


def incidents_table(events: pd.DataFrame, cas: pd.DataFrame, rule: str = reconcile.DEFAULT_RULE,
                    ordered: reconcile.Ordered | None = None, victims: pd.DataFrame | None = None,
                    codes: IncidentCodes | None = None, current: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per incident: its most precise place, most specific type and most precise dates, every report's
    id, and its casualty figures reconciled by `rule` (clean/reconcile.py). ordered: reconcile.order(cas),
    victims: reconcile.same_victim(cas), codes: link_reports' IncidentCodes of these events and casualty rows,
    and current: reconcile.current_new(cas[list(reconcile.COLUMNS)], ordered), when the caller has them (the
    clean's linking works them out for the same rows: they are not worked out again).

    Worked on integer codes column by column: the reports (events, then casualty reports) are numbered 0..n-1,
    each incident by its id's rank, and each per-incident column is a sort of integer keys or a reduction per
    code and one Arrow take of the rows it picks; no frame of every report's columns is built or sorted."""
    n_ev = len(events)
    if codes is not None and len(codes.code) == n_ev + len(cas):
        code, incident_ids = codes
    else:
        code, incident_ids = _sorted_codes(_both(events, cas, "incident_id"))  # code order: the incident ids' order
    k = len(incident_ids)
    is_ev = np.arange(len(code)) < n_ev
    # an incident's own rows: its events, or its casualty reports when it has no event
    has_event = np.bincount(code[:n_ev], minlength=k) > 0
    own = np.flatnonzero(is_ev | ~has_event[code])
    own_code = code[own]

    def sort_key(ev_values: pd.Series, cas_values: pd.Series) -> np.ndarray:
        """The own rows' values as integers that sort as pandas sorts them (a missing value last)."""
        both = pd.concat([ev_values, cas_values], ignore_index=True)
        return arrow_lookup.sort_codes(both.iloc[own].reset_index(drop=True))

    # a report's id as a sort key: its row in its own table sorted by id (an incident's own rows are all events
    # or all casualty reports, so the two tables' keys are never compared with each other)
    rid = np.r_[arrow_lookup.ranks(events["event_id"]), arrow_lookup.ranks(cas["casualty_id"])][own]
    geo = sort_key(events["geo_prec"], cas["geo_prec"])
    prec = sort_key(events["date_prec"], cas["date_prec"])
    start = sort_key(events["date_start"], cas["date_start"])
    generic = sort_key((events["event_type"] == "shelling") & events["weapon"].isin(["artillery", "unknown"]),
                       cas["cause"].isin(["shelling", "unknown"]))
    at_place = own[_first_per_code(own_code, [geo, prec, start, rid])]
    at_type = own[_first_per_code(own_code, [generic, prec, start, rid])]
    geo = prec = start = generic = rid = None

    out = pd.DataFrame({"incident_id": pd.array(incident_ids, dtype="str")})
    place_id = _both(events, cas, "place_id")
    out["place_id"] = place_id.array.take(at_place)
    out["event_type"] = _both(events, cas, "event_type", "cause").array.take(at_type)
    date_prec = _both(events, cas, "date_prec").to_numpy(dtype="float64", na_value=np.nan)[own]
    sharp = own[_sharpest(date_prec, own_code, k)]
    out["date_start"] = _per_group(_both(events, cas, "date_start").to_numpy()[sharp], code[sharp], k, "min")
    out["date_end"] = _per_group(_both(events, cas, "date_end").to_numpy()[sharp], code[sharp], k, "max")
    out["n_reports"] = pd.array(np.bincount(code, minlength=k), dtype="Int64")
    out["n_sources"] = pd.array(_distinct_per_group(_both(events, cas, "source_id"), code, k), dtype="Int64")
    cas_code = code[~is_ev]  # each casualty row's incident (the events' rows come first)
    out["event_ids"] = pd.array(_joined_ids(events["event_id"], code[is_ev], k), dtype="str")
    out["casualty_ids"] = pd.array(_joined_ids(cas["casualty_id"], cas_code, k), dtype="str")
    # the places in text order by their dense ranks (a few thousand distinct texts sorted, not every row's);
    # each place once per incident, so no tie is left to the rows' positions
    place_rank = arrow_lookup.sort_codes(place_id)
    places = _first_of_pairs(code, place_id, place_rank)
    out["place_ids"] = pd.array(_joined_ids(place_id.iloc[places], code[places], k, place_rank[places]), dtype="str")
    link_rule = _both(events, cas, "link_rule")
    linked = np.flatnonzero(link_rule.str.startswith("links.csv ", na=False).to_numpy(dtype=bool))
    by_link = pd.DataFrame({"code": code[linked],
                            "link": link_rule.iloc[linked].str.removeprefix("links.csv ").reset_index(drop=True)}
                           ).drop_duplicates(["code", "link"])
    out["links"] = pd.array(_joined_ids(by_link["link"], by_link["code"].to_numpy(), k), dtype="str")
    own = own_code = sharp = places = by_link = place_id = link_rule = None  # let go of before the tolls
    t = TABLES["incidents"]  # its reconciled measures (killed, injured) and their columns: the registry's
    if current is None:  # the columns it reads, not every one
        current = reconcile.current_new(cas[list(reconcile.COLUMNS)], ordered)
    cur = current
    cl = reconcile.claims(cur, t.measures)  # once for the tolls and the conflicts
    figures = reconcile.reconcile(cur, t.measures, rule=rule, cl=cl)
    at = arrow_lookup.positions(out["incident_id"], figures.index)
    for meas in t.measures:
        for part in ("low", "best", "high"):
            col = figures[f"{meas}_{part}"].array.take(at, allow_fill=True)
            out[t.count_column(meas, part)] = pd.Series(col).round().astype("Int64").to_numpy()
    conflict = reconcile.conflicts(cas, cur, cl if t.measures == reconcile.MEASURES else None, victims)
    conflict = pd.array(conflict.astype("str").array.take(arrow_lookup.positions(out["incident_id"], conflict.index),
                                                           allow_fill=True), dtype="str")
    out["disagreement"] = pd.array(_any_per_group(cas["disagreement"], cas_code, k) | ~conflict.isna(),
                                   dtype="boolean")
    out["conflict"] = conflict
    for c in ("event_ids", "casualty_ids", "links"):
        out[c] = out[c].where(out[c] != "", pd.NA)
    return out  # in incident id order already (its codes are the ids' ranks)
