"""The incidents table of an import, made and written a chunk of rows at a time, never whole.

Each export event is its own incident (incidents.export_incidents), so the incidents are the events' rows in
the events' order: `ChunkedIncidents` makes them from the events' and their casualty rows' narrow columns (a
Streamed table's held columns, chunked.py), a chunk at a time, as they are written.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.clean import incidents, tables
from analysis.clean.validate import passes_arrow, validate
from analysis.clean.write import arrow_table
from analysis.importers.chunked import (
    CHUNK_ROWS,
    EV,
    CodedView,
    Held,
    Layout,
    Streamed,
    coded_cells,
    incident_ids_arrow,
    with_validity,
)
from analysis.importers.spill import plain, positions_dtype
from analysis.registry.schema import TABLES

#: the columns of events and casualties that incidents.export_incidents_table reads: left as text until it ran
INCIDENT_COLUMNS = {
    "events": ("incident_id", "event_id", "place_id", "event_type", "date_start", "date_end", "source_id"),
    "casualties": ("incident_id", "casualty_id", "event_id", "source_id", "place_id", "figure_type", "status",
                   "sex", "ages", "disagreement",
                   *(f"{m}_{p}" for m in ("killed", "injured") for p in ("low", "best", "high"))),
}



@dataclass
class ChunkedIncidents:
    """The incidents table of an import (each export event its own incident: incidents.export_incidents), made
    and validated INCIDENT_CHUNKS_MADE chunks of `rows` events at a time (export_incidents_table of those events
    and their casualty rows) and written `rows` at a time, never whole: held whole it was about 0.2 GiB at a
    million rows while the other tables were written. The same table: its rows are the events' rows in the
    events' order (incident id = INC- + event id, so the events' order is the incidents' order), each chunk's
    ids are checked against its events' ids as it is made; no incident id is held (the checks before writing
    read the event ids they are made of, `checked`). tables() builds the same chunks straight in Arrow."""

    events: Streamed  # the events, in event id order (incident ids DERIVED from their event ids)
    cas: Streamed  # the casualties (base: the events)
    rows: int = CHUNK_ROWS

    def __len__(self) -> int:
        return len(self.events)

    def checked(self) -> CodedView:
        """The incidents' key as integrity() reads it: as the event ids the incident ids are made of (INC- + the
        event id, one to one), as the events and casualties give theirs (Streamed.checked), so that the checks
        that every incident id named exists are made without two million ids made for them alone; read from the
        events, as their key is (CodedView.source: the same cells)."""
        return CodedView(self.events, alias={"incident_id": "event_id"})

    def chunks(self) -> Iterator[pd.DataFrame]:
        """The incidents in order, a chunk at a time, each validated (one empty chunk when there are none)."""
        pos = self._casualty_events()
        order = np.argsort(pos, kind="stable")  # casualty rows by their event's row
        span = self.rows * INCIDENT_CHUNKS_MADE
        starts = np.arange(0, max(len(self.events), 1), span)
        cuts = np.searchsorted(pos[order], np.append(starts, len(self.events)))
        made = 0
        for k, a in enumerate(starts):
            part = self._made(slice(a, a + span), np.sort(order[cuts[k]:cuts[k + 1]]))
            made += len(part)
            for b in range(0, max(len(part), 1), self.rows):  # written `rows` at a time: one row group each
                yield part.iloc[b:b + self.rows].reset_index(drop=True)
            del part
        if made != len(self.events):
            raise AssertionError(f"incidents: {made} made for {len(self.events)} events")

    def tables(self, schema: pa.Schema | None = None) -> Iterator[pd.DataFrame | pa.Table]:
        """chunks() as the writer takes them (write.stage_chunks), `rows` at a time, each built as the Arrow
        table its files are written from, column by column from the events' and their casualty rows' held
        columns (_IncidentColumns), instead of decoded to pandas text, made by export_incidents_table, cast,
        validated by pandas and converted (about two thirds of the incidents' writer step at a million rows).
        As Streamed.tables: the first chunk goes the pandas way too and the direct way is taken only when its
        Arrow table equals that chunk's, each later chunk only when its schema is the first's, its incident ids
        rise (the events' order is the incidents': what export_incidents_table's sort would leave as it is) and
        validate.passes_arrow is sure; any other chunk goes the pandas way (_made: checked and validated there).
        A table whose shape the Arrow way does not build (_IncidentColumns.of: None) goes the pandas way whole.
        `schema`: as Streamed.tables's."""
        cols = _IncidentColumns.of(self.events, self.cas, self._casualty_events()) if len(self.events) else None
        if cols is None:
            yield from self.chunks()
            return
        # schema: the first chunk's (with its pandas metadata), once the direct way matched; given, an earlier
        # range's first chunk matched it (first_done)
        made, first_done = 0, schema is not None
        for k, a in enumerate(range(0, len(self.events), self.rows)):
            rows = slice(a, min(a + self.rows, len(self.events)))
            direct = cols.table(rows) if k == 0 or schema is not None else None
            if k == 0 and not first_done:
                out = self._made(rows, cols.casualty_rows(rows))
                first = arrow_table(out, threads=False)
                if direct is not None and direct.schema.equals(first.schema) and direct.equals(first):
                    schema, out = first.schema, first
                del first
            elif direct is not None and direct.schema.equals(schema) and _rising(direct.column("incident_id")) \
                    and passes_arrow("incidents", direct):
                out = direct.replace_schema_metadata(schema.metadata)
            else:
                out = self._made(rows, cols.casualty_rows(rows))
            del direct
            made += len(out)
            yield out
            del out
        if made != len(self.events):
            raise AssertionError(f"incidents: {made} made for {len(self.events)} events")

    def _casualty_events(self) -> np.ndarray:
        """Each casualty row's event (its row in the events), every one checked to be a kept event's."""
        pos = self.cas.column(EV).to_numpy()
        if len(pos) and (pos.min() < 0 or pos.max() >= len(self.events)):
            raise AssertionError("an imported casualty row that names no kept event")
        return pos

    def _made(self, rows: slice, cas_rows: np.ndarray) -> pd.DataFrame:
        """The incidents of the events at `rows` (cas_rows: their casualty rows, in row order) the pandas way:
        export_incidents_table, its incident ids checked to be its events' in order, validated."""
        ev = plain(self.events.columns(rows, INCIDENT_COLUMNS["events"]), INCIDENT_COLUMNS["events"])
        ca = plain(self.cas.columns(cas_rows, INCIDENT_COLUMNS["casualties"]), INCIDENT_COLUMNS["casualties"])
        part = tables.finish(incidents.export_incidents_table(ev, ca), TABLES["incidents"])
        if not part["incident_id"].reset_index(drop=True).equals(ev["incident_id"].reset_index(drop=True)):
            raise AssertionError("incidents: a chunk's incident ids are not its events' incident ids in order")
        return validate("incidents", part, copy=False)

    def frame(self) -> pd.DataFrame:
        """The whole table in memory (`run(write=False)`)."""
        return pd.concat(list(self.chunks()), ignore_index=True)


def _rising(col: pa.ChunkedArray) -> bool:
    """Each cell greater than the one before, none missing (the chunk's rows in incident id order, each once)."""
    arr = col.combine_chunks()
    return arr.null_count == 0 and (len(arr) < 2 or bool(pc.all(pc.greater(arr[1:], arr[:-1])).as_py()))


@dataclass
class _IncidentColumns:
    """What ChunkedIncidents.tables reads per chunk, made once: the events' and the casualties' layouts (their
    held columns in Arrow, as Streamed._table reads them) and each event's casualty row. Made only for the shape
    export_incidents_table builds (_export_shape): at most one casualty row per event, every figure new and
    current, no sex or ages; the incidents' columns are then each event's and its casualty row's cells."""

    events: Streamed
    cas: Streamed
    ev_lay: Layout
    cas_lay: Layout
    cas_of: np.ndarray  # each event's casualty row, -1 for none
    converted: dict[str, pa.Array] = field(default_factory=dict)  # casualty columns not coded, whole in Arrow

    @classmethod
    def of(cls, events: Streamed, cas: Streamed, pos: np.ndarray) -> _IncidentColumns | None:
        """The columns of these events and casualties (pos: each casualty row's event), or None when their shape
        is not the one export_incidents_table builds (the pandas way then decides and reports)."""
        cas_of = np.full(len(events), -1, dtype=positions_dtype(len(pos)))  # 4 bytes an event, not 8
        cas_of[pos] = np.arange(len(pos))
        if len(pos) and int((cas_of >= 0).sum()) != len(pos):  # an event with several casualty rows
            return None
        if not _export_shape(cas):
            return None
        return cls(events, cas, _reading(events), _reading(cas), cas_of)

    def casualty_rows(self, rows: slice) -> np.ndarray:
        """The casualty rows of the events at `rows`, in row order (ChunkedIncidents._made's cas_rows)."""
        at = self.cas_of[rows]
        return np.sort(at[at >= 0])

    def table(self, rows: slice) -> pa.Table | None:
        """The incidents of the events at `rows` as export_incidents_table, tables.finish and arrow_table make
        them (without the pandas metadata), or None when a figure is of a kind it does not build."""
        at = self.cas_of[rows]
        has = at >= 0
        n = len(at)
        read = _CasualtyRows(np.maximum(at, 0), has)  # a row without a casualty row reads row 0, marked missing

        def ev(name: str) -> pa.Array:
            return _whole(self.events.held_arrow(name, rows, None, self.ev_lay))

        def its(name: str) -> pa.Array:
            """The casualty row's `name` per incident (missing for an incident without one)."""
            return self._cas_arrow(name, read)

        event_id, place_id = ev("event_id"), ev("place_id")
        none = pa.nulls(n, pa.large_string())
        # a casualty row's source and place BORROWED from its event (as an import holds them) are the event's
        # own: one source, one place (what the comparisons below give for them, without making them)
        other_source = np.zeros(n, dtype=bool) if self._borrowed("source_id") else \
            _differ(its("source_id"), ev("source_id"))
        cols = {"incident_id": incident_ids_arrow(event_id), "place_id": place_id, "event_type": ev("event_type"),
                "date_start": ev("date_start"), "date_end": ev("date_end"),
                "n_reports": pa.array(1 + has, type=pa.int64()),
                "n_sources": pa.array(1 + (has & other_source), type=pa.int64()),
                "event_ids": event_id, "casualty_ids": its("casualty_id"),
                "place_ids": place_id if self._borrowed("place_id") else _two_sorted_arrow(place_id, its("place_id")),
                "links": none}
        t = TABLES["incidents"]
        for meas in t.measures:
            figures = {part: its(f"{meas}_{part}") for part in ("low", "best", "high")}
            if not all(pa.types.is_integer(v.type) for v in figures.values()):
                return None
            figures["high"] = pc.if_else(pc.is_valid(figures["best"]), figures["high"],
                                         pa.nulls(n, figures["high"].type))  # a best without a high: open
            for part, v in figures.items():
                cols[t.count_column(meas, part)] = v.cast(pa.int64())
        cols["disagreement"] = pc.fill_null(its("disagreement"), False)
        cols["conflict"] = none
        return pa.table(cols)

    def _held(self, name: str) -> Held:
        """How a casualty column is read (Streamed._held), made once."""
        held = self.cas_lay.held_columns.get(name)
        if held is None:
            held = self.cas_lay.held_columns[name] = self.cas.held(name, self.cas_lay)
        return held

    def _borrowed(self, name: str) -> bool:
        """The casualty rows read `name` from their events' rows (BORROWED, not held by the casualties)."""
        return self._held(name).borrowed

    def _cas_arrow(self, name: str, read: _CasualtyRows) -> pa.Array:
        """A casualty column's cells at read.rows (missing where not read.has) in Arrow, in its processed type,
        a BORROWED one from their events' rows: a coded column as its categories taken by its codes, any other
        from the whole column cast and converted once (as Streamed.held_arrow converts a chunk's), each by one
        take without nulls among its indices, the missing cells then marked (coded_cells, with_validity)."""
        held = self._held(name)
        rows = read.rows if len(self.cas) else np.zeros(0, dtype=np.int64)  # no casualty row: none read
        if held.borrowed:
            rows = self.cas_lay.ev[rows]
        if held.categories is not None:
            cells = coded_cells(held.categories, held.codes[rows])
        else:
            whole = self.converted.get(name)
            if whole is None:
                whole = self.converted[name] = _whole(pa.array(tables.cast(held.column, held.dtype),
                                                               from_pandas=True))
            cells = _whole(pc.take(whole, pa.array(rows)))
        return with_validity(cells, read.has) if len(cells) else pa.nulls(len(read.has), cells.type)


class _CasualtyRows(NamedTuple):
    """A chunk's events' casualty rows as _IncidentColumns._cas_arrow reads them."""

    rows: np.ndarray  # each event's casualty row (row 0 for an event without one)
    has: np.ndarray  # the event has one


def _reading(s: Streamed) -> Layout:
    """A Layout to read a Streamed table's held columns by (Streamed.held_arrow, _held): without the spilled,
    FILLED and place columns that Streamed._layout makes (a chunk's worth of each, cast: about 0.05 s a table),
    which the incidents do not read."""
    ev = None if s.base is None else s.narrow[EV].to_numpy()
    return Layout(TABLES[s.name], {}, {}, {}, [], ev, np.empty(0, dtype=np.int64), False, {}, {})


def _export_shape(cas: Streamed) -> bool:
    """The casualty rows' part of export_incidents_table's shape (_check_export_shape), checked once for the
    table: every figure new and current, no sex or ages."""
    return (_all_are(cas.column("figure_type"), "new") and _all_are(cas.column("status"), "current")
            and bool(cas.column("sex").isna().all()) and bool(cas.column("ages").isna().all()))


def _all_are(s: pd.Series, value: str) -> bool:
    """Every cell of s is value (a missing one is not: pandas' all() would skip it)."""
    return bool(s.eq(value).fillna(False).all())


def _whole(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """arr as one Arrow array."""
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _differ(a: pa.Array, b: pa.Array) -> np.ndarray:
    """Per row, a and b both present and different (pandas' `a != b` with a missing result as False)."""
    return pc.fill_null(pc.not_equal(a, b), False).to_numpy(zero_copy_only=False)


def _two_sorted_arrow(a: pa.Array, b: pa.Array) -> pa.Array:
    """incidents._two_sorted in Arrow: per row, the distinct values of a and b (b may be missing) sorted and
    joined with ';' (a missing a gives a missing cell unless b is missing or equal, as there)."""
    swap = pc.fill_null(pc.less(b, a), False)
    lo, hi = pc.if_else(swap, b, a), pc.if_else(swap, a, b)
    alone = pc.or_(pc.is_null(b), pc.fill_null(pc.equal(a, b), False))
    return pc.if_else(alone, a, pc.binary_join_element_wise(lo, hi, pa.scalar(";", type=a.type)))


#: chunks of incidents made (and validated) at once, then written one by one: made one at a time they cost
#: 0.54-0.79 s CPU against 0.32-0.41 s for the whole table, four at a time 0.40-0.48 s (250,000 events, two
#: rounds; the steps' fixed cost per call), about 28 MB at a time
INCIDENT_CHUNKS_MADE = 4


CHUNKED = (Streamed, ChunkedIncidents)  # tables made and written a chunk at a time
