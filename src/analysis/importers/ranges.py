"""An export larger than the import's range size, imported one range of its event ids at a time.

An import held together holds a few narrow columns of every kept row until its tables are written (the ids made
unique, the tables sorted by them), about 60 bytes a row: its memory grows with the export. Past `range_bytes`
of export, each mapped batch goes to disk whole as it is mapped, and only a sample of its ids is kept. Once the
export is read, the sample cuts the ids into about size / range_bytes ranges, one pass sends each batch's rows to
its range's file (file order kept), and each range is then concluded as a small export is (common.conclude on a
Spill of its own). Repeated ids fall in one range, because ranges are ranges of ids, and the processed tables are
sorted by id, so the ranges' tables one after the other are the whole tables. The writers make each range's
chunks on their threads (Feed) while the next range is concluded, and cut them again to the import's chunk rows
across ranges, so the files are the bytes an import held together writes. Sources, coverage and rejects are
combined across the ranges. Memory then depends on range_bytes (two ranges at most: one written, one made), not
on the export.
"""

from __future__ import annotations

import pickle
import queue
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, wait
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.clean import arrow_lookup, tables
from analysis.clean.errors import Rejects
from analysis.clean.validate import validate
from analysis.clean.write import Publisher, arrow_table
from analysis.registry.schema import TABLES

if TYPE_CHECKING:
    from analysis.importers.common import Result
    from analysis.importers.place_match import PlaceResolver
    from analysis.importers.registry import Importer
    from analysis.importers.spill import Spill

T = TypeVar("T")

#: every how many of a batch's ids (sorted) one is kept for cutting the ranges
SAMPLE_EVERY = 64


class NeedsAllRows(Exception):
    """The ranges' coverage cannot be combined (a daily summary among the rows): import the export whole."""


def _dump(obj, fh) -> None:
    pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)


def _loaded(path: Path) -> Iterator:
    """The objects dumped one after another into path, in order."""
    with open(path, "rb") as fh:
        while True:
            try:
                yield pickle.load(fh)  # our own temporary file, written by this import
            except EOFError:
                return


class Batches:
    """The mapped batches of a ranged import, each to its own file as it comes (in file order), and a sample
    of their event ids. Pickled: read back, a batch is the frame the mapper made, dtypes and all."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.paths: list[Path] = []
        self.sample: list[pa.Array] = []

    def add(self, mapped: pd.DataFrame) -> None:
        path = self.folder / f"batch-{len(self.paths):06d}.pickle"
        with open(path, "wb") as fh:
            _dump(mapped, fh)
        ids = _ids(mapped["event_id"])
        self.sample.append(pc.take(ids, pc.sort_indices(ids))[::SAMPLE_EVERY])
        self.paths.append(path)

    def cuts(self, parts: int) -> np.ndarray:
        """The ids that start ranges 1..parts-1 (distinct, rising; fewer when the sample has fewer ids)."""
        if parts < 2 or not self.sample:
            return np.array([], dtype=object)
        ids = pa.concat_arrays([a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a for a in self.sample])
        ids = pc.take(ids, pc.sort_indices(ids)).to_numpy(zero_copy_only=False)
        picked = {ids[len(ids) * k // parts] for k in range(1, parts)}
        return np.array(sorted(picked), dtype=object)

    def bucketed(self, cuts: np.ndarray) -> list[tuple[Path, int]]:
        """Each batch's rows sent to their range's file (in file order), the batch files removed: per range, its
        file and rows."""
        paths = [self.folder / f"range-{r:04d}.pickle" for r in range(len(cuts) + 1)]
        counts = [0] * len(paths)
        sinks = [open(p, "wb") for p in paths]
        try:
            for path in self.paths:
                with open(path, "rb") as fh:
                    df = pickle.load(fh)
                path.unlink()
                at = range_of(df["event_id"], cuts)
                for r in np.unique(at):
                    part = df[at == r] if len(cuts) else df
                    _dump(part, sinks[r])
                    counts[r] += len(part)
                del df
        finally:
            for s in sinks:
                s.close()
        return list(zip(paths, counts, strict=True))


def keeping(spill: Spill, parts: int) -> tuple[Batches | None, Callable[[pd.DataFrame], None]]:
    """Where an import keeps each mapped batch: in the spill (held together, parts 1: Spill.add writes its wide
    text to a temporary file and holds the rest), or whole on disk in the spill's folder (Batches, for `parts`
    ranges)."""
    batches = Batches(spill.folder) if parts > 1 else None
    return batches, spill.add if batches is None else batches.add


def whole_if_needed(run: Callable[[int | None], T], range_bytes: int | None) -> T:
    """run(range_bytes), or run(None) (held together) when the ranges cannot be combined (NeedsAllRows: raised
    before anything is written)."""
    try:
        return run(range_bytes)
    except NeedsAllRows:
        return run(None)


def _ids(ids: pd.Series) -> pa.Array:
    """The event ids as Arrow text, a missing one as '' (it sorts first: range 0)."""
    arr = arrow_lookup.arrow(ids.astype("str")) if len(ids) else pa.chunked_array([], pa.large_string())
    return pc.fill_null(arr, "").combine_chunks()


def range_of(ids: pd.Series, cuts: np.ndarray) -> np.ndarray:
    """Each id's range: how many of the cuts are at or below it (Python's text order, which is Arrow's: code
    points, the order of UTF-8's bytes)."""
    if not len(cuts):
        return np.zeros(len(ids), dtype=np.int64)
    return np.searchsorted(cuts, _ids(ids).to_numpy(zero_copy_only=False), side="right")


def _recut(chunks: Iterator[pd.DataFrame | pa.Table], rows: int) -> Iterator[pd.DataFrame | pa.Table]:
    """The ranges' chunks, one range's after another's, cut again to `rows` each: a range's short last chunk
    joined to the next range's first rows, as one import of every range would have cut them. A chunk already
    whole passes as it is (a frame stays a frame: the writer makes its files as it did); a table empty in every
    range is one empty chunk, as it is written."""
    held: list[pa.Table] = []  # rows carried over to the next chunk
    n_held, first, given = 0, None, False
    for chunk in chunks:
        first = chunk if first is None else first
        if not len(chunk):
            continue
        if not n_held and len(chunk) == rows:
            given = True
            yield chunk
            continue
        held.append(chunk if isinstance(chunk, pa.Table) else arrow_table(chunk, threads=False))
        n_held += len(chunk)
        while n_held >= rows:  # the schemas' metadata aside, the chunks' schemas are one: concat keeps the first's
            whole = pa.concat_tables(held)
            given = True
            yield whole.slice(0, rows).combine_chunks()
            rest = whole.slice(rows)
            held, n_held = ([rest] if len(rest) else []), len(rest)
    if n_held:
        yield pa.concat_tables(held).combine_chunks()
    elif not given and first is not None:
        yield first


def summed_coverage(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The coverage rows of several ranges (each range's coverage table, or sums of them), as one: the rows and
    events of one report day, oblast and batch summed (not yet a processed table: `coverage` makes it one). Exact
    when no range has a daily summary (then every other column is alike for a day, oblast and batch); a
    summary's settlements are found among all rows, so NeedsAllRows is raised then. Folded in range by range: a
    range's table is near the whole one's size (every day and oblast of the export), and a list of them grew by
    about 27 MB per million rows."""
    cov = pd.concat(parts, ignore_index=True)
    if cov["summary_source_ids"].notna().any():
        raise NeedsAllRows("a daily summary among the ranges' rows")
    summed = cov.groupby("coverage_id", sort=False)[["rows", "events"]].sum()
    first = cov.drop_duplicates("coverage_id").set_index("coverage_id").drop(columns=["rows", "events"])
    return first.join(summed).reset_index()


def coverage(summed: pd.DataFrame) -> pd.DataFrame:
    """The processed coverage table of summed_coverage's rows."""
    return tables.finish(summed, TABLES["coverage"])


#: the tables written a chunk at a time, each range's after the one before
STREAMED = ("casualties", "events", "incidents")


class Feed:
    """The ranges' streamed tables handed to the writers' threads, one range at a time: each writer makes its
    table's chunks of a range on its own thread (as an import held together makes them), cut again to the
    import's chunk rows across ranges, while the main thread waits to conclude the next range."""

    def __init__(self, rows: int):
        self._queues: dict[str, queue.SimpleQueue] = {name: queue.SimpleQueue() for name in STREAMED}
        self._rows = rows

    def writers(self) -> dict[str, Callable[[], Iterator]]:
        """Per streamed table, its chunks over every range (for Publisher.add)."""
        return {name: (lambda name=name: _recut(self._ranges(name), self._rows)) for name in STREAMED}

    def _ranges(self, name: str) -> Iterator[pd.DataFrame | pa.Table]:
        """The table's chunks, range after range. The first Arrow chunk's schema is handed to the later ranges'
        tables(): that chunk was checked against the pandas way (Streamed.tables), so a later range's first chunk
        is taken as any later chunk is, not built and validated the pandas way again."""
        q = self._queues[name]
        schema = None
        while (item := q.get()) is not None:
            if isinstance(item, BaseException):  # the import failed: the write stops unpublished
                raise item
            tables, done = item
            try:
                for chunk in tables(schema):
                    if schema is None and isinstance(chunk, pa.Table):
                        schema = chunk.schema
                    yield chunk
            except BaseException as exc:
                done.set_exception(exc)
                raise
            done.set_result(None)

    def put(self, out: dict) -> set[Future]:
        """Hand one range's tables to the writers: what waited() waits for, until each has made all of that
        range's chunks."""
        pending = set()
        for name, q in self._queues.items():
            done: Future = Future()
            q.put((out[name].tables, done))
            pending.add(done)
        return pending

    @staticmethod
    def waited(pending: set[Future], pub: Publisher) -> None:
        """Wait for a range's chunks (put()) to be made (a write that failed: its error)."""
        while pending:
            finished, _ = wait([*pending, *pub.writes()], return_when=FIRST_COMPLETED)
            pub.check()
            for f in finished & pending:
                f.result()
                pending.discard(f)

    def close(self, failed: BaseException | None = None) -> None:
        """No more ranges: each write ends (failed: each stops, unpublished)."""
        for q in self._queues.values():
            q.put(CancelledError(f"the import failed: {failed}") if failed is not None else None)


class Combined:
    """What the ranges add up to, range by range: the streamed tables' rows, coverage (summed as it comes),
    the repeated ids' rejects, each range's cited() sources and its events at places not in the gazetteer."""

    def __init__(self):
        self.kept = {name: 0 for name in STREAMED}
        self.covered: pd.DataFrame | None = None
        self.dups: list[pd.DataFrame] = []
        self.cites: list[pd.DataFrame] = []
        self.unplaced = 0

    def add(self, got: Result) -> None:
        for name in self.kept:
            self.kept[name] += len(got.tables[name])
        self.covered = summed_coverage([c for c in (self.covered, got.tables["coverage"]) if c is not None])
        self.dups.append(got.tables["rejects"])
        self.cites.append(got.cited)
        self.unplaced += got.unplaced

    def held(self, mapper: Importer, file: str, srcs: list[pd.DataFrame], rejects: pd.DataFrame,
             gaz: pd.DataFrame) -> dict[str, pd.DataFrame]:
        """The tables held whole, validated: sources of every range, the gazetteer, the empty tables, coverage
        and the rejects (those read before the ranges, `rejects`, and the repeated ids'), in line order."""
        from analysis.importers import common

        held = {
            "sources": tables.finish(mapper.sources_table(pd.concat(srcs, ignore_index=True) if srcs else None,
                                                          pd.concat(self.cites, ignore_index=True)),
                                     TABLES["sources"]),
            "gazetteer": gaz,
            **{name: common.empty_table(name) for name in ("statements", "control", "tallies", "links",
                                                          "link_candidates")},
            "coverage": coverage(self.covered),  # ranges: at least one
            "rejects": common.sorted_rejects(pd.concat([rejects, *self.dups], ignore_index=True)),
        }
        return {name: validate(name, df, copy=False) for name, df in held.items()}


def _each_range(ranges: list[tuple[Path, int]], folder: Path, conclude: Callable[[Spill, int], Result],
                feed: Feed, pub: Publisher) -> Combined:
    """Conclude each range on a Spill of its own (conclude(spill, rows)), check its tables and hand them to the
    writers, the range before being written meanwhile; what the ranges add up to."""
    from analysis.importers import common

    combined = Combined()
    before: tuple[common.Spill, set[Future]] | None = None  # the range being written, while the next is made
    try:
        for path, n in ranges:
            spill = common.Spill(folder)
            try:
                for part in _loaded(path):
                    spill.add(part)
                path.unlink()
                got = conclude(spill, n)
                common.check_tables(got.tables, held=False)
                if before is not None:
                    feed.waited(before[1], pub)
                    before[0].close()
                before = spill, feed.put(got.tables)
            except BaseException:
                spill.close()
                raise
            combined.add(got)
            del got
            common.give_back_memory()
        if before is not None:
            feed.waited(before[1], pub)
    except BaseException as exc:
        feed.close(exc)
        raise
    finally:
        if before is not None:
            before[0].close()
    feed.close()
    return combined


def run_ranged(mapper: Importer, batches: Batches, parts: int, file: str, srcs: list[pd.DataFrame],
               rejected: list[pd.DataFrame], rag: pd.DataFrame, expected_cells: int, n_read: int,
               resolver: PlaceResolver, gaz: pd.DataFrame, out_dir: Path, export: str, digest: str,
               chunk_rows: int) -> Result:
    """Import the batches (every mapped row of the export, on disk) in `parts` ranges of their ids, one after
    another, each range's tables written as the next is concluded, and publish the tables (common.publish).
    The rest as common.conclude takes it."""
    from analysis.importers import common

    ranges = batches.bucketed(batches.cuts(parts))
    feed = Feed(chunk_rows)
    held: dict[str, pd.DataFrame] = {}
    rows: dict[str, int] = {}
    result = common.Result()
    no_rejects = [Rejects(mapper.NAME, file).frame()]

    def conclude(spill: Spill, n: int) -> Result:  # a range: its repeated ids are its only rejects
        return common.conclude(mapper, file, spill, srcs, no_rejects, rag.iloc[:0], expected_cells, n, resolver,
                               gaz, chunk_rows)

    def each_range(pub: Publisher) -> None:
        got = _each_range(ranges, batches.folder, conclude, feed, pub)
        rejects = pd.concat(rejected, ignore_index=True) if rejected else no_rejects[0]
        if len(rag):
            rejects = pd.concat([rejects, common.ragged(mapper, file, rag, expected_cells)], ignore_index=True)
        held.update(got.held(mapper, file, srcs, rejects, gaz))
        common.count(result, file, mapper.NAME, n_read + len(rag), got.kept["events"], len(held["rejects"]),
                     got.kept["casualties"], got.unplaced)
        for name in ("casualties", "sources", "gazetteer", "statements", "control", "tallies", "incidents"):
            result.read[name] = result.kept[name] = got.kept[name] if name in got.kept else len(held[name])
            result.rejected[name] = 0
        rows.update({**{name: len(df) for name, df in held.items()}, **got.kept})

    common.publish(feed.writers(), held, rows, result, out_dir, export, mapper.NAME, digest, each_range,
                   workers=len(STREAMED))
    result.tables = common.Tables({**held, **{name: Path(out_dir) / f"{name}.parquet" for name in STREAMED}})
    return result
