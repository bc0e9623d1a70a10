"""The import's per-row state kept small: narrow columns coded (spill.compact) and given back as the same text,
and the export read no further ahead of the batches taken than a few blocks (stream.Paced)."""

from __future__ import annotations

import io
import threading

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from pandas.testing import assert_series_equal

from analysis.importers.chunked import CodedView
from analysis.importers.common import _positions, _spread_coded
from analysis.importers.spill import _SAMPLE, compact, decoded, joined, plain
from analysis.importers.stream import Paced


def _frame(n: int, offset: int = 0) -> pd.DataFrame:
    return pd.DataFrame({
        "id": pd.Series([f"id{i + offset}" for i in range(n)], dtype="str"),
        "kind": pd.Series([["a", "b", None][i % 3] for i in range(n)], dtype="str"),
        "empty": pd.Series([None] * n, dtype="str"),
        "n": pd.Series(range(n), dtype="Int64"),
    })


def test_few_distinct_values_are_coded_and_decode_to_the_same_text():
    df = _frame(40)
    coded = compact(df, keep=("id",))
    assert isinstance(coded["kind"].dtype, pd.CategoricalDtype)
    assert isinstance(coded["empty"].dtype, pd.CategoricalDtype)
    assert coded["id"].dtype == "str" and coded["n"].dtype == "Int64"  # kept; not text
    for c in df.columns:
        assert_series_equal(decoded(coded[c]), df[c])
    assert_series_equal(plain(coded, ["kind"])["kind"], df["kind"])


def test_mostly_distinct_text_stays_text():
    df = pd.DataFrame({"x": pd.Series([f"v{i}" for i in range(2 * _SAMPLE)], dtype="str")})
    assert compact(df)["x"].dtype == "str"


def test_joined_parts_coded_alike_or_not_decode_to_the_concatenation():
    parts = [compact(_frame(30)), _frame(5, offset=30), compact(_frame(30, offset=35))]
    parts[1] = parts[1].assign(kind=pd.Series(["c", None, "a", "c", "z"], dtype="str"))  # text, new values
    whole = joined(parts)
    expected = pd.concat([pd.DataFrame({c: decoded(p[c]) for c in p.columns}) for p in parts], ignore_index=True)
    for c in expected.columns:
        assert_series_equal(decoded(whole[c]), expected[c])
    assert isinstance(whole["kind"].dtype, pd.CategoricalDtype)


def test_integrity_view_gives_the_distinct_values_of_a_coded_column():
    coded = compact(_frame(40), keep=("id",))
    assert sorted(CodedView(coded)["kind"]) == ["a", "b"]
    assert_series_equal(CodedView(coded)["id"], coded["id"])


def test_positions_and_spread_of_a_coded_column_are_those_of_its_text():
    s = pd.Series(["p2", None, "p1", "zz", "p2"] * 10, dtype="str")
    keys = pd.Index(["p1", "p2", "p3"], dtype="str")
    from analysis.clean import arrow_lookup

    at = arrow_lookup.positions(s, keys)
    assert (_positions(compact(pd.DataFrame({"s": s}))["s"], keys) == at).all()
    values = pd.Series(["r1", None, "r1"], dtype="str")
    spread = _spread_coded(values, at, s.index)
    assert_series_equal(decoded(spread), pd.Series(values.array.take(at, allow_fill=True), index=s.index))


def test_paced_reader_stays_a_few_blocks_ahead_and_reads_everything():
    block = 1 << 10
    rows = "".join(f"{i},{'x' * 40}\n" for i in range(5000)).encode()
    fh = io.BytesIO(b"a,b\n" + rows)
    paced = Paced(fh, block, ahead=2)
    ahead = []
    reader = pacsv.open_csv(pa.PythonFile(paced, mode="r"), read_options=pacsv.ReadOptions(block_size=block))
    n = 0
    for batch in reader:
        n += batch.num_rows
        ahead.append(paced.tell() - (paced._taken + 1) * block)
        paced.taken()
    assert n == 5000
    assert max(ahead) <= 2 * block


def test_finish_releases_a_waiting_read():
    paced = Paced(io.BytesIO(b"x" * 100), block=10, ahead=1, patience=30)
    assert paced.read(10) == b"x" * 10  # the one block allowed ahead
    got = []
    reader = threading.Thread(target=lambda: got.append(paced.read(10)))
    reader.start()
    paced.finish()
    reader.join(timeout=5)
    assert got == [b""]
