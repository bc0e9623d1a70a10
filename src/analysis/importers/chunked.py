"""Imported events, casualties and incidents made and written a chunk of rows at a time, never whole.

An export of millions of rows would hold every processed row at once if its tables were built whole. Here the
steps across rows (ids unique, sorting, coverage, the checks between tables) read only each row's narrow
columns, kept compact (spill.compact: text, numbers and dates of few values as codes; a casualty row's columns
that its event has alike are read from the event's row, BORROWED; incident ids are made from event ids where
read, DERIVED); a table's other columns are put back per chunk as it is written (`Streamed` from the spill's
wide text, `ChunkedIncidents` from the events' narrow columns), and each chunk is validated before it is written.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.clean import incidents, tables
from analysis.clean.validate import validate
from analysis.importers.spill import ROW, Spill, compact, decoded, plain, positions_dtype
from analysis.importers.spill import frame as spill_frame
from analysis.registry.schema import TABLES

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
        wide = SPILLED[self.name]
        rank = np.full(self.spill.n, -1, dtype=positions_dtype(self.spill.n))  # 4 bytes a spill row, not 8
        rank[self.column(ROW).to_numpy()] = np.arange(len(self.narrow), dtype=rank.dtype)
        text = {c: self.places[c].astype("str").array for c in PLACE_TEXT}
        numbers = {c: pd.to_numeric(self.places[c], errors="coerce").astype("Float64").array for c in PLACE_NUMBERS}
        table = TABLES[self.name]
        filled = self._filled_columns(table)
        held = [AT, *(f.name for f in table.processed if f.name not in wide and f.name not in filled
                      and f.name not in text and f.name not in numbers)]
        for k, got in enumerate(self.spill.gather(rank, list(dict.fromkeys(wide.values())), self.rows)):
            part = self.columns(slice(k * self.rows, k * self.rows + got.num_rows), held)
            spilled = spill_frame(got)
            at = part[AT].to_numpy()
            cols = {}
            for f in table.processed:
                if f.name in wide:
                    s = spilled[wide[f.name]]
                elif f.name in filled:
                    cols[f.name] = filled[f.name].iloc[:len(part)]
                    continue
                elif f.name in text or f.name in numbers:
                    s = pd.Series({**text, **numbers}[f.name].take(at, allow_fill=True))
                else:
                    s = decoded(part[f.name])
                cols[f.name] = tables.cast(s, f.dtype)
            del part, spilled
            yield validate(self.name, pd.DataFrame(cols, copy=False), copy=False)

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


#: the columns of events and casualties that designs.coverage reads (designs._rows)
COVERAGE_COLUMNS = {name: (key, "source_id", "oblast", "published", "claim_by", "date_reported", "place_id",
                           "place_match") for name, key in (("events", "event_id"), ("casualties", "casualty_id"))}
#: the columns of events and casualties that incidents.export_incidents_table reads: left as text until it ran
INCIDENT_COLUMNS = {
    "events": ("incident_id", "event_id", "place_id", "event_type", "date_start", "date_end", "source_id"),
    "casualties": ("incident_id", "casualty_id", "event_id", "source_id", "place_id", "figure_type", "status",
                   "sex", "ages", "disagreement",
                   *(f"{m}_{p}" for m in ("killed", "injured") for p in ("low", "best", "high"))),
}


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
        used = np.unique(s.cat.codes.to_numpy())
        used = used[used >= 0]
        return pd.Series(s.cat.categories.array.take(used), name=column)


@dataclass
class ChunkedIncidents:
    """The incidents table of an import (each export event its own incident: incidents.export_incidents), made
    and validated INCIDENT_CHUNKS_MADE chunks of `rows` events at a time (export_incidents_table of those events
    and their casualty rows) and written `rows` at a time, never whole: held whole it was about 0.2 GiB at a
    million rows while the other tables were written. The same table: its rows are the events' rows in the
    events' order (incident id = INC- + event id, so the events' order is the incidents' order), each chunk's
    ids are checked against its events' ids as it is made; no incident id is held (the checks before writing
    read the event ids they are made of, `checked`)."""

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
        pos = self.cas.column(EV).to_numpy()  # each casualty row's event (its row in the events)
        if len(pos) and (pos.min() < 0 or pos.max() >= len(self.events)):
            raise AssertionError("an imported casualty row that names no kept event")
        order = np.argsort(pos, kind="stable")  # casualty rows by their event's row
        span = self.rows * INCIDENT_CHUNKS_MADE
        starts = np.arange(0, max(len(self.events), 1), span)
        cuts = np.searchsorted(pos[order], np.append(starts, len(self.events)))
        made = 0
        for k, a in enumerate(starts):
            ev = plain(self.events.columns(slice(a, a + span), INCIDENT_COLUMNS["events"]), INCIDENT_COLUMNS["events"])
            ca = plain(self.cas.columns(np.sort(order[cuts[k]:cuts[k + 1]]), INCIDENT_COLUMNS["casualties"]),
                       INCIDENT_COLUMNS["casualties"])
            part = tables.finish(incidents.export_incidents_table(ev, ca), TABLES["incidents"])
            if not part["incident_id"].reset_index(drop=True).equals(ev["incident_id"].reset_index(drop=True)):
                raise AssertionError("incidents: a chunk's incident ids are not its events' incident ids in order")
            made += len(part)
            part = validate("incidents", part, copy=False)
            for b in range(0, max(len(part), 1), self.rows):  # written `rows` at a time: one row group each
                yield part.iloc[b:b + self.rows].reset_index(drop=True)
            del part
        if made != len(self.events):
            raise AssertionError(f"incidents: {made} made for {len(self.events)} events")

    def frame(self) -> pd.DataFrame:
        """The whole table in memory (`run(write=False)`)."""
        return pd.concat(list(self.chunks()), ignore_index=True)


#: chunks of incidents made (and validated) at once, then written one by one: made one at a time they cost
#: 0.54-0.79 s CPU against 0.32-0.41 s for the whole table, four at a time 0.40-0.48 s (250,000 events, two
#: rounds; the steps' fixed cost per call), about 28 MB at a time
INCIDENT_CHUNKS_MADE = 4
CHUNKED = (Streamed, ChunkedIncidents)  # tables made and written a chunk at a time
