"""reports/index.html: one table of every rendered report, read from their embedded provenance."""

from __future__ import annotations

import html
import json
from pathlib import Path
from urllib.parse import quote

from analysis.run import PROVENANCE_ID, atomic_write

INDEX_NAME = "index.html"

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Oskil reports</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 0.3em 0.8em; text-align: left; vertical-align: top; }}
code {{ font-size: 0.9em; overflow-wrap: anywhere; }}
.nocode {{ font-size: 0.8em; border: 1px solid #999; border-radius: 3px; padding: 0 0.3em; }}
ul {{ margin: 0; padding-left: 1.1em; }}
@media print {{ body {{ margin: 0; font-size: 9pt; }} @page {{ margin: 15mm 12mm; }} }}
</style></head>
<body><h1>Oskil reports</h1>
<p>One row per rendered report: the parameters it changed from the notebook's defaults, the data it was computed
from (sha256), its first key figures, when it was run and from which code.</p>
<table><thead><tr><th>Report</th><th>Changed parameters</th><th>Data (sha256)</th><th>Key figures</th>
<th>Run (UTC)</th><th>Code</th></tr></thead>
<tbody>
{rows}
</tbody></table>
</body></html>
"""


def read_provenance(report_html: Path) -> dict | None:
    """The JSON embedded by render.py, or None if the file is not an Oskil report (or not text at all)."""
    try:
        text = Path(report_html).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    from bs4 import BeautifulSoup  # here: `run --help` and `verify --help` need not import it

    tag = BeautifulSoup(text, "html.parser").find("script", id=PROVENANCE_ID)
    if tag is None or not tag.string:
        return None
    try:
        data = json.loads(tag.string)
    except json.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None


KEY_FIGURES_SHOWN = 3


def _changed(prov: dict) -> dict:
    if isinstance(prov.get("changed_parameters"), dict):
        return prov["changed_parameters"]
    return dict(prov.get("given") or {})  # reports rendered before changed parameters were recorded


def _row(link: str, prov: dict) -> str:
    from analysis.notebook.keyfigures import format_value
    from analysis.run.cite import readable_value

    esc = html.escape
    changed = _changed(prov)
    params = "<br>".join(f"{esc(str(k))}=<code>{esc(readable_value(v))}</code>" for k, v in changed.items())
    commit = str(prov.get("git_commit", "unknown"))[:7]
    if prov.get("git_dirty") is True:
        commit += " (uncommitted changes)"
    title = esc(str(prov.get("title") or prov.get("notebook") or link))
    nocode = ' <span class="nocode">no code</span>' if prov.get("render", {}).get("no_code") else ""
    figures = [(k, v) for k, v in (prov.get("key_figures") or {}).items()][:KEY_FIGURES_SHOWN]
    shown = "".join(f"<li>{esc(str(k))}: {esc(format_value(v) if isinstance(v, int | float | str) else str(v))}</li>"
                    for k, v in figures)
    more = len(prov.get("key_figures") or {}) - len(figures)
    shown += f"<li>… {more} more in the report</li>" if more > 0 else ""
    data = str(prov.get("data_sha256") or "")
    return (
        f'<tr><td><a href="{esc(link)}">{title}</a>{nocode}<br><small>{esc(str(prov.get("notebook", "")))}</small></td>'
        f"<td>{params or 'defaults'}</td><td><code>{esc(data[:12]) or 'no data'}</code></td>"
        f"<td><ul>{shown}</ul></td>"
        f"<td>{esc(str(prov.get('run_time_utc', '')).replace('T', ' ').removesuffix('Z'))}</td>"
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
    rows = "\n".join(row for _, row in sorted(entries)) or '<tr><td colspan="6">No reports yet.</td></tr>'
    return atomic_write(reports_dir / INDEX_NAME, _PAGE.format(rows=rows))
