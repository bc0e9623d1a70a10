"""Every command in README.md and docs/analyst-guide.md is run: here, in order, in a copy of the project (as
written, with `.venv/bin/python` read as this interpreter and /tmp as a private folder), or by the named test
that runs it (what cannot run here: make targets, conda, a Dask cluster). A command added to the documents
without either fails the first test, so the documents cannot drift from the code."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", ROOT / "docs" / "analyst-guide.md"]

# commands run by another test (or, for make test, by CI itself): the test must exist
ELSEWHERE = {
    "make reproduce": "tests/test_environment.py::test_make_help_lists_every_target",
    "make test": ".ci/run",
    "make lab": "tests/integration/test_lab.py::test_lab_does_not_ask_about_jupyter_news",
    "conda env create -f environment.yml":
        "tests/test_environment.py::test_environment_yml_installs_the_lock_the_project_and_the_kernel",
    "conda activate oskil": "tests/test_environment.py::test_make_env_installs_what_environment_yml_installs",
    ".venv/bin/dask scheduler --host 0.0.0.0 --port 8786":
        "tests/integration/test_dask_cluster.py::test_clean_through_scheduler_is_the_pandas_clean",
    ".venv/bin/dask worker tcp://SCHEDULER_HOST:8786 --nthreads 1 --memory-limit 8GiB":
        "tests/integration/test_dask_cluster.py::test_clean_through_scheduler_is_the_pandas_clean",
    ".venv/bin/python -m analysis clean --engine dask --scheduler tcp://SCHEDULER_HOST:8786 "
    "--raw s3://bucket/oskil/raw --out s3://bucket/oskil/processed":
        "tests/integration/test_dask_storage.py::test_clean_from_and_to_urls",
    ".venv/bin/python -m analysis import acled s3://bucket/exports/acled.csv --out /data/imported/acled "
    "--engine dask --scheduler tcp://SCHEDULER_HOST:8786":
        "tests/integration/test_dask_storage.py::test_import_from_and_to_urls",
    ".venv/bin/python -m analysis run notebooks/casualty_reports.ipynb --no-code":
        "tests/integration/test_browser.py::test_no_code_report_hides_code_but_keeps_figures",
    ".venv/bin/python -m analysis run notebooks/shelling_patterns.ipynb -p data_dir ~/oskil-acled":
        "tests/notebooks/test_notebooks.py::test_every_notebook_runs_on_an_imported_acled_export",
}
# what a command's output must show (the guide's file names are real)
EXPECT = {
    ".venv/bin/python -m analysis run notebooks/shelling_patterns.ipynb -p start_date 2022-09-01 -p oblast Kharkiv":
        "shelling_patterns__start_date-2022-09-01__oblast-kharkiv__dd1e16bc-",
    ".venv/bin/python -m analysis run shelling_patterns -f /tmp/params.yaml":
        "shelling_patterns__start_date-2022-09-01__oblast-kharkiv__dd1e16bc-",
}
FENCE = re.compile(r"^([ \t]*)```(\w*)\n(.*?)^\1```[ \t]*$", re.M | re.S)


def blocks(path: Path) -> list[tuple[str, str]]:
    """(language, text) of every fenced block."""
    return [(m.group(2), re.sub(rf"^{m.group(1)}", "", m.group(3), flags=re.M))
            for m in FENCE.finditer(path.read_text(encoding="utf-8"))]


def commands(text: str) -> list[str]:
    """Shell commands of a block: continuation lines joined, comments and blank lines dropped."""
    out = []
    for line in text.replace("\\\n", " ").splitlines():
        line = re.sub(r"(^|\s)#\s.*$", "", line).strip()
        if line:
            out.append(re.sub(r"\s+", " ", line))
    return out


def documented() -> list[tuple[str, str]]:
    """(language, command or code) in document order: every sh line and every python block."""
    found = []
    for doc in DOCS:
        for lang, text in blocks(doc):
            if lang == "sh":
                found += [("sh", c) for c in commands(text)]
            elif lang == "python":
                found.append(("python", text))
    return found


def test_every_command_is_run_here_or_by_a_named_test():
    runnable = {c for lang, c in documented() if lang == "sh"}
    assert runnable, "no sh blocks found"
    for command, test in ELSEWHERE.items():
        path, _, name = test.partition("::")
        assert (ROOT / path).exists(), f"{command!r}: {path} is missing"
        if name:
            assert f"def {name}(" in (ROOT / path).read_text(encoding="utf-8"), f"{command!r}: no test {test}"
    assert not set(ELSEWHERE) - runnable, f"mapped but no longer documented: {sorted(set(ELSEWHERE) - runnable)}"
    for command in runnable - set(ELSEWHERE):
        assert command.startswith((".venv/bin/", "printf ", "oskil ")), f"not run by any test: {command}"
    assert set(EXPECT) <= runnable


def _copy(dst: Path) -> Path:
    skip = shutil.ignore_patterns(".venv", ".git", "reports", "build", "processed", "__pycache__", ".pytest_cache",
                                  ".ruff_cache", ".hypothesis", "bench", "*.egg-info")
    shutil.copytree(ROOT, dst, ignore=skip)
    return dst


@pytest.mark.slow
@pytest.mark.integration
def test_the_documented_commands_run_as_written(tmp_path, subprocess_env):
    project, tmp, home = _copy(tmp_path / "oskil"), tmp_path / "tmp", tmp_path / "home"
    tmp.mkdir()
    home.mkdir()
    env = {**subprocess_env, "HOME": str(home)}
    for lang, command in documented():
        if lang == "python":
            done = subprocess.run([sys.executable, "-c", command], cwd=project, env=env, capture_output=True,
                                  text=True, timeout=120, check=False)
            assert done.returncode == 0, f"python block failed:\n{command}\n{done.stderr[-2000:]}"
            continue
        if command in ELSEWHERE:
            continue
        # /tmp/ first: the interpreter's own path may hold /tmp/ too (a checkout under /tmp)
        shell = (command.replace("/tmp/", f"{tmp}/").replace(".venv/bin/python", sys.executable)
                 .replace(".venv/bin/papermill", f"{sys.executable} -m papermill"))
        shell = re.sub(r"^oskil ", f"{sys.executable} -m analysis ", shell)  # the console script's module
        done = subprocess.run(["bash", "-c", shell], cwd=project, env=env, capture_output=True, text=True,
                              timeout=600, check=False)
        assert done.returncode == 0, f"{command}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        assert EXPECT.get(command, "") in done.stdout, f"{command}: expected {EXPECT[command]!r} in\n{done.stdout}"
        assert "Traceback" not in done.stderr, f"{command}\n{done.stderr[-2000:]}"
        if "-m analysis" in shell:  # papermill itself starts its kernel over TCP: its warning is not ours
            assert "[IPKernelApp]" not in done.stderr, f"{command}\n{done.stderr[-2000:]}"
