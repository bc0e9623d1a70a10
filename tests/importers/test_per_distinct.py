"""The import's per-distinct shortcuts give what the per-row code they replace gave: numbers parsed once per
distinct cell, place keys matched by integer codes, batch cells trimmed in Arrow, and the CSV twin's formula
check skipped only when no cell can need it."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest
from pandas.testing import assert_frame_equal, assert_series_equal

from analysis.clean import write
from analysis.importers import common, place_match
from analysis.importers.stream import _tidy


@pytest.mark.parametrize("cells", [["1", "2"], ["1", None], ["1", "x"], ["1.5", "2"], ["9007199254740993", "1"],
                                   ["1e3", None], [None, None], [], ["2", "2", None, "x", "3"]])
def test_numeric_is_to_numeric(cells):
    s = pd.Series(cells, dtype="str", index=np.arange(len(cells)) * 3, name="c")
    assert_series_equal(common.numeric(s), pd.to_numeric(s, errors="coerce"))


def _keys() -> tuple[pd.DataFrame, pd.DataFrame]:
    df = pd.DataFrame({"place_reported": pd.array(["A", "A", None, "B", "A", None, "A"], dtype="str"),
                       "raion_reported": pd.array([None, None, None, "R", None, None, None], dtype="str"),
                       "oblast_reported": pd.array(["O", "O", "O", "O", "O", "O", "P"], dtype="str"),
                       "lat_f": [48.001, 48.002, 48.0, 47.0, 48.3, 48.0, 48.001],
                       "lon_f": [37.0, 37.0, 37.0, 36.0, 37.0, 37.001, 37.0]}, index=np.arange(7) + 10)
    return df, place_match.place_keys(df)


def _first_rows_by_frame(df: pd.DataFrame, keys: pd.DataFrame) -> list[tuple]:
    """The first row of each distinct key, with its exact coordinates, the way of a frame: missing names as
    None, drop_duplicates keeping the first."""
    old = keys.astype({c: "object" for c in place_match.KEY_NAMES})
    old[place_match.KEY_NAMES] = old[place_match.KEY_NAMES].where(keys[place_match.KEY_NAMES].notna(), None)
    first = old.assign(lat_f=df["lat_f"], lon_f=df["lon_f"]).drop_duplicates(place_match.KEY_COLS)
    return list(first.itertuples(index=False, name=None))


def test_batch_keys_are_the_first_row_of_each_key_in_row_order():
    df, keys = _keys()
    found = place_match.batch_keys(df)
    assert found.rows == _first_rows_by_frame(df, keys)
    assert found.joint.tolist() == [0, 0, 1, 2, 3, 1, 4]  # row 5 rounds to row 2's key
    assert found.index.equals(df.index)


def test_lookup_spreads_each_keys_result_to_its_rows():
    df, keys = _keys()
    found = place_match.batch_keys(df)
    cache = {tuple(r[:5]): (f"p{i}" if i % 2 == 0 else None, f"how{i}") for i, r in enumerate(found.rows)}
    pid, how, err = place_match.lookup(cache, found)
    rows = [(None if pd.isna(p) else p, None if pd.isna(r) else r, o, la, lo) for p, r, o, la, lo in
            keys[place_match.KEY_COLS].itertuples(index=False, name=None)]
    assert pid.index.equals(df.index)
    assert [None if pd.isna(v) else v for v in pid] == [cache[k][0] for k in rows]
    assert [None if pd.isna(v) else v for v in how] == [cache[k][1] if cache[k][0] else None for k in rows]
    assert [None if pd.isna(v) else v for v in err] == [None if cache[k][0] else cache[k][1] for k in rows]


def test_tidy_trims_and_empties_as_pandas_did():
    text = 'a,b\n  x ,\n"\u00a0y\u2003", \n"", z\n'
    rb = next(iter(pacsv.open_csv(io.BytesIO(text.encode()), convert_options=pacsv.ConvertOptions(
        column_types={"a": pa.string(), "b": pa.string()}, strings_can_be_null=True, null_values=[""]))))
    old = rb.to_pandas()
    for c in old.columns:
        s = old[c].str.strip()
        old[c] = s.where(s != "")
    assert_frame_equal(_tidy(rb).to_pandas(), old)


@pytest.mark.parametrize("cells", [["a", "b", None, ""], ["a", "=1+1"], ["-5", "x"], ["+380 1", "@x"],
                                   ["'q", "b"], ["\tx"], ["ok", "-x"]])
def test_formula_check_skipped_only_when_no_cell_needs_it(cells):
    arr = pa.chunked_array([pa.array(cells, pa.large_string())])
    first = pc.utf8_slice_codeunits(arr, 0, 1)
    risky = pc.any(pc.is_in(first, value_set=pa.array(list("=@\t\r'+-"), pa.large_string()))).as_py() or False
    assert write._may_start_with(arr, write._RISKY_FIRST) == risky
    assert write._may_start_with(arr.slice(1), write._RISKY_FIRST) == bool(
        pc.any(pc.is_in(first.slice(1), value_set=pa.array(list("=@\t\r'+-"), pa.large_string()))).as_py())


@pytest.mark.parametrize("cells", [["a", "", "=b"], ["", "", "-x"], ["a", None, "@"]])
def test_formula_check_of_empty_cells_reads_no_cell_after_the_slice(cells):
    """An empty (or missing) cell starts where the next one does: the last one of a slice, where a cell outside
    it does, which must not count."""
    arr = pa.chunked_array([pa.array(cells, pa.large_string())])
    assert write._may_start_with(arr, write._RISKY_FIRST)
    assert not write._may_start_with(arr.slice(0, 2), write._RISKY_FIRST)
    assert write._may_start_with(arr.slice(1), write._RISKY_FIRST)


def test_resolve_is_each_first_row_resolved_in_order(gaz_dir):
    """PlaceResolver.resolve (the first rows as tuples, learnt and looked up in one pass) gives each row what
    resolving the first row of its key gives, the keys taken in row order (an import place's id depends on the
    import places met before it): the resolver's own _one, driven the way of a frame."""
    gaz = common.load_gazetteer(gaz_dir)
    df = pd.DataFrame({"place_reported": pd.array(["Izium", "Izium", None, "Nowhere", "Izium", None, "Kupiansk"],
                                                  dtype="str"),
                       "raion_reported": pd.array([None, None, "Iziumskyi", None, None, None, None], dtype="str"),
                       "oblast_reported": pd.array(["Kharkiv", "Kharkiv", "Kharkiv", "Kharkiv", "Nowhere", None,
                                                    "Kharkiv"], dtype="str"),
                       "lat_f": [49.21, 49.212, 49.2, 49.5, 49.21, 48.0, 49.7],
                       "lon_f": [37.25, 37.25, 37.2, 36.5, 37.25, 37.0, 37.6]}, index=np.arange(7) + 3)
    new, old = place_match.PlaceResolver(gaz, "acled"), place_match.PlaceResolver(gaz, "acled")
    got = new.resolve(df)
    keys = place_match.place_keys(df)
    by_key = {row[:5]: old._one(*row[:3], *row[5:]) for row in _first_rows_by_frame(df, keys)}
    rows = [(None if pd.isna(p) else p, None if pd.isna(r) else r, None if pd.isna(o) else o, la, lo)
            for p, r, o, la, lo in keys[place_match.KEY_COLS].itertuples(index=False, name=None)]
    placed = [by_key[k] for k in rows]
    assert [None if pd.isna(v) else v for v in got[0]] == [pid for pid, _ in placed]
    assert [None if pd.isna(v) else v for v in got[1]] == [how if pid else None for pid, how in placed]
    assert [None if pd.isna(v) else v for v in got[2]] == [None if pid else how for pid, how in placed]
    assert new.cache == by_key and new.imported == old.imported
    assert got[0].notna().any() and got[2].notna().any()  # some rows placed, some not
