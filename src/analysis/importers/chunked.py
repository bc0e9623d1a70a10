"""Imported events, casualties and incidents made and written a chunk of rows at a time, never whole.

An export of millions of rows would hold every processed row at once if its tables were built whole. Here the
steps across rows (ids unique, sorting, coverage, the checks between tables) read only each row's narrow
columns, kept compact (spill.compact: text of few values as codes); a table's other columns are put back per
chunk as it is written (`Streamed` from the spill's wide text, `ChunkedIncidents` from the events' narrow
columns), and each chunk is validated before it is written.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.clean import arrow_lookup, incidents, tables
from analysis.clean.validate import validate
from analysis.importers.spill import ROW, Spill, compact, decoded, plain
from analysis.importers.spill import frame as spill_frame
from analysis.registry.schema import TABLES

#: rows of events and casualties built, validated and written at a time (a table of at most this many rows is
#: one Parquet row group, as stage_table writes it)
CHUNK_ROWS = 32_768
AT = "_at"  # a narrow row's place: its position in the place table
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

    def __post_init__(self) -> None:
        self.narrow = compact(self.narrow, keep=(TABLES[self.name].key, ROW, AT))

    def __len__(self) -> int:
        return len(self.narrow)

    def checked(self) -> CodedView:
        """The narrow columns as integrity() reads them (CodedView: a coded column as its distinct values)."""
        return CodedView(self.narrow)

    def chunks(self) -> Iterator[pd.DataFrame]:
        """The processed table in order, a chunk of rows at a time, each validated."""
        wide = SPILLED[self.name]
        rank = np.full(self.spill.n, -1, dtype="int64")
        rank[self.narrow[ROW].to_numpy()] = np.arange(len(self.narrow), dtype="int64")
        text = {c: self.places[c].astype("str").array for c in PLACE_TEXT}
        numbers = {c: pd.to_numeric(self.places[c], errors="coerce").astype("Float64").array for c in PLACE_NUMBERS}
        table = TABLES[self.name]
        filled = self._filled_columns(table)
        for k, got in enumerate(self.spill.gather(rank, list(dict.fromkeys(wide.values())), self.rows)):
            part = self.narrow.iloc[k * self.rows:k * self.rows + got.num_rows].reset_index(drop=True)
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


class CodedView:
    """A frame of compact() for integrity(), which reads its columns by name only: a coded column comes as
    its distinct values (the dangling keys integrity reports are a set: the same set, without decoding a
    million cells), any other as it is."""

    def __init__(self, df: pd.DataFrame):
        self._df = df

    def __getitem__(self, column: str) -> pd.Series:
        s = self._df[column]
        if not isinstance(s.dtype, pd.CategoricalDtype):
            return s
        used = np.unique(s.cat.codes.to_numpy())
        used = used[used >= 0]
        return pd.Series(s.cat.categories.array.take(used), name=column)


@dataclass
class ChunkedIncidents:
    """The incidents table of an import (each export event its own incident: incidents.export_incidents), made,
    validated and written CHUNK_ROWS events at a time (export_incidents_table of a chunk of events and their
    casualty rows), never whole: held whole it was about 0.2 GiB at a million rows while the other tables were
    written. The same table: its rows are the events' rows in the events' order (incident id = INC- + event id,
    so the events' order is the incidents' order), each chunk's ids are checked against its events' ids as it
    is made, and `narrow` (the incident ids, checked for repeats before writing, and the key of integrity()'s
    checks of events and casualties) are the events' incident ids."""

    events: pd.DataFrame  # the events' narrow columns (compact), in event id order, with incident_id
    cas: pd.DataFrame  # the casualties' narrow columns (compact), with incident_id
    rows: int = CHUNK_ROWS

    def __len__(self) -> int:
        return len(self.events)

    @property
    def narrow(self) -> pd.DataFrame:
        return pd.DataFrame({"incident_id": decoded(self.events["incident_id"])}, copy=False)

    def checked(self) -> pd.DataFrame:
        return self.narrow

    def chunks(self) -> Iterator[pd.DataFrame]:
        """The incidents in order, a chunk at a time, each validated (one empty chunk when there are none)."""
        pos = arrow_lookup.positions(decoded(self.cas["event_id"]), decoded(self.events["event_id"]))
        if (pos < 0).any():
            raise AssertionError("an imported casualty row that names no kept event")
        order = np.argsort(pos, kind="stable")  # casualty rows by their event's row
        span = self.rows * INCIDENT_CHUNKS_MADE
        starts = np.arange(0, max(len(self.events), 1), span)
        cuts = np.searchsorted(pos[order], np.append(starts, len(self.events)))
        made = 0
        for k, a in enumerate(starts):
            ev = plain(self.events.iloc[a:a + span], INCIDENT_COLUMNS["events"])
            ca = plain(self.cas.iloc[np.sort(order[cuts[k]:cuts[k + 1]])], INCIDENT_COLUMNS["casualties"])
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
