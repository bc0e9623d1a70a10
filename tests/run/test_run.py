"""`run`: execute + render + index, end to end on the fixture notebooks (needs a kernel)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import nbformat
import pytest

from analysis.run import cli
from analysis.run.index import build_index, read_provenance


def only_report(folder: Path) -> Path:
    (html,) = sorted(folder.glob("*.html"))
    return html


def test_report_has_provenance_figure_and_no_remote_scripts(built) -> None:
    html_path = only_report(built.reports / "fixture_report")
    assert re.fullmatch(r"fixture_report__defaults__[0-9a-f]{8}-[0-9a-f]{8}\.html", html_path.name)
    page = html_path.read_text(encoding="utf-8")
    block = page[page.index('id="oskil-provenance-block"') :]
    block = block[: block.index("</section>")]
    for text in (
        "Fixture shelling report",
        "start_date",
        "2022-08-15",
        "events.parquet",
        "Cite as:",
        "Jane Doe, Oskil contributors",
        "Run (UTC)",
        "3.1",
        "Code (git commit)",
    ):
        assert text in block, text
    prov = read_provenance(html_path)
    assert prov["data_files"]["events.parquet"] in block
    assert prov["cite_as"] in html.unescape(block)
    assert prov["key_figures"] == {"events": 3, "shells": 1208, "label": "all events"}
    assert re.search(r'<img [^>]*src="data:image/png;base64,[A-Za-z0-9+/=]{100,}', page)
    assert "1,208" in page  # key figures table, thousands separator
    scripts = re.findall(r"<script[^>]*>", page)
    assert scripts == ['<script id="oskil-provenance" type="application/json">']
    assert not re.search(r"<(script|link|iframe)[^>]+(src|href)=\"?(https?:)?//", page)
    assert not re.search(r"url\(['\"]?(https?:)?//", page)  # CSS fetches nothing either
    assert "alert('markdown')" not in page  # <script> in markdown dropped with its content


def test_notebook_output_html_is_sanitised(built) -> None:
    page = only_report(built.reports / "fixture_report").read_text(encoding="utf-8")
    assert "<b>bold</b>" in page
    assert "onerror" not in page.split("jp-RenderedHTML", 1)[1].split("</div>", 1)[0]
    assert "<script>alert" not in page


def test_executed_notebook_is_kept_with_papermill_metadata(built) -> None:
    html_path = only_report(built.reports / "fixture_report")
    nb = nbformat.read(html_path.with_suffix(".ipynb"), as_version=4)
    assert "papermill" in nb.metadata and nb.metadata.papermill["parameters"] == {}
    assert not list(built.reports.rglob("*.tmp*"))


def test_index_lists_reports_deterministically(built) -> None:
    index = built.reports / "index.html"
    first = index.read_bytes()
    page = first.decode()
    link = only_report(built.reports / "fixture_report").relative_to(built.reports).as_posix()
    assert f'href="{link}"' in page and "Fixture shelling report" in page
    assert "<td>defaults</td>" in page  # the changed parameters only: none here
    prov = read_provenance(only_report(built.reports / "fixture_report"))
    assert f"<code>{prov['data_sha256'][:12]}</code>" in page and "<li>events: 3</li>" in page
    assert build_index(built.reports).read_bytes() == first


def test_no_code_and_parameters(project, capsys: pytest.CaptureFixture[str]) -> None:
    args = project.args(
        "run",
        project.notebook("fixture_report.ipynb"),
        "-p",
        "min_n",
        "4",
        "-p",
        "label",
        "big days",
        "--no-code",
    )
    assert cli.main_run(args) == 0
    html_path = only_report(project.reports / "fixture_report")
    assert html_path.name.startswith("fixture_report__min_n-4__label-big-days__")
    page = html_path.read_text(encoding="utf-8")
    assert "read_parquet" not in page and "jp-CodeMirrorEditor jp-Editor" not in page
    assert "data:image/png;base64," in page and "Fixture shelling report" in page
    prov = read_provenance(html_path)
    assert prov["parameters"] == {"start_date": "2022-08-15", "min_n": 4, "label": "big days"}
    assert prov["key_figures"]["events"] == 2
    out = capsys.readouterr().out
    assert "started  fixture_report.ipynb" in out and "finished fixture_report.ipynb in" in out


def test_failing_notebook_names_cell_and_keeps_partial_run(project, capsys) -> None:
    args = project.args("run", project.notebook("failing_report.ipynb"), "-p", "threshold", "2")
    assert cli.main_run(args) == 1
    out = capsys.readouterr().out
    assert "FAILED   failing_report.ipynb" in out
    # numbered as the source notebook (no injected cell), the line that raised, not the cell's first line
    assert ("cell 4 (code cell 3), line 2 `check_total(total)  # noqa: F821 - undefined on purpose` raised "
            "NameError") in out
    kept = list((project.reports / "_failed").glob("failing_report__threshold-2__*-*.ipynb"))
    assert len(kept) == 1
    nb = nbformat.read(kept[0], as_version=4)
    assert nb.metadata.papermill["parameters"] == {"threshold": 2}
    assert not list(project.reports.rglob("*.html")) or [p.name for p in project.reports.rglob("*.html")] == [
        "index.html"
    ]
    assert not list(project.reports.rglob("*.tmp*"))


def snapshot(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if "reports" not in p.parts}


@pytest.mark.parametrize("value", ["../../etc/passwd", "__import__('os').system('touch /tmp/pwned')"])
def test_hostile_parameter_values(project, value: str) -> None:
    pwned = Path("/tmp/pwned")
    existed = pwned.exists()
    before = snapshot(project.root)
    args = project.args("run", project.notebook("fixture_report.ipynb"), "-p", "label", value)
    assert cli.main_run(args) == 0
    assert pwned.exists() == existed
    assert snapshot(project.root) == before
    html_path = only_report(project.reports / "fixture_report")
    assert html_path.resolve().is_relative_to(project.reports.resolve())
    assert read_provenance(html_path)["key_figures"]["label"] == value  # stayed a string


def test_hostile_parameter_name_is_refused(project, capsys) -> None:
    args = project.args("run", project.notebook("fixture_report.ipynb"), "-p", "../../x", "1")
    assert cli.main_run(args) == 2  # before any kernel starts
    assert "unknown parameter(s) ['../../x']" in capsys.readouterr().err
    assert not project.reports.exists() or not list(project.reports.rglob("*.*"))


def test_runs_all_notebooks_in_parallel(project, capsys) -> None:
    args = project.args("run", "--jobs", "2")
    assert cli.main_run(args) == 1  # failing_report fails, fixture_report passes
    out = capsys.readouterr().out
    assert "finished fixture_report.ipynb" in out and "FAILED   failing_report.ipynb" in out
    assert "1 rendered, 1 failed" in out
    index = json.dumps((project.reports / "index.html").read_text())
    assert "fixture_report/fixture_report__defaults__" in index


def test_new_data_never_overwrites_a_cited_report(project, events_writer) -> None:
    """Same parameters on changed data: a second report beside the first, which stays byte for byte."""
    args = project.args("run", project.notebook("fixture_report.ipynb"))
    assert cli.main_run(args) == 0
    first = only_report(project.reports / "fixture_report")
    before = first.read_bytes()
    events_writer(project.data, (3, 1200, 6))
    assert cli.main_run(project.args("run", project.notebook("fixture_report.ipynb"))) == 0
    pages = sorted((project.reports / "fixture_report").glob("*.html"))
    assert len(pages) == 2 and first in pages
    assert first.read_bytes() == before
    params_part = {p.name.rsplit("-", 1)[0] for p in pages}
    assert len(params_part) == 1  # same parameters, different data tag
