"""Imported events, casualties and incidents made and written a chunk of rows at a time, never whole.

An export of millions of rows would hold every processed row at once if its tables were built whole. Here the
steps across rows (ids unique, sorting, coverage, the checks between tables) read only each row's narrow
columns, kept compact (spill.compact: text, numbers and dates of few values as codes; a casualty row's columns
that its event has alike are read from the event's row, BORROWED; incident ids are made from event ids where
read, DERIVED); a table's other columns are put back per chunk as it is written (`Streamed` from the spill's
wide text; the incidents from the events' narrow columns, incident_chunks.py), and each chunk is validated
before it is written.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.clean import incidents, tables
from analysis.clean.validate import in_vocabulary, passes_arrow, validate
from analysis.clean.write import arrow_table
from analysis.importers.spill import ROW, Spill, compact, decoded, positions_dtype
from analysis.importers.spill import frame as spill_frame
from analysis.registry.schema import TABLES, Table

#: rows of events and casualties built, validated and written at a time (a table of at most this many rows is
#: one Parquet row group, as stage_table writes it)
CHUNK_ROWS = 32_768
AT = "_at"  # a narrow row's place: its position in the place table
EV = "_ev"  # a casualty row's event: its position in the events' narrow columns (Streamed.base)
#: narrow columns a casualty row has alike with its event (the same mapped row, the same processed dtype): held
#: once, by the events, and taken from the event's row (EV) when a casualty chunk or check reads them. Held by
#: the casualties too they were about 160 of a casualty row's 250 bytes in memory.
BORROWED = ("event_id", "source_id", "date_reported", "published", "date_start", "date_end", "date_prec", "raion",
            "oblast", "geo_prec", "place_id", "place_match", "claim_by", "claimant", "raw_line", ROW, AT)
#: narrow columns never held: worked out from event_id wherever read (INC- + the event id, 27 bytes a row twice)
DERIVED = ("incident_id",)
#: per streamed table, its processed columns that come from the spill (the mapped column they are read from)
SPILLED = {"events": {c: c for c in ("date_rule", "place_reported", "raion_reported", "oblast_reported",
                                     "weapon_detail", "actor", "coder_note")},
           "casualties": {"date_rule": "date_rule", "place_reported": "place_reported",
                          "raion_reported": "raion_reported", "oblast_reported": "oblast_reported",
                          "killed_reported": "killed_reported", "coder_note": "figure_note"}}
PLACE_TEXT, PLACE_NUMBERS = ("place_name",), ("latitude", "longitude")  # filled in per chunk from the place table
#: per streamed table, columns no step across rows reads that every imported row has alike (None: empty),
#: filled in per chunk instead of held for every row
FILLED = {"events": {"confirmed": "unknown", "target_type": "unknown", "time_reported": None, "damage": None},
          "casualties": {"confirmed": "unknown", "injured_reported": None,
                         **{f"children_{m}_{x}": None for m in ("killed", "injured")
                            for x in ("reported", "low", "best", "high")}}}


@dataclass
class Streamed:
    """A processed table (events or casualties) built and written CHUNK_ROWS at a time, never whole: `narrow`
    holds its other columns, cast and sorted (with each row's spill row and place), the spill its wide text."""

    name: str
    narrow: pd.DataFrame
    spill: Spill
    places: pd.DataFrame  # resolver.table(): place_name, latitude, longitude by place position
    filled: dict[str, str | None] = field(default_factory=dict)  # FILLED columns the mapped rows do not have
    rows: int = CHUNK_ROWS
    base: Streamed | None = None  # the events, for casualties: BORROWED columns are read from its rows (EV)

    def __post_init__(self) -> None:
        self.narrow = compact(self.narrow, keep=(TABLES[self.name].key, ROW, AT, EV), numbers=True)

    def __len__(self) -> int:
        return len(self.narrow)

    def columns(self, rows: slice | np.ndarray, names) -> pd.DataFrame:
        """The narrow columns `names` of the rows at `rows` (a slice or positions; index 0..n-1), as held (coded
        ones coded): a column of its own, a BORROWED one from its event's row in `base`, a DERIVED one made."""
        at = self.narrow[EV].iloc[rows].to_numpy() if self.base is not None else None
        out = {}
        for c in names:
            if c in DERIVED:
                continue
            if c in self.narrow.columns:
                out[c] = self.narrow[c].iloc[rows].reset_index(drop=True)
            elif at is not None and c in BORROWED:
                out[c] = self.base.narrow[c].iloc[at].reset_index(drop=True)
            else:
                raise KeyError(f"{self.name}: no narrow column {c!r}")
        if "incident_id" in names:
            ids = out["event_id"] if "event_id" in out else self.columns(rows, ["event_id"])["event_id"]
            out["incident_id"] = incident_ids(ids)
        return pd.DataFrame({c: out[c] for c in names}, copy=False)

    def column(self, name: str) -> pd.Series:
        """One narrow column of every row (columns())."""
        return self.columns(slice(None), [name])[name]

    def checked(self) -> CodedView:
        """The narrow columns as integrity() reads them (CodedView: a coded column as its distinct values), the
        incident ids as the event ids they are made of (ChunkedIncidents.checked: the incidents' key too)."""
        return CodedView(self, alias={"incident_id": "event_id"})

    def chunks(self) -> Iterator[pd.DataFrame]:
        """The processed table in order, a chunk of rows at a time, each validated."""
        lay = self._layout()
        for rows, got in self._pieces(lay):
            yield validate(self.name, self._frame(rows, got, lay), copy=False)

    def tables(self, schema: pa.Schema | None = None) -> Iterator[pd.DataFrame | pa.Table]:
        """chunks() as the writer takes them (write.stage_chunks): the same rows, each chunk built as the Arrow
        table its files are written from, straight from the held columns (a coded column is its categories'
        Arrow array taken by its codes; the spilled text as gathered) and checked there (validate.passes_arrow,
        a coded column's vocabulary once on its categories), instead of decoded to pandas text, cast, checked
        and converted again (about 1.1 s of an events writer thread's 7 s at a million rows). The first chunk
        goes the pandas way and its Arrow table is compared with the direct one: the direct way is taken only
        when they are equal, and each later chunk only when its schema is the first's; a chunk the Arrow checks
        are not sure of goes the pandas way too (validate: pandera decides and reports). Same bytes. A coded
        column's codes are read as the Categorical's own array (`.array.codes`): pandas 3's `.cat.codes` makes a
        Series, which copies them (held per table, that was 40-60 MB more at two million rows). `schema`: the
        first chunk's schema, when an earlier part of the table (a ranged import's range before) matched it
        already: every chunk is then taken as a later one."""
        lay = self._layout()
        # schema: the first chunk's Arrow schema (with its pandas metadata), once the direct way matched it;
        # given, an earlier range's first chunk matched it (first_done)
        first_done = schema is not None
        for k, (rows, got) in enumerate(self._pieces(lay)):
            direct = self._table(rows, got, lay) if k == 0 or schema is not None else None
            if k == 0 and not first_done:
                out = validate(self.name, self._frame(rows, got, lay), copy=False)
                first = arrow_table(out, threads=False)
                if direct is not None and direct.schema.equals(first.schema) and direct.equals(first):
                    schema, out = first.schema, first
                del first
            elif direct is not None and direct.schema.equals(schema) and \
                    passes_arrow(self.name, direct, lay.known_vocab):
                out = direct.replace_schema_metadata(schema.metadata)
            else:
                out = validate(self.name, self._frame(rows, got, lay), copy=False)
            del direct, got  # only the chunk handed over is held while it is written
            yield out
            del out

    def _layout(self) -> Layout:
        """What every chunk of the table reads alike, made once: the processed fields by where their cells come
        from (spilled text, FILLED, the place table, held narrow columns), in pandas and in Arrow."""
        table = TABLES[self.name]
        wide = SPILLED[self.name]
        text = {c: self.places[c].astype("str").array for c in PLACE_TEXT}
        numbers = {c: pd.to_numeric(self.places[c], errors="coerce").astype("Float64").array for c in PLACE_NUMBERS}
        filled = self._filled_columns(table)
        held = [AT, *(f.name for f in table.processed if f.name not in wide and f.name not in filled
                      and f.name not in text and f.name not in numbers)]
        places = {**text, **numbers}
        ev = None if self.base is None else self.narrow[EV].to_numpy()
        at_borrowed = AT not in self.narrow.columns and self.base is not None
        at = (self.base.narrow if at_borrowed else self.narrow)[AT].to_numpy()
        return Layout(table, wide, filled, places, held, ev, at, at_borrowed,
                       filled_arrow={c: pa.array(s, from_pandas=True) for c, s in filled.items()},
                       places_arrow={c: pa.array(a, from_pandas=True) for c, a in places.items()})

    def _pieces(self, lay: Layout) -> Iterator[tuple[slice, pa.Table]]:
        """Per chunk, in order: its rows (in the narrow columns) and its spilled text."""
        rank = np.full(self.spill.n, -1, dtype=positions_dtype(self.spill.n))  # 4 bytes a spill row, not 8
        rank[self.column(ROW).to_numpy()] = np.arange(len(self.narrow), dtype=rank.dtype)
        for k, got in enumerate(self.spill.gather(rank, list(dict.fromkeys(lay.wide.values())), self.rows)):
            yield slice(k * self.rows, k * self.rows + got.num_rows), got

    def _frame(self, rows: slice, got: pa.Table, lay: Layout) -> pd.DataFrame:
        """One chunk as a pandas frame in the processed dtypes (not yet validated)."""
        part = self.columns(rows, lay.held)
        spilled = spill_frame(got)
        at = part[AT].to_numpy()
        cols = {}
        for f in lay.table.processed:
            if f.name in lay.wide:
                s = spilled[lay.wide[f.name]]
            elif f.name in lay.filled:
                cols[f.name] = lay.filled[f.name].iloc[:len(part)]
                continue
            elif f.name in lay.places:
                s = pd.Series(lay.places[f.name].take(at, allow_fill=True))
            else:
                s = decoded(part[f.name])
            cols[f.name] = tables.cast(s, f.dtype)
        return pd.DataFrame(cols, copy=False)

    def _table(self, rows: slice, got: pa.Table, lay: Layout) -> pa.Table | None:
        """One chunk as an Arrow table in the processed types, built from the held columns without pandas text
        (see tables()); None when a column is of a kind it does not build (the pandas way is then taken)."""
        ev = None if lay.ev is None else lay.ev[rows]  # a casualty row's event: its BORROWED columns' row
        at = _held_codes(lay.at, rows, ev if lay.at_borrowed else None)
        if at.dtype.kind not in "iu":
            return None
        where = pa.array(at, mask=at < 0)  # a row at no place (-1): its place columns missing
        cols = {}
        for f in lay.table.processed:
            if f.name in lay.wide:
                cols[f.name] = got.column(lay.wide[f.name])
            elif f.name in lay.filled_arrow:
                cols[f.name] = lay.filled_arrow[f.name].slice(0, rows.stop - rows.start)
            elif f.name in lay.places_arrow:
                cols[f.name] = pc.take(lay.places_arrow[f.name], where)
            elif f.name in DERIVED:
                cols[f.name] = incident_ids_arrow(self.held_arrow("event_id", rows, ev, lay))
            else:
                cols[f.name] = self.held_arrow(f.name, rows, ev, lay)
        return pa.table(cols)

    def held_arrow(self, name: str, rows: slice, ev: np.ndarray | None, lay: Layout) -> pa.Array:
        """A held narrow column's cells of one chunk in Arrow, in its processed type: a coded column as its
        categories (cast and converted once per table: Held) taken by its codes, -1 missing; any other cast
        as the pandas way casts it and converted as pyarrow converts a pandas column."""
        held = lay.held_columns.get(name)
        if held is None:
            held = lay.held_columns[name] = self.held(name, lay)
        if held.categories is not None:
            return coded_cells(held.categories, _held_codes(held.codes, rows, ev if held.borrowed else None))
        s = held.column.iloc[ev if held.borrowed else rows]
        return pa.array(tables.cast(s, held.dtype), from_pandas=True)

    def held(self, name: str, lay: Layout) -> Held:
        """How one held narrow column is read per chunk (its own or, BORROWED, its event's): a coded column's
        codes as numpy and its categories in Arrow, their vocabulary checked once (lay.known_vocab)."""
        f = next(f for f in lay.table.processed if f.name == name)
        borrowed = name not in self.narrow.columns and self.base is not None and name in BORROWED
        column = (self.base.narrow if borrowed else self.narrow)[name]
        if not isinstance(column.dtype, pd.CategoricalDtype):
            return Held(column, f.dtype, borrowed)
        cats = pa.array(tables.cast(pd.Series(column.cat.categories.array), f.dtype), from_pandas=True)
        if isinstance(cats, pa.ChunkedArray):
            cats = cats.combine_chunks()
        if f.vocab and in_vocabulary(cats, f):
            lay.known_vocab.add(name)
        return Held(column, f.dtype, borrowed, column.array.codes, cats)  # a view (.cat.codes copies)

    def _filled_columns(self, table) -> dict[str, pd.Series]:
        """Each FILLED column as one chunk's worth of cells, already in its processed dtype: made and cast
        once for the table, sliced per chunk (the last may be shorter)."""
        out = {}
        for f in table.processed:
            if f.name in self.filled:
                value = self.filled[f.name]
                s = pd.Series(pd.NA if value is None else value, index=pd.RangeIndex(self.rows),
                              dtype="object" if value is None else "str")
                out[f.name] = tables.cast(s, f.dtype)
        return out

    def frame(self) -> pd.DataFrame:
        """The whole table in memory (small imports, and `run(write=False)`)."""
        return pd.concat(list(self.chunks()), ignore_index=True)


@dataclass
class Held:
    """A held narrow column as Streamed._table reads it per chunk."""

    column: pd.Series  # the whole column, the table's own or (borrowed) its events'
    dtype: str  # the processed dtype
    borrowed: bool  # read at each row's event (EV), not at the row
    codes: np.ndarray | None = None  # a coded column: its codes (-1 missing) ...
    categories: pa.Array | None = None  # ... and its categories in the processed type


@dataclass
class Layout:
    """Streamed._layout: where each processed field's cells come from, made once per table."""

    table: Table
    wide: dict[str, str]  # field -> the spilled column it is read from
    filled: dict[str, pd.Series]  # FILLED fields: a chunk's worth of cells, processed dtype
    places: dict[str, pd.api.extensions.ExtensionArray]  # place-table fields by place position
    held: list[str]  # narrow columns read per chunk (AT first)
    ev: np.ndarray | None  # casualties: each row's event (its row in the events' narrow columns)
    at: np.ndarray  # each row's place (AT), or its event's (at_borrowed)
    at_borrowed: bool
    filled_arrow: dict[str, pa.Array]
    places_arrow: dict[str, pa.Array]
    held_columns: dict[str, Held] = field(default_factory=dict)  # made as first read (Streamed.held)
    known_vocab: set[str] = field(default_factory=set)  # coded columns whose categories are all in vocabulary


def _held_codes(values: np.ndarray, rows: slice, ev: np.ndarray | None) -> np.ndarray:
    """One chunk's cells of a whole held numpy column: its rows, or (ev given) its rows' events'."""
    return values[rows] if ev is None else values[ev]


def coded_cells(categories: pa.Array, codes: np.ndarray) -> pa.Array:
    """pc.take(categories, codes) with a code -1 missing, taken without nulls among the indices: Arrow's take
    by indices with nulls cost 5-15 times one without (32,768 cells, half missing: 0.9-1.1 against 0.07-0.4
    ms; a mask given to pa.array 0.25 ms more), so a missing code is taken as 0 and its cell then marked missing
    in the validity bitmap (the cell's bytes under it are never read: not written, not compared)."""
    missing = codes < 0
    if not missing.any():
        return pc.take(categories, pa.array(codes))
    if not len(categories):
        return pa.nulls(len(codes), categories.type)
    return with_validity(pc.take(categories, pa.array(np.where(missing, 0, codes))), ~missing)


def with_validity(arr: pa.Array, valid: np.ndarray) -> pa.Array:
    """arr (a flat array: numbers, dates, booleans or text) with the cells where `valid` is False missing too:
    its buffers as they are under a validity bitmap packed from `valid` (and arr's own)."""
    if arr.null_count:
        valid = valid & np.asarray(arr.is_valid())
    if arr.offset:  # the buffers start at the array's first cell
        arr = pa.concat_arrays([arr])
    bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.Array.from_buffers(arr.type, len(arr), [bitmap, *arr.buffers()[1:]],
                                 null_count=int(len(valid) - np.count_nonzero(valid)))


def incident_ids_arrow(event_ids: pa.Array | pa.ChunkedArray) -> pa.Array:
    """incident_ids in Arrow: INC- + each event id (incidents.incident_ids' own concatenation)."""
    if isinstance(event_ids, pa.ChunkedArray):
        event_ids = event_ids.combine_chunks()
    return pc.binary_join_element_wise(pa.scalar("INC-", type=pa.large_string()), event_ids,
                                       pa.scalar("", type=pa.large_string()))


#: the columns of events and casualties that designs.coverage reads (designs._rows)
COVERAGE_COLUMNS = {name: (key, "source_id", "oblast", "published", "claim_by", "date_reported", "place_id",
                           "place_match") for name, key in (("events", "event_id"), ("casualties", "casualty_id"))}
def incident_ids(event_ids: pd.Series) -> pd.Series:
    """The incident id of each event id (incidents.export_incidents: each export event its own incident), index
    0..n-1: worked out where read instead of held beside the event ids."""
    return incidents.incident_ids(event_ids.reset_index(drop=True))


class CodedView:
    """A frame of compact() (or a Streamed table: its columns as Streamed.column gives them) for integrity(),
    which reads its columns by name only: a coded column comes as its distinct values (the dangling keys
    integrity reports are a set: the same set, without decoding a million cells), any other as it is."""

    def __init__(self, df: pd.DataFrame | Streamed, alias: dict[str, str] | None = None):
        self._df = df
        self._alias = alias or {}  # a column read as another: a DERIVED column as the one it is made of

    def source(self, column: str) -> tuple[int, str]:
        """Which cells the column is (integrity checks the same cells against the same keys once): the table
        read and the column read in it, an alias as the column it reads."""
        return id(self._df), self._alias.get(column, column)

    def __getitem__(self, column: str) -> pd.Series:
        column = self._alias.get(column, column)
        s = self._df.column(column) if isinstance(self._df, Streamed) else self._df[column]
        if not isinstance(s.dtype, pd.CategoricalDtype):
            return s
        used = np.unique(s.array.codes)  # the codes themselves (.cat.codes copies them)
        used = used[used >= 0]
        return pd.Series(s.cat.categories.array.take(used), name=column)
