"""ChunkedIncidents.tables: an import's incidents built chunk by chunk straight in Arrow are the chunks the
pandas way makes (export_incidents_table, validated, converted), and any chunk the Arrow way is not sure of
goes the pandas way."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from analysis.clean import incidents
from analysis.clean.write import arrow_table
from analysis.importers import acled, chunked, common, incident_chunks, ucdp
from analysis.importers.chunked import EV
from analysis.importers.incident_chunks import ChunkedIncidents

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _assembled(mapper, export: str, gaz_dir: Path, tmp_path: Path, rows: int, monkeypatch) -> ChunkedIncidents:
    """The incidents of an import as finish() is handed them (nothing written)."""
    got = {}
    monkeypatch.setattr(common, "finish", lambda out, result, *a, **k: got.setdefault("out", out) and result)
    common.run(mapper, FIXTURES / export, tmp_path / "unused", gaz_dir, chunk_rows=rows)
    monkeypatch.undo()
    return got["out"]["incidents"]


def _as_arrow(chunk: pd.DataFrame | pa.Table) -> pa.Table:
    return chunk if isinstance(chunk, pa.Table) else arrow_table(chunk, threads=False)


def _pandas_way(inc: ChunkedIncidents) -> list[pa.Table]:
    return [arrow_table(c, threads=False) for c in inc.chunks()]


def _same_chunks(got: list[pd.DataFrame | pa.Table], want: list[pa.Table]) -> None:
    """Chunk by chunk the same rows, types, values and schema metadata (what the writer writes)."""
    assert [len(c) for c in got] == [t.num_rows for t in want]
    for g, w in zip(got, want, strict=True):
        g = _as_arrow(g)
        assert g.schema.equals(w.schema, check_metadata=True)
        assert g.equals(w)


@pytest.mark.parametrize(("mapper", "export"), [(acled, "acled_sample.csv"), (ucdp, "ged_sample.csv")])
@pytest.mark.parametrize("rows", [1, 2])
def test_arrow_chunks_are_the_pandas_way_chunks(mapper, export, rows, gaz_dir, tmp_path, monkeypatch):
    inc = _assembled(mapper, export, gaz_dir, tmp_path, rows, monkeypatch)
    assert 0 < len(inc.cas) < len(inc) and len(inc) > rows  # events with and without casualties; several chunks
    got = list(inc.tables())
    assert all(isinstance(t, pa.Table) for t in got)
    _same_chunks(got, _pandas_way(inc))


def test_an_open_figure_and_a_missing_one(gaz_dir, tmp_path, monkeypatch):
    """A best without a high (open: no high) and a high without a best (no high either), as
    export_incidents_table gives them: the figures as the casualty rows hold them, coded."""
    inc = _assembled(acled, "acled_sample.csv", gaz_dir, tmp_path, 2, monkeypatch)
    narrow = inc.cas.narrow
    narrow.loc[0, "killed_high"] = pd.NA
    narrow.loc[1, "killed_best"] = pd.NA
    assert narrow.loc[1, "killed_high"] is not pd.NA
    got = list(inc.tables())
    assert all(isinstance(t, pa.Table) for t in got)
    _same_chunks(got, _pandas_way(inc))


def test_casualty_rows_with_a_place_and_a_source_of_their_own(gaz_dir, tmp_path, monkeypatch):
    """Cases the importers do not produce today (a casualty row's place and source are its event's, BORROWED):
    held by the casualty rows themselves, one at another place (place_ids lists both, in text order) and one
    from another source (two sources), as text and as a coded column."""
    inc = _assembled(acled, "acled_sample.csv", gaz_dir, tmp_path, 2, monkeypatch)
    at = inc.cas.narrow[EV].to_numpy()
    place = inc.events.column("place_id").astype("str").iloc[at].reset_index(drop=True)
    source = inc.events.column("source_id").astype("str").iloc[at].reset_index(drop=True)
    place.iloc[[0, -1]] = ["aaa:first", "zzz:last"]
    source.iloc[-1] = "another"
    inc.cas.narrow["place_id"] = place
    inc.cas.narrow["source_id"] = source.astype("category")
    got = list(inc.tables())
    assert all(isinstance(t, pa.Table) for t in got)
    _same_chunks(got, _pandas_way(inc))
    whole = pa.concat_tables(got)
    assert sum(";" in p for p in whole.column("place_ids").to_pylist()) == 2
    assert whole.column("n_sources").to_pylist().count(2) == 1


def test_no_casualty_row(gaz_dir, tmp_path, monkeypatch):
    inc = _assembled(acled, "acled_sample.csv", gaz_dir, tmp_path, 2, monkeypatch)
    inc.cas.narrow = inc.cas.narrow.iloc[:0]
    got = list(inc.tables())
    assert all(isinstance(t, pa.Table) for t in got)
    _same_chunks(got, _pandas_way(inc))


def test_a_chunk_the_arrow_checks_are_not_sure_of_goes_the_pandas_way(gaz_dir, tmp_path, monkeypatch):
    inc = _assembled(acled, "acled_sample.csv", gaz_dir, tmp_path, 1, monkeypatch)
    calls = []

    def unsure_of_the_second(name, table, known=()):
        calls.append(name)
        return len(calls) != 2

    monkeypatch.setattr(incident_chunks, "passes_arrow", unsure_of_the_second)
    got = list(inc.tables())
    assert [type(t).__name__ for t in got][:4] == ["Table", "Table", "DataFrame", "Table"]
    _same_chunks(got, _pandas_way(inc))


def test_a_first_chunk_unlike_the_pandas_one_sends_every_chunk_the_pandas_way(gaz_dir, tmp_path, monkeypatch):
    inc = _assembled(acled, "acled_sample.csv", gaz_dir, tmp_path, 2, monkeypatch)
    real = incident_chunks._IncidentColumns.table

    def off_by_one(self, rows):
        t = real(self, rows)
        return t.set_column(5, "n_reports", pa.array(np.asarray(t.column("n_reports")) + 1))

    monkeypatch.setattr(incident_chunks._IncidentColumns, "table", off_by_one)
    got = list(inc.tables())
    assert all(isinstance(t, pd.DataFrame) for t in got)
    _same_chunks(got, _pandas_way(inc))


def test_a_shape_the_arrow_way_does_not_build_is_reported_the_pandas_way(gaz_dir, tmp_path, monkeypatch):
    """Two casualty rows of one event (after the first chunk, which the pandas way makes anyway): not an
    export's shape; the pandas way fails as it did."""
    inc = _assembled(acled, "acled_sample.csv", gaz_dir, tmp_path, 2, monkeypatch)
    ev = inc.cas.narrow[EV].to_numpy().copy()
    later = np.flatnonzero(ev >= inc.rows)
    assert len(later) >= 2
    ev[later[0]] = ev[later[1]]
    inc.cas.narrow[EV] = ev
    with pytest.raises(AssertionError, match="several in one"):
        list(inc.tables())


@pytest.mark.parametrize("cell", [pd.NA, "cumulative"])
def test_a_figure_not_new_after_the_first_chunk_is_reported_the_pandas_way(cell, gaz_dir, tmp_path, monkeypatch):
    """A casualty row whose figure is not new (or not known to be), as text or coded: not an export's shape."""
    inc = _assembled(acled, "acled_sample.csv", gaz_dir, tmp_path, 2, monkeypatch)
    later = np.flatnonzero(inc.cas.narrow[EV].to_numpy() >= inc.rows)
    for coded in (False, True):
        figure_type = inc.cas.column("figure_type").astype("str")
        figure_type.iloc[later[0]] = cell
        inc.cas.narrow["figure_type"] = figure_type.astype("category") if coded else figure_type
        with pytest.raises(AssertionError, match="not new and current"):
            list(inc.tables())


@pytest.mark.parametrize(("a", "b"), [
    (["p1", "p2", "p3", "p1", None, None, "b"], ["p1", "p1", None, "p9", "x", None, "a"]),
])
def test_two_sorted_in_arrow_is_two_sorted(a, b):
    sa, sb = pd.Series(a, dtype="str"), pd.Series(b, dtype="str")
    want = incidents._two_sorted(sa, sb)
    got = incident_chunks._two_sorted_arrow(pa.array(a, pa.large_string()), pa.array(b, pa.large_string()))
    assert got.to_pylist() == [None if pd.isna(x) else x for x in want]
    assert got.to_pylist() == ["p1", "p1;p2", "p3", "p1;p9", None, None, "a;b"]


def test_sources_differ_only_where_both_are_present_and_differ():
    got = incident_chunks._differ(pa.array(["s1", "s2", None, "s1"]), pa.array(["s1", "s1", "s1", None]))
    assert got.tolist() == [False, True, False, False]


@pytest.mark.parametrize("categories", [
    pa.array([3, 5, 7], pa.int64()), pa.array(["a", "bb", ""], pa.large_string()), pa.array([True, False, True]),
    pa.array(np.array([1, 2, 3], dtype="datetime64[s]")),
])
@pytest.mark.parametrize("codes", [[0, -1, 2, 1, -1, -1, 0, 2, 1, 0], [0, 1, 2], [-1, -1], []])
def test_coded_cells_are_the_take_with_missing_codes(categories, codes):
    codes = np.array(codes, dtype=np.int8)
    want = pc.take(categories, pa.array(codes, mask=codes < 0))
    got = chunked.coded_cells(categories, codes)
    got.validate(full=True)
    assert got.equals(want) and got.null_count == want.null_count


def test_with_validity_keeps_the_cells_missing_already_and_an_offset():
    arr = pa.array([1, None, 3, 4, None], pa.int64()).slice(1)
    got = chunked.with_validity(arr, np.array([True, True, False, True]))
    got.validate(full=True)
    assert got.to_pylist() == [None, 3, None, None] and got.null_count == 3
    text = chunked.with_validity(pa.array(["x", None, "zz", "w"], pa.large_string()).slice(1),
                                 np.array([True, True, False]))
    assert text.to_pylist() == [None, "zz", None]
    assert chunked.coded_cells(pa.array([], pa.int64()), np.array([-1, -1], np.int8)).to_pylist() == [None, None]
