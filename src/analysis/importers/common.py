"""What the ACLED and UCDP importers share: checks on export cells, and turning the mapped rows into Oskil's
processed tables (validated, each export event its own incident, written the way `clean` writes them). Place
matching against the gazetteer is in place_match.py.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import time
from collections.abc import Callable, Iterator, MutableMapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypeVar

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from analysis.clean import arrow_lookup, checks, dates, designs, incidents, rules, storage, tables
from analysis.clean.errors import CleanError, Rejects, kept, ragged_rejects, take_bad
from analysis.clean.files import claim_output
from analysis.clean.pipeline import Summary
from analysis.clean.validate import integrity, validate
from analysis.clean.write import Publisher, sha256
from analysis.importers.chunked import (
    AT,
    BORROWED,
    CHUNK_ROWS,
    COVERAGE_COLUMNS,
    DERIVED,
    EV,
    FILLED,
    PLACE_NUMBERS,
    PLACE_TEXT,
    SPILLED,
    Streamed,
)
from analysis.importers.incident_chunks import CHUNKED, ChunkedIncidents
from analysis.importers.place_match import BatchKeys, PlaceResolver, batch_keys
from analysis.importers.spill import ROW, WIDE, Spill, decoded, plain, positions_dtype
from analysis.registry.schema import PROCESSED_TABLES, TABLES
from analysis.support.checksum import Digest

if TYPE_CHECKING:
    from analysis.importers.registry import Importer
    from analysis.importers.stream import Stream

T = TypeVar("T")

#: columns every importer's mapped batch carries (besides the place columns filled in by PlaceResolver)
MAPPED = ["event_id", "casualty_id", "source_id", "date_reported", "published", "date_start", "date_end",
          "date_prec", "date_rule", "place_reported", "raion_reported", "oblast_reported", "place_id", "place_match",
          "row_geo_prec", "event_type", "weapon", "weapon_detail", "actor", "claimant", "coder_note",
          "killed_reported", "killed_low", "killed_best", "killed_high", "victim_group", "cause", "figure_note",
          "raw_line"]


#: bytes of export imported together: a larger export is imported in ranges of its ids of about this size each
#: (ranges.py), so that the import's memory stops growing with the export there
RANGE_BYTES = 512 << 20


class Prepared(NamedTuple):
    """Export rows checked up to place matching (an importer's prepare()): the rows and the values parsed from
    them, which its complete() needs once the places are known."""

    frame: pd.DataFrame
    values: dict[str, pd.Series]


def with_columns(df: pd.DataFrame, wanted) -> pd.DataFrame:
    """The export's optional columns that this export leaves out, added as empty text."""
    missing = [c for c in wanted if c not in df.columns]
    return df.assign(**{c: pd.Series(None, index=df.index, dtype="str") for c in missing}) if missing else df


def at_rows(s: pd.Series, index: pd.Index) -> pd.Series:
    """s[index], its rows by label: s itself when its index is already `index` (a batch from which no check
    rejected a row, nearly every batch), where pandas would still hash every label and copy every value."""
    return s if s.index is index or s.index.equals(index) else s[index]


def short_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


def numeric(raw: pd.Series) -> pd.Series:
    """pd.to_numeric(raw, errors="coerce") of a text column, parsed once per distinct cell (an export's
    counts, precisions and coordinates repeat a few thousand values over a million rows). The same numbers
    and dtype: to_numeric's dtype depends only on the set of values, which the distinct cells are; a missing
    cell makes the column float64 with NaN there, as to_numeric does."""
    codes, uniq = pd.factorize(raw)
    parsed = pd.to_numeric(pd.Series(uniq, dtype=raw.dtype), errors="coerce").to_numpy()
    missing = codes < 0
    if missing.any():
        values = np.where(missing, np.nan, parsed.astype("float64")[np.where(missing, 0, codes)]) if len(parsed) \
            else np.full(len(raw), np.nan)
    else:
        values = parsed[codes]
    return pd.Series(values, index=raw.index, name=raw.name)


def integers(df: pd.DataFrame, col: str, lo: int, hi: int | None, rejects: Rejects, id_col: str,
             reason: str, optional: bool = False) -> tuple[pd.DataFrame, pd.Series]:
    """Reject rows whose `col` is not a whole number in [lo, hi]; return the rest and the numbers."""
    raw = df[col]
    v = numeric(raw)
    bad = v.isna() | (v != v.round()) | (v < lo)
    if hi is not None:
        bad |= v > hi
    if optional:
        bad &= raw.notna()
    df = take_bad(df, bad, rejects, col, reason, id_col)
    return df, at_rows(v, df.index).round().astype("Int64")


def coordinates(df: pd.DataFrame, rejects: Rejects, id_col: str) -> pd.DataFrame:
    """Numeric latitude/longitude inside Ukraine's box (the schema bounds them), as float columns."""
    lat = numeric(df["latitude"])
    lon = numeric(df["longitude"])
    la0, la1, lo0, lo1 = rules.UKRAINE_BOX
    if rules.inside(lat, lon).fillna(False).all():
        # every row a number inside the box (nearly every batch): none of the checks below would reject one
        return df.assign(lat_f=lat.astype("float64"), lon_f=lon.astype("float64"))
    df = take_bad(df, lat.isna(), rejects, "latitude", "a number for 'latitude'", id_col)
    df = take_bad(df, at_rows(lon, df.index).isna(), rejects, "longitude", "a number for 'longitude'", id_col)
    lat, lon = at_rows(lat, df.index), at_rows(lon, df.index)
    df = take_bad(df, rules.swapped(lat, lon), rejects, "latitude", rules.SWAPPED, id_col)
    lat, lon = at_rows(lat, df.index), at_rows(lon, df.index)
    df = take_bad(df, ~lat.between(la0, la1), rejects, "latitude",
                  f"a latitude inside Ukraine ({la0} to {la1})", id_col)
    lat, lon = at_rows(lat, df.index), at_rows(lon, df.index)
    df = take_bad(df, ~lon.between(lo0, lo1), rejects, "longitude",
                  f"a longitude inside Ukraine ({lo0} to {lo1})", id_col)
    lat, lon = at_rows(lat, df.index), at_rows(lon, df.index)
    return df.assign(lat_f=lat.astype("float64"), lon_f=lon.astype("float64"))


def war_dates(df: pd.DataFrame, start: pd.Series, end: pd.Series, col: str, rejects: Rejects,
              id_col: str, today: pd.Timestamp) -> pd.DataFrame:
    """Reject events that end before the full-scale invasion or start after `today`, the run's date
    (rules.today() when the import started), as `clean` does."""
    df = take_bad(df, end < dates.WAR_START, rejects, col,
                  "an event on or after 2022-02-24 (the full-scale invasion), as in the hand-coded data", id_col)
    return take_bad(df, at_rows(start, df.index) > today, rejects, col, "an event date not in the future", id_col)


class Tables(MutableMapping):
    """The processed tables by name. A table written in chunks (Streamed) is read back from its Parquet file
    each time it is asked for: it was never whole in memory."""

    def __init__(self, tables: dict | None = None):
        self._tables = dict(tables or {})

    def __getitem__(self, name: str) -> pd.DataFrame:
        value = self._tables[name]
        if not isinstance(value, Path):
            return value
        df = pd.read_parquet(value)  # Parquet keeps timestamps in ms: back to the processed dtypes
        return pd.DataFrame({f.name: tables.cast(df[f.name], f.dtype) for f in TABLES[name].processed})

    def __setitem__(self, name: str, value) -> None:
        self._tables[name] = value

    def __delitem__(self, name: str) -> None:
        del self._tables[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._tables)

    def __len__(self) -> int:
        return len(self._tables)


@dataclass
class Result(Summary):
    """The processed tables and what happened, per table (the clean's Summary, plus the tables)."""

    tables: dict[str, pd.DataFrame] = field(default_factory=Tables)
    spill: Spill | None = None  # the wide text of events and casualties until they are written
    cited: pd.DataFrame | None = None  # per source id of the kept rows, cited(): what the sources table reads
    unplaced: int = 0  # events kept at places not in the gazetteer


def give_back_memory() -> None:
    """Return the C heap's free pages to the system (glibc's malloc_trim; nothing elsewhere): after a step that
    built and freed millions of objects, the rest of the import would otherwise keep its peak as resident."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def empty_table(name: str) -> pd.DataFrame:
    return tables.finish(pd.DataFrame(index=pd.RangeIndex(0)), TABLES[name])


def empty_mapped() -> pd.DataFrame:
    """The mapped frame of an export with no kept row (every importer's empty_mapped)."""
    return pd.DataFrame({c: pd.Series(dtype="object") for c in MAPPED})


def cited(mapped: pd.DataFrame) -> pd.DataFrame:
    """Per source id of the kept rows: the earliest published date and the first raw line citing it."""
    return mapped.groupby("source_id").agg(published=("published", "min"), raw_line=("raw_line", "min"))


class Order(NamedTuple):
    """The positions that put a frame's key in order (stable), None when it is in order already: found once
    (_conclude finds the repeated event ids with it) and handed to lean_finish."""

    positions: np.ndarray | None


def lean_finish(df: pd.DataFrame, name: str, leave=(), carry=(), known: Order | None = None) -> pd.DataFrame:
    """tables.finish (processed dtypes, schema column order, sorted by the key) one column at a time,
    popping each column from df as it goes, so a million-row table is never held twice. `leave`: processed
    columns left out (the spilled ones); `carry`: other columns of df kept, sorted alike; `known`: the key's
    order when already found."""
    table = TABLES[name]
    order = known.positions if known is not None else _sort_order(df[table.key])
    out = {}
    for f in table.processed:
        if f.name in leave:
            continue
        if f.name not in df.columns:  # an empty column (filled in later, or never by this importer)
            out[f.name] = _missing(len(df), f.dtype)
            continue
        s = df.pop(f.name)
        if not (isinstance(s.dtype, pd.CategoricalDtype) and s.cat.categories.dtype == f.dtype):
            s = tables.cast(decoded(s), f.dtype)  # a column coded over values of its processed dtype stays coded
        if f.name in NARROWED:
            s = _narrowed(s)
        out[f.name] = (s if order is None else s.iloc[order]).reset_index(drop=True)
        del s
    for c in carry:
        s = df.pop(c)
        out[c] = (s if order is None else s.iloc[order]).reset_index(drop=True)
    return pd.DataFrame(out, copy=False)


#: processed Int64 columns that no step across rows reads, only the chunks written (Streamed casts each chunk's
#: cells to the processed dtype): held as int32 when they fit, 4 bytes a row instead of 9, and not hashed whole
#: by compact() to find that they are all distinct
NARROWED = ("raw_line",)


def _narrowed(s: pd.Series) -> pd.Series:
    """An Int64 column as int32 when it has no missing cell and every value fits (the same values), else s."""
    if s.dtype != "Int64" or s.hasnans or not len(s):
        return s
    lo, hi = s.min(), s.max()
    if lo < np.iinfo("int32").min or hi > np.iinfo("int32").max:
        return s
    return pd.Series(s.to_numpy(dtype="int32"), index=s.index, name=s.name)


def _repeats(ids: pd.Series, order: np.ndarray | None) -> np.ndarray | None:
    """ids.duplicated(keep="first") as a numpy mask, from the ids' stable sort order (None: in order): among
    equal ids the first in file order sorts first, so a row repeats an earlier one exactly when its id equals
    the one sorted before it. One comparison of neighbours instead of a hash of every id (pandas' duplicated of
    two million ids: about 1 s and 0.2 GiB). None for anything but text without missing values."""
    arr = arrow_lookup.arrow(ids) if ids.dtype == "str" else None
    if arr is None or arr.null_count:
        return None
    dup = np.zeros(len(ids), dtype=bool)
    if len(ids) < 2:
        return dup
    in_order = (arr if order is None else arr.take(order)).combine_chunks()
    same = pc.equal(in_order.slice(1), in_order.slice(0, len(in_order) - 1)).to_numpy(zero_copy_only=False)
    if same.any():
        later = np.arange(1, len(ids)) if order is None else order[1:]
        dup[later[same]] = True
    return dup


def _sort_order(key: pd.Series) -> np.ndarray | None:
    """The positions that put a table's key in order (stable), or None when it is in order already. Text keys
    are sorted by Arrow directly (its sort_indices is stable): ranking them first, then sorting the ranks, held
    two more arrays of a row each and copied the ids into one chunk (about 60 MB at two million rows)."""
    if arrow_lookup.is_sorted(key):
        return None
    if key.dtype != "str":
        return np.argsort(arrow_lookup.ranks(key), kind="stable")
    return pc.sort_indices(arrow_lookup.arrow(key)).to_numpy().view(np.intp)  # below 2**63: the same values


class Decoding:
    """A compact() frame for a reader of a few of its columns by name (an importer's has_figure): each column as
    it was (decoded), made as it is read, not the whole frame."""

    def __init__(self, df: pd.DataFrame):
        self._df = df

    def __getitem__(self, column: str) -> pd.Series:
        return decoded(self._df[column])


def _positions(s: pd.Series, keys: pd.Index) -> np.ndarray:
    """arrow_lookup.positions(s, keys) of a column that may be coded (compact): a coded one is looked up once per
    category and spread by its codes."""
    if not isinstance(s.dtype, pd.CategoricalDtype):
        return arrow_lookup.positions(s, keys)
    per = arrow_lookup.positions(pd.Series(s.cat.categories), keys)
    codes = s.cat.codes.to_numpy()
    return np.where(codes < 0, -1, per[np.maximum(codes, 0)]).astype(per.dtype) if len(per) else \
        np.full(len(s), -1, dtype="int32")


def _spread_coded(values: pd.Series, at: np.ndarray, index: pd.Index) -> pd.Series:
    """values.array.take(at, allow_fill=True) (at: a row's position in values, -1 for none) as a coded column
    (compact): values' distinct cells are the categories."""
    codes, uniq = pd.factorize(values)
    row = np.where(at < 0, -1, codes[np.maximum(at, 0)]) if len(codes) else np.full(len(at), -1)
    return pd.Series(pd.Categorical.from_codes(row, categories=pd.Index(uniq, dtype="str")), index=index)


def _constant(value: str, index: pd.Index) -> pd.Series:
    """A text column of one value in every row, coded (compact)."""
    return pd.Series(pd.Categorical.from_codes(np.zeros(len(index), dtype="int8"),
                                               categories=pd.Index([value], dtype="str")), index=index)


def _missing(n: int, dtype: str) -> pd.Series:
    """n missing cells of a processed dtype: what tables.cast makes of a column of pd.NA, cast once for one
    cell and repeated (casting a million pd.NA objects took a few tenths of a second per column)."""
    one = tables.cast(pd.Series(pd.NA, index=pd.RangeIndex(1)), dtype)
    return pd.Series(one.array.take(np.zeros(n, dtype="intp")), index=pd.RangeIndex(n))


def assemble(mapped: pd.DataFrame, spill: Spill, resolver: PlaceResolver, sources: pd.DataFrame, gaz: pd.DataFrame,
             rejects: pd.DataFrame, casualty_rows: pd.Series, known: Order | None = None,
             chunk_rows: int = CHUNK_ROWS) -> dict[str, pd.DataFrame | Streamed]:
    """Processed tables from the mapped export rows: `mapped` their narrow columns (consumed: popped as they
    are used), the spill their wide text. Events and casualties come out as Streamed tables, incidents as
    ChunkedIncidents (made as they are written, `chunk_rows` at a time); every step across rows (incidents,
    coverage) works on their narrow columns, text columns of few values coded (compact). `casualty_rows` flags
    the rows with a casualty figure; `known`: the order of their event ids, when already found."""
    ev = mapped
    pt = resolver.table(pd.Index(decoded(ev["place_id"]).unique()))
    at = _positions(ev["place_id"], pt.index)  # each row's place, found once for every place column
    for c in ("raion", "oblast"):
        ev[c] = _spread_coded(pt[c].astype("str"), at, ev.index)
    ev[AT] = at
    ev["geo_prec"] = _geo_prec(ev.pop("row_geo_prec"), pt["gaz_geo_prec"], at)
    ev["claim_by"] = _constant("media", ev.index)
    filled = {name: {c: v for c, v in FILLED[name].items() if c not in ev.columns} for name in FILLED}

    figure = casualty_rows.reindex(ev.index).fillna(False).astype(bool)
    # a casualty row holds only its own columns and its event's row (EV): the rest it has alike with its event
    cas_cols = [f.name for f in TABLES["casualties"].processed if f.name in ev.columns and f.name not in BORROWED]
    ca = ev.loc[figure, cas_cols]
    if spill.derived is not None:  # the casualty ids were not held (Spill.narrow): made for these rows only
        ca["casualty_id"] = spill.derived.of(ev.loc[figure, "event_id"])
    for c in ("casualty_id", "killed_low", "killed_best", "killed_high", "victim_group", "cause"):
        if c in ev.columns:
            del ev[c]  # in place: the caller's frame lets go of them too
    ev[EV] = np.arange(len(ev), dtype=positions_dtype(len(ev)))
    out: dict[str, pd.DataFrame | Streamed] = {}
    leave = {*PLACE_TEXT, *PLACE_NUMBERS, *DERIVED}
    events = lean_finish(ev, "events", leave | set(SPILLED["events"]) | set(filled["events"]), (ROW, AT, EV), known)
    del ev
    give_back_memory()  # each sorted column was made while its unsorted one was held: the freed ones, back
    ca[EV] = _event_rows(events.pop(EV).to_numpy(), ca.index.to_numpy())
    ca["figure_type"] = "new"
    ca["status"] = "current"
    ca["disagreement"] = False
    cas = lean_finish(ca, "casualties", leave | set(BORROWED) | set(SPILLED["casualties"]) | set(filled["casualties"]),
                      (EV,))
    del ca
    give_back_memory()
    # every export event is its own incident (not linked: its coders consolidated its reports already), its
    # casualty row goes with it; no figure revises another (all stay 'current') and no incident holds two
    # figures, so none disagrees (disagreement stays False, as set above). The incident ids are not held
    # (DERIVED): Streamed.columns works them out from the event ids (export_incidents) wherever they are read;
    # the link rules are export_incidents' two constants (made here, they cost 1.4 million ids made and dropped)
    events["link_rule"] = _constant(incidents.EXPORT_EVENT, events.index)
    cas["link_rule"] = _constant(incidents.WITH_EVENT, cas.index)
    out["events"] = events = Streamed("events", events, spill, pt, filled["events"], rows=chunk_rows)
    out["casualties"] = Streamed("casualties", cas, spill, pt, filled["casualties"], rows=chunk_rows, base=events)
    del cas
    out["sources"] = tables.finish(sources, TABLES["sources"])
    out["gazetteer"] = gaz
    for name in ("statements", "control", "tallies", "links"):
        out[name] = empty_table(name)
    out["link_candidates"] = empty_table("link_candidates")  # nothing linked, nothing to review
    # coverage reads events and casualties only: it gets the columns it reads as held (coded), and counts on
    # the codes; it makes text of the few rows it reads as text only
    coverage = designs.coverage({**out, **{name: out[name].columns(slice(None), COVERAGE_COLUMNS[name])
                                           for name in ("events", "casualties")}})
    give_back_memory()
    out["coverage"] = coverage
    out["rejects"] = sorted_rejects(rejects)
    out["incidents"] = ChunkedIncidents(out["events"], out["casualties"], rows=chunk_rows)
    return out


def sorted_rejects(rejects: pd.DataFrame) -> pd.DataFrame:
    """The processed rejects table of an import's rejected rows, in table and line order."""
    return tables.finish(rejects, TABLES["rejects"]).sort_values(["table", "line"], kind="stable").reset_index(
        drop=True)


def ragged(mapper: Importer, file: str, rag: pd.DataFrame, expected_cells: int) -> pd.DataFrame:
    """The rejects of the export's rows with the wrong number of cells (rag: the stream's ragged_frame)."""
    return ragged_rejects(mapper.NAME, file, rag["line"], rag["n"], rag["value"], expected_cells)


def _geo_prec(row_prec: pd.Series, gaz_prec: pd.Series, at: np.ndarray) -> pd.Series:
    """Each row's geo_prec: its own precision (row_prec, maybe coded), or its gazetteer place's (gaz_prec, per
    place; at: each row's place, -1 for none) when that is more precise. Worked out once per distinct pair of
    the two (a few hundred) and coded (compact): four Float64 columns of every row made and dropped for it were
    a tenth of a GiB at two million rows, and the Int64 result was coded again by Streamed anyway."""
    if isinstance(row_prec.dtype, pd.CategoricalDtype):
        codes, values = row_prec.cat.codes.to_numpy(), pd.Series(row_prec.cat.categories)
    else:
        codes, uniq = pd.factorize(row_prec)
        values = pd.Series(uniq)
    n_places = len(gaz_prec) + 1
    pair, pairs = pd.factorize((codes.astype("int64") + 1) * n_places + (at.astype("int64") + 1))
    row = pd.Series(values.astype("Float64").array.take(pairs // n_places - 1, allow_fill=True))
    gaz = pd.Series(pd.to_numeric(gaz_prec, errors="coerce").astype("Float64").array.take(
        pairs % n_places - 1, allow_fill=True))
    per_pair = row.where(gaz.isna() | (row >= gaz), gaz).astype("Int64")
    value, uniq = pd.factorize(per_pair)
    return pd.Series(pd.Categorical.from_codes(value[pair],
                                               categories=pd.Index(uniq, dtype="Int64")), index=row_prec.index)


def _event_rows(sorted_from: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Each of `rows` (positions in the mapped rows)'s position among the events sorted by id, given each sorted
    event's mapped position (sorted_from)."""
    where = np.empty(len(sorted_from), dtype=positions_dtype(len(sorted_from)))
    where[sorted_from] = np.arange(len(sorted_from), dtype=where.dtype)
    return where[rows]


def load_gazetteer(gaz_dir: Path) -> pd.DataFrame:
    """The processed gazetteer of an existing Oskil folder (checked against its manifest)."""
    from analysis.clean.checked_read import read_tables as load

    try:
        gaz = load(gaz_dir, ("gazetteer",))["gazetteer"]
    except (FileNotFoundError, RuntimeError, ValueError) as exc:
        raise CleanError(str(gaz_dir), None, None, None,
                         "a processed folder with gazetteer.parquet and manifest.json (--gazetteer) that agree "
                         f"({str(exc).splitlines()[0]})") from None
    return tables.finish(gaz, TABLES["gazetteer"])


def check_tables(out: dict[str, pd.DataFrame | Streamed], held: bool = True) -> None:
    """Validate the tables held whole (in place; held=False: not, a ranged import's range, whose held tables are
    combined across ranges and validated then) and check the streamed tables' keys and the keys across tables
    (a Streamed table is validated chunk by chunk as it is written)."""
    for name in sorted(name for name in out if isinstance(out[name], CHUNKED)):
        key = TABLES[name].key  # as integrity() reads it (the incidents' as the event ids they are made of)
        if not _distinct(out[name].checked()[key]):
            raise AssertionError(f"{name}: {key} values are not unique")
    missing = {t.name for t in PROCESSED_TABLES} - set(out)
    if missing:
        raise AssertionError(f"tables not produced: {sorted(missing)}")
    for name in out:
        if held and not isinstance(out[name], CHUNKED):
            out[name] = validate(name, out[name], copy=False)
    problems = integrity({k: v.checked() if isinstance(v, CHUNKED) else v for k, v in out.items()})
    if problems:
        raise AssertionError("referential integrity: " + "; ".join(problems))


def finish(out: dict[str, pd.DataFrame | Streamed], result: Result, out_dir: Path, export: str, kind: str,
           digest: str | None = None) -> Result:
    """Validate, check integrity, write every processed table and the manifest (last). digest: the export's
    SHA-256 when already known (the Dask import has a worker compute it). A Streamed table is validated chunk
    by chunk as it is written; its writes start before the other tables are validated and the keys checked
    across tables (check_tables), which overlap them; nothing is published unless all pass. Afterwards
    result.tables reads a Streamed table back from its Parquet file when asked for."""
    streamed = sorted(name for name in out if isinstance(out[name], CHUNKED))
    try:
        publish({name: out[name].tables for name in streamed}, out, {k: len(v) for k, v in out.items()}, result,
                out_dir, export, kind, digest, lambda pub: check_tables(out))
    finally:
        if result.spill is not None:
            result.spill.close()
    result.tables = Tables({k: Path(out_dir) / f"{k}.parquet" if isinstance(v, CHUNKED) else v
                            for k, v in out.items()})
    return result


def publish(chunked: dict[str, Callable[[], Iterator]], held: dict[str, pd.DataFrame], rows: dict[str, int],
            result: Result, out_dir: Path, export: str, kind: str, digest: str | None,
            meanwhile: Callable[[Publisher], None], workers: int = 2) -> None:
    """Write the tables given as chunks (their writes started first: the longest) and the tables held whole,
    then the manifest, as one all-or-nothing publication (the clean's). `meanwhile` runs once the chunked writes
    have started (the checks across tables; a ranged import's ranges, which fill `held`, `rows` and `result`): a
    failure there still publishes nothing. The held tables are written as it leaves them. An --out folder that
    this import created is removed again when nothing is published."""
    created = storage.local_path(out_dir) is not None and not Path(out_dir).exists()
    try:
        with Publisher(out_dir, workers=workers) as pub:
            for name in sorted(chunked):
                pub.add(name, chunked[name])  # Streamed and ChunkedIncidents: chunks built in Arrow
            meanwhile(pub)
            for name in sorted(n for n in held if n not in chunked):
                pub.add(name, _in_chunks(held[name]))
            pub.publish({
                "rows": dict(sorted(rows.items())),
                "import": {"kind": kind, "file": storage.name(str(export)), "sha256": digest or sha256(export),
                           "read": result.read.get("events", 0), "rejected": result.rejected.get("events", 0)},
            })
    except BaseException:
        if created:
            _remove_if_bare(Path(out_dir))
        raise


def _remove_if_bare(folder: Path) -> None:
    """Remove an --out folder that this import created and left holding only its lock file (the writes start
    before the last checks: a failed import leaves no folder, as when every check came first)."""
    with contextlib.suppress(OSError):
        if [p.name for p in folder.iterdir()] == [".clean.lock"]:
            (folder / ".clean.lock").unlink()
            folder.rmdir()


def _distinct(ids: pd.Series) -> bool:
    """arrow_lookup.all_distinct(ids) for a table's key: a key that lean_finish sorted is distinct exactly when
    each value is greater than the one before, one comparison pass instead of a hash of a million ids; any other
    key (not sorted, or with a missing value) gets the hash count."""
    arr = arrow_lookup.arrow(ids) if len(ids) > 1 and ids.dtype == "str" else None
    if arr is not None and arr.null_count == 0:
        arr = arr.combine_chunks()
        if pc.all(pc.greater(arr[1:], arr[:-1])).as_py():
            return True
    return arrow_lookup.all_distinct(ids)


def _in_chunks(df: pd.DataFrame, rows: int = CHUNK_ROWS) -> pd.DataFrame | Callable[[], Iterator[pd.DataFrame]]:
    """A table held whole, for Publisher.add: as it is when it is at most `rows` long, else as chunks of that
    many rows (its Arrow and CSV copies are then made a chunk at a time; the incidents of a million reports)."""
    if len(df) <= rows:
        return df
    return lambda: (df.iloc[i:i + rows].reset_index(drop=True) for i in range(0, len(df), rows))


def check_out(out_dir: str | Path, gaz_dir: str | Path) -> None:
    """An import replaces every table in --out: never the --gazetteer folder it reads, and (checked before the
    reading) never a local folder holding files no Oskil command wrote. A remote --out is checked when the
    Dask import publishes into it (storage.output_folder)."""
    if storage.same_place(out_dir, gaz_dir):
        raise CleanError(str(out_dir), None, None, None,
                         "an --out folder other than the --gazetteer folder (an import replaces every table in it)")
    local = storage.local_path(out_dir)
    if local is not None:
        claim_output(local, command="import")


class Ready(NamedTuple):
    """One batch of the export checked up to place matching (_prepared): what it needs placed and completed."""

    prepared: Prepared
    rejects: Rejects  # the batch's rejects so far; complete() adds its own after them
    read: int  # rows parsed in the batch
    keys: BatchKeys  # its place keys (batch_keys), for the resolver


def _prepared(mapper: Importer, stream: Stream, today: pd.Timestamp) -> Iterator[Ready]:
    """The export's batches through the steps that hold no state across batches: the text checks (as the clean
    checks raw text) and mapper.prepare, each batch with rejects of its own (their order across batches is the
    order in which the caller takes them) and the place keys (batch_keys: the resolver's lookups are left to
    the caller, whose thread holds its state)."""
    with ThreadPoolExecutor(1, thread_name_prefix="oskil-text-check") as checking:
        for batch in stream.batches(mapper.WANTED):
            n = len(batch)
            ready, rej = _checked_and_prepared(mapper, batch, stream.name, today, checking)
            del batch  # the export's cells are not held while the caller works on this batch
            yield Ready(ready, rej, n, batch_keys(ready.frame))


def _checked_and_prepared(mapper: Importer, batch: pd.DataFrame, file: str, today: pd.Timestamp,
                          checking: ThreadPoolExecutor) -> tuple[Prepared, Rejects]:
    """mapper.prepare(kept(checks.safe_text(batch, ...))) and its rejects. The text checks' common case
    (checks.clearly_safe: no cell to reject, the batch as it is) is worked out on `checking`'s thread while this
    one prepares the batch as if it were clear: the checks are a regex over every text cell that runs without
    the GIL, about a second of a million-row import's critical path when it ran first. When they are not clear,
    or the preparing failed, that preparing is thrown away and the batch is taken the exact way, the checks
    first: the same rows, values and rejects in the same order either way, and a failure that the checks do not
    explain raised by the exact way."""
    clear = checking.submit(checks.clearly_safe, batch, mapper.WANTED)
    rej = Rejects(mapper.NAME, file)
    with contextlib.suppress(Exception):  # raised again below, the exact way, unless the checks explain it
        ready = mapper.prepare(batch, rej, today)
        if clear.result():
            return ready, rej
    rej = Rejects(mapper.NAME, file)
    return mapper.prepare(kept(checks.safe_text(batch, mapper.WANTED, rej, mapper.ID)), rej, today), rej


def _made_aside(make: Callable[[], T], name: str) -> Future[T]:
    """make() called on a thread of its own (named `name`), its result or error taken from the future."""
    pool = ThreadPoolExecutor(1, thread_name_prefix=name)
    try:
        return pool.submit(make)
    finally:
        pool.shutdown(wait=False)  # the thread ends when make() returns


@contextlib.contextmanager
def one_at_a_time(name: str) -> Iterator[Callable[..., None]]:
    """A function that calls fn(*args) on a thread of its own (named `name`), in the order called and one call
    at a time: it first waits for the call before (and raises its error), so at most one is pending and its
    argument held. On leaving, the last call is waited for (its error raised, unless one is on its way out).
    The import spills each batch (Spill.add, which codes its narrow columns: a third of the main thread's work)
    while the main thread places the next."""
    pool = ThreadPoolExecutor(1, thread_name_prefix=name)
    pending: list[Future] = []

    def call(fn: Callable[..., object], *args) -> None:
        if pending:
            pending.pop().result()
        pending.append(pool.submit(fn, *args))

    try:
        yield call
        if pending:
            pending.pop().result()
    finally:
        pool.shutdown(wait=True)


def _nonempty(rejected: list[pd.DataFrame], table: str, file: str) -> list[pd.DataFrame]:
    """The batches' reject frames that hold a row (one empty frame when none does): concatenated they are the
    frame of one Rejects that every batch added to in turn."""
    return [f for f in rejected if len(f)] or [Rejects(table, file).frame()]


def run(mapper: Importer, export: Path, out_dir: Path, gaz_dir: Path, block_size: int | None = None,
        write: bool = True, chunk_rows: int = CHUNK_ROWS, range_bytes: int | None = RANGE_BYTES) -> Result:
    """Stream the export through mapper (a registered Importer), assemble, validate and write. Each batch's
    wide text is spilled to a temporary file as it is mapped; events and casualties are written chunk_rows
    at a time. An export of more than range_bytes (None: no limit) is imported in ranges of its ids, about
    range_bytes of it each (ranges.py), so that memory does not grow with it; write=False imports it held
    together (its tables are returned in memory)."""
    from analysis.importers import ranges

    export = Path(export)
    return ranges.whole_if_needed(lambda size: _run(mapper, export, out_dir, gaz_dir, block_size, write,
                                                    chunk_rows, range_parts(export.stat().st_size, size)
                                                    if write else 1), range_bytes)


def range_parts(size: int, range_bytes: int | None) -> int:
    """In how many ranges of its ids an export of `size` bytes is imported (1: whole)."""
    return 1 if range_bytes is None or size <= range_bytes else -(-size // range_bytes)


def _run(mapper: Importer, export: Path, out_dir: Path, gaz_dir: Path, block_size: int | None, write: bool,
         chunk_rows: int, parts: int) -> Result:
    from analysis.importers import ranges
    from analysis.importers.stream import BLOCK_SIZE, Stream, read_ahead

    t0, today = time.perf_counter(), rules.today()
    if write:
        check_out(out_dir, gaz_dir)
    gaz = load_gazetteer(Path(gaz_dir))
    stream = Stream.open(export, block_size or BLOCK_SIZE)
    stream.require(mapper.REQUIRED, mapper.NAME)
    # the gazetteer's lookup tables (a second of Python) are made while the first batches are read and prepared
    made = _made_aside(lambda: PlaceResolver(gaz, mapper.PREFIX), "oskil-places")
    spill, srcs, rejected, n_read = Spill(), [], [], 0
    batches, keep = ranges.keeping(spill, parts)
    digest = Digest(export) if write else None
    try:
        # each batch checked up to place matching (and its place keys found) on a thread of its own while this
        # one places and completes the batch before it, and a third spills the one before that (_prepared, hold:
        # one batch prepared ahead, not two, for memory; one_at_a_time: one spilled at a time); the places, the
        # rejects' order and the spill's rows stay in file order
        with one_at_a_time("oskil-spill") as aside:
            for ready in read_ahead(_prepared(mapper, stream, today), name="oskil-prepare", hold=True):
                n_read += ready.read
                resolver = made.result()
                mapped_batch = mapper.complete(ready.prepared, resolver.resolve(ready.prepared.frame, ready.keys),
                                               ready.rejects)
                if ready.rejects.any():  # nearly every batch rejects none: no empty frame made for it (_nonempty)
                    rejected.append(ready.rejects.frame())
                del ready
                if mapped_batch is not None:  # None: every row of the batch was rejected
                    aside(keep, mapped_batch[0])  # to the spill, or to disk for the ranges (ranges.keeping)
                    srcs.append(mapped_batch[1])
                del mapped_batch
        give_back_memory()  # what the mapping threads freed (glibc keeps a heap per thread): not held to the end
        resolver = made.result()
        if batches is not None:
            try:
                result = ranges.run_ranged(mapper, batches, parts, export.name, srcs, rejected,
                                           stream.ragged_frame(), stream.expected_cells, n_read, resolver, gaz,
                                           out_dir, str(export), digest.result(), chunk_rows)
            finally:
                spill.close()
            result.seconds = time.perf_counter() - t0
            return result
        result = conclude(mapper, export.name, spill, srcs, _nonempty(rejected, mapper.NAME, export.name),
                          stream.ragged_frame(), stream.expected_cells, n_read, resolver, gaz, chunk_rows)
    except BaseException:
        spill.close()
        if digest is not None:
            digest.cancel()
        failed = made.exception()  # an error making the resolver came before the export's, when it was made first
        if failed is not None:
            raise failed from None
        raise
    if write:
        try:
            known = digest.result()
        except BaseException:
            spill.close()
            raise
        finish(result.tables, result, Path(out_dir), str(export), mapper.NAME, digest=known)
    else:
        try:
            for name in result.tables:
                value = result.tables[name]
                result.tables[name] = value.frame() if isinstance(value, CHUNKED) else validate(name, value)
        finally:
            spill.close()
    result.seconds = time.perf_counter() - t0
    return result


def conclude(mapper: Importer, file: str, spill: Spill, srcs: list[pd.DataFrame], rejected: list[pd.DataFrame],
             rag: pd.DataFrame, expected_cells: int, n_read: int, resolver: PlaceResolver, gaz: pd.DataFrame,
             chunk_rows: int = CHUNK_ROWS) -> Result:
    """The processed tables from the mapped batches in file order, however they were mapped (the pandas import
    batch by batch, the Dask import block by block): ids made unique over the whole export, rejects gathered,
    sources, places and incidents assembled, rows accounted for. spill: the Spill every mapped batch was added
    to, in file order (their wide text is not in memory). n_read counts the rows parsed, rag the malformed rows
    skipped. The Result holds the spill until finish() has written events and casualties from it."""
    try:
        result = _conclude(mapper, file, spill, srcs, rejected, rag, expected_cells, n_read, resolver, gaz,
                           chunk_rows)
    except BaseException:
        spill.close()
        raise
    result.spill = spill
    return result


def _conclude(mapper: Importer, file: str, spill: Spill, srcs: list[pd.DataFrame], rejected: list[pd.DataFrame],
              rag: pd.DataFrame, expected_cells: int, n_read: int, resolver: PlaceResolver, gaz: pd.DataFrame,
              chunk_rows: int) -> Result:
    mapped = spill.narrow()
    if mapped is None:
        mapped = mapper.empty_mapped().drop(columns=WIDE).assign(**{ROW: pd.Series(dtype="int64")})
    # ids must be unique over the whole export, not only within a batch
    rej = Rejects(mapper.NAME, file)
    known = Order(_sort_order(mapped["event_id"]))  # found once: for the repeats here, the events' sort later
    dup = _repeats(mapped["event_id"], known.positions)
    if dup is None:
        dup = mapped["event_id"].duplicated(keep="first").to_numpy()
    if dup.any():
        d = plain(mapped[dup], mapped.columns)
        rej.add(d.assign(**{mapper.ID: d["event_id"].str.removeprefix(mapper.PREFIX.upper() + "-")}),
                mapper.ID, f"each {mapper.ID} once (an earlier row has this id)", mapper.ID)
        mapped = mapped[~dup].reset_index(drop=True)
        known = None  # other rows now: lean_finish sorts them again
    rejects = pd.concat([*rejected, rej.frame()], ignore_index=True)
    if len(rag):
        rejects = pd.concat([rejects, ragged(mapper, file, rag, expected_cells)], ignore_index=True)
        n_read += len(rag)
    cites = cited(plain(mapped, ["source_id", "published", "raw_line"])).reset_index()
    sources = mapper.sources_table(pd.concat(srcs, ignore_index=True) if srcs else None, cites)
    has_figure = mapper.has_figure(Decoding(mapped))
    out = assemble(mapped, spill, resolver, sources, gaz, rejects, has_figure, known, chunk_rows)
    del mapped
    result = Result(tables=out, cited=cites,
                    unplaced=int((out["events"].narrow["place_match"] == "import").sum()))
    count(result, file, mapper.NAME, n_read, len(out["events"]), len(rejects), len(out["casualties"]),
          result.unplaced)
    for name in ("casualties", "sources", "gazetteer", "statements", "control", "tallies", "incidents"):
        result.read[name] = result.kept[name] = len(out[name])
        result.rejected[name] = 0
    return result


def count(result: Result, file: str, kind: str, n_read: int, n_kept: int, n_rej: int, n_cas: int,
          unplaced: int) -> None:
    """The events' rows read, kept and rejected in result, checked to add up, and the import's note."""
    result.read["events"], result.kept["events"], result.rejected["events"] = n_read, n_kept, n_rej
    if n_read != n_kept + n_rej:
        raise AssertionError(f"{file}: {n_read} read != {n_kept} kept + {n_rej} rejected")
    result.notes.append(f"{file}: {n_read:,} {kind} rows read = {n_kept:,} events kept + {n_rej:,} rejected (see "
                        f"rejects); {n_cas:,} with a casualty figure; {unplaced:,} events at places not in the "
                        "gazetteer")
