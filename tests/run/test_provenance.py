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
    assert prov["changed_parameters"] == {"min_n": 5}
    assert prov["cite_as"] == (
        f'Jane Doe, Oskil contributors ({prov["run_time_utc"][:4]}). "Fixture shelling report" (report; min_n=5; '
        f'parameters {prov["parameters_hash"]}; code unknown; data sha256 {prov["data_sha256"][:12]}). Oskil v0.1.0. '
        f'Run and accessed {prov["run_time_utc"][:10]}. https://example.org/oskil'
    )
    assert prov["bibtex"].startswith("@misc{oskil_fixture_report_" + prov["parameters_hash"])
    assert "author       = {Doe, Jane and {Oskil contributors}}" in prov["bibtex"]
    assert {"pandas", "pyarrow"} <= set(prov["packages"])  # the fixture imports pandas; pandas reads via pyarrow


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


PROV = {"title": "Shelling patterns", "notebook": "shelling_patterns.ipynb", "notebook_path": "notebooks/x.ipynb",
        "parameters_hash": "1a2b3c4d", "run_time_utc": "2026-11-30T09:05:01Z", "git_commit": "abcdef0123",
        "git_dirty": False, "data_sha256": "f" * 64, "package_version": "0.1.0"}


def test_cite_as_names_changed_parameters_the_run_date_and_uncommitted_code() -> None:
    from analysis.run.cite import cite_as

    prov = {**PROV, "changed_parameters": {"speakers": ["UA", "RU"], "pivot_place": "Izium", "civilians_only": True},
            "git_dirty": True}
    assert cite_as(prov) == (
        'Oskil contributors (2026). "Shelling patterns" (report; speakers=UA,RU, pivot_place=Izium, '
        "civilians_only=True; parameters 1a2b3c4d; code abcdef0 (uncommitted changes); data sha256 ffffffffffff). "
        "Oskil v0.1.0. Run and accessed 2026-11-30."
    )
    assert "default parameters; parameters 1a2b3c4d; code abcdef0;" in cite_as({**PROV, "changed_parameters": {}})
    assert "; no data files)" in cite_as({**PROV, "data_sha256": ""})


def test_readable_values_are_what_a_reader_types_back() -> None:
    from analysis.run.cite import readable_parameters, readable_value

    assert readable_value("Kharkiv city") == "Kharkiv city"
    assert readable_value("a, b") == '"a, b"' and readable_value("") == '""' and readable_value("x=1") == '"x=1"'
    assert readable_value(["third parties", "UA"]) == "third parties,UA" and readable_value([]) == "[]"
    assert [readable_value(v) for v in (None, False, 7, 0.5)] == ["None", "False", "7", "0.5"]
    assert readable_parameters({}) == "default parameters"


def test_bibtex_entry_escapes_latex_and_carries_code_data_and_date() -> None:
    from analysis.run.cite import bibtex, citation_fields

    citation = citation_fields({"title": "Oskil: long title", "version": "0.2.0", "url": "https://e.org/o",
                                "authors": [{"name": "Oskil contributors"}]}, "0.1.0")
    entry = bibtex({**PROV, "title": "50% & more_", "citation": citation, "changed_parameters": {"freq": "M"}})
    assert entry.startswith("@misc{oskil_shelling_patterns_1a2b3c4d_ffffffff,\n")
    assert r"title        = {{50\% \& more\_}: report, freq=M}," in entry
    assert "author       = {{Oskil contributors}}," in entry
    assert r"howpublished = {Oskil v0.2.0, code abcdef0, data sha256 ffffffffffff}," in entry
    assert "url          = {https://e.org/o}," in entry and entry.endswith("urldate      = {2026-11-30}\n}")
    assert entry.count("{") == entry.count("}")


def test_notebook_packages_follow_the_project_imports(tmp_path: Path) -> None:
    """Imports of the notebook and of the `analysis` modules it uses count; the standard library does not."""
    import nbformat

    from analysis.run.packages import imported_modules, notebook_packages

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("%matplotlib inline\nimport json, os\nfrom analysis.notebook import plots\n"
                                  "import pandas as pd"),
        nbformat.v4.new_code_cell("this is not python ("),
    ])
    nbformat.write(nb, tmp_path / "n.ipynb")
    modules = imported_modules(tmp_path / "n.ipynb")
    assert {"matplotlib", "numpy", "seaborn", "pandas", "pyarrow"} <= modules  # plots imports the first three
    assert not modules & {"json", "os", "analysis", "__future__"}
    versions = notebook_packages(tmp_path / "n.ipynb")
    assert versions["pandas"] == __import__("pandas").__version__ and "seaborn" in versions


def test_resolve_data_prefers_the_notebooks_data_dir_parameter(tmp_path: Path) -> None:
    from analysis.run.cli import resolve_data

    root = tmp_path
    declares = {"data_dir": "data/processed", "x": 1}
    assert resolve_data(declares, {}, None, root) == ({}, root / "data/processed")
    assert resolve_data(declares, {}, Path("/d"), root) == ({"data_dir": "/d"}, Path("/d"))
    assert resolve_data(declares, {"data_dir": "/e"}, Path("/d"), root)[1] == Path("/e")
    assert resolve_data({"x": 1}, {}, None, root) == ({}, root / "data" / "processed")
    assert resolve_data({"x": 1}, {}, Path("/d"), root) == ({}, Path("/d"))
