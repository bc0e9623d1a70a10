"""The import's per-row state kept small: narrow columns coded (spill.compact) and given back as the same text,
and the export read no further ahead of the batches taken than a few blocks (stream.Paced)."""

from __future__ import annotations

import io
import threading

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from pandas.testing import assert_series_equal

from analysis.importers.chunked import AT, EV, CodedView, Streamed
from analysis.importers.common import _geo_prec, _narrowed, _positions, _repeats, _sort_order, _spread_coded
from analysis.importers.spill import _SAMPLE, ROW, compact, decoded, joined, plain
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


def test_numbers_and_dates_of_few_values_are_coded_and_decode_to_the_same_cells():
    n = 40
    df = pd.DataFrame({
        "prec": pd.Series([[1, 2, None][i % 3] for i in range(n)], dtype="Int64"),
        "day": pd.Series(pd.to_datetime(["2022-03-01", "2022-03-02"] * (n // 2)).astype("datetime64[s]")),
        "line": pd.Series(range(n), dtype="Int64"),  # every cell distinct: left as it is
        "kind": pd.Series([f"k{i % 2}" for i in range(n)], dtype="str"),
    })
    assert not isinstance(compact(df)["prec"].dtype, pd.CategoricalDtype)  # numbers only when asked
    coded = compact(df, numbers=True)
    for c in ("prec", "day", "kind"):
        assert isinstance(coded[c].dtype, pd.CategoricalDtype)
    assert coded["line"].dtype == "Int64"
    for c in df.columns:
        assert_series_equal(decoded(coded[c]), df[c])


def test_joined_coded_numbers_decode_to_the_concatenation():
    a = pd.DataFrame({"x": pd.Series([1, 1, None, 1], dtype="Int64")})
    b = pd.DataFrame({"x": pd.Series([5, 6, 7, 8], dtype="Int64")})  # mostly distinct: not coded
    parts = [compact(a, numbers=True), compact(b, numbers=True)]
    assert isinstance(parts[0]["x"].dtype, pd.CategoricalDtype) and parts[1]["x"].dtype == "Int64"
    assert_series_equal(decoded(joined(parts)["x"]), pd.concat([a["x"], b["x"]], ignore_index=True))


def test_text_of_few_values_beyond_the_first_rows_is_coded_when_judged_whole():
    # the first _SAMPLE rows all distinct, then one value: judged on its first rows it stays text
    s = pd.Series([f"v{i}" for i in range(_SAMPLE)] + ["v0"] * (8 * _SAMPLE), dtype="str")
    assert compact(pd.DataFrame({"s": s}))["s"].dtype == "str"
    whole = compact(pd.DataFrame({"s": s}), numbers=True)["s"]
    assert isinstance(whole.dtype, pd.CategoricalDtype)
    assert_series_equal(decoded(whole), s, check_names=False)


def test_a_casualty_row_reads_its_events_columns_and_derives_its_incident_id():
    events = Streamed("events", pd.DataFrame({
        "event_id": pd.Series(["E-1", "E-2", "E-3"], dtype="str"),
        "source_id": pd.Series(["s1", "s2", "s1"], dtype="str"),
        ROW: np.array([2, 0, 1]), AT: np.array([0, 0, 1], dtype="int32")}), spill=None, places=pd.DataFrame())
    cas = Streamed("casualties", pd.DataFrame({
        "casualty_id": pd.Series(["C-1", "C-3"], dtype="str"), EV: np.array([0, 2])}),
        spill=None, places=pd.DataFrame(), base=events)
    got = plain(cas.columns(slice(None), ["casualty_id", "event_id", "source_id", "incident_id", ROW]),
                ["casualty_id", "event_id", "source_id", "incident_id", ROW])
    assert got["event_id"].tolist() == ["E-1", "E-3"] and got["source_id"].tolist() == ["s1", "s1"]
    assert got["incident_id"].tolist() == ["INC-E-1", "INC-E-3"] and got[ROW].tolist() == [2, 1]
    assert cas.checked()["incident_id"].tolist() == ["E-1", "E-3"]  # integrity reads the ids they are made of
    assert cas.column("source_id").tolist() == ["s1", "s1"]


def _geo_prec_as_before(row_prec: pd.Series, gaz_prec: pd.Series, at: np.ndarray) -> pd.Series:
    """assemble's geo_prec as it was made for every row (the oracle of _geo_prec)."""
    gaz = pd.Series(pd.to_numeric(gaz_prec, errors="coerce").astype("Float64").array.take(at, allow_fill=True),
                    index=row_prec.index)
    row = decoded(row_prec).astype("Float64")
    return row.where(gaz.isna() | (row >= gaz), gaz).astype("Int64")


@pytest.mark.parametrize("coded", [True, False])
def test_geo_prec_worked_out_per_pair_is_the_per_row_result(coded):
    rng = np.random.default_rng(7)
    n = 500
    row = pd.Series(pd.array(rng.choice([1, 2, 3, None], n), dtype="Int64"), index=pd.RangeIndex(3, 3 + n))
    gaz = pd.Series(["1", "3", None, "2", "x"], dtype="str")  # a cell that is no number counts as missing
    at = rng.integers(-1, len(gaz), n).astype("int32")
    held = compact(pd.DataFrame({"p": row}), numbers=True)["p"] if coded else row
    assert isinstance(held.dtype, pd.CategoricalDtype) == coded
    got = _geo_prec(held, gaz, at)
    assert isinstance(got.dtype, pd.CategoricalDtype) and got.cat.categories.dtype == "Int64"
    assert_series_equal(decoded(got), _geo_prec_as_before(row, gaz, at), check_names=False)
    assert len(_geo_prec(held.iloc[:0], gaz, at[:0])) == 0


def test_sort_order_puts_ids_in_order_and_none_when_they_are():
    ids = pd.Series(["b10", "a", "b9", "b1", None, "c"], dtype="str")
    got = ids.iloc[_sort_order(ids)]
    assert got.iloc[:-1].tolist() == sorted(ids.dropna()) and got.iloc[-1:].isna().all()  # missing last
    assert _sort_order(pd.Series(["a", "b", "c"], dtype="str")) is None
    numbers = pd.Series([3, 1, 2], dtype="Int64")
    assert numbers.iloc[_sort_order(numbers)].tolist() == [1, 2, 3]


def test_raw_lines_held_narrow_only_when_the_same_values_fit():
    lines = pd.Series([2, 5, 2**31 - 1], dtype="Int64")
    held = _narrowed(lines)
    assert held.dtype == "int32" and held.astype("Int64").equals(lines)
    for kept in (pd.Series([2, None], dtype="Int64"), pd.Series([2, 2**31], dtype="Int64"), lines.iloc[:0]):
        assert _narrowed(kept) is kept


@pytest.mark.parametrize("n", [0, 1, 2, 50, 400])
def test_repeated_ids_found_from_their_order_are_pandas_duplicated(n):
    rng = np.random.default_rng(n)
    ids = pd.Series([f"E{k}" for k in rng.integers(0, max(n // 2, 1), n)], dtype="str")
    got = _repeats(ids, _sort_order(ids))
    np.testing.assert_array_equal(got, ids.duplicated(keep="first").to_numpy())
    in_order = pd.Series(sorted(ids), dtype="str")
    np.testing.assert_array_equal(_repeats(in_order, _sort_order(in_order)), in_order.duplicated().to_numpy())
    assert _repeats(pd.Series(["a", None], dtype="str"), None) is None  # missing ids: pandas' duplicated
