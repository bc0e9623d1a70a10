"""Raw files and outputs where the workers cannot see the driver's disk: fsspec URLs (memory://, which only
this process and its in-process workers share), and the refusals of the Dask engines' command lines."""

from __future__ import annotations

import uuid
from pathlib import Path

import fsspec
import pytest

from analysis import cli
from analysis.clean.pipeline import clean as clean_pandas

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parents[1] / "importers" / "fixtures"


@pytest.fixture(scope="module")
def scheduler():
    """An in-process cluster (two worker threads' worth), reached through its address like any other."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0",
                      protocol="tcp", host="127.0.0.1") as lc:
        yield lc.scheduler_address


def _memory(local: Path) -> str:
    """A copy of a local folder under a fresh memory:// URL."""
    url = f"memory://oskil-{uuid.uuid4().hex}"
    fs = fsspec.filesystem("memory")
    for p in local.iterdir():
        fs.pipe(f"{url}/{p.name}", p.read_bytes())
    return url


def _files(url: str) -> dict[str, bytes]:
    fs = fsspec.filesystem("memory")
    return {Path(p).name: fs.cat_file(p) for p in fs.ls(url, detail=False)}


def _local(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if not p.name.startswith(".")}


def test_clean_from_and_to_urls(scheduler, raw, tmp_path, capsys):
    raw.write()
    clean_pandas(raw.path, tmp_path / "pandas")
    src, out = _memory(raw.path), f"memory://oskil-{uuid.uuid4().hex}"
    assert cli.main(["clean", "--engine", "dask", "--scheduler", scheduler, "--raw", src, "--out", out]) == 0
    got = _files(out)
    assert got == _local(tmp_path / "pandas")
    assert "manifest.json" in got


def test_import_from_and_to_urls(scheduler, gaz_dir, tmp_path):
    src = _memory(FIXTURES)
    export, out = f"{src}/acled_sample.csv", f"memory://oskil-{uuid.uuid4().hex}"
    base = ["import", "acled", "--gazetteer", str(gaz_dir)]
    assert cli.main([*base, str(FIXTURES / "acled_sample.csv"), "--out", str(tmp_path / "pandas")]) == 0
    assert cli.main([*base, export, "--out", out, "--engine", "dask", "--scheduler", scheduler]) == 0
    assert _files(out) == _local(tmp_path / "pandas")


def test_remote_folder_with_files_oskil_did_not_write_is_left_alone(scheduler, raw, capsys):
    raw.write()
    out = f"memory://oskil-{uuid.uuid4().hex}"
    fs = fsspec.filesystem("memory")
    fs.pipe(f"{out}/events.csv", b"someone else's table\n")
    code = cli.main(["clean", "--engine", "dask", "--scheduler", scheduler, "--raw", str(raw.path), "--out", out])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "holds events.csv from elsewhere" in err
    assert _files(out) == {"events.csv": b"someone else's table\n"}


@pytest.mark.parametrize("args, says", [
    (["--engine", "dask", "--scheduler", "tcp://127.0.0.1:1"], "a Dask scheduler reachable within 1 s"),
    (["--engine", "dask", "--scheduler", "tcp://127.0.0.1:port"], "a scheduler address such as tcp://HOST:8786"),
    (["--scheduler", "tcp://127.0.0.1:1"], "--engine dask for a scheduler"),
    (["--engine", "dask", "--block-mb", "0"], "a positive number of MB"),
    (["--engine", "dask", "--raw", "nosuchprotocol://raw"], "fsspec protocol is installed"),
    (["--engine", "dask", "--raw", "memory://oskil-missing"], "a raw file gazetteer.csv"),
])
def test_bad_cluster_arguments_exit_2_with_one_line(raw, tmp_path, monkeypatch, capsys, args, says, scheduler):
    monkeypatch.setenv("OSKIL_DASK_CONNECT_TIMEOUT", "1")
    if "--scheduler" not in args:
        args = [*args, "--scheduler", scheduler]
    if "--raw" not in args:
        args = [*args, "--raw", str(raw.write())]
    code = cli.main(["clean", *args, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1 and says in err, err
    assert not (tmp_path / "out").exists()


def test_unreachable_scheduler_from_the_environment(tmp_path, monkeypatch, capsys, gaz_dir):
    monkeypatch.setenv("OSKIL_DASK_CONNECT_TIMEOUT", "1")
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", "tcp://127.0.0.1:1")
    code = cli.main(["import", "ucdp", str(FIXTURES / "ged_sample.csv"), "--gazetteer", str(gaz_dir), "--out",
                     str(tmp_path / "out"), "--engine", "dask"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "tcp://127.0.0.1:1; expected a Dask scheduler" in err
    assert not (tmp_path / "out").exists()


def test_clean_refuses_to_write_over_its_raw_folder(raw, capsys):
    path = raw.write()
    before = {p.name: p.read_bytes() for p in path.iterdir()}
    assert cli.main(["clean", "--raw", str(path), "--out", str(path)]) == 2
    assert "an --out folder other than --raw" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in path.iterdir()} == before


def test_an_error_in_a_block_on_a_worker_is_one_line(scheduler, gaz_dir, tmp_path, capsys):
    export = tmp_path / "acled.csv"
    export.write_bytes((FIXTURES / "acled_sample.csv").read_bytes().replace(b"Kupiansk", b"Kup\xffiansk"))
    args = ["import", "acled", str(export), "--gazetteer", str(gaz_dir), "--out", str(tmp_path / "out")]
    assert cli.main(args) == 2  # the pandas import
    pandas_err = capsys.readouterr().err
    assert cli.main([*args, "--engine", "dask", "--scheduler", scheduler]) == 2
    err = capsys.readouterr().err
    # the first invalid byte of the export, named by its line in the file as the pandas import names it
    assert err.count("\n") == 1 and "line 2:" in err and "byte 0xFF at byte" in err
    assert pandas_err == err
    assert not (tmp_path / "out").exists()
