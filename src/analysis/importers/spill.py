"""Mapped export rows held in two parts, so that an import's memory does not grow with the export's text.

The steps across rows (ids made unique, places, each event made its incident, the incidents and coverage tables,
sources) read only a few narrow columns of each mapped row. The wide text that is only written out (notes,
actors, the place names as reported) goes to a temporary Arrow file as each batch is mapped, and comes back
once, in the order of the processed table, a bounded number of rows at a time (`Spill.gather`): a bucket
pass over the file sends each row to the temporary file of its output chunk, then each chunk is read alone
and put in order. Nothing holds the whole export's text at once.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.types import union_categoricals

from analysis.clean import arrow_lookup

#: mapped columns that no step across rows reads: they are only written out (all text)
WIDE = ["coder_note", "actor", "place_reported", "raion_reported", "oblast_reported", "killed_reported",
        "figure_note", "weapon_detail", "date_rule"]
ROW = "_row"  # a narrow row's number in the spill (file order of the mapped rows)
KEYS = ("event_id", "casualty_id")  # narrow columns never coded (compact): the tables' keys
EVENT, CASUALTY = KEYS


@dataclass(frozen=True)
class Derived:
    """A batch's casualty ids made from its event ids: `prefix` + the event id without its first `cut`
    characters (an ACLED export's ACLED-CA-X from ACLED-X). Every mapped row has a casualty id, held until the
    rows with a figure are known: about 26 bytes per export row, the largest cell held, for a text that its event
    id already says."""

    prefix: str
    cut: int

    def of(self, event_ids: pd.Series) -> pd.Series:
        """The casualty ids of these event ids (text, the same index)."""
        return pd.Series(pd.array(self._made(arrow_lookup.arrow(event_ids)), dtype="str"), index=event_ids.index,
                         name=CASUALTY)

    def makes(self, event: pa.ChunkedArray, casualty: pa.ChunkedArray) -> bool:
        """True when these casualty ids are exactly the ones made from these event ids (none missing)."""
        return event.null_count == 0 and casualty.null_count == 0 and \
            pc.all(pc.equal(self._made(event), casualty)).as_py()

    def _made(self, event: pa.ChunkedArray) -> pa.ChunkedArray:
        return pc.binary_join_element_wise(pa.scalar(self.prefix, pa.large_string()),
                                           pc.utf8_slice_codeunits(event, self.cut), pa.scalar("", pa.large_string()))


def derivation(mapped: pd.DataFrame, last: Derived | None) -> Derived | None:
    """How the casualty ids of a mapped batch are made from its event ids (the previous batch's way first, else
    the one its first row shows), or None when they are not all made one way (then they are held as text)."""
    if CASUALTY not in mapped.columns or EVENT not in mapped.columns:
        return None
    if not len(mapped):  # nothing to hold: the way of the batches around it
        return last
    if mapped[CASUALTY].dtype != "str" or mapped[EVENT].dtype != "str":
        return None
    event, casualty = arrow_lookup.arrow(mapped[EVENT]), arrow_lookup.arrow(mapped[CASUALTY])
    first_e, first_c = event[0].as_py(), casualty[0].as_py()
    if first_e is None or first_c is None:
        return None
    same = 0  # the longest common ending of the first row's two ids: the part they share
    while same < min(len(first_e), len(first_c)) and first_e[-1 - same] == first_c[-1 - same]:
        same += 1
    for way in (last, Derived(first_c[:len(first_c) - same], len(first_e) - same)):
        if way is not None and way.makes(event, casualty):
            return way
    return None


def _with_casualty_ids(part: pd.DataFrame, made: Derived, columns: list[str]) -> pd.DataFrame:
    """A narrow batch held without its casualty ids, with them made again, in the batch's column order."""
    return part.assign(**{CASUALTY: made.of(part[EVENT])})[columns]


class Spill:
    """The mapped rows of one import, in file order: narrow columns in memory, WIDE ones in a temporary file.

    Use as a context manager (the temporary folder is removed on exit). add() each mapped batch in file order;
    narrow() then gives every narrow column with ROW, and gather() the wide ones in any order."""

    def __init__(self, folder: Path | None = None):
        self._dir = Path(tempfile.mkdtemp(prefix="oskil-import-", dir=folder))
        self._path = self._dir / "wide.arrows"
        self._sink: pa.NativeFile | None = None
        self._writer: pa.ipc.RecordBatchStreamWriter | None = None
        self._narrow: list[pd.DataFrame] = []
        self._made: list[Derived | None] = []  # per batch: how its casualty ids are made, when not held
        self._columns: list[str] | None = None  # a batch's narrow columns, casualty ids included
        self.derived: Derived | None = None  # after narrow(): the casualty ids, when narrow() holds none
        self.n = 0

    @property
    def folder(self) -> Path:
        """The spill's temporary folder (removed by close())."""
        return self._dir

    def __enter__(self) -> Spill:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._finish_writing()
        shutil.rmtree(self._dir, ignore_errors=True)

    def _finish_writing(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._sink.close()
            self._writer = self._sink = None

    def add(self, mapped: pd.DataFrame) -> None:
        """One mapped batch (the next rows in file order): its WIDE columns written, the rest kept."""
        table = pa.table({c: _text(mapped[c]) if c in mapped.columns else pa.nulls(len(mapped), pa.large_string())
                          for c in WIDE})
        if self._writer is None:
            self._sink = pa.OSFile(str(self._path), "wb")
            self._writer = pa.ipc.new_stream(self._sink, table.schema)
        self._writer.write_table(table)
        made = derivation(mapped, self._made[-1] if self._made else None)
        if self._columns is None:
            self._columns = [c for c in mapped.columns if c not in WIDE] + [ROW]
        drop = [c for c in WIDE if c in mapped.columns] + ([CASUALTY] if made is not None else [])
        narrow = compact(mapped.drop(columns=drop), keep=KEYS, numbers=True)
        narrow[ROW] = np.arange(self.n, self.n + len(mapped), dtype=positions_dtype(self.n + len(mapped)))
        self._narrow.append(narrow.reset_index(drop=True))
        self._made.append(made)
        self.n += len(mapped)

    def narrow(self) -> pd.DataFrame | None:
        """Every narrow column of every row added, with ROW (None when no row was added); the batches are let
        go of as they are joined. Columns of few distinct values are coded (compact: `decoded` gives them back
        as they were). When every batch's casualty ids were made alike from its event ids (`derivation`), the
        casualty ids are not among the columns: `derived` then makes them (for the rows that need them)."""
        self._finish_writing()
        if not self._narrow:
            return None
        parts, made, self._narrow, self._made = self._narrow, self._made, [], []
        if made[0] is not None and all(m == made[0] for m in made):
            self.derived = made[0]
        else:  # not all alike (or none made): the casualty ids held, as the mapper made them
            parts = [p if m is None else _with_casualty_ids(p, m, self._columns)
                     for p, m in zip(parts, made, strict=True)]
        return joined(parts, consume=True)

    def _batches(self) -> Iterator[pa.RecordBatch]:
        self._finish_writing()
        if not self._path.exists():
            return
        with pa.OSFile(str(self._path), "rb") as src:  # read, not memory-mapped: mapped pages would count as ours
            yield from pa.ipc.open_stream(src)

    def gather(self, rank: np.ndarray, columns: list[str], rows: int) -> Iterator[pa.Table]:
        """The WIDE `columns` of the rows with rank >= 0 (rank: per spill row, its position in the output, -1 to
        leave it out), in output order, `rows` at a time (the last chunk may be shorter; one empty table when
        no row is wanted)."""
        wanted = rank >= 0
        n_out = int(wanted.sum())
        schema = pa.schema([(c, pa.large_string()) for c in columns])
        if n_out == 0:
            yield schema.empty_table()
            return
        n_chunks = -(-n_out // rows)
        if n_chunks == 1:  # one chunk: collected and ordered in memory, no bucket files
            got, offset = [], 0
            for batch in self._batches():
                r = rank[offset:offset + batch.num_rows]
                offset += batch.num_rows
                at = np.flatnonzero(r >= 0)
                if len(at):
                    got.append(pa.Table.from_batches([batch]).select(columns).take(at))
            table = pa.concat_tables(got) if got else schema.empty_table()
            yield _in_order(table, rank[wanted], 0)
            return
        _check_ranks(rank, wanted, n_out)
        yield from self._bucketed(rank, columns, rows, n_chunks, schema)

    def _bucketed(self, rank: np.ndarray, columns: list[str], rows: int, n_chunks: int,
                  schema: pa.Schema) -> Iterator[pa.Table]:
        """gather() of more than one chunk: every row to its chunk's file (with its rank), then chunk by chunk."""
        folder = Path(tempfile.mkdtemp(prefix="gather-", dir=self._dir))
        with_rank = schema.append(pa.field("_rank", pa.int64()))
        paths = [folder / f"{k}.arrows" for k in range(n_chunks)]
        sinks = [pa.OSFile(str(p), "wb") for p in paths]
        writers = [pa.ipc.new_stream(s, with_rank) for s in sinks]
        try:
            offset = 0
            for batch in self._batches():
                r = rank[offset:offset + batch.num_rows]
                offset += batch.num_rows
                at = np.flatnonzero(r >= 0)
                if not len(at):
                    continue
                chunk_of = r[at] // rows
                by_chunk = np.argsort(chunk_of, kind="stable")
                at, chunk_of = at[by_chunk], chunk_of[by_chunk]
                # the batch's wanted rows taken once, grouped by chunk, and each chunk's rows written as a slice
                # (no copy): a take per chunk was a few dozen small takes of every batch
                table = pa.Table.from_batches([batch]).select(columns).take(at)
                table = table.append_column("_rank", pa.array(r[at], pa.int64()))
                cuts = [0, *(np.flatnonzero(np.diff(chunk_of)) + 1).tolist(), len(at)]
                for a, b in itertools.pairwise(cuts):
                    writers[int(chunk_of[a])].write_table(table.slice(a, b - a))
        finally:
            for w, s in zip(writers, sinks, strict=True):
                w.close()
                s.close()
        try:
            for k, path in enumerate(paths):
                with pa.OSFile(str(path), "rb") as src:
                    part = pa.ipc.open_stream(src).read_all()
                path.unlink()
                yield _in_order(part.select(columns), part.column("_rank").to_numpy(), k * rows)
                del part
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def _check_ranks(rank: np.ndarray, wanted: np.ndarray, n_out: int) -> None:
    """Raise unless the ranks of the wanted rows are 0..n_out-1, each once (gather's output positions)."""
    at = rank[wanted]
    if len(at) and (at.min() < 0 or at.max() >= n_out):
        raise ValueError("Spill.gather: a rank outside the output")
    seen = np.zeros(n_out, dtype=bool)
    seen[at] = True
    if not seen.all():
        raise ValueError("Spill.gather: two rows with one rank")


def positions_dtype(n: int) -> str:
    """The integer dtype for row positions below n: 4 bytes a row rather than 8, held for every row kept."""
    return "int32" if n < 2**31 else "int64"


def _text(s: pd.Series) -> pa.ChunkedArray:
    """A text column as Arrow large_string (its own buffers when it has them)."""
    return arrow_lookup.arrow(s) if len(s) else pa.chunked_array([], pa.large_string())


def _in_order(table: pa.Table, ranks: np.ndarray, base: int) -> pa.Table:
    """table's rows (one per rank in ranks, base <= rank < base + len) put in rank order."""
    perm = np.empty(len(ranks), dtype="int64")
    perm[np.asarray(ranks, dtype="int64") - base] = np.arange(len(ranks), dtype="int64")
    return table.take(pa.array(perm))


def frame(table: pa.Table) -> pd.DataFrame:
    """A gathered chunk as pandas text columns (the dtype the processed tables use)."""
    return pd.DataFrame({c: pd.Series(pd.array(table.column(c), dtype="str")) for c in table.column_names})


#: a narrow column is held as codes (compact) when at most this share of its cells are distinct (a code is 1-4
#: bytes, a text cell 8 bytes of offset and its text, a number 8 or 9). Coding an ACLED batch's dates and place ids
#: once raised the import's peak (the coverage step then got them as decoded copies instead of as they were);
#: since the processed tables' narrow columns are coded too (chunked.Streamed), coverage gets decoded copies
#: either way, and the state held from the mapping on is what counts
CODED_SHARE = 0.25
_SAMPLE = 4096  # its first rows looked at first: a column of mostly distinct cells is left as text, not encoded


def compact(df: pd.DataFrame, keep=(), numbers: bool = False) -> pd.DataFrame:
    """df with each text column of few distinct values (CODED_SHARE; not in `keep`) as a pandas Categorical
    (text categories): a small integer per row instead of an 8-byte offset and the text itself. The narrow
    columns of every kept row stay in memory for the whole import (from the mapping to the last chunk
    written), and most of them repeat a few values (types, dates, places, sources): coded, they hold a
    fraction of the memory. `decoded` gives a column back as it was. numbers: nullable integer and datetime
    columns of few distinct values are coded too, and every column is judged on all its cells, not its first
    rows (for frames whose readers all decode: the processed tables' narrow columns, sorted by id, whose
    first rows hold as many distinct dates and places as rows; 9 and 8 bytes a cell for precisions, hours,
    figures and dates)."""
    out = {}
    sample = None if numbers else _SAMPLE
    for c in df.columns:
        s = df[c]
        if c not in keep and s.dtype == "str" and len(s):
            out[c] = _coded(s, sample)
        elif c not in keep and numbers and len(s) and _is_number(s.dtype):
            out[c] = _coded_numbers(s)
        else:
            out[c] = s
    return pd.DataFrame(out, copy=False)


def _is_number(dtype) -> bool:
    """A nullable integer or a datetime64 dtype (what _coded_numbers codes)."""
    return isinstance(dtype, pd.Int64Dtype) or (isinstance(dtype, np.dtype) and dtype.kind == "M")


def _coded_numbers(s: pd.Series) -> pd.Series:
    """s (Int64 or datetime64) as a Categorical of its values when it has few distinct ones, else s. Missing
    cells get code -1 (decoded gives them back missing)."""
    codes, uniq = pd.factorize(s)
    if len(uniq) > CODED_SHARE * len(s) + 1:
        return s
    return pd.Series(pd.Categorical.from_codes(codes, categories=pd.Index(uniq)), index=s.index, name=s.name)


def _coded(s: pd.Series, sample: int | None = _SAMPLE) -> pd.Series:
    """s (text) as a Categorical when it has few distinct values, else s; judged on its first `sample` rows
    first when given (a column of mostly distinct cells is then not encoded whole)."""
    arr = arrow_lookup.arrow(s)
    head = arr.slice(0, sample) if sample else None
    if head is not None and pc.count_distinct(head, mode="all").as_py() > CODED_SHARE * len(head) + 1:
        return s
    enc = pc.dictionary_encode(arr).combine_chunks()
    if len(enc.dictionary) > CODED_SHARE * len(s) + 1:
        return s
    codes = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False)
    cats = pd.Index(pd.array(enc.dictionary, dtype="str"))
    return pd.Series(pd.Categorical.from_codes(codes, categories=cats), index=s.index, name=s.name)


def decoded(s: pd.Series) -> pd.Series:
    """A column of compact() as it was: a coded one back to text (the same cells, dtype str), any other as is."""
    if not isinstance(s.dtype, pd.CategoricalDtype):
        return s
    return pd.Series(s.cat.categories.array.take(s.cat.codes.to_numpy(), allow_fill=True), index=s.index,
                     name=s.name)


def plain(df: pd.DataFrame, columns) -> pd.DataFrame:
    """The given columns of a compact() frame, as text again where coded (for steps that read a few columns as
    the processed tables hold them: sources, coverage, the incidents table)."""
    return pd.DataFrame({c: decoded(df[c]) for c in columns}, index=df.index, copy=False)


def joined(parts: list[pd.DataFrame], consume: bool = False) -> pd.DataFrame:
    """compact() frames with the same columns, one after the other (index 0..n-1): a column coded in some part
    is coded in the result, over the union of the parts' categories (pd.concat would make it object). consume:
    each column is taken out of the parts as it is joined, so the parts and the whole are never all held at once
    (the spill's narrow batches of an export of millions of rows)."""
    if len(parts) == 1:
        return parts[0].reset_index(drop=True)
    columns = list(parts[0].columns)
    if consume:  # each frame as its columns (DataFrame.pop rebuilds the frame's blocks on every call)
        parts[:] = [{c: p[c] for c in p.columns} for p in parts]
    out = {}
    for c in columns:
        cols = [p.pop(c) if consume else p[c] for p in parts]
        if any(isinstance(x.dtype, pd.CategoricalDtype) for x in cols):
            cats = [x.array if isinstance(x.dtype, pd.CategoricalDtype)
                    else pd.Categorical(x, categories=pd.Index(x.dropna().unique(), dtype=x.dtype)) for x in cols]
            out[c] = pd.Series(union_categoricals(cats), name=c)
        else:
            out[c] = pd.concat(cols, ignore_index=True)
        del cols
    return pd.DataFrame(out, copy=False)
