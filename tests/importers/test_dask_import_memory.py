"""The Dask import's driver holds one block's mapped rows at a time: each block is gathered in file order and its
wide text spilled before the next is gathered, as the pandas import spills each batch. Gathering every block at
once held the whole export's mapped rows, text included, in this process (3.05 GiB at two million rows, against
0.84-0.91 GiB now, docs/benchmarks.md), which is what the Dask path is for: exports past one machine's memory."""

from __future__ import annotations

import gc
import tempfile
import weakref
from pathlib import Path

import pytest
from pandas.testing import assert_frame_equal

from analysis.importers import acled, common

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.mark.integration
def test_the_driver_holds_one_block_of_mapped_rows_at_a_time(gaz_dir, tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    from analysis.importers import dask_engine

    refs: list[weakref.ref] = []  # the mapped frames gathered (alive: not yet let go of)
    most, blocks = [0], [0]
    gathered = dask_engine.spilled

    def counted(client, done, where):
        for got in gathered(client, done, where):
            if got[0] is not None:
                refs.append(weakref.ref(got[0]))
                blocks[0] += 1
            gc.collect()
            most[0] = max(most[0], sum(r() is not None for r in refs))
            yield got

    monkeypatch.setattr(dask_engine, "spilled", counted)
    export = FIXTURES / "acled_sample.csv"
    got = dask_engine.run("acled", str(export), str(tmp_path / "dask"), gaz_dir, blocksize=600).tables
    assert blocks[0] >= 4  # enough blocks for holding them all to show
    # the block just gathered, and at most the one before it while its text is written (one_at_a_time)
    assert most[0] <= 2, f"{most[0]} of {blocks[0]} blocks' mapped rows held at once"
    want = common.run(acled, export, tmp_path / "pandas", gaz_dir).tables
    for name in ("events", "casualties", "rejects", "sources"):
        assert_frame_equal(got[name], want[name])


@pytest.mark.integration
def test_a_failure_while_gathering_removes_the_spill(gaz_dir, tmp_path, monkeypatch):
    """The spill is made before the first block is gathered: a failure after some blocks were spilled (injected
    at the gathering of the third) leaves no temporary folder and writes nothing."""
    pytest.importorskip("distributed")
    from analysis.importers import dask_engine

    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    gathered = dask_engine.spilled

    def failing(client, done, where):
        for k, got in enumerate(gathered(client, done, where)):
            if k == 2:
                raise OSError("injected: the third block could not be gathered")
            yield got

    monkeypatch.setattr(dask_engine, "spilled", failing)
    with pytest.raises(OSError, match="injected"):
        dask_engine.run("acled", str(FIXTURES / "acled_sample.csv"), str(tmp_path / "dask"), gaz_dir, blocksize=600)
    assert not list(temp.glob("oskil-import-*"))
    out = tmp_path / "dask"
    assert not out.exists() or all(p.name.startswith(".") for p in out.iterdir())  # no table written
