"""How a report is cited: the one-line "Cite as" text and a BibTeX entry, both from its provenance alone.

Both are pure functions of the provenance dict (which records the CITATION.cff fields it used under
"citation"), so `verify` recomputes them from a cited report and catches an edited line. A citation names the
parameters a reader changed as name=value (what `-p name value` takes back), the parameter hash, the code
commit with an "(uncommitted changes)" flag, the data checksum and the date the report was run.
"""

from __future__ import annotations

import json
import re

_PLAIN = re.compile(r"^[^\s,;=\"\[\]{}]+(?: [^\s,;=\"\[\]{}]+)*$")


def readable_value(value: object) -> str:
    """A parameter value as a reader would type it back: text bare when it is unambiguous (else quoted),
    a list comma-joined, True/False/None as papermill writes them."""
    if isinstance(value, str):
        return value if _PLAIN.match(value) else json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return ",".join(readable_value(v) for v in value) if value else "[]"
    if isinstance(value, bool) or value is None or isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def readable_parameters(changed: dict) -> str:
    """'name=value, name=value' for the changed parameters, or 'default parameters'."""
    if not changed:
        return "default parameters"
    return ", ".join(f"{name}={readable_value(value)}" for name, value in changed.items())


def citation_fields(citation: dict, package_version: str) -> dict:
    """What the citation takes from CITATION.cff (recorded in the provenance, so it can be checked later)."""
    people, bib = [], []
    for author in citation.get("authors") or []:
        if not isinstance(author, dict):
            continue
        if author.get("name"):
            people.append(str(author["name"]))
            bib.append("{" + str(author["name"]) + "}")  # an organisation: never split into first/last
        elif author.get("family-names"):
            given, family = str(author.get("given-names", "")), str(author["family-names"])
            people.append(f"{given} {family}".strip())
            bib.append(f"{family}, {given}".rstrip(", "))
    project = str(citation.get("title") or "Oskil").split(":")[0].strip() or "Oskil"
    return {
        "authors": people or [f"{project} contributors"],
        "authors_bibtex": bib or ["{" + f"{project} contributors" + "}"],
        "project": project,
        "version": str(citation.get("version") or package_version),
        "url": str(citation.get("url") or citation.get("repository-code") or ""),
        "licence_code": str(citation.get("license") or ""),
    }


def _code(prov: dict) -> str:
    commit = str(prov.get("git_commit", "unknown"))
    short = commit[:7] if commit != "unknown" else "unknown"
    return short + (" (uncommitted changes)" if prov.get("git_dirty") is True else "")


def _data(prov: dict) -> str:
    dhash = str(prov.get("data_sha256") or "")
    return f"data sha256 {dhash[:12]}" if dhash else "no data files"


def run_date(prov: dict) -> str:
    return str(prov.get("run_time_utc", ""))[:10] or "unknown date"


def cite_as(prov: dict) -> str:
    """Authors (year). "Title" (report; changed parameters; parameters hash; code; data). Project vN. Run and
    accessed <date>. URL"""
    c = prov.get("citation") or citation_fields({}, str(prov.get("package_version", "")))
    date = run_date(prov)
    line = (
        f'{", ".join(c["authors"])} ({date[:4]}). "{prov.get("title", "")}" (report; '
        f"{readable_parameters(prov.get('changed_parameters', {}))}; parameters {prov.get('parameters_hash', '')}; "
        f"code {_code(prov)}; {_data(prov)}). {c['project']} v{c['version']}. Run and accessed {date}."
    )
    return f"{line} {c['url']}" if c.get("url") else line


_TEX = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
        "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def tex(text: str) -> str:
    """Text safe inside a BibTeX field: LaTeX's special characters escaped."""
    return "".join(_TEX.get(ch, ch) for ch in text)


def bibtex_key(prov: dict) -> str:
    stem = re.sub(r"[^a-z0-9]+", "_", str(prov.get("notebook", "report")).removesuffix(".ipynb").lower())
    data = str(prov.get("data_sha256") or "nodata")[:8]
    return f"oskil_{stem.strip('_')}_{prov.get('parameters_hash', '')}_{data}"


def bibtex(prov: dict) -> str:
    """A @misc entry for the report (howpublished: the code and data it rests on; urldate: the run date)."""
    c = prov.get("citation") or citation_fields({}, str(prov.get("package_version", "")))
    date = run_date(prov)
    fields = [
        ("author", " and ".join(c["authors_bibtex"])),
        ("title", "{" + tex(str(prov.get("title", ""))) + "}: report, "
         + tex(readable_parameters(prov.get("changed_parameters", {})))),
        ("year", date[:4]),
        ("howpublished", tex(f"{c['project']} v{c['version']}, code {_code(prov)}, {_data(prov)}")),
        ("note", tex(f"Notebook {prov.get('notebook_path', '')}; parameters {prov.get('parameters_hash', '')}; "
                     f"run {prov.get('run_time_utc', '')}")),
    ]
    if c.get("url"):
        fields.append(("url", c["url"].replace("{", "").replace("}", "")))
    fields.append(("urldate", date))
    body = ",\n".join(f"  {name:<12} = {{{value}}}" for name, value in fields)
    return f"@misc{{{bibtex_key(prov)},\n{body}\n}}"
