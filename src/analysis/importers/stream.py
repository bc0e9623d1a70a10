"""Read a large CSV export in batches without holding it in memory twice.

The header is read by hand (BOM stripped, delimiter sniffed among ',', ';' and tab, names folded to
lower case); the body is streamed with pyarrow.csv.open_csv, every column as a string, only the
columns the importer maps. Each batch carries raw_line, the record's number in the file (1 = header),
which stays right when malformed rows (wrong number of cells) are skipped: those are collected in
`Stream.ragged` for the rejects table.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from analysis.clean.encoding import first_invalid
from analysis.clean.errors import CleanError
from analysis.clean.files import open_regular
from analysis.clean.read import sniff_delimiter

BLOCK_SIZE = 16 << 20  # bytes of CSV per batch


@dataclass
class Stream:
    """One export file: its header, and the batches of its body."""

    path: Path
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
        first = re.split(rb"\r\n|\n|\r", head, maxsplit=1)[0]
        if b"\r" in head and b"\n" not in head and len(first) < len(head.rstrip(b"\r")):
            raise CleanError(path.name, 1, None, None, "lines ending in LF or CRLF (this file ends its lines with CR "
                                                       "alone, as old Mac programs did): save it again as CSV")
        try:
            line = first.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CleanError(path.name, 1, None, None, f"a UTF-8 file ({exc.reason} at byte {exc.start})") from exc
        if not line.strip():
            raise CleanError(path.name, 1, None, None, "a header row naming the columns")
        delim = sniff_delimiter(line)
        names = [n.strip().lower() for n in next(csv.reader([line], delimiter=delim))]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise CleanError(path.name, 1, dup[0], dup[0], "each column name once in the header")
        return cls(path, delim, names, block_size, expected_cells=len(names))

    def _unreadable(self, exc: pa.ArrowInvalid) -> CleanError:
        """The one-line error for a body pyarrow refuses: the first invalid UTF-8 byte, if that is why."""
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "utf8" in text.lower() or "utf-8" in text.lower():
            with open_regular(self.path, "an export CSV file") as fh:
                found = first_invalid(fh, self.path.name)
            if found is not None:
                return found
        if "straddling" in text or "block size" in text:
            return CleanError(self.path.name, None, None, None,
                              f"rows shorter than one block of {self.block_size >> 20} MB (a huge cell, or a quote "
                              "that is never closed); raise --block-mb if the cell is real")
        return CleanError(self.path.name, None, None, None, f"a readable UTF-8 CSV export ({text})")

    def require(self, required: list[str], what: str) -> None:
        missing = [c for c in required if c not in self.columns]
        if missing:
            raise CleanError(self.path.name, 1, missing[0], None,
                             f"the {what} columns {', '.join(required)} (missing: {', '.join(missing)})")

    def batches(self, wanted: list[str]) -> Iterator[pd.DataFrame]:
        """DataFrames of string cells (None where empty) for the wanted columns present, plus raw_line."""
        include = [c for c in self.columns if c in wanted]

        def on_bad(row) -> str:
            self.ragged.append((int(row.number) if row.number is not None else -1, row.text, row.actual_columns))
            return "skip"

        try:
            reader = pacsv.open_csv(
                self.path,
                read_options=pacsv.ReadOptions(column_names=self.columns, skip_rows=1, block_size=self.block_size,
                                               use_threads=False),  # threads hide the line of a malformed row
                parse_options=pacsv.ParseOptions(delimiter=self.delimiter, newlines_in_values=True,
                                                 invalid_row_handler=on_bad),
                convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in include},
                                                     include_columns=include, strings_can_be_null=True,
                                                     quoted_strings_can_be_null=True, null_values=[""]),
            )
        except pa.ArrowInvalid as exc:
            raise self._unreadable(exc) from None
        n_valid = 0
        try:
            for rb in reader:
                df = rb.to_pandas()
                for c in include:  # cells are trimmed; a blank cell is empty
                    s = df[c].str.strip()
                    df[c] = s.where(s != "")
                j = np.arange(n_valid, n_valid + len(df))
                skipped = np.sort(np.array([r[0] for r in self.ragged if r[0] >= 2], dtype="int64")) - 2
                shift = skipped - np.arange(len(skipped))
                df["raw_line"] = j + np.searchsorted(shift, j, side="right") + 2
                n_valid += len(df)
                yield df
        except pa.ArrowInvalid as exc:
            raise self._unreadable(exc) from None

    def ragged_frame(self) -> pd.DataFrame:
        """The rows skipped for having the wrong number of cells."""
        return pd.DataFrame({"line": [r[0] for r in self.ragged], "value": [r[1] for r in self.ragged],
                             "n": [r[2] for r in self.ragged]})
