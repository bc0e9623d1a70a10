"""The streaming import: wide text spilled per batch and gathered back in output order, tables written in
chunks, and imports in chunks of 2 or 3 rows giving the same tables as in one chunk."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from pandas.testing import assert_frame_equal, assert_series_equal

from analysis.clean.write import stage_chunks, stage_table
from analysis.importers import acled, common, ucdp
from analysis.importers.spill import ROW, WIDE, Spill, frame

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _mapped(ids: list[str], notes: list[str | None]) -> pd.DataFrame:
    return pd.DataFrame({"event_id": pd.Series(ids, dtype="str"), "coder_note": pd.Series(notes, dtype="str"),
                         "raw_line": pd.Series(range(2, 2 + len(ids)), dtype="Int64")})


@pytest.fixture
def spill():
    with Spill() as s:
        for ids, notes in ((["e0", "e1", "e2"], ["n0", None, "n2"]), (["e3", "e4"], ["n3", "n4"]),
                           (["e5", "e6", "e7"], ["n5", "n6", "=n7"])):
            s.add(_mapped(ids, notes))
        yield s


def test_narrow_columns_stay_in_memory_and_wide_ones_are_spilled(spill):
    narrow = spill.narrow()
    assert list(narrow.columns) == ["event_id", "raw_line", ROW]
    assert narrow["event_id"].tolist() == [f"e{i}" for i in range(8)]
    assert narrow[ROW].tolist() == list(range(8))
    assert spill.n == 8
    assert not set(WIDE) & set(narrow.columns)


@pytest.mark.parametrize("rows", [2, 3, 100])  # 2 and 3: several chunks, through the bucket files; 100: one
def test_gather_gives_wide_text_in_output_order(spill, rows):
    rank = np.array([5, -1, 0, 4, 1, -1, 3, 2])  # rows 1 and 5 left out
    got = list(spill.gather(rank, ["coder_note"], rows))
    assert [t.num_rows for t in got] == [len(range(i, min(i + rows, 6))) for i in range(0, 6, rows)]
    notes = pd.concat([frame(t) for t in got], ignore_index=True)["coder_note"]
    assert notes.tolist() == ["n2", "n4", "=n7", "n6", "n3", "n0"]
    assert notes.dtype == "str"


@pytest.mark.parametrize("rank", [[0, 0, 1, 2, 3, 4, 5, 6], [0, 1, 2, 3, 4, 5, 6, 9]])
def test_gather_refuses_ranks_that_are_not_the_output_positions(spill, rank):
    with pytest.raises(ValueError, match="rank"):
        list(spill.gather(np.array(rank), ["coder_note"], 2))


def test_gather_of_no_row_is_one_empty_chunk(spill):
    [empty] = list(spill.gather(np.full(8, -1), ["coder_note", "actor"], 2))
    assert empty.num_rows == 0 and empty.column_names == ["coder_note", "actor"]


def test_an_absent_wide_column_is_spilled_empty(spill):
    rank = np.arange(8)
    actor = pd.concat([frame(t) for t in spill.gather(rank, ["actor"], 3)], ignore_index=True)["actor"]
    assert actor.isna().all() and len(actor) == 8


def test_the_spill_folder_is_removed():
    with Spill() as s:
        s.add(_mapped(["a"], ["x"]))
        folder = s._dir
        assert folder.exists()
    assert not folder.exists()


def _table(n: int) -> pd.DataFrame:
    return pd.DataFrame({"id": pd.Series([f"id{i}" for i in range(n)], dtype="str"),
                         "day": pd.Series(pd.date_range("2022-03-01", periods=n), dtype="datetime64[s]"),
                         "n": pd.Series([i if i % 3 else None for i in range(n)], dtype="Int64"),
                         "note": pd.Series(["=1+1" if i == 4 else f"note {i}" for i in range(n)], dtype="str")})


def test_chunks_write_the_same_table_as_one_write(tmp_path):
    df = _table(7)
    whole = {s.path.name: s.tmp for s in stage_table(df, tmp_path, "t")}
    parts = {s.path.name: s.tmp for s in stage_chunks((df.iloc[i:i + 3].reset_index(drop=True)
                                                      for i in range(0, 7, 3)), tmp_path, "t")}
    assert parts["t.csv"].read_bytes() == whole["t.csv"].read_bytes()  # a header, then every row as one write
    assert_frame_equal(pd.read_parquet(parts["t.parquet"]), pd.read_parquet(whole["t.parquet"]))
    assert pq.ParquetFile(parts["t.parquet"]).num_row_groups == 3


def test_one_chunk_is_the_same_bytes_as_stage_table(tmp_path):
    df = _table(5)
    whole = {s.path.name: s for s in stage_table(df, tmp_path, "t")}
    one = {s.path.name: s for s in stage_chunks(iter([df]), tmp_path, "t")}
    for name in ("t.csv", "t.parquet"):
        assert one[name].tmp.read_bytes() == whole[name].tmp.read_bytes()
        assert one[name].digest == whole[name].digest


def test_a_failed_chunk_leaves_no_temporary_file(tmp_path):
    def chunks():
        yield _table(3)
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        stage_chunks(chunks(), tmp_path, "t")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("mapper", "export", "block"), [(acled, "acled_sample.csv", 600),
                                                         (ucdp, "ged_sample.csv", 700)])
@pytest.mark.parametrize("rows", [2, 3])
def test_small_chunks_give_the_tables_of_one_chunk(mapper, export, block, rows, gaz_dir, tmp_path):
    """Events and casualties built and written 2 or 3 rows at a time (and read in small batches): every table
    is the one a single chunk gives, and so are the bytes of every file but the chunked Parquet files."""
    one = common.run(mapper, FIXTURES / export, tmp_path / "one", gaz_dir)
    small = common.run(mapper, FIXTURES / export, tmp_path / "small", gaz_dir, block_size=block, chunk_rows=rows)
    assert len(small.tables["events"]) > rows  # several chunks
    for name in one.tables:
        assert_frame_equal(small.tables[name], one.tables[name])
    assert pq.ParquetFile(tmp_path / "small" / "events.parquet").num_row_groups > 1
    for path in sorted((tmp_path / "one").glob("*.csv")):
        assert (tmp_path / "small" / path.name).read_bytes() == path.read_bytes(), path.name


def test_streamed_tables_equal_the_tables_in_memory(gaz_dir, tmp_path):
    """run(write=False) builds events and casualties whole, from the same chunks: the same as written."""
    written = common.run(acled, FIXTURES / "acled_sample.csv", tmp_path / "out", gaz_dir, chunk_rows=2)
    memory = common.run(acled, FIXTURES / "acled_sample.csv", tmp_path / "unused", gaz_dir, write=False,
                        chunk_rows=3)
    for name in ("events", "casualties", "incidents", "coverage", "link_candidates"):
        assert_frame_equal(memory.tables[name], written.tables[name])
    assert not (tmp_path / "unused").exists()


def test_an_import_of_no_kept_row_writes_empty_tables(gaz_dir, tmp_path):
    text = (FIXTURES / "acled_sample.csv").read_text(encoding="utf-8").splitlines()[0] + "\n"
    (tmp_path / "empty.csv").write_text(text, encoding="utf-8")
    res = common.run(acled, tmp_path / "empty.csv", tmp_path / "out", gaz_dir, chunk_rows=2)
    for name in ("events", "casualties"):
        got = res.tables[name]
        assert len(got) == 0
        assert list(got.columns) == [f.name for f in common.TABLES[name].processed]


def _with_casualties(ids: list[str], casualty_ids: list[str | None]) -> pd.DataFrame:
    return pd.DataFrame({"event_id": pd.Series(ids, dtype="str"), "casualty_id": pd.Series(casualty_ids, dtype="str"),
                         "coder_note": pd.Series(["n"] * len(ids), dtype="str"),
                         "raw_line": pd.Series(range(2, 2 + len(ids)), dtype="Int64")})


def test_casualty_ids_made_from_the_event_ids_are_not_held():
    with Spill() as s:
        s.add(_with_casualties(["ACLED-UKR1", "ACLED-UKR22"], ["ACLED-CA-UKR1", "ACLED-CA-UKR22"]))
        s.add(_with_casualties(["ACLED-UKR3"], ["ACLED-CA-UKR3"]))
        s.add(_with_casualties([], []))  # an empty batch takes the way of the others
        narrow = s.narrow()
        assert list(narrow.columns) == ["event_id", "raw_line", ROW]
        made = s.derived.of(narrow["event_id"])
    assert made.tolist() == ["ACLED-CA-UKR1", "ACLED-CA-UKR22", "ACLED-CA-UKR3"] and made.dtype == "str"


@pytest.mark.parametrize("odd", [
    ["ACLED-CA-UKR3", "ACLED-CA-UKR4x"],  # one casualty id not made from its event id
    ["ACLED-CA-UKR3", None],  # one missing
    ["X-UKR3", "X-UKR4"],  # made another way than the first batch's
])
def test_casualty_ids_not_all_made_alike_are_held_as_they_were(odd):
    first = _with_casualties(["ACLED-UKR1", "ACLED-UKR2"], ["ACLED-CA-UKR1", "ACLED-CA-UKR2"])
    second = _with_casualties(["ACLED-UKR3", "ACLED-UKR4"], odd)
    with Spill() as s:
        s.add(first)
        s.add(second)
        narrow = s.narrow()
        assert s.derived is None
    assert list(narrow.columns) == ["event_id", "casualty_id", "raw_line", ROW]
    expected = pd.concat([first["casualty_id"], second["casualty_id"]], ignore_index=True)
    assert_series_equal(narrow["casualty_id"], expected, check_names=False)
