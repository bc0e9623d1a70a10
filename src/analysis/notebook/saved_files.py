"""Where a notebook saves the files behind its figures and tables (PNG, SVG, CSV), when the report runner asks.

The runner sets ``OSKIL_FILES_DIR`` (a folder it publishes next to the report as ``<report>_files``) and
``OSKIL_FILES_HREF`` (that folder's name as the page links it). Run interactively, neither is set and nothing is
written. Names are numbered in the order the notebook shows them, plus a slug of the title, so a re-run writes
the same names.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

FILES_DIR_ENV = "OSKIL_FILES_DIR"
FILES_HREF_ENV = "OSKIL_FILES_HREF"
_COUNTS: dict[str, int] = {}


def _slug(title: str, limit: int = 40) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug[:limit].rstrip("-") or "untitled"


def next_name(kind: str, title: str) -> tuple[Path, str] | None:
    """(file path without suffix, href without suffix) of the next `kind` ('figure' or 'table'); None when
    the notebook is not run by the report runner."""
    folder = os.environ.get(FILES_DIR_ENV)
    if not folder:
        return None
    _COUNTS[kind] = _COUNTS.get(kind, 0) + 1
    name = f"{kind}-{_COUNTS[kind]:02d}-{_slug(title)}"
    href = os.environ.get(FILES_HREF_ENV, "").rstrip("/")
    Path(folder).mkdir(parents=True, exist_ok=True)
    return Path(folder) / name, f"{href}/{name}" if href else name


def links_html(label: str, links: list[tuple[str, str]]) -> str:
    """'<label>: <a>PNG</a> · <a>SVG</a>' as one small paragraph."""
    anchors = " · ".join(f'<a href="{html.escape(href)}">{html.escape(text)}</a>' for text, href in links)
    return f'<p class="oskil-files">{html.escape(label)}: {anchors}</p>'
