"""The environment files agree: requirements.in -> requirements.lock (exact pins) <- environment.yml,
and the Python version they name is one pyproject.toml accepts."""

from __future__ import annotations

import json
import re
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"
REQ_IN = ROOT / "requirements.in"
ENV = ROOT / "environment.yml"
PYPROJECT = ROOT / "pyproject.toml"


def _logical_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, text) of each requirement line: comments dropped, '\\' continuations joined."""
    out: list[tuple[int, str]] = []
    buf, start = "", 0
    for no, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = re.sub(r"(^|\s)#.*$", "", raw).rstrip()
        if not buf:
            start = no
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        if buf.strip():
            out.append((start, buf.strip()))
        buf = ""
    if buf.strip():
        out.append((start, buf.strip()))
    return out


def _parse(path: Path) -> tuple[dict[str, Requirement], list[str]]:
    """Requirements by canonical name, and the problems met (unparseable, editable, repeated)."""
    reqs: dict[str, Requirement] = {}
    problems: list[str] = []
    for no, line in _logical_lines(path):
        if line.startswith(("-e", "--editable")):
            problems.append(f"{path.name}:{no}: editable install {line!r} is not a pin")
            continue
        if line.startswith("-"):  # pip options: --index-url, --hash on its own line, ...
            continue
        text = re.split(r"\s--hash[=\s]", line)[0].strip()
        try:
            req = Requirement(text)
        except InvalidRequirement as exc:
            problems.append(f"{path.name}:{no}: cannot parse {line!r} ({exc})")
            continue
        name = canonicalize_name(req.name)
        if name in reqs and not req.marker:
            problems.append(f"{path.name}:{no}: {req.name} is listed twice")
        reqs[name] = req
    return reqs, problems


def _pinned_version(req: Requirement) -> str | None:
    specs = list(req.specifier)
    if req.url is None and len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        return specs[0].version
    return None


def _lock() -> dict[str, Requirement]:
    if not LOCK.exists():
        pytest.fail("requirements.lock is missing: generate it from requirements.in (every package pinned "
                    "with ==, e.g. `pip-compile requirements.in -o requirements.lock` or `pip freeze` in a "
                    "fresh venv) and commit it", pytrace=False)
    reqs, problems = _parse(LOCK)
    assert not problems, "\n".join(problems)
    assert reqs, "requirements.lock lists no packages"
    return reqs


def test_lock_pins_every_package_exactly():
    lock = _lock()
    loose = [str(r) for r in lock.values() if _pinned_version(r) is None]
    assert not loose, "requirements.lock must pin every package with ==; not pinned: " + ", ".join(loose)


def test_every_top_level_requirement_is_pinned_in_the_lock_at_its_version():
    lock = _lock()
    wanted, problems = _parse(REQ_IN)
    assert not problems, "\n".join(problems)
    missing, different = [], []
    for name, req in wanted.items():
        got = lock.get(name)
        if got is None or _pinned_version(got) is None:
            missing.append(req.name)
            continue
        version = _pinned_version(got)
        want = _pinned_version(req)
        if (want is not None and want != version) or (want is None and not req.specifier.contains(version,
                                                                                                   prereleases=True)):
            different.append(f"{req.name}: requirements.in says {req.specifier}, requirements.lock has {version}")
    assert not missing, "in requirements.in but not pinned in requirements.lock: " + ", ".join(missing)
    assert not different, "\n".join(different)


def _environment() -> dict:
    assert ENV.exists(), "environment.yml is missing"
    return yaml.safe_load(ENV.read_text(encoding="utf-8"))


def test_environment_yml_installs_the_lock_the_project_and_the_kernel():
    env = _environment()
    assert env.get("name") == "oskil"
    assert "conda-forge" in (env.get("channels") or [])
    deps = env.get("dependencies") or []
    assert "pip" in [d for d in deps if isinstance(d, str)], "environment.yml must install pip"
    pip_sections = [d["pip"] for d in deps if isinstance(d, dict) and "pip" in d]
    assert len(pip_sections) == 1, "environment.yml needs exactly one pip: section"
    pip = [str(x).split() for x in pip_sections[0]]
    assert pip[0] == ["-r", "requirements.lock"], "the pip section must start with `- -r requirements.lock`"
    assert ["-e", ".[dask,test]"] in pip, "the project must be installed (editable, with its extras)"
    assert ["./tools/oskil-kernel"] in pip, "the Oskil kernel must be registered (tools/oskil-kernel)"
    kernel = ROOT / "tools" / "oskil-kernel"
    assert json.loads((kernel / "kernel.json").read_text())["display_name"] == "Oskil (Python 3)"
    files = tomllib.loads((kernel / "pyproject.toml").read_text())["tool"]["setuptools"]["data-files"]
    assert files == {"share/jupyter/kernels/oskil": ["kernel.json"], "share/jupyter/lab/settings": ["overrides.json"]}
    settings = json.loads((kernel / "overrides.json").read_text())["@jupyterlab/apputils-extension:notification"]
    assert settings == {"fetchNews": "false", "checkForUpdates": False}  # no news pop-up in `make lab`


def test_make_env_installs_what_environment_yml_installs():
    pip = [str(x) for d in _environment()["dependencies"] if isinstance(d, dict) for x in d["pip"]]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    line = next(x for x in makefile.splitlines() if "pip install" in x and "requirements.lock" in x)
    assert line.split("-q ", 1)[1].replace("'", "").split() == " ".join(pip).split()


def test_pyproject_dependencies_are_pinned_at_the_lock_versions():
    lock = _lock()
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    declared = list(project["dependencies"]) + [r for extra in project["optional-dependencies"].values()
                                                for r in extra]
    wrong = []
    for text in declared:
        req = Requirement(text)
        pinned = _pinned_version(req)
        got = lock.get(canonicalize_name(req.name))
        if pinned is None or got is None or _pinned_version(got) != pinned:
            wrong.append(f"{text} (lock: {got})")
    assert not wrong, "pyproject.toml must pin its dependencies at the lock's versions: " + ", ".join(wrong)
    assert set(project["optional-dependencies"]) >= {"dask", "distributed", "test"}
    assert project["scripts"] == {"oskil": "analysis.cli:main"}


def test_every_declared_dependency_is_used():
    """A top-level requirement whose module nothing in src, tests or tools imports is dead weight (dateparser)."""
    modules = {"pyarrow": "pyarrow", "pyyaml": "yaml", "beautifulsoup4": "bs4", "jinja2": "jinja2",
               "jupyter-client": "jupyter_client", "jupyter-core": "jupyter_core", "ipython": "IPython",
               "ipykernel": "ipykernel", "jupyterlab": "jupyterlab", "ruff": None,
               "nbclient": None,  # papermill's engine: the runner sets its kernel_manager_class (run/execute.py)
               "llvmlite": None}  # numba's compiler backend (clean/linking_kernel.py imports numba)
    text = "\n".join(p.read_text(encoding="utf-8", errors="replace") for folder in ("src", "tests", "tools")
                     for p in (ROOT / folder).rglob("*.py")) + (ROOT / "Makefile").read_text(encoding="utf-8")
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    names = {canonicalize_name(Requirement(r).name) for r in project["dependencies"]} | set(_parse(REQ_IN)[0])
    unused = []
    for name in sorted(names):
        module = modules.get(name, name.replace("-", "_"))
        if module and not re.search(rf"(import|from|-m) {re.escape(module)}\b|{re.escape(module)}\b.*--", text):
            unused.append(name)
    assert not unused, f"declared but never imported: {unused}"


def test_make_help_lists_every_target():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = {m.group(1) for m in re.finditer(r"^([a-z][a-z-]*):(?!=)", makefile, re.M)}
    shown = subprocess.run(["make", "-s", "-C", str(ROOT), "help"], capture_output=True, text=True, timeout=30,
                           check=True).stdout
    listed = {line.split()[1] for line in shown.splitlines() if line.startswith("make ")}
    assert targets == listed, f"targets {sorted(targets)}; `make help` lists {sorted(listed)}"
    assert "help" in makefile.split(".DEFAULT_GOAL := ", 1)[1].split()[0]


def test_environment_python_agrees_with_pyproject():
    deps = [d for d in _environment().get("dependencies") or [] if isinstance(d, str)]
    pythons = [d for d in deps if re.match(r"^python\s*(?:[=<>!~]|$)", d)]
    assert len(pythons) == 1, f"environment.yml should name python once, found {pythons}"
    m = re.fullmatch(r"python\s*=?=\s*(\d+\.\d+)(?:\.\*)?", pythons[0].strip())
    assert m, f"environment.yml should pin a Python minor version (python=3.11), found {pythons[0]!r}"
    requires = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["requires-python"]
    assert SpecifierSet(requires).contains(m.group(1)), (
        f"environment.yml asks for python {m.group(1)}, but pyproject.toml requires-python is {requires!r}")
