"""`python -m analysis clean --engine dask`: the clean of raw files larger than memory, on a local Dask cluster.

Same tables as the default (pandas) engine, byte for byte in the Parquet files. The work splits in two:

* Row steps, per block of rows, on the workers (`dask.dataframe.from_map` reads the blocks, `map_partitions`
  runs the steps): parse the block (analysis.clean.read.read_bytes, the same reader as the pandas engine),
  then dates.resolve, places.resolve and counts.resolve. Each is a function of one row (with the kept
  sources' publication dates and the gazetteer, which are small and shipped to every worker), so a block
  gives the same answer as the whole file. The results travel as extra columns (tables.DATE_COLS,
  tables.PLACE_COLS, tables.count_cols) that the per-table steps take as given instead of recomputing.
* Global steps, on the reduced frame in this process: pipeline.clean_frames as for the pandas engine, i.e.
  required cells and vocabularies (per distinct value, so cheap), unique ids, the same report coded twice,
  references, the rejects in their order, incidents, validation, and writing. Vocabulary checks stay here
  because a row's reject reason is the first failing step, and they come before the id checks.

raw_line is the true line in the file. Blocks are cut at record ends found by one streaming pass over the
file (`split_points`): a newline ends a record when the number of double quotes before it is even (a quote
inside a quoted cell is doubled, so it does not change the parity). The same pass counts newlines, so each
block knows how many lines come before it. Every block is parsed with the header line in front; the reader
numbers its rows from 2 (1 = header) counting the newlines inside quoted cells, and the block's row numbers
are shifted by the newlines before the block minus the header's own. Blank lines and rows of the wrong width
fall back to the csv-module reader inside their block only, with physical line numbers, shifted the same way.

The raw files may be larger than memory: the driver only streams through them to find the cuts. The cleaned
tables must fit, as the global steps see all rows at once (the processed tables are what the notebooks load).
"""

from __future__ import annotations

import logging
import os
import pickle
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.clean import counts, dates, fast, places, tables
from analysis.clean.errors import CleanError, Rejects, ragged_rejects
from analysis.clean.read import read_bytes, read_raw
from analysis.schema import RAW_TABLES, TABLES

BLOCKSIZE = 32 << 20  # bytes of raw CSV per partition
N_WORKERS = 2
MEMORY_LIMIT = os.environ.get("OSKIL_DASK_MEMORY_LIMIT", "2GiB")  # per worker
_SCAN = 8 << 20
WHOLE = ("gazetteer", "sources")  # read whole in this process: every other table's row steps need them
PLACED = ("events", "casualties", "control", "tallies")
COUNTED = {"casualties": ("killed", "injured", "children_killed", "children_injured"),
           "tallies": ("settlements_shelled", "killed", "injured")}
_RAG = ("__rag_value", "__rag_n", "__rag_expected")  # ragged rows ride in the partitions under these columns


def split_points(path: Path, blocksize: int = BLOCKSIZE) -> tuple[int, int, list[tuple[int, int, int]]]:
    """(end of the header, newlines in the header, [(start, end, newlines before start)] of each block).

    One streaming pass; blocks end just after a record-ending newline (even count of '"' before it)."""
    cuts: list[tuple[int, int]] = []  # (offset just after a record end, newlines before it)
    target, quotes, lines, off = 0, 0, 0, 0
    with open(path, "rb") as fh:
        while chunk := fh.read(_SCAN):
            a = np.frombuffer(chunk, dtype=np.uint8)
            q = np.cumsum(a == 34, dtype=np.int64) + quotes
            nl = a == 10
            ends = np.flatnonzero(nl & ((q & 1) == 0))
            nl_cum = np.cumsum(nl, dtype=np.int64) + lines
            while True:
                i = np.searchsorted(ends, target - off)
                if i == len(ends):
                    break
                cut = off + int(ends[i]) + 1
                cuts.append((cut, int(nl_cum[ends[i]])))
                target = cut + blocksize
            quotes = int(q[-1]) if len(q) else quotes
            lines = int(nl_cum[-1]) if len(nl_cum) else lines
            off += len(chunk)
    size = off
    if not cuts:  # header only, without a final newline
        return size, lines, []
    header_end, header_nl = cuts[0]
    starts = cuts if cuts[-1][0] < size else cuts[:-1]
    bounds = [s for s, _ in starts[1:]] + [size]
    blocks = [(s, e, n) for (s, n), e in zip(starts, bounds, strict=True) if e > s]
    return header_end, header_nl, blocks


def _read_block(task: tuple) -> pd.DataFrame:
    """One block of one raw file as the pandas engine would read it, rows numbered as in the file."""
    path, name, header, header_nl, start, end, nl_before = task
    with open(path, "rb") as fh:
        fh.seek(start)
        body = fh.read(end - start)
    rf = read_bytes(header + body, TABLES[name], Path(path).name)
    shift = nl_before - header_nl
    df = rf.frame
    df["raw_line"] = df["raw_line"] + shift
    for c in _RAG:
        df[c] = pd.Series(np.nan, index=df.index, dtype="float64" if c != "__rag_value" else "str")
    if rf.ragged is not None and len(rf.ragged):
        rag = pd.DataFrame({c: pd.Series(pd.NA, index=rf.ragged.index, dtype="str") for c in TABLES[name].raw_columns})
        rag["raw_line"] = rf.ragged["raw_line"].astype("int64") + shift
        rag["__rag_value"] = rf.ragged["value"].astype("str")
        rag["__rag_n"] = rf.ragged["n_cells"].astype("float64")
        rag["__rag_expected"] = float(rf.ragged.attrs.get("expected"))
        df = pd.concat([df, rag], ignore_index=True)
    return df


_CONTEXT: dict[str, tuple] = {}


def _context(path: str) -> tuple[places.Gazetteer, pd.Series]:
    """The gazetteer lookup and the kept sources' publication dates, built once per worker process."""
    if path not in _CONTEXT:
        with open(path, "rb") as fh:
            gaz, pub = pickle.load(fh)
        _CONTEXT.clear()
        _CONTEXT[path] = (places.Gazetteer(gaz), pub)
    return _CONTEXT[path]


def row_steps(df: pd.DataFrame, name: str, context: str) -> pd.DataFrame:
    """The row-level steps of one block: dates, places and counts as extra columns (see tables.DATE_COLS)."""
    gaz, pub = _context(context)
    rows = df["__rag_n"].isna()
    d = df[rows]
    res = []
    if "date_reported" in d.columns:  # links.csv has no dates
        published = fast.map_series(d["source_id"], pub)
        known = published.notna()  # rows citing no kept source are rejected before their dates matter
        res.append(dates.resolve(d.loc[known, "date_reported"], published[known]).reindex(d.index))
    if name in PLACED:
        res.append(places.resolve(d, gaz))
    for col in COUNTED.get(name, ()):
        res.append(counts.resolve(d[col], col))
    out = pd.concat([d, *res], axis=1)
    return pd.concat([out, df[~rows]]) if (~rows).any() else out


def _small(raw_dir: Path) -> dict[str, pd.DataFrame]:
    out = {}
    for name in WHOLE:
        path = raw_dir / f"{name}.csv"
        if not path.exists():
            raise CleanError(str(path), None, None, None, f"a raw file {name}.csv in {raw_dir}")
        out[name] = read_raw(path, TABLES[name])
    return out


def read_partitioned(raw_dir: Path, client, blocksize: int = BLOCKSIZE
                     ) -> tuple[dict[str, pd.DataFrame], dict[str, str], list[str]]:
    """What pipeline.read_all returns, with the big tables read and row-stepped on the cluster."""
    import dask
    import dask.dataframe as dd

    small = _small(raw_dir)
    frames, files, notes = {}, {}, []
    for name, rf in small.items():
        frames[name], files[name] = rf.frame_for_clean(name, f"{name}.csv"), f"{name}.csv"
        notes += rf.notes(f"{name}.csv")
    # the kept gazetteer and sources, exactly as clean_frames will keep them
    gaz = tables.gazetteer(small["gazetteer"].frame.copy(), Rejects("gazetteer", "gazetteer.csv"))
    src = tables.sources(small["sources"].frame.copy(), Rejects("sources", "sources.csv"))
    pub = src.set_index("source_id")["published"]
    fd, ctx = tempfile.mkstemp(prefix="oskil-dask-", suffix=".pkl")
    with os.fdopen(fd, "wb") as fh:
        pickle.dump((gaz, pub), fh)
    try:
        with dask.config.set({"dataframe.convert-string": False}):
            heads, pending = {}, {}
            for t in RAW_TABLES:
                if t.name in WHOLE:
                    continue
                path = raw_dir / f"{t.name}.csv"
                if not path.exists():
                    raise CleanError(str(path), None, None, None, f"a raw file {t.name}.csv in {raw_dir}")
                header_end, header_nl, blocks = split_points(path, blocksize)
                with open(path, "rb") as fh:
                    header = fh.read(header_end)
                head = read_raw_header(path, t, header, header_nl)  # header checks, column notes, empty meta
                heads[t.name] = head
                tasks = [(str(path), t.name, header, header_nl, s, e, n) for s, e, n in blocks]
                if tasks:
                    ddf = dd.from_map(_read_block, tasks, meta=head, enforce_metadata=False)
                    meta = row_steps(head, t.name, ctx)
                    pending[t.name] = ddf.map_partitions(row_steps, t.name, ctx, meta=meta, enforce_metadata=False)
            # every table's blocks in one go, so both workers stay busy from one table to the next
            done = dict(zip(pending, client.gather(client.compute(list(pending.values()))), strict=True))
            for name, head in heads.items():
                df = done[name] if name in done else row_steps(head, name, ctx)
                frames[name], files[name] = _unmark_ragged(df, name), f"{name}.csv"
                notes.extend(head.attrs.get("notes", []))
    finally:
        Path(ctx).unlink(missing_ok=True)
    return frames, files, notes


def _unmark_ragged(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """Rows in file order; ragged rows moved out of the frame into attrs, as pipeline.read_all leaves them."""
    df = df.sort_values("raw_line", kind="stable").reset_index(drop=True)
    rag = df["__rag_n"].notna()
    attrs = {}
    if rag.any():
        r = df[rag]
        attrs["ragged"] = ragged_rejects(name, f"{name}.csv", r["raw_line"].astype("int64"),
                                         r["__rag_n"].astype("int64"), r["__rag_value"],
                                         int(r["__rag_expected"].iloc[0])).reset_index(drop=True)
    out = df[~rag].drop(columns=list(_RAG)).reset_index(drop=True)
    out.attrs = attrs
    return out


def read_raw_header(path: Path, table, header: bytes, header_nl: int) -> pd.DataFrame:
    """The header checks of read_raw (fatal errors, ignored columns) on the header line alone; an empty frame."""
    rf = read_bytes(header, table, path.name)
    df = rf.frame
    for c in _RAG:
        df[c] = pd.Series(dtype="float64" if c != "__rag_value" else "str")
    df.attrs["notes"] = rf.notes(path.name)
    return df


def _src_path() -> str:
    import analysis

    return str(Path(analysis.__file__).resolve().parents[1])


def clean(raw_dir: Path, out_dir: Path, blocksize: int = BLOCKSIZE, n_workers: int = N_WORKERS,
          memory_limit: str = MEMORY_LIMIT):
    """pipeline.clean with the raw tables read and row-stepped on a local Dask cluster."""
    from distributed import Client, LocalCluster

    from analysis.clean.pipeline import clean as clean_pandas

    src = _src_path()  # worker processes must import analysis as this one does
    if src not in os.environ.get("PYTHONPATH", "").split(os.pathsep):
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p)
    with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, memory_limit=memory_limit,
                      dashboard_address=":0", silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        return clean_pandas(raw_dir, out_dir, reader=lambda d: read_partitioned(d, client, blocksize))
