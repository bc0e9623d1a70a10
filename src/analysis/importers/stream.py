"""Read a large CSV export in batches without holding it in memory twice.

The header is read by hand (BOM stripped, delimiter sniffed among ',', ';' and tab, names folded to
lower case); the body is streamed with pyarrow.csv.open_csv, every column as a string, only the
columns the importer maps. Each batch carries raw_line, the record's number in the file (1 = header),
which stays right when malformed rows (wrong number of cells) are skipped: those are collected in
`Stream.ragged` for the rejects table.
"""

from __future__ import annotations

import csv
import io
import queue
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from analysis.clean import arrow_lookup, storage
from analysis.clean.encoding import first_invalid
from analysis.clean.errors import CleanError
from analysis.clean.files import open_regular
from analysis.clean.read import sniff_delimiter

T = TypeVar("T")

BLOCK_SIZE = 16 << 20  # bytes of CSV per batch


@dataclass
class Stream:
    """One export file: its header, and the batches of its body."""

    path: Path | str  # a local path, or the URL of the file (the Dask import reads blocks of it)
    delimiter: str
    columns: list[str]
    block_size: int = BLOCK_SIZE
    ragged: list[tuple[int, str, int]] = field(default_factory=list)  # (line, text, cells)
    expected_cells: int = 0

    @classmethod
    def open(cls, path: Path, block_size: int = BLOCK_SIZE) -> Stream:
        path = Path(path)
        with open_regular(path, "an export CSV file") as fh:
            head = fh.read(1 << 20)
        return cls.from_first_line(path, head, block_size)

    @classmethod
    def from_first_line(cls, path: Path | str, first: bytes, block_size: int = BLOCK_SIZE) -> Stream:
        """The stream of a file whose first line (the header, as bytes) starts `first` (which may hold more of
        the file: up to its first LF, a file ending its lines with CR alone is recognised and refused)."""
        file = _name(path)
        line_bytes = re.split(rb"\r\n|\n|\r", first, maxsplit=1)[0]
        if b"\r" in first and b"\n" not in first and len(line_bytes) < len(first.rstrip(b"\r")):
            raise CleanError(file, 1, None, None, "lines ending in LF or CRLF (this file ends its lines with CR "
                                                  "alone, as old Mac programs did): save it again as CSV")
        try:
            line = line_bytes.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CleanError(file, 1, None, None, f"a UTF-8 file ({exc.reason} at byte {exc.start})") from exc
        if not line.strip():
            raise CleanError(file, 1, None, None, "a header row naming the columns")
        delim = sniff_delimiter(line)
        names = [n.strip().lower() for n in next(csv.reader([line], delimiter=delim))]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise CleanError(file, 1, dup[0], dup[0], "each column name once in the header")
        return cls(path, delim, names, block_size, expected_cells=len(names))

    @property
    def name(self) -> str:
        return _name(self.path)

    def _unreadable(self, exc: pa.ArrowInvalid) -> CleanError:
        """The one-line error for a body pyarrow refuses: the first invalid UTF-8 byte of the file (its line and
        place in the line) if that is why, a row longer than a block, else pyarrow's first line."""
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "utf8" in text.lower() or "utf-8" in text.lower():
            found = self._first_invalid()
            if found is not None:
                return found
        if "straddling" in text or "block size" in text:
            return CleanError(self.name, None, None, None,
                              f"rows shorter than one block of {self.block_size / 2**20:g} MB (a huge cell, or a quote "
                              "that is never closed); raise --block-mb if the cell is real")
        return CleanError(self.name, None, None, None, f"a readable UTF-8 CSV export ({text})")

    def _first_invalid(self) -> CleanError | None:
        """The first invalid UTF-8 byte of the whole file (scanned in chunks), or None."""
        if storage.is_url(self.path):  # the Dask import's URL: opened as its workers open it
            fs, inside = storage.filesystem(str(self.path))
            with fs.open(inside, "rb") as fh:
                return first_invalid(fh, self.name)
        with open_regular(Path(self.path), "an export CSV file") as fh:
            return first_invalid(fh, self.name)

    def require(self, required: list[str], what: str) -> None:
        missing = [c for c in required if c not in self.columns]
        if missing:
            raise CleanError(self.name, 1, missing[0], None,
                             f"the {what} columns {', '.join(required)} (missing: {', '.join(missing)})")

    def _options(self, wanted: list[str], skip_rows: int, on_bad) -> dict:
        """pyarrow.csv options: every wanted column as text, empty cells null, malformed rows to on_bad."""
        include = [c for c in self.columns if c in wanted]
        return dict(
            read_options=pacsv.ReadOptions(column_names=self.columns, skip_rows=skip_rows, block_size=self.block_size,
                                           use_threads=False),  # threads hide the line of a malformed row
            parse_options=pacsv.ParseOptions(delimiter=self.delimiter, newlines_in_values=True,
                                             invalid_row_handler=on_bad),
            convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in include},
                                                 include_columns=include, strings_can_be_null=True,
                                                 quoted_strings_can_be_null=True, null_values=[""]),
        )

    def _on_bad(self, found: list[tuple[int, str, int]], first: int = 0):
        def on_bad(row) -> str:
            found.append((int(row.number) + first if row.number is not None else -1, row.text, row.actual_columns))
            return "skip"
        return on_bad

    def batches(self, wanted: list[str]) -> Iterator[pd.DataFrame]:
        """DataFrames of string cells (None where empty) for the wanted columns present, plus raw_line. The
        next batch is read, parsed and trimmed on a thread of its own (read_ahead) while the caller maps this
        one: Arrow does that work without the GIL, and the mapping is otherwise alone on its core. raw_line
        stays right: a malformed row already recorded from the batch read ahead lies after this batch's rows,
        and _lines counts only the rows skipped before each row."""
        n_valid = 0
        for rb in read_ahead(self._record_batches(wanted)):
            made = [rb.to_pandas()]
            del rb
            made[0]["raw_line"] = _lines(n_valid, len(made[0]), self.ragged)
            n_valid += len(made[0])
            yield made.pop()  # held by the caller only: a caller that lets go of columns frees them

    def _record_batches(self, wanted: list[str]) -> Iterator[pa.RecordBatch]:
        """The export's record batches, trimmed (_tidy); malformed rows recorded in self.ragged. A local file is
        read through Paced, so that no more than a few blocks of it are in memory ahead of the batch taken."""
        options = self._options(wanted, 1, self._on_bad(self.ragged))
        if storage.is_url(self.path):
            yield from self._parsed(lambda: pacsv.open_csv(self.path, **options))
            return
        with open_regular(Path(self.path), "an export CSV file") as fh:
            paced = Paced(fh, self.block_size)
            try:
                yield from self._parsed(lambda: pacsv.open_csv(pa.PythonFile(paced, mode="r"), **options),
                                        paced.taken)
            finally:
                paced.finish()

    def _parsed(self, open_reader, taken=lambda: None) -> Iterator[pa.RecordBatch]:
        """The trimmed batches of open_reader(), taken() called as each comes; pyarrow's errors as the file's."""
        try:  # opening reads the first block: its errors too are the file's
            for rb in open_reader():
                taken()
                yield _tidy(rb)
        except pa.ArrowInvalid as exc:
            raise self._unreadable(exc) from None

    def block(self, data: bytes, wanted: list[str]) -> tuple[pd.DataFrame, list[tuple[int, str, int]]]:
        """batches() of one block of whole records from the body of the file (no header): one frame and its
        malformed rows, numbered as if the block came right after the header (the caller adds the records of
        the blocks before it)."""
        ragged: list[tuple[int, str, int]] = []
        try:
            table = pacsv.read_csv(io.BytesIO(data), **self._options(wanted, 0, self._on_bad(ragged, first=1)))
        except pa.ArrowInvalid as exc:
            raise self._unreadable(exc) from None
        df = _tidy(table).to_pandas()
        df["raw_line"] = _lines(0, len(df), ragged)
        return df, ragged

    def ragged_frame(self) -> pd.DataFrame:
        """The rows skipped for having the wrong number of cells."""
        return ragged_frame(self.ragged)


_END = object()

#: blocks of an export read ahead of the batches taken (Paced)
READ_AHEAD_BLOCKS = 3


class Paced:
    """A binary file for pyarrow's streaming CSV reader that keeps it at most `ahead` blocks ahead of the
    batches taken from it. The reader fetches blocks on its own I/O thread up to 32 ahead: for a 516 MiB export
    with 16 MB blocks that was the whole file in Arrow memory within the first seconds of an import (0.51 GiB
    at a million rows, growing with the export). read() waits (without the GIL) until taken() is called for
    enough batches; never longer than `patience` seconds at a time, so a reader that needs more blocks for
    one batch than expected is slowed, never stuck. finish() lets every waiting and later read return at
    once (empty), for a caller that stops early."""

    def __init__(self, fh, block: int, ahead: int = READ_AHEAD_BLOCKS, patience: float = 5.0):
        self._fh, self._block, self._ahead, self._patience = fh, block, ahead, patience
        self._read = self._taken = 0
        self._done = False
        self._cond = threading.Condition()
        self.closed = False

    def read(self, n: int = -1) -> bytes:
        with self._cond:
            self._cond.wait_for(lambda: self._done or self._read < (self._taken + self._ahead) * self._block,
                                timeout=self._patience)
            if self._done:
                return b""
        data = self._fh.read(n)
        self._read += len(data)
        return data

    def taken(self) -> None:
        """One more batch taken from the reader: one more block may be read."""
        with self._cond:
            self._taken += 1
            self._cond.notify_all()

    def finish(self) -> None:
        with self._cond:
            self._done = True
            self._cond.notify_all()

    def close(self) -> None:
        self.closed = True

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def writable(self) -> bool:
        return False

    def tell(self) -> int:
        return self._read


def read_ahead(items: Iterator[T], depth: int = 1, name: str = "oskil-read-ahead", hold: bool = False
               ) -> Iterator[T]:
    """items in order, each made on a worker thread (called `name`) while the caller works on the one before (at
    most `depth` made and waiting; hold: the next one is not started before the caller takes the one made, so
    that no more than one item is held beside the caller's). An exception of items is raised here, at its place
    in the order. When the caller stops early, the worker stops after the item it is making and closes items: a
    chain of read_ahead stages (one stage's items the read_ahead of the stage before) stops stage by stage."""
    box: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    taken = threading.Semaphore(0)

    def put(entry: tuple) -> bool:
        while not stop.is_set():
            try:
                box.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def wait_taken() -> bool:
        while not stop.is_set():
            if taken.acquire(timeout=0.1):
                return True
        return False

    def work() -> None:
        try:
            for item in items:
                if not put((item, None)):
                    return
                del item  # not held while the next is made: the caller's and the queued one are enough
                if hold and not wait_taken():
                    return
            put((_END, None))
        except BaseException as exc:  # handed to the caller, raised there
            put((None, exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=work, name=name, daemon=True)
    worker.start()
    try:
        while True:
            item, exc = box.get()
            taken.release()
            if exc is not None:
                raise exc
            if item is _END:
                return
            yield item
    finally:
        stop.set()
        worker.join()


def ragged_frame(ragged: list[tuple[int, str, int]]) -> pd.DataFrame:
    """Malformed rows as a frame: line, value (the row's text), n (its cells)."""
    return pd.DataFrame({"line": [r[0] for r in ragged], "value": [r[1] for r in ragged],
                         "n": [r[2] for r in ragged]})


def _name(path: Path | str) -> str:
    return Path(path).name if isinstance(path, Path) else PurePosixPath(str(path).split("://")[-1]).name


def _tidy(data: pa.RecordBatch | pa.Table) -> pa.RecordBatch | pa.Table:
    """Cells trimmed; a blank cell is empty (arrow_lookup.trimmed, the raw tables' rule). Done in Arrow before
    the batch becomes pandas: no pandas column and mask per step."""
    columns = []
    for col in data.columns:
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            col = arrow_lookup.trimmed(col)
        columns.append(col)
    return type(data).from_arrays(columns, schema=data.schema)


def _lines(n_valid: int, n: int, ragged: list[tuple[int, str, int]]) -> np.ndarray:
    """raw_line of the next n valid rows after n_valid of them: their record numbers (1 = header), counting the
    malformed rows skipped before them."""
    j = np.arange(n_valid, n_valid + n)
    skipped = np.sort(np.array([r[0] for r in ragged if r[0] >= 2], dtype="int64")) - 2
    shift = skipped - np.arange(len(skipped))
    return j + np.searchsorted(shift, j, side="right") + 2
