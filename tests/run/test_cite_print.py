"""Citing and printing (issue 16): CITATION.cff is valid CFF, shipped notebooks carry JupyterLab's metadata,
tables are tidy, verify ignores data the notebook never read, and a wide table survives printing to PDF."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from analysis.notebook import tidy_tables
from analysis.run.notebook_metadata import as_saved, expected_metadata, normalised
from analysis.run.verify import compare, failures

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / ".venv" / "tools" / "bin"  # `make tools` (requirements-tools.lock)
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


def tool(name: str) -> Path:
    path = TOOLS / name
    if not path.exists():
        pytest.skip(f"{path} missing: run `make tools`")
    return path


def test_citation_cff_is_valid_and_names_both_licences() -> None:
    done = subprocess.run([tool("cffconvert"), "--validate", "-i", REPO / "CITATION.cff"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "valid" in done.stdout, done.stdout + done.stderr
    import yaml

    cff = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["license"] == "MIT"
    for key in ("repository-code", "url"):  # absent until the project has a public address; never a placeholder
        assert key not in cff or str(cff[key]).startswith("https://")
    assert [r["license"] for r in cff["references"] if r["type"] == "data"] == ["CC-BY-4.0"]
    assert "MIT License" in (REPO / "LICENSE").read_text()
    assert "https://creativecommons.org/licenses/by/4.0/legalcode" in (REPO / "LICENSE-DATA").read_text()


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_shipped_notebooks_are_saved_as_jupyterlab_saves_them(notebook: Path) -> None:
    text = notebook.read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=4)
    assert {k: nb.metadata[k] for k in ("kernelspec", "language_info")} == expected_metadata()
    assert as_saved(nb) == text  # opening and saving unchanged rewrites no byte
    assert normalised(text) == text  # no outputs, no execution counts


def test_nbstripout_as_configured_leaves_the_shipped_notebooks_alone() -> None:
    done = subprocess.run([tool("nbstripout"), "--keep-id", "--verify", *NOTEBOOKS],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "nbstripout --keep-id" in (REPO / ".pre-commit-config.yaml").read_text()


def test_tidy_table_has_no_index_one_missing_marker_and_readable_numbers() -> None:
    df = pd.DataFrame({"n": pd.array([1, None], dtype="Int64"), "share": [2 / 3, float("nan")],
                       "day": pd.to_datetime(["2022-08-15", None]), "who": ["UA", None], "open": [True, False]},
                      index=[4, 9])
    shown = tidy_tables.tidy(df)
    assert shown.to_dict("list") == {"n": ["1", "–"], "share": ["0.67", "–"], "day": ["2022-08-15", "–"],
                                     "who": ["UA", "–"], "open": ["yes", "no"]}
    assert tidy_tables.to_csv(shown) == "n,share,day,who,open\n1,0.67,2022-08-15,UA,yes\n,,,,no\n"
    named = pd.Series([3], index=pd.Index(["Izium"], name="place"), name="incidents").to_frame()
    assert list(tidy_tables.tidy(named).columns) == ["place", "incidents"]  # a meaningful index is kept as a column
    html = tidy_tables.to_html(shown, tidy_tables.numeric_columns(df), "T")
    assert "<caption>T</caption>" in html and '<td class="num">0.67</td>' in html and "NaN" not in html


def test_verify_ignores_a_change_to_data_the_notebook_never_read() -> None:
    old = {"data_files": {"events.parquet": "a", "statements.parquet": "b"}, "data_read": ["events.parquet"]}
    unrelated = {"data_files": {"events.parquet": "a", "statements.parquet": "CHANGED"}}
    assert failures(compare(old, unrelated)) == []
    read = {"data_files": {"events.parquet": "CHANGED", "statements.parquet": "b"}}
    assert [c.item for c in failures(compare(old, read))] == ["events.parquet"]
    legacy = {k: v for k, v in old.items() if k != "data_read"}  # no reads recorded: every file counts
    assert [c.item for c in failures(compare(legacy, unrelated))] == ["statements.parquet"]


@pytest.mark.slow
def test_a_wide_table_keeps_its_last_column_when_printed(tmp_path: Path) -> None:
    chromium, pdftotext = shutil.which("chromium"), shutil.which("pdftotext")
    if not (chromium and pdftotext):
        pytest.skip("needs chromium and pdftotext (make browser)")
    from analysis.run.render import render

    wide = pd.DataFrame({f"column_number_{i}_long_name": [f"value {i} " * 4] * 3 for i in range(12)})
    wide["claimant"] = "ZQX"  # short: a wrapped word would split in the PDF text
    out = nbformat.v4.new_output("display_data", data={
        "text/html": tidy_tables.to_html(tidy_tables.tidy(wide), set()), "text/plain": "t"})
    code = "x = " + " + ".join(f"value_{i}" for i in range(40))  # one long code line
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code, outputs=[out])])
    nbformat.write(nb, tmp_path / "n.ipynb")
    page = render(tmp_path / "n.ipynb", {"title": "t"}, tmp_path / "n.html")
    for size in ("A4", "Letter"):  # the page size chromium prints with follows @page; test both sheet sizes
        html = page.read_text(encoding="utf-8").replace("@page { size: auto;", f"@page {{ size: {size};")
        (tmp_path / f"{size}.html").write_text(html, encoding="utf-8")
        pdf = tmp_path / f"{size}.pdf"
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                        f"--print-to-pdf={pdf}", (tmp_path / f"{size}.html").as_uri()],
                       capture_output=True, timeout=120, check=False)
        text = subprocess.run([pdftotext, pdf, "-"], capture_output=True, text=True, check=True).stdout
        assert text.count("ZQX") == 3, f"{size}: the last column is cut"
        assert "value_39" in text, f"{size}: the long code line is cut"
