"""Read one raw CSV as coders and spreadsheets write it: any of UTF-8 (with or without BOM) or
cp1251, comma/semicolon/tab separated, CRLF, quoted newlines, headers in any case.

Every cell stays a string; every row keeps the physical line it started on, so a reject can name it.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from analysis.clean import arrow_lookup
from analysis.clean.encoding import decode
from analysis.clean.errors import CleanError, ragged_rejects
from analysis.clean.files import read_regular
from analysis.registry.schema import Table

#: other names coders and spreadsheets use for our columns
ALIASES = {
    "date": "date_reported",
    "event_date": "date_reported",
    "place": "place_reported",
    "settlement": "place_reported",
    "location": "place_reported",
    "raion": "raion_reported",
    "district": "raion_reported",
    "oblast": "oblast_reported",
    "region": "oblast_reported",
    "source": "source_id",
    "note": "coder_note",
    "notes_coder": "coder_note",
    "publication_date": "published",
    "pub_date": "published",
}
_DELIMS = (",", ";", "\t")
_TEXT = {pa.large_string(): pd.StringDtype("pyarrow", na_value=float("nan"))}  # pandas' "str" dtype


@dataclass
class RawFrame:
    """A raw table as read: string cells, `raw_line`, and what the reader noticed."""

    frame: pd.DataFrame
    encoding: str
    delimiter: str
    ignored_columns: list[str] = field(default_factory=list)
    ragged: pd.DataFrame | None = None  # rows with the wrong number of cells: raw_line, value
    why: str = ""  # the evidence for an encoding other than UTF-8

    def notes(self, file: str) -> list[str]:
        """What the clean reports about this file beside its counts."""
        out = [f"{file}: read as {self.encoding} ({self.why})" if self.why else f"{file}: read as {self.encoding}"
               ] if self.encoding != "utf-8" else []
        if self.ignored_columns:
            out.append(f"{file}: ignored columns not in the codebook: {', '.join(self.ignored_columns)}")
        return out

    def frame_for_clean(self, table: str, file: str) -> pd.DataFrame:
        """The frame, with its ragged rows as reject records in attrs['ragged'] (what clean_frames expects)."""
        if self.ragged is not None and len(self.ragged):
            self.frame.attrs["ragged"] = ragged_rejects(table, file, self.ragged["raw_line"], self.ragged["n_cells"],
                                                        self.ragged["value"], self.ragged.attrs.get("expected"))
        return self.frame


def _norm_header(name: str) -> str:
    key = re.sub(r"[\s\-./]+", "_", name.replace("\ufeff", "").strip().lower()).strip("_")
    return key


def sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in _DELIMS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


_NEWLINE = re.compile(rb"\n")


def _line_numbers(table: pa.Table, data: bytes) -> np.ndarray | None:
    """Physical line each record starts on, counting newlines embedded in quoted cells; None when the
    file has blank lines (pyarrow skips them, so its row numbers would not be lines)."""
    n = table.num_rows
    lines = np.arange(2, n + 2, dtype="int64")
    if data.count(b"\n") == n + data.endswith(b"\n"):  # one newline per row: none in cells, no blank lines
        return lines
    if re.search(rb"\n[ \t]*\r?\n", data):
        return None
    embedded = np.zeros(n, dtype="int64")
    for col in table.columns:
        # a byte search of the column's character buffer finds the few columns worth counting per cell
        if any(ch.buffers()[2] is not None and _NEWLINE.search(memoryview(ch.buffers()[2])) for ch in col.chunks):
            embedded += pc.count_substring(col, "\n").to_numpy(zero_copy_only=False).astype("int64")
    return lines + (np.cumsum(embedded) - embedded)


class _RowTextErrors:
    """Counts rows whose text pyarrow could not hand to the invalid-row handler (bytes that are not UTF-8 in a
    row of the wrong width). pyarrow reports those through sys.unraisablehook, as an 'Exception ignored'
    traceback on stderr; counted here instead, they send the file to the path that names the bad byte."""

    def __init__(self) -> None:
        self.count = 0
        self._next = sys.unraisablehook
        sys.unraisablehook = self

    def __call__(self, unraisable) -> None:
        if isinstance(unraisable.exc_value, UnicodeDecodeError) and "invalid" in repr(unraisable.object):
            self.count += 1
            return
        self._next(unraisable)


_ROW_TEXT_ERRORS = _RowTextErrors()


def _fast_parse(data: bytes, delimiter: str) -> tuple[pa.Table, np.ndarray] | None:
    """pyarrow parse of UTF-8 bytes: (text table, physical line of each row); None when the file has rows
    of the wrong width or blank lines, or is not UTF-8."""
    bad: list[int] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        bad.append(1)
        return "skip"

    head = data[:65536].decode("utf-8", errors="replace")
    header = next(csv.reader(io.StringIO(head, newline=""), delimiter=delimiter), [])
    # every column is text: no type guessing that could turn '007' into 7 or cost a second pass
    types = {name: pa.large_string() for name in header}
    text_errors = _ROW_TEXT_ERRORS.count
    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(autogenerate_column_names=False, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                             invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=False,
                                                 auto_dict_encode=False, include_missing_columns=False),
        )
    except pa.ArrowInvalid:
        return None
    if _ROW_TEXT_ERRORS.count != text_errors:
        return None
    if bad or any(pa.types.is_binary(f.type) for f in table.schema):  # binary: cells that are not UTF-8
        return None
    # one chunk per column: later row filters then take from one buffer instead of re-joining the chunks
    table = table.cast(pa.schema([pa.field(n, pa.large_string()) for n in table.column_names])).combine_chunks()
    lines = _line_numbers(table, data)
    return None if lines is None else (table, lines)


def _slow_parse(text: str, delimiter: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """csv-module parse that keeps line numbers and sets ragged rows aside."""
    csv.field_size_limit(2**31 - 1)  # a huge cell is a reject of the clean's (checks.text_and_ids), not a crash
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader)
    rows, lines, ragged = [], [], []
    start = reader.line_num + 1
    for rec in reader:
        if not rec or all(not c.strip() for c in rec) and len(rec) <= 1:
            start = reader.line_num + 1
            continue  # blank line: not a row
        if len(rec) != len(header):
            ragged.append((start, delimiter.join(rec), len(rec)))
        else:
            rows.append(rec)
            lines.append(start)
        start = reader.line_num + 1
    frame = pd.DataFrame(rows, columns=header, dtype="str") if rows else pd.DataFrame(
        {h: pd.Series(dtype="str") for h in header})
    frame["__line"] = pd.array(lines, dtype="int64") if lines else pd.array([], dtype="int64")
    bad = pd.DataFrame(ragged, columns=["raw_line", "value", "n_cells"])
    bad.attrs["expected"] = len(header)
    return frame, bad


def read_raw(path: Path, table: Table) -> RawFrame:
    """Read `path` as raw `table`. Missing required columns, and a path that is not a readable file (a folder,
    a pipe, a device, a loop, no permission), are fatal (CleanError)."""
    return read_bytes(read_regular(path, f"a raw CSV file for the {table.name} table"), table, path.name)


def _first_line(data: bytes) -> bytes:
    """data.split(b"\n", 1)[0] without a copy of the rest of the file (the split makes one: 0.3 s per 200 MB)."""
    end = data.find(b"\n")
    return data if end < 0 else data[:end]


def read_bytes(data: bytes, table: Table, file: str) -> RawFrame:
    """read_raw on the bytes of a whole file, or of a block of its rows with its header line in front
    (raw_line then counts from that header: the caller shifts it to the line in the file)."""
    parsed = None
    utf8 = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:
        first = _first_line(utf8).decode("utf-8")
    except UnicodeDecodeError:
        first = ""
    tried = bool(first.strip())
    if tried:
        # the usual case, a UTF-8 file, goes to pyarrow as it is: pyarrow checks the UTF-8 of every cell, and
        # anything it refuses (cp1251, ragged rows, blank lines) takes the path below
        encoding, delimiter = "utf-8", sniff_delimiter(first)
        parsed = _fast_parse(utf8, delimiter)
    ragged, why = None, ""
    if parsed is None:
        text, encoding, why = decode(data, file)
        if not text.strip():
            raise CleanError(file, 1, None, "", f"a header row with the columns {', '.join(table.required_raw)}")
        delimiter = sniff_delimiter(text.split("\n", 1)[0])
        if encoding != "utf-8" or not tried:  # the same UTF-8 bytes were refused above: no second parse
            parsed = _fast_parse(utf8 if encoding == "utf-8" else text.encode("utf-8"), delimiter)
    if parsed is None:
        frame, ragged = _slow_parse(text, delimiter)
        lines = frame.pop("__line").to_numpy()
        parsed = (pa.Table.from_arrays([pa.array(frame.iloc[:, i], type=pa.large_string(), from_pandas=True)
                                        for i in range(frame.shape[1])], names=list(frame.columns)), lines)
    arrow, lines = parsed

    renamed: dict[str, str] = {}
    for col in arrow.column_names:
        key = _norm_header(col)
        key = key if key in table.raw_columns else ALIASES.get(key, key)
        if key in renamed.values():
            raise CleanError(file, 1, col, col, f"each column once (duplicate of '{key}')")
        renamed[col] = key
    arrow = arrow.rename_columns([renamed[c] for c in arrow.column_names])
    for col in table.required_raw:
        if col not in arrow.column_names:
            pipes = "|" in "".join(arrow.column_names) and "|" not in _DELIMS
            hint = "; the header looks '|'-separated: save the file with commas, semicolons or tabs" if pipes else ""
            raise CleanError(file, 1, col, None,
                             f"a required column '{col}' in the header (columns of {table.name}: "
                             f"{', '.join(table.raw_columns)}){hint}")
    ignored = [c for c in arrow.column_names if c not in table.raw_columns]
    cols = {}
    for col in table.raw_columns:
        if col in arrow.column_names:
            cols[col] = arrow_lookup.trimmed(arrow.column(col))
        else:
            cols[col] = pa.nulls(arrow.num_rows, pa.large_string())
    cols["raw_line"] = pa.array(lines, type=pa.int64())
    out = pa.table(cols).to_pandas(types_mapper=_TEXT.get)
    return RawFrame(out, encoding, delimiter, ignored, ragged, why)
