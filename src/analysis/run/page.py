"""What a reader sees on a rendered report, compared item by item with a fresh rendering.

`verify` re-runs the notebook, renders the result with the *cited* provenance, and compares that page with
the one being checked. Identical bytes: nothing was edited and every output reproduces. Otherwise the two
pages are walked side by side and each difference is named where it is: the provenance block (parameters,
run, data files, Cite as), a cell's code, a table cell, a figure (by content hash), a text output, or the
markup around them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from analysis.run import PROVENANCE_ID

if TYPE_CHECKING:  # bs4 is imported where a page is parsed: `verify --help` need not wait for it
    from bs4 import Tag

PAGE = "page"
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Difference:
    """One place where the page differs from the re-rendered one."""

    where: str
    page: str
    expected: str


def _text(tag: Tag) -> str:
    return _SPACE.sub(" ", tag.get_text(" ")).strip()


def _output_items(out: Tag) -> list[tuple[str, str]]:
    """(label, value) for one output: every table cell, every figure's hash, and the remaining text."""
    items: list[tuple[str, str]] = []
    for t, table in enumerate(out.find_all("table")):
        for r, row in enumerate(table.find_all("tr")):
            for c, cell in enumerate(row.find_all(["th", "td"])):
                items.append((f"table {t + 1} row {r + 1} column {c + 1}", _text(cell)))
        table.extract()
    for i, img in enumerate(out.find_all("img")):
        src = str(img.get("src", ""))
        items.append((f"figure {i + 1}", "sha256 " + hashlib.sha256(src.encode()).hexdigest()[:16]))
        img.extract()
    rest = _text(out)
    if rest:
        items.append(("text", rest))
    return items


def _cell_items(cell: Tag, skip_input: bool) -> list[tuple[str, str]]:
    items = []
    inp = cell.select_one(".jp-InputArea-editor, .jp-RenderedMarkdown, .jp-RenderedHTMLCommon")
    if inp is not None and not skip_input:
        items.append(("code" if "jp-CodeCell" in cell.get("class", []) else "text", _text(inp)))
    for k, out in enumerate(cell.select(".jp-OutputArea-output")):
        items += [(f"output {k + 1}, {label}", value) for label, value in _output_items(out)]
    return items


def _block_items(block: Tag | None) -> list[tuple[str, str]]:
    if block is None:
        return [("provenance block", "(missing)")]
    items = [("title", _text(block.find("h2")) if block.find("h2") else "")]
    for table in block.find_all("table"):
        caption = _text(table.find("caption")) if table.find("caption") else "table"
        for row in table.find_all("tr"):
            key = row.find("th")
            items.append((f"{caption}: {_text(key) if key else '(row)'}", _text(row.find("td") or row)))
    cite = block.find(class_="oskil-cite")
    items.append(("Cite as", _text(cite) if cite else "(missing)"))
    bib = block.find(class_="oskil-bibtex")
    if bib is not None:
        items.append(("BibTeX", _text(bib)))
    return items


def _split(html: str) -> tuple[list[tuple[str, str]], list[tuple[str, list[tuple[str, str]]]], str]:
    """(provenance block items, [(cell label, items)], everything else as markup) of a page."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    block = soup.find(id="oskil-provenance-block")
    block_items = _block_items(block)
    if block is not None:
        block.extract()
    script = soup.find("script", id=PROVENANCE_ID)
    if script is not None:
        script.extract()
    cells = []
    for i, cell in enumerate(soup.select("div.jp-Cell")):
        cid = str(cell.get("id", "")).removeprefix("cell-id=")
        injected = "celltag_injected-parameters" in cell.get("class", [])
        cells.append((f"cell {i + 1} ({cid})" + (" [parameters]" if injected else ""), cell.extract()))
    return block_items, cells, str(soup)


def differences(page: str, expected: str, skip_injected_input: bool = False, limit: int = 25) -> list[Difference]:
    """Every place where `page` differs from `expected` (both rendered HTML), up to `limit`."""
    if page == expected:
        return []
    out: list[Difference] = []
    pb, pcells, prest = _split(page)
    eb, ecells, erest = _split(expected)
    _pairs(out, "provenance block", pb, eb)
    if len(pcells) != len(ecells):
        out.append(Difference("cells", f"{len(pcells)} cells", f"{len(ecells)} cells"))
    for (plabel, pcell), (elabel, ecell) in zip(pcells, ecells, strict=False):
        skip = skip_injected_input and plabel.endswith("[parameters]")
        _pairs(out, plabel, _cell_items(pcell, skip), _cell_items(ecell, skip))
        if plabel != elabel:
            out.append(Difference(plabel, plabel, elabel))
    if prest != erest:
        from bs4 import BeautifulSoup

        ptext, etext = _text(BeautifulSoup(prest, "html.parser")), _text(BeautifulSoup(erest, "html.parser"))
        if ptext != etext:
            out.append(Difference("page text outside the cells", _first_diff(ptext, etext)[0],
                                  _first_diff(ptext, etext)[1]))
        else:
            out.append(Difference("page markup (styles, attributes or hidden elements)", "edited", "as rendered"))
    if not out:  # byte-level only (entities, whitespace inside an element): still not the page as rendered
        out.append(Difference("page markup", "edited", "as rendered"))
    return out[:limit] + ([Difference("...", f"{len(out) - limit} more", "")] if len(out) > limit else [])


def _pairs(out: list[Difference], where: str, page: list[tuple[str, str]], expected: list[tuple[str, str]]) -> None:
    for i in range(max(len(page), len(expected))):
        p = page[i] if i < len(page) else ("(missing)", "(missing)")
        e = expected[i] if i < len(expected) else ("(missing)", "(missing)")
        if p != e:
            label = p[0] if p[0] == e[0] else f"{p[0]} / {e[0]}"
            out.append(Difference(f"{where}, {label}", p[1], e[1]))


def _first_diff(a: str, b: str, context: int = 40) -> tuple[str, str]:
    """The two texts around their first difference."""
    i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    lo = max(0, i - context)
    return a[lo:i + context], b[lo:i + context]
