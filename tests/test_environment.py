"""The environment files agree: requirements.in -> requirements.lock (exact pins) <- environment.yml,
and the Python version they name is one pyproject.toml accepts."""

from __future__ import annotations

import re
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


def test_environment_yml_installs_the_lock():
    env = _environment()
    assert env.get("name") == "oskil"
    assert "conda-forge" in (env.get("channels") or [])
    deps = env.get("dependencies") or []
    assert "pip" in [d for d in deps if isinstance(d, str)], "environment.yml must install pip"
    pip_sections = [d["pip"] for d in deps if isinstance(d, dict) and "pip" in d]
    assert len(pip_sections) == 1, "environment.yml needs exactly one pip: section"
    pip = [str(x).split() for x in pip_sections[0]]
    assert ["-r", "requirements.lock"] in pip, "the pip section must be `- -r requirements.lock`"
    assert all(p[:1] in (["-r"], ["--requirement"]) for p in pip), (
        "the pip section may only point at requirements.lock; pin packages there, not here")


def test_environment_python_agrees_with_pyproject():
    deps = [d for d in _environment().get("dependencies") or [] if isinstance(d, str)]
    pythons = [d for d in deps if re.match(r"^python\s*(?:[=<>!~]|$)", d)]
    assert len(pythons) == 1, f"environment.yml should name python once, found {pythons}"
    m = re.fullmatch(r"python\s*=?=\s*(\d+\.\d+)(?:\.\*)?", pythons[0].strip())
    assert m, f"environment.yml should pin a Python minor version (python=3.11), found {pythons[0]!r}"
    requires = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["requires-python"]
    assert SpecifierSet(requires).contains(m.group(1)), (
        f"environment.yml asks for python {m.group(1)}, but pyproject.toml requires-python is {requires!r}")
