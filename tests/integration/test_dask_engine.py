"""`clean --engine dask` gives the same tables as the pandas engine, raw_line included."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.clean import dask_engine, pipeline
from analysis.testdata.synth import synth

pytestmark = pytest.mark.integration


def _mess_up(path: Path) -> None:
    """A blank line and a row of the wrong width in the middle of the file, as spreadsheets leave them."""
    lines = path.read_bytes().split(b"\n")
    mid = len(lines) // 2
    lines[mid:mid] = [b"", b"EV-X1,too,few,cells"]
    path.write_bytes(b"\n".join(lines))


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    base = tmp_path_factory.mktemp("dask")
    raw = base / "raw"
    synth(20_000, raw, seed=3)
    _mess_up(raw / "control.csv")
    pipeline.clean(raw, base / "pandas")
    # small blocks: several partitions per table, and cuts that fall next to quoted newlines
    dask_engine.clean(raw, base / "dask", blocksize=256 << 10)
    return base / "pandas", base / "dask"


@pytest.mark.parametrize("table", ["events", "casualties", "statements", "control", "tallies", "sources",
                                   "gazetteer", "incidents", "rejects"])
def test_same_tables(outputs, table):
    a, b = outputs
    want, got = pd.read_parquet(a / f"{table}.parquet"), pd.read_parquet(b / f"{table}.parquet")
    assert len(want)
    pd.testing.assert_frame_equal(got, want)


def test_ragged_row_and_lines_survive(outputs):
    a, b = outputs
    rej = pd.read_parquet(b / "rejects.parquet")
    assert (rej["column"] == "(row)").sum() == 1
    assert (a / "rejects.csv").read_bytes() == (b / "rejects.csv").read_bytes()


def test_split_points_cut_only_at_record_ends(tmp_path):
    p = tmp_path / "x.csv"
    p.write_bytes(b'a,b\n1,"x\ny"\n2,z\n3,"q""\n"\n4,w')
    header_end, header_nl, blocks = dask_engine.split_points(p, blocksize=1)
    assert (header_end, header_nl) == (4, 1)
    starts = [s for s, _, _ in blocks]
    assert starts == [4, 12, 16, 25]
    assert [n for _, _, n in blocks] == [1, 3, 4, 6]  # newlines before each block: rows start at lines 2, 4, 5, 7


def test_an_invalid_byte_in_a_block_is_named_by_its_line_in_the_file(tmp_path):
    from analysis.clean.blocks import Block
    from analysis.clean.errors import CleanError
    from analysis.clean.read import read_bytes
    from analysis.registry.schema import TABLES

    raw = tmp_path / "raw"
    synth(300, raw, seed=1)
    lines = (raw / "events.csv").read_bytes().split(b"\n")
    lines[199] = lines[199][:10] + b"\xff" + lines[199][10:]
    (raw / "events.csv").write_bytes(b"\n".join(lines))
    p = raw / "events.csv"
    with pytest.raises(CleanError) as whole:
        read_bytes(p.read_bytes(), TABLES["events"], "events.csv")
    header_end, header_nl, cuts = dask_engine.split_points(p, blocksize=4096)
    assert len(cuts) > 2
    header, errors = p.read_bytes()[:header_end], []
    for start, end, before in cuts:
        try:
            dask_engine._read_block("events", header, header_nl, Block(str(p), start, end, before))
        except CleanError as exc:
            errors.append(exc)
    assert [e.line for e in errors] == [whole.value.line]
    assert errors[0].value == whole.value.value
