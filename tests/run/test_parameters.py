"""`run` parameters: a YAML file, lists on the command line, folders recorded relative to the project, and a
quiet kernel (needs a kernel)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest

from analysis.run import cli
from analysis.run.index import read_provenance
from analysis.run.kernel import QuietKernelManager

LISTS = '''data_dir: str = "data"  # a folder with manifest.json
start_date: str = "2022-08-15"  # YYYY-MM-DD
tags: list[str] = "all"  # "all" or a list
n: int = 1  # a number'''


@pytest.fixture
def lists_project(project):
    """The fixture project with a notebook that takes a folder and a list, and echoes them as key figures."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(LISTS, metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell('from analysis.notebook.keyfigures import key_figures\n'
                                          'key_figures({"tags": repr(tags), "data_dir": data_dir, "n": n, '
                                          '"start_date": start_date})')]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, project.root / "notebooks" / "lists.ipynb")
    (project.data / "manifest.json").write_text(json.dumps({"files": {}}), encoding="utf-8")
    return project


def _run(project, *argv: str) -> dict:
    assert cli.main_run(project.args("run", project.notebook("lists.ipynb"), *argv)) == 0
    (page,) = sorted((project.reports / "lists").glob("*.html"))
    return read_provenance(page)


def test_a_parameters_file_and_a_comma_list(lists_project, tmp_path, capfd):
    params = tmp_path / "params.yaml"
    params.write_text("start_date: 2022-09-01\ntags: [a, b]\nn: 4\n", encoding="utf-8")
    prov = _run(lists_project, "-f", str(params), "-p", "n", "5")  # -p wins over the file, as in papermill
    assert prov["key_figures"] == {"tags": "['a', 'b']", "data_dir": "data", "n": 5, "start_date": "2022-09-01"}
    assert prov["parameters"]["tags"] == ["a", "b"]
    captured = capfd.readouterr()
    assert "[IPKernelApp]" not in captured.err and "KeyboardInterrupt" not in captured.err + captured.out
    assert "1 rendered, 0 failed" in captured.out


@pytest.mark.parametrize("value", ["a,b", '["a", "b"]'])
def test_list_parameters_on_the_command_line_are_one_parameter_set(lists_project, value):
    prov = _run(lists_project, "-p", "tags", value)
    assert prov["key_figures"]["tags"] == "['a', 'b']"
    (page,) = sorted((lists_project.reports / "lists").glob("*.html"))
    assert "__tags-a-b__" in page.name


def test_a_data_folder_is_recorded_relative_to_the_project(lists_project, monkeypatch):
    other = lists_project.root / "data" / "export"
    other.mkdir()
    (other / "manifest.json").write_text(json.dumps({"files": {}}), encoding="utf-8")
    monkeypatch.chdir(lists_project.root / "notebooks")  # from a folder inside the project
    prov = _run(lists_project, "-p", "data_dir", str(other))
    assert prov["parameters"]["data_dir"] == "data/export"
    assert str(lists_project.root) not in (lists_project.reports / "lists").glob("*.html").__next__().name


def test_a_bad_parameters_file_is_one_line_and_exit_2(lists_project, tmp_path, capsys):
    bad = tmp_path / "params.yaml"
    bad.write_text("- a\n- b\n", encoding="utf-8")
    assert cli.main_run(lists_project.args("run", lists_project.notebook("lists.ipynb"), "-f", str(bad))) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "expected a YAML mapping" in err
    assert cli.main_run(lists_project.args("run", lists_project.notebook("lists.ipynb"), "-f",
                                           str(tmp_path / "none.yaml"))) == 2
    assert "none.yaml" in capsys.readouterr().err


def test_a_folder_without_manifest_stops_before_a_kernel(lists_project, tmp_path, capsys):
    args = lists_project.args("run", lists_project.notebook("lists.ipynb"), "-p", "data_dir", str(tmp_path))
    assert cli.main_run(args) == 2
    assert "no manifest.json" in capsys.readouterr().err
    assert not (lists_project.reports / "lists").exists()


def test_the_kernel_is_not_interrupted_while_it_is_shut_down():
    km = QuietKernelManager(kernel_name="python3")
    assert km.transport == "ipc" and os.path.isabs(km.ip)
    sent = []

    async def record(signum):
        sent.append(signum)

    km._async_signal_kernel = record
    km.shutting_down = True
    import asyncio

    asyncio.run(km._async_interrupt_kernel())
    assert sent == []


def test_paths_are_recorded_as_the_user_would_share_them(tmp_path, monkeypatch):
    from analysis.support.paths import project_path

    root = tmp_path / "proj"
    (root / "data" / "x").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home" / "export").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    assert project_path(root / "data" / "x", root) == "data/x"
    assert project_path("data/x", root) == "data/x"  # not under the working directory: from the project
    assert project_path(str(tmp_path / "home" / "export"), root) == "~/export"
    assert project_path("~/export", root) == "~/export"
    assert project_path("/opt", root) == str(Path("/opt").resolve())


def test_a_long_runtime_folder_still_gets_unix_sockets(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / ("x" * 120)))
    km = QuietKernelManager(kernel_name="python3")
    assert km.transport == "ipc" and len(km.ip) < 100 and Path(km._ipc_folder).is_dir()
    import asyncio

    asyncio.run(km._async_cleanup_resources())
    assert not Path(km._ipc_folder).exists()
