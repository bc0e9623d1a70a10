"""Compare a cited report's provenance with a fresh re-run: does it reproduce?

A report reproduces when the data files and the key figures are the same. Code and
environment differences are shown; code counts only with ``strict`` (same commit,
no uncommitted changes, same package version).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SAME, CHANGED, ADDED, REMOVED, FAILED = "same", "changed", "added", "removed", "failed"
_BAD = {CHANGED, ADDED, REMOVED, FAILED}


@dataclass(frozen=True)
class Check:
    """One line of the verdict table."""

    area: str  # run | report | page | data | code | key figures | environment
    item: str
    status: str
    old: str = ""
    new: str = ""


def _equal(a: object, b: object) -> bool:
    """Exact, except floats (a re-run may differ in the last bits)."""
    numbers = [x for x in (a, b) if isinstance(x, int | float) and not isinstance(x, bool)]
    if len(numbers) == 2 and (isinstance(a, float) or isinstance(b, float)):
        return math.isclose(a, b, rel_tol=1e-9)
    return type(a) is type(b) and a == b


def _diff(area: str, old: dict, new: dict) -> list[Check]:
    checks = []
    for name in sorted(set(old) | set(new)):
        if name not in new:
            checks.append(Check(area, name, REMOVED, str(old[name]), ""))
        elif name not in old:
            checks.append(Check(area, name, ADDED, "", str(new[name])))
        else:
            same = _equal(old[name], new[name])
            checks.append(Check(area, name, SAME if same else CHANGED, str(old[name]), str(new[name])))
    return checks


def _field(area: str, item: str, key: str, old: dict, new: dict) -> Check:
    a, b = old.get(key, "unknown"), new.get(key, "unknown")
    return Check(area, item, SAME if a == b else CHANGED, str(a), str(b))


def consistency(old: dict) -> list[Check]:
    """The cited provenance against itself: its hashes and its Cite-as line must follow from its own fields
    (an edited JSON block is caught even where it agrees with the visible block)."""
    from analysis.run.provenance import data_hash, params_hash

    params = old.get("parameters", {})
    phash = params_hash(params) if isinstance(params, dict) else ""
    files = old.get("data_files", {})
    dhash = data_hash(files) if isinstance(files, dict) and files else ""
    cite = str(old.get("cite_as", ""))
    wanted = {
        "parameters hash": (str(old.get("parameters_hash")), phash),
        "data sha256": (str(old.get("data_sha256", "")), dhash),
    }
    if "citation" in old:  # the line and the BibTeX entry follow from the provenance alone
        from analysis.run.cite import bibtex, cite_as

        wanted["Cite as"] = (cite, cite_as(old))
        wanted["BibTeX"] = (str(old.get("bibtex", "")), bibtex(old))
    else:  # reports rendered before the citation fields were recorded
        commit = str(old.get("git_commit", "unknown"))
        code = commit[:7] if commit != "unknown" else "unknown"
        data = f"data sha256 {dhash[:12]})" if dhash else "no data files)"
        wanted["Cite as: parameters"] = ("present" if f"parameters {phash}," in cite else cite, "present")
        wanted["Cite as: code"] = ("present" if f"code {code}," in cite else cite, "present")
        wanted["Cite as: data"] = ("present" if data in cite else cite, "present")
    return [Check("report", item, SAME if a == b else CHANGED, a, b) for item, (a, b) in wanted.items()]


def compare(old: dict, new: dict) -> list[Check]:
    """Verdict lines: the cited provenance's own consistency and notebook, data checksums, code version, key
    figures, environment."""
    checks = consistency(old) if "parameters_hash" in old else []
    for key, item in (("notebook_path", "notebook path"), ("title", "title")):
        if key in old and key in new:
            checks.append(_field("report", item, key, old, new))
    checks += data_checks(old, new)
    dirty = {old.get("git_dirty"), new.get("git_dirty")}
    dirty_status = SAME if dirty == {False} else "dirty" if True in dirty else "unknown"
    checks += [
        _field("code", "git commit", "git_commit", old, new),
        Check(
            "code",
            "uncommitted changes",
            dirty_status,
            str(old.get("git_dirty")),
            str(new.get("git_dirty")),
        ),
        _field("code", "package version", "package_version", old, new),
    ]
    checks += _diff("key figures", old.get("key_figures", {}), new.get("key_figures", {}))
    for key, item in (
        ("python_version", "Python"),
        ("pandas_version", "pandas"),
        ("papermill_version", "papermill"),
    ):
        checks.append(_field("environment", item, key, old, new))
    packages = {k: v for k, v in old.get("packages", {}).items() if k not in ("pandas", "papermill")}
    checks += _diff("environment", packages, {k: v for k, v in new.get("packages", {}).items() if k in packages})
    return checks


def data_checks(old: dict, new: dict) -> list[Check]:
    """The data files the cited run read (area 'data', which decides), and the folder's other files (area
    'other data', shown only): a table the notebook never read cannot make a report not reproduce. A report
    that recorded no reads (rendered before reads were recorded, or whose notebook read its data without
    analysis.notebook.load) is checked on every file."""
    old_files, new_files = old.get("data_files", {}), new.get("data_files", {})
    read = old.get("data_read")
    if not isinstance(read, list):
        return _diff("data", old_files, new_files) or [Check("data", "(no data files)", SAME)]
    wanted = set(read)
    checks = _diff("data", {k: v for k, v in old_files.items() if k in wanted},
                   {k: v for k, v in new_files.items() if k in wanted})
    checks += _diff("other data", {k: v for k, v in old_files.items() if k not in wanted},
                    {k: v for k, v in new_files.items() if k not in wanted})
    return checks or [Check("data", "(no data files)", SAME)]


def failures(checks: list[Check], strict: bool = False) -> list[Check]:
    """Checks that make the report not reproduce."""
    areas = {"run", "report", "page", "data", "key figures"}
    return [
        c
        for c in checks
        if (c.area in areas and c.status in _BAD) or (strict and c.area == "code" and c.status != SAME)
    ]


def _short(sha: str) -> str:
    return f"{sha[:12]}..." if len(sha) > 12 else sha


def format_table(checks: list[Check]) -> str:
    """Plain-text verdict table: area, item, status, then old -> new where they differ."""
    rows = [("AREA", "ITEM", "STATUS", "DETAIL")]
    for c in checks:
        old, new = (_short(c.old), _short(c.new)) if c.area in ("data", "other data") else (c.old, c.new)
        rows.append((c.area, c.item, c.status, f"{old} -> {new}" if c.old != c.new else new))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = ("  ".join(r[i].ljust(widths[i]) for i in range(3)) + "  " + r[3] for r in rows)
    return "\n".join(line.rstrip() for line in lines)


def verdict(checks: list[Check], strict: bool = False) -> tuple[bool, str]:
    """(reproduces, one-line summary naming what changed)."""
    bad = failures(checks, strict)
    if not bad:
        return True, "VERDICT: reproduces"
    by_area: dict[str, list[str]] = {}
    for c in bad:
        by_area.setdefault(c.area, []).append(f"{c.item} ({c.status})")
    detail = "; ".join(f"{area}: {', '.join(items)}" for area, items in by_area.items())
    return False, f"VERDICT: does NOT reproduce - {detail}"
