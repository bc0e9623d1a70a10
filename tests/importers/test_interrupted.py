"""A command stopped by SIGTERM (`kill`, a job scheduler's stop) or Ctrl-C cleans up after itself: an import's
spill folder (the export's text) is removed from the temporary directory, nothing is published, and the
command says so in one line and exits 128 + the signal's number."""

from __future__ import annotations

import importlib.util
import signal
import subprocess
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def _generate(path: Path, rows: int, gaz_dir: Path) -> None:
    spec = importlib.util.spec_from_file_location("bench_acled", HERE / "bench_acled.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.generate(path, rows, gaz_dir)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stopped_import_removes_its_spill_and_publishes_nothing(sig, processed, tmp_path, subprocess_env,
                                                                  python):
    export = tmp_path / "acled.csv"
    _generate(export, 40_000, processed)
    temp, out = tmp_path / "temp", tmp_path / "out"
    temp.mkdir()
    env = {**subprocess_env, "TMPDIR": str(temp)}
    proc = subprocess.Popen([python, "-m", "analysis", "import", "acled", str(export), "--gazetteer",
                             str(processed), "--out", str(out)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None and not list(temp.glob("oskil-import-*/*")):
        time.sleep(0.005)  # the spill folder exists once the export is being read
    running = proc.poll() is None
    proc.send_signal(sig)
    proc.wait(timeout=60)
    stderr = proc.stderr.read().decode()
    proc.stderr.close()
    assert running, f"the import finished before it could be stopped: {stderr}"
    assert proc.returncode == 128 + sig, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"interrupted ({sig.name})"), stderr
    assert not list(temp.iterdir()), "the spill folder was left behind"
    assert not (out / "manifest.json").exists()
    assert not [p for p in out.rglob("*") if p.suffix in (".parquet", ".csv") or p.name.endswith(".tmp")]
