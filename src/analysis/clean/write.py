"""Write processed tables atomically and deterministically: Parquet plus a CSV twin for people.

Each file is written to a hidden temporary name in the same folder (fsync'ed) and renamed into place, so a
killed run never leaves half a file. A clean publishes its tables as one set (Publisher): every file is
staged first, then all are renamed, then manifest.json is written last, listing every file with its SHA-256:
readers check it, so a set of files from two different runs is detected. Text cells that a spreadsheet
could run as a formula are prefixed with ' in the CSV twins only, reversibly (see _neutralise_arrow).
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from analysis.clean import arrow_lookup
from analysis.clean.atomic import atomic_write, temp_beside
from analysis.clean.files import claim_output, remember
from analysis.registry.schema import SCHEMA_VERSION, TABLES
from analysis.support.checksum import Digest, sha256


@contextmanager
def locked(out_dir: Path):
    """One writer at a time per output folder; a second waits instead of interleaving files. The folder must
    be new, empty or Oskil's own (files.claim_output), checked again once the lock is held."""
    claim_output(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / ".clean.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            claim_output(out_dir)
            for stale in out_dir.glob(".*.tmp"):  # left by a run that was killed while writing
                stale.unlink(missing_ok=True)
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def fsync_dir(folder: Path) -> None:
    """Make the renames in `folder` durable: a crash after publish() cannot bring back the old names."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def arrow_table(df: pd.DataFrame, threads: bool = True) -> pa.Table:
    """df as the Arrow table its files are written from (the schema version in its metadata). threads=False: its
    columns converted on the calling thread; pyarrow otherwise starts a pool of threads per call for a frame of
    more than 100 rows a column, which for a chunk of already-Arrow columns doubled the conversion's CPU (events,
    32,768 rows: 4.8 -> 2.4 ms) and handed the GIL between threads once per column."""
    table = pa.Table.from_pandas(df, preserve_index=False, nthreads=None if threads else 1)
    meta = {b"oskil.schema_version": SCHEMA_VERSION.encode()}
    return table.replace_schema_metadata({**{k: v for k, v in (table.schema.metadata or {}).items()}, **meta})


#: a cell starting with + or - that a spreadsheet can only read as a number, a phone number or a dash: left
#: alone ('-5', '+380 57 700-00-00', '-'). Anything else starting with + or - may be a formula.
PLAIN_SIGNED = r"^(?:[+-]?[0-9][0-9 .,]*%?|\+[0-9][0-9 ().-]*|[- ]+)$"


def _neutralise_arrow(arr: pa.ChunkedArray) -> pa.ChunkedArray:
    """Defuse spreadsheet formulas in a text column (OWASP CSV injection advice), reversibly: a cell starting
    with =, @, tab, carriage return or ', or with + or - and not a plain number, phone number or dash
    (PLAIN_SIGNED), gets a leading '. So a CSV cell starting with ' always had one added: remove that one ' to
    get the value back ("'=1+1" was "=1+1", "''=1+1" was "'=1+1"). Computed in Arrow; a column whose cells
    all start with some other byte (nearly every column) is returned after one numpy look at its first bytes,
    without the per-cell regex."""
    if pa.types.is_large_string(arr.type) and not _may_start_with(arr, _RISKY_FIRST):
        return arr
    first = pc.utf8_slice_codeunits(arr, 0, 1)
    always = pc.is_in(first, value_set=pa.array(["=", "@", "\t", "\r", "'"], type=arr.type))
    signed = pc.is_in(first, value_set=pa.array(["+", "-"], type=arr.type))
    hit = pc.or_(always, pc.and_(signed, pc.invert(pc.match_substring_regex(arr, PLAIN_SIGNED))))
    if not pc.any(hit).as_py():
        return arr
    quote, empty = pa.scalar("'", arr.type), pa.scalar("", arr.type)
    return pc.if_else(hit, pc.binary_join_element_wise(quote, arr, empty), arr)


#: the first bytes _neutralise_arrow looks at (all ASCII, so a cell's first byte is its first character)
_RISKY_FIRST = np.frombuffer(b"=@\t\r'+-", dtype=np.uint8)
_RISKY_DELETE = _RISKY_FIRST.tobytes()  # the same bytes, for bytes.translate


def _may_start_with(arr: pa.ChunkedArray, first: np.ndarray) -> bool:
    """True when some non-empty cell of a large_string column starts with one of the bytes in `first` (null
    cells included: their result is null either way). Reads the offsets and data buffers directly: a few
    numpy operations per chunk instead of Arrow kernels and a regex over every cell."""
    for chunk in arr.chunks:
        if len(chunk) == 0:
            continue
        data_buf = chunk.buffers()[2]
        if data_buf is None or data_buf.size == 0:
            continue
        offsets = arrow_lookup.text_offsets(chunk)
        # an empty cell starts where the next cell does (whose first byte is looked at anyway), so only the empty
        # cells at the end, starting at the chunk's end, are left out: no mask of the empty cells
        starts = offsets[:np.searchsorted(offsets[:-1], offsets[-1])]
        if len(starts) and _risky(np.frombuffer(data_buf, dtype=np.uint8)[starts], first):
            return True
    return False


def _risky(bytes_: np.ndarray, first: np.ndarray) -> bool:
    """np.isin(bytes_, first).any(): for _RISKY_FIRST by deleting those bytes (bytes.translate) and comparing
    lengths, about 3x faster than a 256-entry table lookup per byte (np.isin sorts per call)."""
    if first is _RISKY_FIRST:
        return len(bytes_.tobytes().translate(None, _RISKY_DELETE)) < len(bytes_)
    return bool(np.isin(bytes_, first).any())


#: widest span of days (last - first) whose text _day_text makes from a table of every day in it
_DAY_SPAN = 1 << 16


def _date_text(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """A timestamp column as the CSV twin writes it: YYYY-MM-DD text, missing stays missing; the same cells
    as col.cast(pa.date32(), safe=False).cast(pa.large_string())."""
    days = col.cast(pa.date32(), safe=False)
    return pa.chunked_array([_day_text(c) for c in days.chunks], pa.large_string())


def _day_text(days: pa.Array) -> pa.Array:
    """days.cast(pa.large_string()) with each day of the chunk's span formatted once and its 10 bytes copied
    into place (numpy): Arrow formats every cell, about 0.25 microseconds each, for a column of a few
    thousand distinct days. A span wider than _DAY_SPAN, or a day in it whose text is not 10 characters (a
    year before 1000 or after 9999): Arrow's cast."""
    n = len(days)
    if n == 0 or days.null_count == n:
        return days.cast(pa.large_string())
    num = np.frombuffer(days.buffers()[1], dtype=np.int32)[days.offset:days.offset + n]
    valid = None if days.null_count == 0 else days.is_valid().to_numpy(zero_copy_only=False)
    seen = num if valid is None else num[valid]
    lo, hi = int(seen.min()), int(seen.max())
    if hi - lo > _DAY_SPAN:
        return days.cast(pa.large_string())
    table = pa.array(np.arange(lo, hi + 1, dtype=np.int32), pa.date32()).cast(pa.large_string())
    if not (np.diff(np.frombuffer(table.buffers()[1], dtype=np.int64)[:len(table) + 1]) == 10).all():
        return days.cast(pa.large_string())
    text = np.frombuffer(table.buffers()[2], dtype="S10")
    at = num - lo if valid is None else np.where(valid, num - lo, 0)
    offsets = np.arange(0, 10 * (n + 1), 10, dtype=np.int64)
    bitmap = None if valid is None else pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(text[at].tobytes()), bitmap,
                                            days.null_count)


def unneutralise(cell: str) -> str:
    """The value of a CSV twin's cell: the leading ' that _neutralise_arrow added, removed."""
    return cell[1:] if cell.startswith("'") else cell


def _csv_table(df: pd.DataFrame, table: pa.Table) -> pa.Table:
    """The CSV twin of df (table: its Parquet table): dates as YYYY-MM-DD, text neutralised, the rest as is."""
    for i, (col, dtype) in enumerate(zip(df.columns, df.dtypes, strict=True)):
        # judged on the dtype (df[col] makes a Series: about 0.1 ms a column, 4 ms an events chunk); an object
        # column on its cells, as is_string_dtype does for a Series
        kind = df[col] if pd.api.types.is_object_dtype(dtype) else dtype
        if pd.api.types.is_datetime64_any_dtype(kind):
            arr = _date_text(table.column(i))  # YYYY-MM-DD
        elif pd.api.types.is_string_dtype(kind):
            arr = table.column(i) if dtype == "str" else pa.chunked_array([pa.array(df[col].astype("str"))])
            arr = _neutralise_arrow(arr.cast(pa.large_string()))
        else:
            continue
        table = table.set_column(i, pa.field(col, arr.type), arr)
    return table.replace_schema_metadata(None)


def _csv_of_arrow(table: pa.Table) -> pa.Table:
    """_csv_table of a chunk given as its Arrow table (chunked.Streamed.tables), judged on the Arrow types as
    _csv_table judges on the dtypes they come from: timestamps (datetime64) as YYYY-MM-DD, text (str)
    neutralised, the rest as is. Only tables of those types come this way."""
    for i, f in enumerate(table.schema):
        if pa.types.is_timestamp(f.type):
            arr = _date_text(table.column(i))
        elif pa.types.is_large_string(f.type) or pa.types.is_string(f.type):
            arr = _neutralise_arrow(table.column(i).cast(pa.large_string()))
        else:
            continue
        table = table.set_column(i, pa.field(f.name, arr.type), arr)
    return table.replace_schema_metadata(None)


@dataclass(frozen=True)
class Staged:
    """A file written to a temporary name, waiting to be renamed to `path`."""

    path: Path
    tmp: Path
    hashing: Digest  # its SHA-256, worked out on a thread of its own while the writer goes on

    @property
    def digest(self) -> str:
        """SHA-256 of its bytes, for the manifest (waits for the hashing)."""
        return self.hashing.result()

    def drop(self) -> None:
        """Remove the temporary file (not published), its hashing stopped."""
        self.hashing.cancel()
        self.tmp.unlink(missing_ok=True)


def stage_table(df: pd.DataFrame, out_dir: Path, name: str) -> list[Staged]:
    """Write name.parquet and name.csv to temporary files in out_dir; nothing is visible yet."""
    pq_path, csv_path = out_dir / f"{name}.parquet", out_dir / f"{name}.csv"
    table = arrow_table(df)
    staged: list[Staged] = []
    try:
        for path, write in ((pq_path, lambda p: pq.write_table(table, p, compression="zstd", write_statistics=True)),
                            (csv_path, lambda p: pacsv.write_csv(_csv_table(df, table), p))):
            tmp = temp_beside(path, write)
            staged.append(Staged(path, tmp, Digest(tmp)))
    except BaseException:
        for st in staged:
            st.drop()
        raise
    return staged


def stage_chunks(chunks: Iterable[pd.DataFrame | pa.Table], out_dir: Path, name: str) -> list[Staged]:
    """stage_table of a table given as consecutive chunks (never whole in memory): each chunk is appended to
    the Parquet file (one row group per chunk) and to the CSV twin as it comes. A table of one chunk is the
    same bytes as stage_table writes; a table of several gets the Parquet layout of `several_groups` (the same
    table, other bytes). An empty table is one empty chunk."""
    pq_path, csv_path = out_dir / f"{name}.parquet", out_dir / f"{name}.csv"
    csv_tmp: list[Path] = []
    hashing: list[Digest] = []  # the Parquet file's and the CSV twin's, each following its file as it is written

    def write_both(pq_tmp: str, csv_file: str) -> None:
        hashing.extend(Digest(p, follow=True) for p in (pq_tmp, csv_file))
        with ExitStack() as stack:
            writers: list = []
            # pandas frames, or Arrow tables already in the processed types (Streamed.tables)
            for df, several in _with_lookahead(chunks):
                if isinstance(df, pa.Table):
                    table, csv = df, _csv_of_arrow(df)
                else:
                    table = arrow_table(df, threads=False)
                    csv = _csv_table(df, table)
                if not writers:
                    layout = several_groups(table, name) if several else PARQUET
                    writers = [stack.enter_context(pq.ParquetWriter(pq_tmp, table.schema, **layout)),
                               stack.enter_context(pacsv.CSVWriter(csv_file, csv.schema))]
                writers[0].write_table(table)
                writers[1].write_table(csv)
                del table, csv
                for d in hashing:
                    d.grew()
            if not writers:
                raise ValueError(f"{name}: no chunk to write (an empty table is one empty chunk)")
        for d in hashing:  # the writers closed: the files are complete
            d.written()

    try:
        pq_tmp = temp_beside(pq_path, lambda p: csv_tmp.append(temp_beside(csv_path, lambda c: write_both(p, c))))
    except BaseException:
        for d in hashing:
            d.cancel()
        for tmp in csv_tmp:
            tmp.unlink(missing_ok=True)
        raise
    return [Staged(pq_path, pq_tmp, hashing[0]), Staged(csv_path, csv_tmp[0], hashing[1])]


#: how every Parquet file is written (stage_table; stage_chunks of a table of one chunk)
PARQUET = {"compression": "zstd", "write_statistics": True}


#: rows of a table's first chunk that several_groups judges its columns' repeats on
JUDGED_ROWS = 4096


def several_groups(first: pa.Table, name: str) -> dict:
    """The Parquet writer's options for a table written in several row groups (chunks of a large import or
    review queue), judged on its first chunk: min/max statistics only where a reader can skip row groups by
    them (numbers, dates, flags and the table's key, by which the rows are sorted: every chunk of a text column
    spans nearly all its values), and dictionary encoding only for columns that repeat values (at most one
    distinct value in two of the chunk's first JUDGED_ROWS rows). A column of distinct values (ids, notes, line
    numbers) was otherwise dictionary-encoded until each row group's dictionary outgrew its page, then written
    plain anyway. Measured on the events, casualties and incidents of a million-row import written alone on one
    thread: 5.2 -> 3.4 s and 76 -> 63 MB (the same tables, pyarrow.Table.equals). A table of one chunk, the
    shipped data's, keeps PARQUET: its files, and the checksums that reports cite, stay the bytes they were."""
    key = TABLES[name].key if name in TABLES else None
    stats = [f.name for f in first.schema if f.name == key or not (pa.types.is_string(f.type)
                                                                    or pa.types.is_large_string(f.type))]
    head = first.slice(0, JUDGED_ROWS)  # counting the distinct notes of a whole chunk cost 0.1 s a table
    repeats = [c for c in head.column_names if 2 * _distinct(head.column(c)) <= head.num_rows]
    return {"compression": "zstd", "write_statistics": stats, "use_dictionary": repeats}


def _distinct(col: pa.ChunkedArray) -> int:
    """How many distinct values col holds, missing not counted (an all-missing column of Arrow's null type, 0)."""
    return 0 if pa.types.is_null(col.type) else pc.count_distinct(col).as_py()


def _with_lookahead(chunks: Iterable) -> Iterator[tuple[object, bool]]:
    """Each chunk with whether the table has more than one (known once the second has come: two are held
    at the start only)."""
    it = iter(chunks)
    first = next(it, None)
    if first is None:
        return
    second = next(it, None)
    yield first, second is not None
    del first
    if second is not None:
        yield second, True
        del second
        for chunk in it:
            yield chunk, True


def write_table(df: pd.DataFrame, out_dir: Path, name: str) -> list[Path]:
    """Write name.parquet and name.csv (each renamed into place when complete); returns the paths."""
    staged = stage_table(df, out_dir, name)
    for st in staged:
        os.replace(st.tmp, st.path)
    return [st.path for st in staged]


class Publisher:
    """Publish a set of tables into one folder as one run.

    add() stages a table (stage_table; stage_chunks when it is given as a function yielding its chunks) on a
    background thread as soon as it is final: Arrow's Parquet and CSV writers release the GIL, so writing one
    table overlaps cleaning the next. A failed write is raised by the
    next add() (fail fast), and by publish(). publish() waits for the rest, records the names in the folder's
    marker, renames every file into place, fsyncs the folder and writes manifest.json last. The folder is
    locked from the first add() to the end. On any failure before publish() the temporary files are removed
    and the folder keeps its previous set; a table still being written in chunks then stops at its next chunk
    instead of being written to the end first. A name can be added once, and nothing after publish()."""

    def __init__(self, out_dir: Path, workers: int = 2):
        self.out_dir, self.workers = out_dir, workers
        self._stack = ExitStack()
        self._pool: ThreadPoolExecutor | None = None
        self._staged: dict[str, Future] = {}
        self._published = False
        self._closing = threading.Event()  # set on exit: a chunked write still running stops at its next chunk

    def __enter__(self) -> Publisher:
        return self

    def _raise_failed(self) -> None:
        for f in self._staged.values():
            if f.done() and not f.cancelled() and f.exception() is not None:
                raise f.exception()

    def check(self) -> None:
        """Raise the error of a write that failed, if one has (a caller feeding chunked writes waits on them)."""
        self._raise_failed()

    def writes(self) -> list[Future]:
        """The staged writes (each done when its table is written, or failed)."""
        return list(self._staged.values())

    def add(self, name: str, df: pd.DataFrame | Callable[[], Iterable[pd.DataFrame]]) -> None:
        if self._published:
            raise RuntimeError(f"Publisher: add({name!r}) after publish(); the set is already published")
        if name in self._staged:
            raise ValueError(f"Publisher: table {name!r} added twice to one set")
        self._raise_failed()
        if self._pool is None:
            self._stack.enter_context(locked(self.out_dir))
            self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="oskil-write")
        if callable(df):  # a table written in chunks (stage_chunks): df() gives them
            self._staged[name] = self._pool.submit(lambda: stage_chunks(self._until_closing(df(), name),
                                                                        self.out_dir, name))
        else:
            self._staged[name] = self._pool.submit(stage_table, df, self.out_dir, name)

    def _until_closing(self, chunks: Iterable, name: str) -> Iterator:
        """chunks, stopped (CancelledError) at the first chunk after the Publisher began to close unpublished."""
        for chunk in chunks:
            if self._closing.is_set():
                raise CancelledError(f"Publisher: the write of {name!r} stopped, the set is not published")
            yield chunk

    def publish(self, extra: dict) -> list[Path]:
        """Rename every staged file into place (tables in name order), then write the manifest."""
        if self._published:
            raise RuntimeError("Publisher: publish() called twice")
        self._raise_failed()
        staged = [st for name in sorted(self._staged) for st in self._staged[name].result()]
        remember(self.out_dir, [st.path.name for st in staged])
        # every digest before the first rename: a file whose hashing failed is not published
        digests = {st.path.name: st.digest for st in staged}
        # a run that dies while renaming must leave no manifest rather than the old one over a mixed set
        (self.out_dir / "manifest.json").unlink(missing_ok=True)
        self._published = True  # from here on the temporary files are renamed, not swept
        for st in staged:
            os.replace(st.tmp, st.path)
        fsync_dir(self.out_dir)
        write_manifest(self.out_dir, [st.path for st in staged], extra, digests)
        fsync_dir(self.out_dir)
        return [st.path for st in staged]

    def __exit__(self, *exc) -> None:
        self._closing.set()
        try:
            if self._pool is not None:
                for f in self._staged.values():
                    f.cancel()
                self._pool.shutdown(wait=True)
                for f in self._staged.values():  # not renamed (failed or unpublished): sweep them
                    if f.done() and not f.cancelled() and f.exception() is None:
                        for st in f.result():
                            st.drop()
        finally:
            self._stack.close()


def write_manifest(out_dir: Path, files: list[Path], extra: dict, digests: dict[str, str] | None = None) -> Path:
    """manifest.json: schema version, per-file SHA-256 (digests: those already known), and the clean's
    counts. Written last."""
    digests = digests or {}
    body = {"schema_version": SCHEMA_VERSION, **extra,
            "files": {p.name: digests.get(p.name) or sha256(p) for p in sorted(files)}}
    path = out_dir / "manifest.json"
    atomic_write(path, json.dumps(body, indent=2, sort_keys=True) + "\n")
    return path


def read_manifest(out_dir: Path) -> dict:
    """manifest.json of a processed folder (FileNotFoundError if there is none, ValueError if it is not one)."""
    path = Path(out_dir) / "manifest.json"
    if not path.is_file():
        raise FileNotFoundError(f"{out_dir}: no manifest.json; run `python -m analysis clean` first")
    body = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(body, dict) or not isinstance(body.get("files"), dict):
        raise ValueError(f"{path}: not an Oskil manifest (no 'files' list)")
    return body


def check_manifest(out_dir: Path) -> dict:
    """Raise if the processed folder is not one complete, consistent run."""
    body = read_manifest(out_dir)
    for name, digest in body["files"].items():
        if not (out_dir / name).exists() or sha256(out_dir / name) != digest:
            raise RuntimeError(f"{out_dir / name} does not match manifest.json: the processed data is from "
                               "an interrupted or mixed run; run `python -m analysis clean` again")
    return body
