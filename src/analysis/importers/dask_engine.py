"""`python -m analysis import acled|ucdp FILE --engine dask`: the row mapping per block on a Dask cluster.

Same tables, byte for byte, as the pandas import (common.run), which maps batches one after another. Here:

1. The export is cut into blocks of whole records (analysis.clean.blocks: the scan runs on the workers).
2. Each worker parses its blocks (Stream.block, the same pyarrow options as Stream.batches) and runs the
   importer's prepare(): every row check up to place matching. The rows stay on the worker; only the first
   row of each distinct place key comes back.
3. This process resolves the keys in file order (PlaceResolver.learn), as the pandas import does batch by
   batch: a place missing from the gazetteer gets an import id that depends on the import places met before
   it, so this step cannot be split. The resolved keys are scattered to the workers once.
4. Each worker finishes its blocks (complete(): place rejects, the mapped rows, partial sources), numbering
   rows by the records of the blocks before (known once every block has been parsed).
5. This process gathers the mapped rows in file order, one block at a time, spilling each block's wide text to
   a temporary file as the pandas import spills each batch (so it never holds the whole export's text), and
   concludes as the pandas import does (common.conclude: unique ids, sources, places, incidents, validation;
   an export past range_bytes in ranges of its ids, ranges.py), then writes. A worker computes the export's
   SHA-256 for the manifest meanwhile, so this process reads only the header line of the export.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.clean import blocks, checks, rules, storage
from analysis.clean.cluster import cluster
from analysis.clean.dask_engine import gather, output_names
from analysis.clean.errors import CleanError, Rejects, kept
from analysis.importers import common, place_match, ranges
from analysis.importers.chunked import CHUNK_ROWS
from analysis.importers.registry import importer
from analysis.importers.spill import Spill
from analysis.importers.stream import Stream, ragged_frame


@dataclass
class Held:
    """A block checked up to place matching, kept on its worker until the places are known."""

    ready: common.Prepared
    keys: place_match.BatchKeys
    rejects: Rejects
    ragged: list[tuple[int, str, int]] = field(default_factory=list)
    parsed: int = 0  # rows parsed (the malformed ones are in ragged)


def prepare(kind: str, stream: Stream, block: blocks.Block, today: pd.Timestamp) -> Held:
    """On a worker: parse one block and run the row checks up to place matching (today: the run's date, read
    by the driver when the import started, so every block judges 'in the future' alike)."""
    mapper = importer(kind)
    df, ragged = stream.block(storage.read(block.location, block.start, block.end), mapper.WANTED)
    rej, parsed = Rejects(mapper.NAME, stream.name), len(df)
    df = kept(checks.safe_text(df, mapper.WANTED, rej, mapper.ID))  # the text checks of the pandas import
    ready = mapper.prepare(df, rej, today)
    return Held(ready, place_match.batch_keys(ready.frame), rej, ragged, parsed)


def first_keys(held: Held) -> list[tuple]:
    """On a worker: the first row of each place key of a block, as tuples (BatchKeys.rows), for the driver."""
    return held.keys.rows


def records(held: Held) -> int:
    return held.parsed + len(held.ragged)


def complete(kind: str, held: Held, before: int, cache: dict) -> tuple:
    """On a worker: finish a block with its places resolved; rows renumbered by the `before` records of the
    blocks before it. (mapped rows or None, partial sources or None, rejects, malformed rows, rows parsed)."""
    out = importer(kind).complete(held.ready, place_match.lookup(cache, held.keys), held.rejects)
    rejected = held.rejects.frame()
    rejected["line"] = rejected["line"] + before
    ragged = [(line + before if line >= 0 else line, text, n) for line, text, n in held.ragged]
    if out is None:
        return None, None, rejected, ragged, held.parsed
    mapped, src = out
    mapped["raw_line"] = mapped["raw_line"] + before
    return mapped, src, rejected, ragged, held.parsed


def spilled(client, done: list, where: str) -> Iterator[tuple]:
    """complete()'s results of the blocks, in file order, gathered one block at a time and let go of as the next
    is asked for (each future dropped once gathered, so its worker frees it too): this process holds one
    block's mapped rows at a time, not the whole export's with their text (0.8 GiB more at a million rows, 2.1 GiB
    at two million)."""
    for k in range(len(done)):
        got, done[k] = gather(client, done[k], where), None
        yield got
        del got


def head(location: str) -> bytes:
    """The export's first line (the header), read here; nothing else of the export is."""
    data = storage.read(location, 0, min(storage.size(location), 1 << 20))
    return data.split(b"\n", 1)[0]


def run(kind: str, export: str, out: str, gaz_dir: Path, scheduler: str | None = None,
        blocksize: int | None = None, range_bytes: int | None = common.RANGE_BYTES) -> common.Result:
    """common.run on a Dask cluster (the one at `scheduler`, or DASK_SCHEDULER_ADDRESS, else a local one);
    export and out may be fsspec URLs. An export of more than range_bytes is concluded in ranges of its ids
    (ranges.py), as the pandas import concludes it."""
    return ranges.whole_if_needed(lambda size: _run(kind, export, out, gaz_dir, scheduler, blocksize, size),
                                  range_bytes)


def _run(kind: str, export: str, out: str, gaz_dir: Path, scheduler: str | None, blocksize: int | None,
         range_bytes: int | None) -> common.Result:
    t0, today = time.perf_counter(), rules.today()
    mapper = importer(kind)
    common.check_out(out, gaz_dir)
    gaz = common.load_gazetteer(Path(gaz_dir))
    loc = storage.for_workers(export)
    if not storage.exists(loc):
        raise CleanError(str(export), None, None, None, "an export file that exists")
    stream = Stream.from_first_line(loc, head(loc))
    stream.require(mapper.REQUIRED, mapper.NAME)
    with storage.output_folder(out, output_names()) as local_out, cluster(scheduler) as (client, shape):
        size = blocksize or shape.blocksize(storage.size(loc))
        stream.block_size = max(stream.block_size, size)  # a task parses its block in one piece (a row longer
        # than that is refused naming the size, which --block-mb raises)
        plan = blocks.plan_all(client, [loc], size)[loc]
        digest = client.submit(storage.sha256, loc, pure=False)
        held = [client.submit(prepare, kind, stream, b, today, pure=False) for b in plan.blocks]
        resolver = place_match.PlaceResolver(gaz, mapper.PREFIX)
        firsts = gather(client, client.map(first_keys, held, pure=False), export)
        resolver.learn(row for rows in firsts for row in rows)  # in file order; a key seen before is skipped
        counts = gather(client, client.map(records, held, pure=False), export)
        before = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(int).tolist() if counts else []
        [cache] = client.scatter([resolver.cache], broadcast=True, hash=False)
        done = [client.submit(complete, kind, h, b, cache, pure=False) for h, b in zip(held, before, strict=True)]
        del held
        spill, srcs, rejected, ragged, parsed = Spill(), [], [], [], 0
        parts = common.range_parts(storage.size(loc), range_bytes)
        batches, keep = ranges.keeping(spill, parts)  # as the pandas import keeps its batches
        try:
            with common.one_at_a_time("oskil-spill") as aside:
                for mapped, src, rej, rag, n in spilled(client, done, export):
                    if mapped is not None:
                        aside(keep, mapped)
                        srcs.append(src)
                    del mapped
                    rejected.append(rej)
                    ragged += rag
                    parsed += n
        except BaseException:
            spill.close()
            raise
        common.give_back_memory()  # what gathering and spilling freed, as after the pandas import's mapping
        if batches is not None:
            try:
                known = gather(client, digest, export)
                result = ranges.run_ranged(mapper, batches, parts, stream.name, srcs, rejected,
                                           ragged_frame(ragged), stream.expected_cells, parsed, resolver, gaz,
                                           local_out, loc, known, CHUNK_ROWS)
            finally:
                spill.close()
            result.notes.append(shape.describe(size))
            result.seconds = time.perf_counter() - t0
            return result
        result = common.conclude(mapper, stream.name, spill, srcs, rejected, ragged_frame(ragged),
                                 stream.expected_cells, parsed, resolver, gaz)
        try:
            known = gather(client, digest, export)
        except BaseException:
            result.spill.close()  # finish() closes it otherwise
            raise
        common.finish(result.tables, result, local_out, loc, mapper.NAME, digest=known)
        result.notes.append(shape.describe(size))
    result.seconds = time.perf_counter() - t0
    return result
