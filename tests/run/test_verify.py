"""`verify`: re-run a cited report and say whether it reproduces."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.run import cli
from analysis.run.verify import Check, compare, failures, format_table, verdict


def report_of(project) -> Path:
    assert cli.main_run(project.args("run", project.notebook("fixture_report.ipynb"))) == 0
    (html,) = (project.reports / "fixture_report").glob("*.html")
    return html


def test_fresh_report_reproduces(project, capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    html = report_of(project)
    keep = tmp_path / "kept"
    assert cli.main_verify(project.args("verify", str(html), "--keep", str(keep))) == 0
    out = capsys.readouterr().out
    assert "VERDICT: reproduces" in out
    assert "events.parquet" in out and "shells" in out
    assert list(keep.glob("fixture_report/*.html"))


def test_changed_data_is_named(project, events_writer, capsys) -> None:
    html = report_of(project)
    events_writer(project.data, counts=(3, 1201, 5))
    assert cli.main_verify(project.args("verify", str(html))) == 1
    out = capsys.readouterr().out
    assert "does NOT reproduce" in out
    assert "data: events.parquet (changed)" in out
    assert "shells (changed)" in out and "1208 -> 1209" in out


def test_flipped_byte_fails_naming_the_file(project, capsys) -> None:
    html = report_of(project)
    parquet = project.data / "events.parquet"
    raw = bytearray(parquet.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    parquet.write_bytes(bytes(raw))
    assert cli.main_verify(project.args("verify", str(html))) == 1
    out = capsys.readouterr().out
    assert "data: events.parquet (changed)" in out


def test_not_a_report(project, tmp_path, capsys) -> None:
    page = tmp_path / "x.html"
    page.write_text("<html><body>hello</body></html>")
    assert cli.main_verify(project.args("verify", str(page))) == 2


def test_compare_rules() -> None:
    old = {
        "data_files": {"a.parquet": "1", "gone.parquet": "2"},
        "git_commit": "abc",
        "git_dirty": False,
        "package_version": "0.1.0",
        "key_figures": {"n": 10, "share": 0.1, "who": "x"},
    }
    new = {
        "data_files": {"a.parquet": "1", "new.parquet": "3"},
        "git_commit": "def",
        "git_dirty": False,
        "package_version": "0.1.0",
        "key_figures": {"n": 10, "share": 0.1 + 1e-15, "who": "x"},
    }
    checks = compare(old, new)
    status = {(c.area, c.item): c.status for c in checks}
    assert status[("data", "gone.parquet")] == "removed"
    assert status[("data", "new.parquet")] == "added"
    assert status[("code", "git commit")] == "changed"
    assert status[("key figures", "share")] == "same"
    assert {c.item for c in failures(checks)} == {"gone.parquet", "new.parquet"}
    assert "git commit" in {c.item for c in failures(checks, strict=True)}
    ok, line = verdict([Check("data", "a.parquet", "same")])
    assert ok and line == "VERDICT: reproduces"
    assert "abc -> def" in format_table(checks)
