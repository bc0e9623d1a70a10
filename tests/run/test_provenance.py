"""Provenance: parameter defaults, identity of a run, checksums, citation line."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.run import provenance as p


@pytest.fixture
def nb(fixtures_dir: Path) -> Path:
    return fixtures_dir / "fixture_report.ipynb"


def test_defaults_are_parsed_as_literals_not_evaluated(nb: Path) -> None:
    assert p.notebook_defaults(nb) == {
        "start_date": "2022-08-15",
        "min_n": 0,
        "label": "all events",
    }


def test_effective_parameters_keep_notebook_order() -> None:
    defaults = {"b": 1, "a": 2}
    assert list(p.effective_parameters(defaults, {"a": 5, "z": 0})) == ["b", "a", "z"]
    assert p.effective_parameters(defaults, {"a": 5})["a"] == 5


def test_params_hash_is_order_insensitive_and_type_sensitive() -> None:
    assert p.params_hash({"a": 1, "b": "x"}) == p.params_hash({"b": "x", "a": 1})
    assert p.params_hash({"a": 1}) != p.params_hash({"a": "1"})
    assert len(p.params_hash({})) == 8


def test_report_stem_names_changed_parameters() -> None:
    defaults = {"start_date": "2022-08-15", "min_n": 0}
    same = p.report_stem("shelling_patterns", defaults, defaults)
    assert same.startswith("shelling_patterns__defaults__")
    changed = p.report_stem("shelling_patterns", {**defaults, "start_date": "2022-09-01"}, defaults)
    assert changed.startswith("shelling_patterns__start_date-2022-09-01__")
    assert changed.rsplit("__", 1)[1] == p.params_hash({**defaults, "start_date": "2022-09-01"})


def test_hostile_values_give_a_single_safe_file_name() -> None:
    for value in ["../../etc/passwd", "__import__('os').system('touch /tmp/pwned')", "a/" * 200]:
        stem = p.report_stem("nb", {"x": value}, {"x": ""})
        assert "/" not in stem and ".." not in stem and len(stem) < 90
        assert set(stem) <= set("abcdefghijklmnopqrstuvwxyz0123456789-_.")


def test_slugify_never_empty() -> None:
    assert p.slugify("///") == "x"
    assert p.slugify("Hello World!") == "hello-world"


def test_data_checksums_are_the_folders_own_tables_never_a_walk(tmp_path: Path) -> None:
    """Without a manifest: the *.parquet files directly in the folder, sorted (a data_dir of '/' must not
    hash the disk). With one: the Parquet files it lists, and nothing else."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "c.parquet").write_bytes(b"c")
    (tmp_path / "b.parquet").write_bytes(b"b")
    (tmp_path / "sub" / "a.parquet").write_bytes(b"a")
    (tmp_path / "notes.csv").write_text("ignored")
    sums = p.data_checksums(tmp_path)
    assert list(sums) == ["b.parquet", "c.parquet"]
    assert sums["b.parquet"] == "3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d"
    (tmp_path / "manifest.json").write_text('{"files": {"b.parquet": "x", "notes.csv": "y", "../c.parquet": "z"}}')
    assert list(p.data_checksums(tmp_path)) == ["b.parquet"]


def test_collect_outside_git_and_cite_line(project) -> None:
    nb = project.root / "notebooks" / "fixture_report.ipynb"
    prov = p.collect(nb, {"min_n": 5}, project.data, project.root)
    assert list(prov)[:4] == ["title", "notebook", "notebook_path", "parameters"]
    assert prov["title"] == "Fixture shelling report"
    assert prov["parameters"] == {"start_date": "2022-08-15", "min_n": 5, "label": "all events"}
    assert prov["git_commit"] == "unknown"
    assert list(prov["data_files"]) == ["events.parquet"]
    assert prov["run_time_utc"].endswith("Z")
    cite = prov["cite_as"]
    assert cite.startswith("Jane Doe, Oskil contributors (20")
    assert '"Fixture shelling report" (report, parameters ' + prov["parameters_hash"] in cite
    assert "code unknown" in cite and f"data sha256 {prov['data_sha256'][:12]}" in cite
    assert cite.endswith("Oskil v0.1.0. https://example.org/oskil")


def test_git_state_commit_and_dirty(tmp_path: Path) -> None:
    import subprocess

    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@e", *args],
            cwd=tmp_path,
            check=True,
            capture_output=True,
        )

    git("init", "-q")
    (tmp_path / "code.py").write_text("x = 1\n")
    git("add", "code.py")
    git("commit", "-q", "-m", "init")
    commit, dirty = p.git_state(tmp_path)
    assert len(commit) == 40 and dirty is False
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "r.html").write_text("ignored: outputs")
    assert p.git_state(tmp_path)[1] is False
    (tmp_path / "code.py").write_text("x = 2\n")
    assert p.git_state(tmp_path) == (commit, True)


def test_cite_as_without_citation_file() -> None:
    line = p.cite_as({}, title="T", year="2026", phash="1a2b3c4d", commit="abcdef0123", dhash="", version="0.1.0")
    assert line == (
        'Oskil contributors (2026). "T" (report, parameters 1a2b3c4d, code abcdef0, no data files). Oskil v0.1.0.'
    )


def test_resolve_data_prefers_the_notebooks_data_dir_parameter(tmp_path: Path) -> None:
    from analysis.run.cli import resolve_data

    root = tmp_path
    declares = {"data_dir": "data/processed", "x": 1}
    assert resolve_data(declares, {}, None, root) == ({}, root / "data/processed")
    assert resolve_data(declares, {}, Path("/d"), root) == ({"data_dir": "/d"}, Path("/d"))
    assert resolve_data(declares, {"data_dir": "/e"}, Path("/d"), root)[1] == Path("/e")
    assert resolve_data({"x": 1}, {}, None, root) == ({}, root / "data" / "processed")
    assert resolve_data({"x": 1}, {}, Path("/d"), root) == ({}, Path("/d"))
