"""`python -m analysis clean --engine dask`: the clean on a Dask cluster, the analyst's own or a local one.

Same tables as the default (pandas) engine, byte for byte in the Parquet files. The work splits in two:

* Row steps, per block of rows, on the workers: parse the block (analysis.clean.read.read_bytes, the same
  reader as the pandas engine), then dates.resolve, places.resolve and counts.resolve. Each is a function of
  one row (with the kept sources' publication dates and the gazetteer, which are small: scattered to every
  worker once and shared by its tasks), so a block gives the same answer as the whole file. The results
  travel as extra columns (tables.DATE_COLS, tables.PLACE_COLS, tables.count_cols) that the per-table steps
  take as given instead of recomputing.
* Global steps, on the gathered frame in this process: pipeline.clean_frames as for the pandas engine, i.e.
  required cells and vocabularies (per distinct value, so cheap), unique ids, the same report coded twice,
  references, the rejects in their order, incidents, validation, and writing. Vocabulary checks stay here
  because a row's reject reason is the first failing step, and they come before the id checks.

raw_line is the true line in the file. Blocks are cut at record ends (analysis.clean.blocks, whose scan of
the file also runs on the workers), and each block knows how many newlines come before it. Every block is
parsed with the header line in front; the reader numbers its rows from 2 (1 = header) counting the newlines
inside quoted cells, and the block's row numbers are shifted by the newlines before the block minus the
header's own. Blank lines and rows of the wrong width fall back to the csv-module reader inside their block
only, with physical line numbers, shifted the same way.

Where things are: the raw folder is a path or an fsspec URL (analysis.clean.storage) that this process and
every worker can open. This process reads only gazetteer.csv, sources.csv and the header line of the other
files; the workers read the blocks. The raw files need not fit anywhere; the cleaned tables must fit in this
process, as the global steps see all rows at once (the processed tables are what the notebooks load).
"""

from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd

from analysis.clean import arrow_lookup, blocks, counts, dates, places, storage, tables
from analysis.clean.cluster import MAX_BLOCK, cluster
from analysis.clean.errors import CleanError, Rejects, ragged_rejects
from analysis.clean.read import read_bytes
from analysis.registry.schema import PROCESSED_TABLES, RAW_TABLES, TABLES

BLOCKSIZE = MAX_BLOCK  # bytes of raw CSV per task on a cluster with memory to spare (cluster.Shape.blocksize)
WHOLE = ("gazetteer", "sources")  # read whole in this process: every other table's row steps need them


def split_points(path: Path, blocksize: int = BLOCKSIZE) -> tuple[int, int, list[tuple[int, int, int]]]:
    """(end of the header, newlines in the header, [(start, end, newlines before start)] of each block), the
    ranges scanned here in turn (blocks.plan_all scans them on a cluster)."""
    loc = str(path)
    size = storage.size(loc)
    scans = [blocks.scan(loc, a, b) for a, b in blocks.ranges(size, blocksize)]
    p = blocks.plan(loc, size, scans, blocksize)
    return p.header_end, p.header_lines, [(b.start, b.end, b.lines_before) for b in p.blocks]


class Context:
    """The kept gazetteer and sources' publication dates, scattered to every worker once; the gazetteer's
    lookup (places.Gazetteer) is built on first use and shared by the tasks of that worker."""

    def __init__(self, gazetteer: pd.DataFrame, published: pd.Series):
        self.gazetteer_frame, self.published = gazetteer, published
        self._gaz: places.Gazetteer | None = None
        self._lock = threading.Lock()

    def gazetteer(self) -> places.Gazetteer:
        with self._lock:
            if self._gaz is None:
                self._gaz = places.Gazetteer(self.gazetteer_frame)
            return self._gaz

    def __getstate__(self) -> dict:
        return {"gazetteer_frame": self.gazetteer_frame, "published": self.published}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["gazetteer_frame"], state["published"])


def _read_block(name: str, header: bytes, header_nl: int, block: blocks.Block
                ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """One block of one raw file as the pandas engine would read it, rows numbered as in the file: its rows,
    and the reject records of its rows of the wrong width (None if it has none)."""
    body = storage.read(block.location, block.start, block.end)
    shift = block.lines_before - header_nl
    try:
        rf = read_bytes(header + body, TABLES[name], f"{name}.csv")
    except CleanError as exc:  # an error on a line of the block (an invalid byte): named by its line in the file
        if exc.line is None or exc.line <= header_nl:
            raise
        raise CleanError(exc.file, exc.line + shift, exc.column, exc.value, exc.expected) from None
    df = rf.frame
    df["raw_line"] = df["raw_line"] + shift
    if rf.ragged is None or not len(rf.ragged):
        return df, None
    return df, ragged_rejects(name, f"{name}.csv", rf.ragged["raw_line"].astype("int64") + shift,
                              rf.ragged["n_cells"], rf.ragged["value"], rf.ragged.attrs.get("expected"))


def row_steps(df: pd.DataFrame, name: str, ctx: Context) -> pd.DataFrame:
    """The row-level steps of one block: dates, places and counts as extra columns (see tables.DATE_COLS)."""
    res = []
    if "date_reported" in df.columns:  # links.csv has no dates
        published = arrow_lookup.map_series(df["source_id"], ctx.published)
        known = published.notna()  # rows citing no kept source are rejected before their dates matter
        res.append(dates.resolve(df.loc[known, "date_reported"], published[known]).reindex(df.index))
    t = TABLES[name]  # which columns are placed and counted: the registry says
    if t.placed:
        res.append(places.resolve(df, ctx.gazetteer()))
    for col, measure in t.counted.items():
        res.append(counts.resolve(df[col], measure))
    return pd.concat([df, *res], axis=1)


def block_task(name: str, header: bytes, header_nl: int, block: blocks.Block, ctx: Context
               ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """What a worker does with one block: read it and run its row steps."""
    df, ragged = _read_block(name, header, header_nl, block)
    return row_steps(df, name, ctx), ragged


def _small(raw: str) -> dict[str, tuple[pd.DataFrame, list[str]]]:
    """gazetteer and sources, read whole in this process: (frame for the clean, reader notes)."""
    out = {}
    for name in WHOLE:
        loc = storage.join(raw, f"{name}.csv")
        if not storage.exists(loc):
            raise CleanError(loc, None, None, None, f"a raw file {name}.csv in {raw}")
        rf = read_bytes(storage.read(loc), TABLES[name], f"{name}.csv")
        out[name] = rf.frame_for_clean(name, f"{name}.csv"), rf.notes(f"{name}.csv")
    return out


def gather(client, futures, where: str) -> list:
    """client.gather, with a worker's failure to read or to survive turned into one clear CleanError."""
    from distributed import KilledWorker

    try:
        return client.gather(futures)
    except KilledWorker as exc:
        raise CleanError(where, None, None, None, "workers that survive their tasks (one died, out of memory? "
                         f"give the workers more memory; {exc})") from exc
    except OSError as exc:
        raise CleanError(where, None, None, None, "raw files every worker can read (give --raw as a path "
                         f"or fsspec URL the workers can open; a worker said: {exc})") from exc


def read_partitioned(raw: str, client, blocksize: int = BLOCKSIZE, clock=None
                     ) -> tuple[dict[str, pd.DataFrame], dict[str, str], list[str]]:
    """What pipeline.read_all returns, with the big tables read and row-stepped on the cluster. clock: the
    run's pipeline.Clock (by default one started now)."""
    from analysis.clean.pipeline import Clock

    clock = clock or Clock()
    progress = clock.progress
    raw = storage.for_workers(raw)
    progress(f"reading gazetteer.csv and sources.csv of {raw}")
    small = _small(raw)
    frames, files, notes = {}, {}, []
    for name, (frame, file_notes) in small.items():
        frames[name], files[name] = frame, f"{name}.csv"
        notes += file_notes
    # the kept gazetteer and sources, exactly as clean_frames will keep them
    gaz = tables.gazetteer(small["gazetteer"][0].copy(), Rejects("gazetteer", "gazetteer.csv"))
    src = tables.sources(small["sources"][0].copy(), Rejects("sources", "sources.csv"), clock.today)
    context = Context(gaz, src.set_index("source_id")["published"])
    [ctx] = client.scatter([context], broadcast=True, hash=False)
    big = [t.name for t in RAW_TABLES if t.name not in WHOLE]
    locs = {name: storage.join(raw, f"{name}.csv") for name in big}
    for name, loc in locs.items():
        if not storage.exists(loc):
            raise CleanError(loc, None, None, None, f"a raw file {name}.csv in {raw}")
    progress(f"scanning {len(locs)} raw files for record ends on the cluster")
    plans = blocks.plan_all(client, list(locs.values()), blocksize)
    heads, pending = {}, {}
    for name in big:
        p = plans[locs[name]]
        header = storage.read(p.location, 0, p.header_end) if p.header_end else b""
        heads[name] = read_raw_header(name, header)  # header checks, column notes, empty meta
        pending[name] = [client.submit(block_task, name, header, p.header_lines, b, ctx, pure=False)
                         for b in p.blocks]
    # every table's blocks in one go, so the workers stay busy from one table to the next
    progress(f"reading and row-stepping {sum(len(v) for v in pending.values())} blocks on the cluster")
    done = gather(client, pending, raw)
    progress("joining the blocks' rows")
    for name, head in heads.items():
        parts = done.pop(name)  # blocks in file order, rows in file order within each
        df = pd.concat([f for f, _ in parts], ignore_index=True) if parts else row_steps(head, name, context)
        ragged = [r for _, r in parts if r is not None]
        del parts
        if ragged:
            df.attrs["ragged"] = pd.concat(ragged, ignore_index=True)
        frames[name], files[name] = df, f"{name}.csv"
        notes.extend(head.attrs.get("notes", []))
    return frames, files, notes


def read_raw_header(name: str, header: bytes) -> pd.DataFrame:
    """The header checks of read_raw (fatal errors, ignored columns) on the header line alone; an empty frame."""
    rf = read_bytes(header, TABLES[name], f"{name}.csv")
    df = rf.frame
    df.attrs["notes"] = rf.notes(f"{name}.csv")
    return df


def _raw_bytes(raw: str | Path) -> int:
    """Bytes of the raw files cut into blocks (those missing are reported when they are read)."""
    locs = [storage.join(storage.for_workers(raw), f"{t.name}.csv") for t in RAW_TABLES if t.name not in WHOLE]
    return sum(storage.size(loc) for loc in locs if storage.exists(loc))


def output_names() -> list[str]:
    """Every file a clean or an import writes into its output folder."""
    return [f"{t.name}.{ext}" for t in PROCESSED_TABLES for ext in ("parquet", "csv")] + [storage.MANIFEST]


def clean(raw: str | Path, out: str | Path, scheduler: str | None = None, blocksize: int | None = None):
    """pipeline.clean with the raw tables read and row-stepped on a Dask cluster: the one at `scheduler` (or
    DASK_SCHEDULER_ADDRESS), else a local one. raw and out may be fsspec URLs."""
    from analysis.clean.pipeline import clean as clean_pandas

    with storage.output_folder(out, output_names()) as local_out, cluster(scheduler) as (client, shape):
        size = blocksize or shape.blocksize(_raw_bytes(raw))
        summary = clean_pandas(raw, local_out, reader=lambda d, clock: read_partitioned(d, client, size, clock))
        summary.notes.append(shape.describe(size))
    return summary
