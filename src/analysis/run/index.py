"""reports/index.html: one table of every rendered report, read from their embedded provenance."""

from __future__ import annotations

import html
import json
from pathlib import Path
from urllib.parse import quote

from bs4 import BeautifulSoup

from analysis.run import PROVENANCE_ID, atomic_write

INDEX_NAME = "index.html"

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Oskil reports</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 0.3em 0.8em; text-align: left; vertical-align: top; }}
code {{ font-size: 0.9em; }}
</style></head>
<body><h1>Oskil reports</h1>
<table><thead><tr><th>Report</th><th>Parameters</th><th>Run (UTC)</th><th>Commit</th></tr></thead>
<tbody>
{rows}
</tbody></table>
</body></html>
"""


def read_provenance(report_html: Path) -> dict | None:
    """The JSON embedded by render.py, or None if the file is not an Oskil report."""
    soup = BeautifulSoup(Path(report_html).read_text(encoding="utf-8"), "html.parser")
    tag = soup.find("script", id=PROVENANCE_ID)
    if tag is None or not tag.string:
        return None
    try:
        data = json.loads(tag.string)
    except json.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None


def _value(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _row(link: str, prov: dict) -> str:
    esc = html.escape
    params = "<br>".join(
        f"{esc(str(k))} = <code>{esc(_value(v))}</code>" for k, v in prov.get("parameters", {}).items()
    )
    commit = str(prov.get("git_commit", "unknown"))[:7]
    if prov.get("git_dirty") is True:
        commit += " (dirty)"
    title = esc(str(prov.get("title") or prov.get("notebook") or link))
    return (
        f'<tr><td><a href="{esc(link)}">{title}</a><br><small>{esc(str(prov.get("notebook", "")))}</small></td>'
        f"<td>{params or 'defaults'}</td><td>{esc(str(prov.get('run_time_utc', '')))}</td>"
        f"<td><code>{esc(commit)}</code></td></tr>"
    )


def build_index(reports_dir: Path) -> Path:
    """(Re)write reports_dir/index.html, sorted by title, notebook, then file name."""
    reports_dir = Path(reports_dir)
    entries = []
    for path in sorted(reports_dir.glob("*/*.html")):
        if path.parent.name.startswith(("_", ".")):
            continue
        prov = read_provenance(path)
        if prov is not None:
            link = "/".join(quote(part) for part in path.relative_to(reports_dir).parts)
            key = (str(prov.get("title", "")), str(prov.get("notebook", "")), link)
            entries.append((key, _row(link, prov)))
    rows = "\n".join(row for _, row in sorted(entries)) or '<tr><td colspan="4">No reports yet.</td></tr>'
    return atomic_write(reports_dir / INDEX_NAME, _PAGE.format(rows=rows))
