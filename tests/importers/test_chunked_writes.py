"""The import's chunked tables (events, casualties, incidents) start writing before the last checks; a failure
there publishes nothing, stops the writes at their next chunk and leaves neither the --out folder the import
created nor the spill behind. A table written in several row groups gets the Parquet layout of
`write.several_groups`: the same table, statistics and dictionaries only where they serve."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analysis.clean.write import Publisher, several_groups, stage_chunks, stage_table
from analysis.importers import acled, common

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_a_failed_check_after_the_chunked_writes_started_leaves_nothing(gaz_dir, tmp_path, monkeypatch):
    """Fault injected at the checks across tables, which run while the chunked tables are being written: the
    import fails whole (no folder, no spill), the writes stopped."""
    started: list[str] = []
    add = Publisher.add

    def recording(self, name, df):
        started.append(name)
        return add(self, name, df)

    def broken(*_a, **_k):
        raise RuntimeError("integrity broke")

    monkeypatch.setattr(Publisher, "add", recording)
    monkeypatch.setattr(common, "integrity", broken)
    temp = tmp_path / "temp"  # the spill's folder is made here
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    with pytest.raises(RuntimeError, match="integrity broke"):
        common.run(acled, FIXTURES / "acled_sample.csv", tmp_path / "out", gaz_dir, chunk_rows=2)
    assert started == ["casualties", "events", "incidents"]
    assert not (tmp_path / "out").exists()
    assert not list(temp.iterdir())


def test_an_unpublished_set_stops_a_chunked_write_at_its_next_chunk(tmp_path):
    """Fault injected in the body of the Publisher while a chunked table is being written: on exit the write
    stops at the next chunk (not written to the end first) and leaves no file."""
    made: list[int] = []
    writing = threading.Event()

    def chunks(pub: Publisher):
        for k in range(100):
            made.append(k)
            writing.set()
            yield pd.DataFrame({"n": pd.Series([k], dtype="Int64")})
            if k == 0:
                pub._closing.wait(10)  # the writer holds here until the Publisher closes

    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="later check failed"):
        with Publisher(out) as pub:
            pub.add("t", lambda: chunks(pub))
            assert writing.wait(10)
            raise RuntimeError("later check failed")
    assert made[-1] <= 1  # refused at the first or second chunk, whichever came after the close
    assert not [p for p in out.iterdir() if p.name != ".clean.lock"]


def _table(n: int) -> pd.DataFrame:
    return pd.DataFrame({"event_id": pd.Series([f"EV-{i:05d}" for i in range(n)], dtype="str"),
                         "oblast": pd.Series(["Kharkivska", "Donetska"] * (n // 2), dtype="str"),
                         "note": pd.Series([f"note {i}" for i in range(n)], dtype="str"),
                         "day": pd.Series(pd.date_range("2022-03-01", periods=n), dtype="datetime64[s]"),
                         "n": pd.Series([i % 2 for i in range(n)], dtype="Int64")})


def test_a_table_of_several_chunks_keeps_statistics_and_dictionaries_where_they_serve(tmp_path):
    df = _table(8)
    staged = {s.path.name: s.tmp for s in stage_chunks((df.iloc[i:i + 4].reset_index(drop=True)
                                                        for i in range(0, 8, 4)), tmp_path, "events")}
    path = staged["events.parquet"]
    assert pq.read_table(path).equals(pq.read_table(stage_table(df, tmp_path, "whole")[0].tmp))
    group = pq.ParquetFile(path).metadata.row_group(0)
    cols = {group.column(i).path_in_schema: group.column(i) for i in range(group.num_columns)}
    assert {c for c, m in cols.items() if m.is_stats_set} == {"event_id", "day", "n"}  # the key, not text
    dictionary = {c for c, m in cols.items() if "RLE_DICTIONARY" in m.encodings or "PLAIN_DICTIONARY" in m.encodings}
    assert dictionary == {"oblast", "n"}  # the columns that repeat values in the first chunk


def test_several_groups_judges_a_column_of_no_value(tmp_path):
    first = pa.table({"event_id": pa.array(["a", "b"]), "empty": pa.nulls(2)})
    layout = several_groups(first, "events")
    assert layout["use_dictionary"] == ["empty"] and layout["write_statistics"] == ["event_id", "empty"]
