"""Rendered reports: a re-run differs only in its run time; a killed run leaves no half-written report."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.integration]
ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
RUN_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z")


@pytest.fixture
def data(processed: Path) -> Path:
    """The session's clean of the shipped data."""
    return processed


def run(reports: Path, data: Path, **kw) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "analysis", "run", "shelling_patterns", "--reports", str(reports),
           "--data-dir", str(data), "--jobs", "1"]
    return subprocess.Popen(cmd, cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kw)


def test_rerun_differs_only_in_run_time(tmp_path: Path, data: Path):
    pages = []
    for name in ("a", "b"):
        p = run(tmp_path / name, data)
        out, _ = p.communicate(timeout=300)
        assert p.returncode == 0, out.decode()
        (html,) = (tmp_path / name / "shelling_patterns").glob("*.html")
        pages.append(html)
    assert pages[0].name == pages[1].name
    a, b = (RUN_TIME.sub("<time>", p.read_text(encoding="utf-8")) for p in pages)
    assert a == b


def test_killed_run_leaves_no_report_and_the_next_run_recovers(tmp_path: Path, data: Path):
    reports = tmp_path / "reports"
    p = run(reports, data, start_new_session=True)
    time.sleep(4)  # the kernel is up and executing cells
    os.killpg(p.pid, signal.SIGKILL)
    p.wait(timeout=30)
    leftovers = [f for f in reports.rglob("*") if f.is_file()] if reports.exists() else []
    assert not [f for f in leftovers if f.suffix == ".html" and "_failed" not in f.parts]
    assert not [f for f in leftovers if f.name.endswith(".tmp") and not f.name.startswith(".")]
    p = run(reports, data)
    out, _ = p.communicate(timeout=300)
    assert p.returncode == 0, out.decode()
    (html,) = (reports / "shelling_patterns").glob("*.html")
    assert "oskil-provenance" in html.read_text(encoding="utf-8")
    assert (reports / "index.html").is_file()
