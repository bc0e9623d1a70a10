"""Clean and import on a Dask cluster that runs the way an institution's does: a `dask scheduler` and two
`dask worker` processes on 127.0.0.1, started here as separate processes and always torn down. Oskil
connects with --scheduler (or DASK_SCHEDULER_ADDRESS), reads raw files and writes outputs as file:// URLs,
and every file it writes must be byte for byte what the pandas engine writes."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from analysis import cli
from analysis.clean.pipeline import clean as clean_pandas
from analysis.testdata.synth import synth

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parents[1] / "importers" / "fixtures"
START_TIMEOUT = 90  # s for the scheduler and both workers to come up on a loaded machine
STOP_TIMEOUT = 15


def _stop(procs: list[subprocess.Popen]) -> None:
    """SIGTERM each process group we started (a worker's nanny has a child), then SIGKILL what is left."""
    for p in procs:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(p.pid, signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)
            p.wait(timeout=STOP_TIMEOUT)


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory, subprocess_env) -> str:
    """The address of a scheduler with two single-threaded workers, each its own process group."""
    base = tmp_path_factory.mktemp("cluster")
    env = {k: v for k, v in subprocess_env.items() if k != "DASK_SCHEDULER_ADDRESS"}
    dask = [sys.executable, "-m", "dask"]
    procs: list[subprocess.Popen] = []

    def start(args: list[str], log: str) -> None:
        with open(base / log, "wb") as fh:
            procs.append(subprocess.Popen(dask + args, env=env, stdout=fh, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL, start_new_session=True))

    try:
        # if this process is killed before tearing down, the scheduler stops after 5 idle minutes and the
        # workers a minute after it
        start(["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--idle-timeout", "300",
               "--scheduler-file", str(base / "scheduler.json")], "scheduler.log")
        deadline = time.monotonic() + START_TIMEOUT
        while not (base / "scheduler.json").exists():
            assert procs[0].poll() is None, (base / "scheduler.log").read_text()
            assert time.monotonic() < deadline, "the scheduler did not start"
            time.sleep(0.2)
        time.sleep(0.2)  # the file is written in one go, but give it a moment
        address = json.loads((base / "scheduler.json").read_text())["address"]
        for i in (1, 2):
            start(["worker", address, "--host", "127.0.0.1", "--nthreads", "1", "--memory-limit", "1GiB",
                   "--no-dashboard", "--death-timeout", "60", "--name", f"w{i}"], f"worker{i}.log")
        from distributed import Client

        with Client(address, timeout=START_TIMEOUT, set_as_default=False) as client:
            client.wait_for_workers(2, timeout=max(1.0, deadline - time.monotonic()))
        yield address
    finally:
        _stop(procs)


def _same_files(want: Path, got: Path) -> None:
    names = sorted(p.name for p in want.iterdir() if not p.name.startswith("."))
    assert names == sorted(p.name for p in got.iterdir() if not p.name.startswith("."))
    assert "events.parquet" in names and "manifest.json" in names
    different = [n for n in names if (want / n).read_bytes() != (got / n).read_bytes()]
    assert not different, f"differ from the pandas engine's: {different}"


def _messy_raw(base: Path) -> Path:
    """A synthetic raw folder with a blank line and a row of the wrong width in the middle of a table."""
    raw = base / "raw"
    synth(20_000, raw, seed=5)
    lines = (raw / "events.csv").read_bytes().split(b"\n")
    mid = len(lines) // 2
    lines[mid:mid] = [b"", b"EV-X1,too,few,cells"]
    (raw / "events.csv").write_bytes(b"\n".join(lines))
    return raw


def messy_export(fixture: Path, out: Path, rows: int, id_col: str, place_col: str, seed: int = 1) -> Path:
    """A multi-block export grown from a fixture's rows (good and bad): new ids, a few repeated; coordinates
    jittered within ~400 m (so one place key is first met at different coordinates in different blocks);
    places the gazetteer lacks, each under one name at two spots 55 km apart (import ids '-2'); notes with
    quoted newlines and quotes; blank lines and rows of the wrong width."""
    rng = np.random.default_rng(seed)
    header, *base = list(csv.reader(io.StringIO(fixture.read_text(encoding="utf-8"))))
    col = {c: i for i, c in enumerate(header)}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    last_id = ""
    for i in range(rows):
        row = list(base[i % len(base)])
        if len(row) != len(header):  # a fixture row of the wrong width stays as it is
            w.writerow(row)
            continue
        row[col[id_col]] = last_id if i % 503 == 7 else f"{row[col[id_col]]}x{i}"
        last_id = row[col[id_col]]
        try:
            lat, lon = float(row[col["latitude"]]), float(row[col["longitude"]])
            lat, lon = lat + rng.uniform(-0.004, 0.004), lon + rng.uniform(-0.004, 0.004)
            if i % 41 == 0:
                row[col[place_col]] = f"Khutir {i % 7}"
                lat += 0.5 if i % 2 else 0.0
            row[col["latitude"]], row[col["longitude"]] = f"{lat:.4f}", f"{lon:.4f}"
        except ValueError:
            pass  # a fixture row with bad coordinates stays bad
        if i % 29 == 0 and "notes" in col:
            row[col["notes"]] += ' The report says "two waves",\nthen a second line.'
        if i % 31 == 0 and "where_description" in col:
            row[col["where_description"]] += ' near the "old" bridge,\nsecond line'
        w.writerow(row)
        if i % 997 == 500:
            buf.write("\n")
        if i % 1301 == 600:
            buf.write("stray,row,of,the,wrong,width\n")
    out.write_text(buf.getvalue(), encoding="utf-8")
    return out


def test_clean_through_scheduler_is_the_pandas_clean(scheduler, tmp_path, subprocess_env, python):
    raw = _messy_raw(tmp_path)
    clean_pandas(raw, tmp_path / "pandas")
    # exactly the README's command, in a process of its own, with the raw folder and the output as URLs
    res = subprocess.run([python, "-m", "analysis", "clean", "--engine", "dask", "--scheduler", scheduler,
                          "--raw", raw.as_uri(), "--out", (tmp_path / "dask").as_uri(), "--block-mb", "0.5"],
                         env=subprocess_env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    assert f"the cluster at {scheduler}, 2 workers, 2 threads" in res.stdout
    _same_files(tmp_path / "pandas", tmp_path / "dask")


@pytest.mark.parametrize("kind, fixture, id_col, place_col", [
    ("acled", "acled_sample.csv", "event_id_cnty", "location"),
    ("ucdp", "ged_sample.csv", "id", "where_coordinates"),
])
def test_import_through_scheduler_is_the_pandas_import(scheduler, gaz_dir, tmp_path, monkeypatch, capsys, kind,
                                                       fixture, id_col, place_col):
    export = messy_export(FIXTURES / fixture, tmp_path / f"{kind}_export.csv", 9000, id_col, place_col)
    assert export.stat().st_size > 2 * 2**20  # several blocks of 0.5 MB
    base = ["import", kind, str(export), "--gazetteer", str(gaz_dir)]
    assert cli.main([*base, "--out", str(tmp_path / "pandas")]) == 0
    if kind == "ucdp":  # the variable Dask users already set, instead of --scheduler
        monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", scheduler)
        where = []
    else:
        where = ["--scheduler", scheduler]
    capsys.readouterr()
    assert cli.main([*base, "--out", (tmp_path / "dask").as_uri(), "--engine", "dask", "--block-mb", "0.5",
                     *where]) == 0
    out = capsys.readouterr().out
    assert "2 workers" in out and "0.5 MB blocks" in out
    _same_files(tmp_path / "pandas", tmp_path / "dask")
    # the export really was messy: repeated ids, malformed rows and import places numbered '-2'
    import pandas as pd

    rej = pd.read_parquet(tmp_path / "dask" / "rejects.parquet")
    assert (rej["column"] == "(row)").any() and rej["reason"].str.contains("earlier row has this id").any()
    assert pd.read_parquet(tmp_path / "dask" / "events.parquet")["place_id"].str.endswith("-2").any()
