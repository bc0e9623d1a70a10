"""`verify` checks what a reader sees: every edit of a rendered page is caught and named where it is."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from analysis.run import cli
from analysis.run.page import differences


@pytest.fixture(scope="module")
def page(built) -> Path:
    (html,) = (built.reports / "fixture_report").glob("*.html")
    return html


def _json(text: str, change) -> str:
    """Edit the embedded provenance JSON (and only it) with change(dict)."""
    m = re.search(r'(<script id="oskil-provenance" type="application/json">)(.*?)(</script>)', text, re.S)
    body = json.loads(m.group(2))
    change(body)
    from analysis.run.render import script_json

    return text[:m.start(2)] + script_json(body) + text[m.end(2):]


def _set(key, value):
    def change(body):
        keys = key.split(".")
        target = body
        for k in keys[:-1]:
            target = target[k]
        target[keys[-1]] = value
    return change


EDITS = {
    # a number in a visible output table (the key-figures table), as a reader sees it
    "visible table cell": (lambda t: t.replace("<td>1,208</td>", "<td>9,999</td>", 1), "table 1 row"),
    # the visible parameters, the visible data hash, the visible notebook path, the Cite-as line
    "visible parameter": (lambda t: t.replace("<th>min_n</th><td>0</td>", "<th>min_n</th><td>5</td>", 1),
                          "Parameters: min_n"),
    "visible data hash": (lambda t: re.sub(r"(<th>events.parquet</th><td><code>)(.)", r"\g<1>0", t, count=1),
                          "Data files (SHA-256): events.parquet"),
    "visible notebook path": (lambda t: t.replace("<th>Notebook</th><td>notebooks/fixture_report.ipynb",
                                                  "<th>Notebook</th><td>notebooks/other.ipynb", 1), "Run: Notebook"),
    "Cite-as line": (lambda t: t.replace("<strong>Cite as:</strong> ", "<strong>Cite as:</strong> Someone. ", 1),
                     "Cite as"),
    # a parameter no key figure depends on, changed in the JSON and on the page alike
    "parameter in JSON and page": (lambda t: _json(t, _set("parameters.label", "forged")).replace(
        "<th>label</th><td>all events</td>", "<th>label</th><td>forged</td>", 1), "report: parameters hash"),
    "data hash in JSON": (lambda t: _json(t, _set("data_sha256", "0" * 64)), "report: data sha256"),
    "notebook path in JSON": (lambda t: _json(t, _set("notebook_path", "notebooks/x.ipynb")), "notebook path"),
    "figure": (lambda t: re.sub(r'(src="data:image/png;base64,)(.{40})', r"\g<1>" + "A" * 40, t, count=1),
               "figure 1"),
    "output text": (lambda t: t.replace("label is all events", "label is forged", 1), "text"),
    "markdown text": (lambda t: t.replace("Counts <em>events</em>", "Counts <em>attacks</em>", 1), "cell 1"),
    "hidden markup": (lambda t: t.replace("<body", '<body data-x="1"', 1), "page markup"),
}


@pytest.mark.parametrize("name", sorted(EDITS))
def test_an_edited_page_does_not_reproduce_and_the_edit_is_named(built, page, tmp_path, capsys, name):
    edit, where = EDITS[name]
    text = page.read_text(encoding="utf-8")
    forged = edit(text)
    assert forged != text, f"the edit '{name}' did not apply"
    target = tmp_path / page.name
    target.write_text(forged, encoding="utf-8")
    assert cli.main_verify(built.args("verify", str(target))) == 1
    out = capsys.readouterr().out
    verdict = out.strip().splitlines()[-1]
    assert verdict.startswith("VERDICT: does NOT reproduce"), out
    assert where in out, out


def test_the_untouched_page_reproduces_byte_for_byte(built, page, capsys):
    assert cli.main_verify(built.args("verify", str(page))) == 0
    out = capsys.readouterr().out
    assert re.search(r"page\s+every output, the provenance block and the markup\s+same", out), out


def test_differences_name_the_cell_and_both_values():
    page = ('<main><div class="jp-Cell jp-CodeCell" id="cell-id=abc"><div class="jp-OutputArea-output">'
            "<table><tr><td>n</td><td>9,999</td></tr></table></div></div></main>")
    found = differences(page, page.replace("9,999", "587"))
    assert [(d.where, d.page, d.expected) for d in found] == [
        ("cell 1 (abc), output 1, table 1 row 1 column 2", "9,999", "587")]
