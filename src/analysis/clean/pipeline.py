"""The clean step: read every raw table, clean it, link incidents, validate, write.

Order matters only through references: gazetteer and sources first, then the tables that cite them,
events before casualties. Each table is validated and staged to a temporary file as soon as it is final,
so writing overlaps cleaning; nothing is published until accounting (for every table, rows read = rows
kept + rows rejected) and the references between tables have been checked.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from analysis.clean import designs, incidents, linking, places, reconcile, rules, tables, utterances
from analysis.clean.errors import CleanError, Rejects
from analysis.clean.read import RawFrame, read_raw
from analysis.clean.validate import integrity, validate
from analysis.clean.write import Publisher
from analysis.registry.schema import RAW_TABLES, TABLES, Table


@dataclass
class Summary:
    """What the clean did, per table."""

    read: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        out = [f"{'table':<12}{'read':>10}{'kept':>10}{'rejected':>10}"]
        for t in self.read:
            out.append(f"{t:<12}{self.read[t]:>10,}{self.kept[t]:>10,}{self.rejected[t]:>10,}")
        return out + self.notes


@dataclass(frozen=True)
class Clock:
    """One run's clock, read when the run starts (never when a module is imported: a kernel or a worker may
    live for days): the date it judges 'in the future' against, and the start its progress lines count from."""

    started: float = field(default_factory=time.perf_counter)
    today: pd.Timestamp = field(default_factory=rules.today)

    def progress(self, message: str) -> None:
        """One progress line on stderr for long cleans, when a person is watching (a terminal) or asked for it."""
        if sys.stderr.isatty() or os.environ.get("OSKIL_PROGRESS") == "1":
            print(f"[clean {time.perf_counter() - self.started:6.1f} s] {message}", file=sys.stderr, flush=True)


def clean_frames(raw: dict[str, pd.DataFrame], files: dict[str, str],
                 on_final: Callable[[str, pd.DataFrame], None] | None = None, clock: Clock | None = None,
                 ) -> tuple[dict[str, pd.DataFrame], Summary]:
    """Clean raw frames (string cells + raw_line) into processed frames. No I/O of its own.

    Each table is validated as soon as it is final and handed to on_final(name, frame) (the clean writes it
    while the next one is cleaned); the review queue, when on_final is given, as a function giving its frame in
    chunks, and in the frames returned as an incidents.ReviewQueue (its rows made only as they are written:
    _final_queue). Each raw table is dropped from `raw` once cleaned, to free its cells.
    clock: the run's (by default one started now).

    The tables that cite neither events nor casualties (statements, control, tallies) are cleaned, and the
    statements linked, on a second thread (_beside) while the events and casualties are cleaned and linked on
    this one: Arrow's kernels and the compiled linking loop release the GIL, and this thread was the clean's
    only busy core until the large writes began. Each is taken where it was cleaned before, so the tables, their
    rejects and the first error raised are those of the same steps one after the other."""
    with _beside() as side:
        return _clean_frames(raw, files, on_final, clock or Clock(), side)


@contextmanager
def _beside() -> Iterator[ThreadPoolExecutor]:
    """clean_frames' second thread. On the way out (a failed clean too) its queued steps are cancelled and the
    one running is waited for: no step outlives the clean."""
    pool = ThreadPoolExecutor(1, thread_name_prefix="oskil-beside")
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _clean_frames(raw: dict[str, pd.DataFrame], files: dict[str, str],
                  on_final: Callable[[str, pd.DataFrame], None] | None, clock: Clock, side: Executor,
                  ) -> tuple[dict[str, pd.DataFrame], Summary]:
    """clean_frames with its second thread, `side`."""
    progress = clock.progress
    rej = {t.name: Rejects(t.name, files.get(t.name, f"{t.name}.csv")) for t in RAW_TABLES}
    read = {t.name: len(raw[t.name]) for t in RAW_TABLES}
    ragged = _with_ragged(raw)
    out: dict[str, pd.DataFrame] = {}

    def final(name: str, df: pd.DataFrame) -> None:
        out[name] = validate(name, df)
        if on_final is not None:
            on_final(name, out[name])

    final("gazetteer", tables.gazetteer(raw.pop("gazetteer"), rej["gazetteer"]))
    gaz = places.Gazetteer(out["gazetteer"])
    progress(f"cleaning sources ({read['sources']:,} rows)")
    final("sources", tables.sources(raw.pop("sources"), rej["sources"], clock.today))
    src = out["sources"]
    # the tables that cite the sources and the gazetteer only, cleaned on the second thread
    beside = {"statements": side.submit(tables.statements, raw.pop("statements"), src, rej["statements"]),
              "control": side.submit(tables.control, raw.pop("control"), src, gaz, rej["control"]),
              "tallies": side.submit(tables.tallies, raw.pop("tallies"), src, gaz, rej["tallies"])}
    progress(f"cleaning {', '.join(beside)} ({sum(read[t] for t in beside):,} rows) on a second thread")
    progress(f"cleaning events ({read['events']:,} rows)")
    ev = tables.events(raw.pop("events"), src, gaz, rej["events"])
    progress(f"cleaning casualties ({read['casualties']:,} rows)")
    cas = tables.casualties(raw.pop("casualties"), src, gaz, ev, rej["casualties"])
    st = beside.pop("statements").result()
    final("links", tables.links(raw.pop("links"), src, pd.Index(pd.concat([ev["event_id"], cas["casualty_id"]])),
                                pd.Index(st["statement_id"]), rej["links"]))
    progress("linking incidents and utterances")
    # the review queue first: the largest table to write (millions of rows, its text made as it is written)
    # starts as soon as linking has its incident pairs, while the rest is linked and cleaned, not last
    early = _EarlyQueue(on_final) if on_final is not None else None

    def events_linked(pairs: incidents.QueuePairs) -> None:
        """The events are final once linked (link_all fills nothing more of them): written from here on, after
        the queue's pairs, while the casualty reports are reconciled and the statements linked."""
        if early is not None:
            early.start(pairs)
        final("events", ev)

    try:
        linked = link_all(ev, cas, st, out["links"], on_pairs=events_linked, side=side)
        out["link_candidates"] = _final_queue(linked.queue, on_final, early)
    finally:
        if early is not None:
            early.close()  # a failed clean: the writer waiting for the queue's last rows stops (with an error)
    final("casualties", cas)
    final("statements", st)
    final("control", beside.pop("control").result())
    final("tallies", beside.pop("tallies").result())
    progress("building the incidents table and the coverage table")
    final("incidents", tables.finish(incidents.incidents_table(ev, cas, ordered=linked.ordered,
                                                               victims=linked.victims, codes=linked.codes,
                                                               current=linked.current),
                                     TABLES["incidents"]))
    linked = None  # let go of the order and the pairs
    final("coverage", designs.coverage(out))
    rejects = pd.concat([r.frame() for r in rej.values()] + ([ragged] if len(ragged) else []), ignore_index=True)
    rejects = tables.finish(rejects, TABLES["rejects"]).sort_values(["table", "line"], kind="stable")
    summary = Summary()
    n_rej = rejects["table"].value_counts()
    for t in RAW_TABLES:
        summary.read[t.name] = read[t.name] + int((ragged["table"] == t.name).sum() if len(ragged) else 0)
        summary.kept[t.name] = len(out[t.name])
        summary.rejected[t.name] = int(n_rej.get(t.name, 0))
        if summary.read[t.name] != summary.kept[t.name] + summary.rejected[t.name]:
            raise AssertionError(f"{t.name}: {summary.read[t.name]} read != {summary.kept[t.name]} kept + "
                                 f"{summary.rejected[t.name]} rejected")
    progress("checking references between tables")
    problems = integrity(out)
    if problems:
        raise AssertionError("referential integrity: " + "; ".join(problems))
    final("rejects", rejects.reset_index(drop=True))
    return out, summary


#: rows per chunk of the review queue handed to the writer: a multiple of pyarrow's Parquet row group size
#: (1,048,576 rows), so the file has the row groups, and the bytes, of the whole queue written at once
QUEUE_CHUNK = 1 << 20


def _streamable(pairs: incidents.QueuePairs) -> bool:
    """Can the queue's incident rows be validated by their sources (_final_queue): no missing value among them."""
    return not (pairs.ids.null_count or pairs.names.null_count or pairs.reasons.null_count)


def _final_queue(queue: incidents.ReviewQueue, on_final: Callable | None, early: _EarlyQueue | None = None,
                 ) -> pd.DataFrame | incidents.ReviewQueue:
    """The review queue validated and handed to on_final, as a function giving its chunks (Publisher.add writes
    them as they come, on its thread): the text of its millions of incident rows is made there, a chunk at a
    time, not here. Validated without that text: the rows of other kinds and the columns by pandera, the
    incident rows by their sources (every cell is a report id, an incident name or a reason, taken by a valid
    row number: none missing when none of those is). Without on_final, or when a source has a missing value,
    the whole frame is made and validated as every other table is. early: when its writing has started already
    (_EarlyQueue.start), it is given the rest of the queue instead of on_final being called again."""
    t = TABLES["link_candidates"]
    p = queue.pairs
    if on_final is None or not _streamable(p):
        df = validate("link_candidates", tables.finish(queue.frame(), t))
        if on_final is not None:
            on_final("link_candidates", df)
        return df
    validate("link_candidates", tables.finish(queue.rows(0, 0), t))  # the columns and their types
    before, after = (validate("link_candidates", tables.finish(f, t)) for f in (queue.before, queue.after))
    queue = incidents.ReviewQueue(before, p, after)
    if early is not None and early.started:
        early.finish(queue)
    else:
        on_final("link_candidates", lambda: queue.chunks(QUEUE_CHUNK))
    return queue


class _EarlyQueue:
    """The review queue's writing started as soon as linking has its incident pairs (link_all's on_pairs), before
    reconciliation, the statements and the queue's other rows: the writer's largest table then runs while the
    clean's thread works and the writers would otherwise wait. In link_all every other row of the queue is of a
    kind that sorts after 'incident' (utterance, victim), so the queue starts with the incident pairs and every
    whole chunk of them is the same frame whatever follows; the chunk holding the last pairs and the rows after
    them waits for the whole queue (finish), and the frames are ReviewQueue.chunks' own: the same bytes."""

    def __init__(self, on_final: Callable[[str, object], None]):
        self.on_final, self.started = on_final, False
        self._queue: incidents.ReviewQueue | None = None
        self._pairs: incidents.QueuePairs | None = None
        self._ready = threading.Event()

    def start(self, pairs: incidents.QueuePairs) -> None:
        """Hand the writer the queue as chunks, the whole chunks of the incident pairs at once (validated first:
        the columns and their types as _final_queue validates them)."""
        if not len(pairs) or not _streamable(pairs):
            return  # nothing to start early, or the whole frame is validated by pandera (_final_queue)
        head = incidents.ReviewQueue(_no_rows(), pairs, _no_rows())
        validate("link_candidates", tables.finish(head.rows(0, 0), TABLES["link_candidates"]))
        self.started, self._pairs = True, pairs
        self.on_final("link_candidates", lambda: self._chunks(head, QUEUE_CHUNK))

    def finish(self, queue: incidents.ReviewQueue) -> None:
        """The whole queue, validated: what the writer needs for the rest of its chunks."""
        if len(queue.before) or queue.pairs is not self._pairs:
            raise AssertionError("review queue: rows before the incident pairs, or other pairs, after its "
                                 "writing started")
        self._queue = queue
        self._ready.set()

    def close(self) -> None:
        """Let the writer go on: with the rest of the queue, or, when the clean failed first, with an error."""
        self._ready.set()

    def _chunks(self, head: incidents.ReviewQueue, size: int) -> Iterator[pd.DataFrame]:
        """ReviewQueue.chunks(size) of the whole queue: its whole chunks of incident pairs from head, the rest
        once the queue is known."""
        start = 0
        while start + size <= len(head.pairs):
            yield head.rows(start, start + size)
            start += size
        self._ready.wait()
        queue = self._queue
        if queue is None:
            raise RuntimeError("review queue: the clean stopped before the queue was complete")
        for at in range(start, max(len(queue), 1), size):
            yield queue.rows(at, min(at + size, len(queue)))


def _no_rows() -> pd.DataFrame:
    """The review queue's columns without a row (its rows of other kinds, before they are known)."""
    return pd.DataFrame({f.name: pd.Series(dtype=f.dtype) for f in TABLES["link_candidates"].processed})


class Linked(NamedTuple):
    """What link_all gives besides the columns it fills: the review queue, and what the incidents table asks of
    the same rows again (incidents_table's ordered, victims and codes), worked out here once."""

    queue: incidents.ReviewQueue
    ordered: reconcile.Ordered | None
    victims: pd.DataFrame
    codes: incidents.IncidentCodes
    current: pd.DataFrame | None  # reconcile.current_new(cas[list(reconcile.COLUMNS)], ordered)


def link_all(ev: pd.DataFrame, cas: pd.DataFrame, st: pd.DataFrame, links: pd.DataFrame,
             on_pairs: Callable[[incidents.QueuePairs], None] | None = None, side: Executor | None = None,
             ) -> Linked:
    """Fill incident_id, link_rule, status, superseded_by and disagreement (events, casualties) and
    utterance_id and link_rule (statements) in place; return the review queue (link_candidates) and the
    casualty rows' order and same-person pairs (Linked). on_pairs(pairs): called with the queue's incident
    rows as soon as they are known, when the events are linked and nothing more of them is filled (the clean
    starts writing both: _EarlyQueue). side: where the statements are linked meanwhile (by default here, after
    the reports): neither linking reads what the other fills."""
    ordered = current = None
    st_links = links[links["target"] == "utterance"]
    uttered = side.submit(utterances.link_statements, st, st_links) if side is not None else None
    ev_inc, ev_rule, cas_inc, cas_rule, cand, codes = incidents.link_reports(
        ev, cas, links[links["target"] == "incident"])
    ev["incident_id"], ev["link_rule"] = ev_inc, ev_rule
    cas["incident_id"], cas["link_rule"] = cas_inc, cas_rule
    if on_pairs is not None:
        on_pairs(cand)
    if not cas.empty:
        # once for supersession, what stays in force and the disagreements; the incidents as linking numbered them
        ordered = reconcile.order(cas, codes.code[len(ev):] if len(codes.code) == len(ev) + len(cas) else None)
        cas[["status", "superseded_by"]] = reconcile.supersede(cas, ordered)
        cur = cas["status"] != "superseded"
        cas["disagreement"] = False
        # only the columns supersession and the claims read: in_force copies its frame (twice), not 50 columns
        standing = reconcile.in_force(cas[list(reconcile.COLUMNS)], ordered)
        cas.loc[cur, "disagreement"] = reconcile.disagreement(standing, ordered).to_numpy(dtype=bool)
        # the figures the incidents' tolls are reconciled over: current_new, the new ones among those standing (a
        # claimant's rows are all new or all cumulative: whole groups left out, the same as in_force of the new)
        current = standing[standing["figure_type"] == "new"]
        cas["disagreement"] = cas["disagreement"].astype("boolean")
    st["utterance_id"], st["link_rule"], st_cand = (
        uttered.result() if uttered is not None else utterances.link_statements(st, st_links))
    same = reconcile.same_victim(cas)
    apart = same[same["incident_a"] != same["incident_b"]]
    v_cand = pd.DataFrame({"kind": "victim", "id_a": apart["id_a"], "id_b": apart["id_b"],
                           "group_a": apart["incident_a"], "group_b": apart["incident_b"],
                           "rule": "one person reported killed in one incident and injured in another"})
    return Linked(incidents.review_queue(pd.concat([st_cand, v_cand], ignore_index=True), cand), ordered, same,
                  codes, current)


def read_all(raw_dir: Path, clock: Clock | None = None
             ) -> tuple[dict[str, pd.DataFrame], dict[str, str], list[str]]:
    """Read every raw table; a missing file or a missing required column is fatal.

    Two files are read at a time: pyarrow parses and trims with the GIL released. Errors are raised in
    table order, as a one-at-a-time read would raise them."""
    clock = clock or Clock()
    paths = [raw_dir / f"{t.name}.csv" for t in RAW_TABLES]
    for t, path in zip(RAW_TABLES, paths, strict=True):
        if not path.exists() and not path.is_symlink():  # a symlink loop: read_raw names it
            raise CleanError(str(path), None, None, None, f"a raw file {t.name}.csv in {raw_dir}")

    def one(t: Table, path: Path) -> RawFrame:
        clock.progress(f"reading {path.name} ({path.stat().st_size / 1e6:,.1f} MB)")
        return read_raw(path, t)

    frames, files, notes = {}, {}, []
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="oskil-read") as pool:
        futures = [pool.submit(one, t, path) for t, path in zip(RAW_TABLES, paths, strict=True)]
        try:
            results = [f.result() for f in futures]
        finally:
            for f in futures:
                f.cancel()
    for t, path, rf in zip(RAW_TABLES, paths, results, strict=True):
        files[t.name] = path.name
        frames[t.name] = rf.frame_for_clean(t.name, path.name)
        notes += rf.notes(path.name)
    return frames, files, notes


def _with_ragged(raw: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The reject records of every raw table's rows with the wrong number of cells."""
    parts = [df.attrs["ragged"] for df in raw.values() if "ragged" in df.attrs]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _one_row(name: str, **values: object) -> pd.DataFrame:
    """A processed table of one row with the registry's dtypes: the given values, every other cell missing."""
    return pd.DataFrame({f.name: pd.Series([values.get(f.name, pd.NA)], dtype=f.dtype) for f in TABLES[name].processed})


def _load_kernels() -> None:
    """Link one made-up event and one statement, and pack one made-up pair of the review queue, for what the
    first linking in a process costs: importing numba and loading the compiled loops from its cache (about
    0.6 s, and up to 0.7 s more for the queue's loops, which a report without pairs never reaches; compiling
    them where there is no cache). Run on a thread while the raw files are read, when the clean's own thread
    only waits for the readers; the loops are then called with the same argument types (the queue's `why` a
    read-only view, as pandas hands it over) and run at once. A warm-up only: if it fails, linking loads the
    loops itself, and clean() warns with the error."""
    day = pd.Timestamp("2022-03-01")
    ev = _one_row("events", event_id="EV-0", event_type="shelling", weapon="unknown", place_id="x:0",
                  geo_prec=1, oblast="o", date_start=day, date_end=day, date_prec=1, source_id="src_0",
                  claim_by="media", time_of_day="night")
    linking.link(linking.reports(ev, _one_row("casualties").iloc[:0]))
    utterances.link_statements(_one_row("statements", statement_id="ST-0", source_id="src_0", date_start=day,
                                        date_end=day, date_prec=1))
    from analysis.clean import linking_kernel  # loaded by the linking above

    why = np.zeros(1, dtype=np.int8)
    why.flags.writeable = False
    one, two = np.zeros(1, dtype=np.int64), np.arange(2, dtype=np.int64)
    keys = linking_kernel.queue_keys(one, one + 1, why, two, two, two, 2, 2)
    linking_kernel.queue_rows(keys, two, two, 2, 2)


def _warm_up(failed: list[BaseException]) -> None:
    """_load_kernels on the warm-up thread, its error kept in `failed` for clean() to report (not swallowed: a
    warm-up that fails, say after a change of the loops' argument types, would otherwise cost every clean the
    loading on its own thread without a word)."""
    try:
        _load_kernels()
    except Exception as e:  # noqa: BLE001 - reported by clean(), which does not depend on it
        failed.append(e)


def clean(raw_dir: Path, out_dir: Path, reader=None) -> Summary:
    """Clean raw_dir into out_dir. Nothing is published unless every table cleaned and validated.

    reader(raw_dir, clock) -> (frames, files, notes) replaces read_all (clean/dask_engine.py reads in parallel).
    The compiled linking loops are loaded on a thread of their own meanwhile (_load_kernels)."""
    clock = Clock()
    failed: list[BaseException] = []
    warm = threading.Thread(target=_warm_up, args=(failed,), name="oskil-kernels", daemon=True)
    warm.start()
    try:
        return _clean(raw_dir, out_dir, reader, clock)
    finally:
        warm.join()  # long done when the clean ends; joined so that it never outlives a failed one
        if failed:
            warnings.warn(f"the warm-up of the compiled linking loops failed (linking loaded them itself): "
                          f"{failed[0]!r}", RuntimeWarning, stacklevel=2)


def _clean(raw_dir: Path, out_dir: Path, reader, clock: Clock) -> Summary:
    """clean() once its clock and the kernels' warm-up have started."""
    raw, files, notes = (reader or read_all)(raw_dir, clock)
    with Publisher(out_dir) as pub:
        out, summary = clean_frames(raw, files, on_final=pub.add, clock=clock)
        summary.notes.extend(notes)
        clock.progress(f"finishing the writes of {len(out)} tables (Parquet + CSV) in {out_dir}")
        pub.publish({"rows": {k: len(v) for k, v in sorted(out.items())}})
    clock.progress("published")
    summary.seconds = time.perf_counter() - clock.started
    return summary
