"""Rendered reports: a re-run differs only in its run time; a report is bound to the bytes its notebook read;
a killed or failed run leaves no half-written report, and kills of a parallel run take its workers along.

Faults are injected at the exact call (execute, render) or the kill is timed by an observed state (the
notebook has read its data), never by a fixed sleep."""

from __future__ import annotations

import errno
import fcntl
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analysis.clean.pipeline import clean
from analysis.run import cli as run_cli
from analysis.run import execute as execute_mod
from analysis.run.execute import NotebookFailed
from analysis.support.folder_lock import shared_lock

pytestmark = [pytest.mark.slow, pytest.mark.integration]
ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
RUN_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z")
NOTEBOOK = ROOT / "notebooks" / "shelling_patterns.ipynb"


@pytest.fixture
def data(processed: Path) -> Path:
    """The session's clean of the shipped data."""
    return processed


@pytest.fixture
def own_data(processed: Path, tmp_path: Path) -> Path:
    """A private copy of the session's clean, for tests that change it."""
    return Path(shutil.copytree(processed, tmp_path / "data"))


def run(reports: Path, data: Path, *notebooks: str, jobs: int = 1, **kw) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "analysis", "run", *(notebooks or ("shelling_patterns",)), "--reports",
           str(reports), "--data-dir", str(data), "--jobs", str(jobs)]
    return subprocess.Popen(cmd, cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kw)


@pytest.mark.parametrize("notebook", ["shelling_patterns", "diplomatic_timing"])  # the latter: a jittered plot
def test_rerun_differs_only_in_run_time(tmp_path: Path, data: Path, notebook: str):
    pages = []
    for name in ("a", "b"):
        p = run(tmp_path / name, data, notebook)
        out, _ = p.communicate(timeout=300)
        assert p.returncode == 0, out.decode()
        (html,) = (tmp_path / name / notebook).glob("*.html")
        pages.append(html)
    assert pages[0].name == pages[1].name
    a, b = (RUN_TIME.sub("<time>", p.read_text(encoding="utf-8")) for p in pages)
    assert a == b


def test_data_changed_mid_run_fails_the_run_and_keeps_the_cited_report(tmp_path, own_data, make_raw):
    """The race of the adversarial run, made exact: the folder is replaced by another clean after the
    provenance is hashed and before the notebook loads it (a writer that ignores the lock, e.g. cp)."""
    other = make_raw(tmp_path / "raw_other")
    other.write()
    clean(other.path, tmp_path / "other")
    reports = tmp_path / "reports"
    html, prov = run_cli.run_report(NOTEBOOK, {}, reports_dir=reports, data_dir=own_data, root=ROOT)
    cited = html.read_bytes()
    real = run_cli.execute

    def swapped(*args, **kw):
        for f in (tmp_path / "other").iterdir():
            if not f.name.startswith("."):
                shutil.copy(f, own_data / f.name)
        return real(*args, **kw)

    run_cli.execute = swapped
    try:
        with pytest.raises(NotebookFailed, match=r"changed while the report ran .*nothing was written"):
            run_cli.run_report(NOTEBOOK, {}, reports_dir=reports, data_dir=own_data, root=ROOT)
    finally:
        run_cli.execute = real
    assert html.read_bytes() == cited  # the cited report is untouched
    files = html.with_name(html.stem + "_files")  # the cited report's figure and table files, kept
    assert sorted(p.name for p in html.parent.iterdir()) == sorted([html.name, html.with_suffix(".ipynb").name,
                                                                    files.name])


def test_a_clean_waits_for_a_report_reading_its_folder(tmp_path, own_data, make_raw, subprocess_env, python):
    """A run holds the folder's lock shared (as run_report does) from hashing to rendering: a clean into the
    folder blocks on the lock, and publishes once the run lets go."""
    other = make_raw(tmp_path / "raw_other")
    other.write()
    before = (own_data / "manifest.json").read_bytes()
    with shared_lock(own_data) as held:
        assert held
        proc = subprocess.Popen([python, "-m", "analysis", "clean", "--raw", str(other.path), "--out", str(own_data)],
                                env=subprocess_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not waiting_on_lock(proc.pid):
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.01)
        assert waiting_on_lock(proc.pid)
        assert (own_data / "manifest.json").read_bytes() == before  # nothing published while the run reads
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert (own_data / "manifest.json").read_bytes() != before


def waiting_on_lock(pid: int) -> bool:
    """The process is blocked on a flock (a '->' waiter line in /proc/locks)."""
    return any(line.split()[1] == "->" and line.split()[5] == str(pid)
               for line in Path("/proc/locks").read_text().splitlines() if len(line.split()) > 5)


def test_an_existing_report_is_replaced_only_by_one_of_the_same_data(tmp_path, data):
    html, prov = run_cli.run_report(NOTEBOOK, {}, reports_dir=tmp_path, data_dir=data, root=ROOT)
    run_cli.same_data_or_new(html, prov)  # the same data: may replace it
    with pytest.raises(NotebookFailed, match="cites other data"):
        run_cli.same_data_or_new(html, {**prov, "data_sha256": "0" * 64})


def test_a_full_disk_while_rendering_leaves_neither_notebook_nor_page(tmp_path, data, monkeypatch):
    def full(*args, **kw):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(run_cli, "render", full)
    with pytest.raises(OSError, match="No space left"):
        run_cli.run_report(NOTEBOOK, {}, reports_dir=tmp_path, data_dir=data, root=ROOT)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_a_failed_run_keeps_a_valid_notebook_or_nothing(tmp_path):
    good = tmp_path / ".good.tmp.ipynb"
    shutil.copy(NOTEBOOK, good)
    kept = execute_mod._keep_failed(good, tmp_path / "_failed", "x")
    assert kept is not None and kept.stat().st_mode & 0o777 == 0o644
    truncated = tmp_path / ".bad.tmp.ipynb"
    truncated.write_bytes(NOTEBOOK.read_bytes()[:500])  # what a full disk leaves
    assert execute_mod._keep_failed(truncated, tmp_path / "_failed", "y") is None
    assert not truncated.exists()
    assert [p.name for p in (tmp_path / "_failed").iterdir()] == [kept.name]


def test_stale_temporary_files_are_swept_live_ones_kept(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / "nb" / f".x.pid{dead.pid}.abc.tmp.ipynb"
    live = tmp_path / "nb" / f".x.pid{os.getpid()}.abc.tmp.ipynb"
    stale.parent.mkdir()
    stale.write_text("{}")
    live.write_text("{}")
    assert execute_mod.sweep_stale(tmp_path) == [stale]
    assert live.exists()


def test_killed_run_leaves_no_report_and_the_next_run_recovers(tmp_path: Path, data: Path):
    """Killed at an observed point: the notebook has read its data (the read log is written) and the run is
    still going. No page, no visible notebook; the next run sweeps the leftovers and succeeds."""
    reports = tmp_path / "reports"
    p = run(reports, data, start_new_session=True)
    deadline = time.monotonic() + 240
    logs: list[Path] = []
    while time.monotonic() < deadline and p.poll() is None:
        logs = [f for f in reports.rglob(".*.reads.tmp") if f.stat().st_size > 0] if reports.exists() else []
        if logs:
            break
        time.sleep(0.01)
    alive = p.poll() is None
    os.killpg(p.pid, signal.SIGKILL)
    p.wait(timeout=30)
    assert alive and logs, "the run was not caught between reading its data and rendering"
    leftovers = [f for f in reports.rglob("*") if f.is_file()]
    assert not [f for f in leftovers if f.suffix == ".html"]
    assert not [f for f in leftovers if not f.name.startswith(".")]
    p = run(reports, data)
    out, _ = p.communicate(timeout=300)
    assert p.returncode == 0, out.decode()
    (html,) = (reports / "shelling_patterns").glob("*.html")
    assert "oskil-provenance" in html.read_text(encoding="utf-8")
    assert (reports / "index.html").is_file()
    assert not [f for f in reports.rglob(".*.tmp*")]  # the killed run's temporary files were swept


def children(pid: int) -> set[int]:
    out = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        out |= {int(x) for x in text}
    return out


def gone(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"  # a zombie has finished


def test_kill_9_of_a_parallel_run_takes_its_workers(tmp_path: Path, data: Path):
    reports = tmp_path / "reports"
    p = run(reports, data, "shelling_patterns", "diplomatic_timing", jobs=2)
    started = 0
    deadline = time.monotonic() + 240
    while started < 2 and time.monotonic() < deadline:
        line = p.stdout.readline().decode()
        started += line.startswith("[run] started")
        assert line or p.poll() is None
    workers = {c for c in children(p.pid) if "spawn_main" in Path(f"/proc/{c}/cmdline").read_text()}
    assert len(workers) == 2, workers
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=30)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not all(gone(w) for w in workers):
        time.sleep(0.05)
    assert all(gone(w) for w in workers), [w for w in workers if not gone(w)]
    assert not list(reports.rglob("*.html"))


def test_lock_file_is_the_cleans(own_data):
    """The shared lock is the same .clean.lock the clean holds exclusively."""
    with open(own_data / ".clean.lock", "rb") as fh, shared_lock(own_data):
        with pytest.raises(BlockingIOError):
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)


def test_a_data_dir_without_a_manifest_is_refused_before_any_kernel_or_hashing(tmp_path, monkeypatch):
    """`-p data_dir ../..` once hashed every Parquet file under it before the notebook refused it."""
    hashed, executed = [], []
    monkeypatch.setattr(run_cli.prov_mod, "data_checksums", lambda d: hashed.append(d) or {})
    monkeypatch.setattr(run_cli, "execute", lambda *a, **k: executed.append(a))
    with pytest.raises(NotebookFailed, match="no manifest.json"):
        run_cli.run_report(NOTEBOOK, {"data_dir": "../.."}, reports_dir=tmp_path, data_dir=None, root=ROOT)
    assert hashed == [] and executed == []
    assert not list(tmp_path.iterdir())
