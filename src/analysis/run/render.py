"""Render an executed notebook to one self-contained, citable HTML file.

Offline by construction: the lab template's CDN scripts (require.js, MathJax, mermaid,
widgets) are dropped, figures are inline data URIs, and notebook-produced HTML/markdown
is sanitised (bleach allowlist), so the only <script> left is the JSON provenance.
"""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path

import bleach
import nbformat
from bs4 import BeautifulSoup
from jinja2 import DictLoader, pass_context
from nbconvert import HTMLExporter
from nbconvert.preprocessors.sanitize import SanitizeHTML

from analysis.run import PROVENANCE_ID, atomic_write

_TAG_NAMES = (
    "a abbr acronym b blockquote br caption code col colgroup dd del details div dl dt em"
    " figcaption figure h1 h2 h3 h4 h5 h6 hr i img ins kbd li ol p pre q s samp small span"
    " strike strong sub summary sup table tbody td tfoot th thead tr tt u ul wbr"
)
_TAGS = frozenset(_TAG_NAMES.split())
_GLOBAL_ATTRS = {"class", "id", "title", "lang", "dir"}
_TAG_ATTRS = {
    "a": {"href", "rel"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align"},
    "table": {"border"},
    "ol": {"start"},
}
_DROP_WITH_CONTENT = [
    "script",
    "style",
    "iframe",
    "object",
    "embed",
    "noscript",
    "template",
    "svg",
    "math",
]


def _allowed(tag: str, name: str, value: str) -> bool:
    if name in _GLOBAL_ATTRS:
        return True
    if name not in _TAG_ATTRS.get(tag, ()):
        return False
    if name == "src":  # embedded images only: nothing is fetched when the report is opened
        return value.startswith("data:image/")
    if name == "href":
        return not value.strip().lower().startswith("data:")
    return True


def clean_html(fragment: str) -> str:
    """Allowlist-sanitise notebook HTML; script/style elements go with their content."""
    soup = BeautifulSoup(fragment, "html.parser")
    for element in soup(_DROP_WITH_CONTENT):
        element.decompose()
    for img in soup.find_all("img"):  # not embedded: would be fetched, or is broken
        if not str(img.get("src", "")).startswith("data:image/"):
            img.replace_with(f"[image: {img.get('alt', '')}]" if img.get("alt") else "")
    return bleach.clean(
        str(soup),
        tags=_TAGS,
        attributes=_allowed,
        protocols={"http", "https", "mailto", "data"},
        strip=True,
        strip_comments=True,
    )


class OskilSanitize(SanitizeHTML):
    """nbconvert's SanitizeHTML with our allowlist; markdown is cleaned after rendering instead
    (bleach on markdown *source* escapes '>' and '<' and breaks quotes and code)."""

    def __init__(self, **kw: object) -> None:
        super().__init__(**kw)
        self.sanitized_output_types = {"text/html"}
        self.safe_output_keys = {
            "metadata",
            "text/plain",
            "text/latex",
            "text/markdown",
            "image/png",
            "image/jpeg",
        }

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type == "markdown":
            return cell, resources
        return super().preprocess_cell(cell, resources, cell_index)

    def sanitize_html_tags(self, html_str: str) -> str:
        return clean_html(html_str)


_IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
}


def embed_local_images(fragment: str, base: Path) -> str:
    """Inline <img> files next to the notebook as data URIs, so a moved report keeps them.

    (nbconvert's own embed_images re-parses each inline HTML tag alone and breaks <em>, <sup>.)
    """
    soup = BeautifulSoup(fragment, "html.parser")
    for img in soup.find_all("img", src=True):
        path = (base / img["src"]).resolve()
        kind = _IMAGE_TYPES.get(path.suffix.lower())
        if kind and "://" not in img["src"] and path.is_file():
            img["src"] = f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode()}"
    return str(soup)


class _Exporter(HTMLExporter):
    @pass_context
    def markdown2html(self, context, source):
        base = Path(context.get("resources", {}).get("metadata", {}).get("path") or ".")
        return clean_html(embed_local_images(super().markdown2html(context, source), base))


_TEMPLATE = """{%- extends 'index.html.j2' -%}
{% block html_head_js %}{% endblock html_head_js %}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{% block html_head_js_mathjax %}{% endblock html_head_js_mathjax %}
{% block html_head_js_mermaidjs %}{% endblock html_head_js_mermaidjs %}
{% block data_javascript scoped %}{% endblock data_javascript %}
{% block data_widget_view scoped %}{% endblock data_widget_view %}
{# the lab template's image block, plus the figure's alt text (plots.finish(..., alt=...)) #}
{% block data_png scoped %}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
{%- if 'image/png' in output.metadata.get('filenames', {}) %}
<img src="{{ output.metadata.filenames['image/png'] | posix_path | escape_html }}"
{%- else %}
<img src="data:image/png;base64,{{ output.data['image/png'] | escape_html }}"
{%- endif %}
{%- set alt = output | get_metadata('alt', 'image/png') or 'No description has been provided for this image' %}
alt="{{ alt | escape_html }}"
{%- set width=output | get_metadata('width', 'image/png') -%}
{%- if width is not none %}
width={{ width | escape_html }}
{%- endif %}
{%- set height=output | get_metadata('height', 'image/png') -%}
{%- if height is not none %}
height={{ height | escape_html }}
{%- endif %}
class="
{%- if output | get_metadata('unconfined', 'image/png') %}
unconfined
{%- endif %}
{%- if output | get_metadata('needs_background', 'image/png') == 'light' %}
jp-needs-light-background
{%- endif %}
{%- if output | get_metadata('needs_background', 'image/png') == 'dark' %}
jp-needs-dark-background
{%- endif %}
"
>
</div>
{%- endblock data_png %}
{% block extra_css %}<style type="text/css">{{ resources.oskil.css }}</style>{% endblock extra_css %}
{% block body_header %}{{ super() }}{{ resources.oskil.block }}{% endblock body_header %}
{% block body_footer %}<script type="application/json" id="{{ resources.oskil.id }}">{{ resources.oskil.json }}</script>
{{ super() }}{% endblock body_footer %}
"""

_CSS = """
.oskil-nav { font-family: system-ui, sans-serif; font-size: 0.9em; max-width: 60em; margin: 0.8em auto 0; }
.oskil-provenance { font-family: system-ui, sans-serif; font-size: 0.9em; margin: 1em auto 2em;
  padding: 0.8em 1.2em; border: 1px solid #ccc; border-radius: 6px; background: #f8f8f8; max-width: 60em; }
.oskil-provenance h2 { margin-top: 0; }
.oskil-provenance caption { text-align: left; font-weight: bold; }
.oskil-provenance table { border-collapse: collapse; margin: 0.3em 0 0.8em; }
.oskil-provenance th, .oskil-provenance td { text-align: left; padding: 0.15em 0.8em 0.15em 0;
  vertical-align: top; }
.oskil-provenance code { font-size: 0.9em; word-break: break-all; }
.oskil-cite { padding: 0.5em; background: #fff; border-left: 3px solid #888; }
.oskil-bibtex pre { background: #fff; padding: 0.5em; border-left: 3px solid #ccc; font-size: 0.85em;
  white-space: pre-wrap; overflow-wrap: anywhere; }
.oskil-toc { font-family: system-ui, sans-serif; max-width: 60em; margin: 0 auto 2em; }
.oskil-toc h2 { font-size: 1.1em; margin: 0 0 0.3em; }
.oskil-files { font-family: system-ui, sans-serif; font-size: 0.85em; margin: 0.2em 0 0.8em; }
/* tables: no index column, wide ones wrap rather than run off the page */
.jp-RenderedHTMLCommon table.oskil-table { table-layout: auto; max-width: 100%; }
.jp-RenderedHTMLCommon table.oskil-table td, .jp-RenderedHTMLCommon table.oskil-table th {
  overflow-wrap: anywhere; white-space: normal; }
.jp-RenderedHTMLCommon table.oskil-table td.num, .jp-RenderedHTMLCommon table.oskil-table th.num {
  text-align: right; white-space: nowrap; }
.jp-RenderedHTMLCommon table.oskil-table td.text, .jp-RenderedHTMLCommon table.oskil-table th.text {
  text-align: left; }
@page { size: auto; margin: 14mm 12mm; }  /* fits A4 (210 mm) and Letter (216 mm) alike */
@media print {
  body, .jp-Notebook { margin: 0 !important; padding: 0 !important; }
  .oskil-nav { display: none; }
  .oskil-provenance, .oskil-toc { max-width: none; margin: 0 0 1em; break-inside: avoid-page; }
  .jp-Cell, .jp-Notebook-cell { padding: 0 !important; }
  .jp-InputPrompt, .jp-OutputPrompt { display: none !important; }
  .jp-OutputArea-output, .jp-RenderedHTMLCommon, .jp-InputArea-editor, .jp-Cell-inputWrapper,
  .jp-Cell-outputWrapper, .jp-OutputArea-child { overflow: visible !important; max-width: 100% !important; }
  pre, code, .highlight pre { white-space: pre-wrap !important; overflow-wrap: anywhere; word-break: break-word; }
  .jp-RenderedHTMLCommon table, .oskil-provenance table { font-size: 7.5pt; max-width: 100%; }
  .jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th { padding: 0.15em 0.35em !important;
    overflow-wrap: anywhere; white-space: normal !important; }
  .jp-RenderedHTMLCommon table.oskil-table td.num { white-space: nowrap !important; }
  .jp-RenderedHTMLCommon table.oskil-table td, .jp-RenderedHTMLCommon table.oskil-table th { min-width: 3em; }
  tr, img, .jp-RenderedImage { break-inside: avoid; }
  thead { display: table-header-group; }
  h1, h2, h3 { break-after: avoid; }
  img { max-width: 100% !important; height: auto !important; }
  a[href^="http"]::after { content: ""; }
}
img { max-width: 100%; height: auto; }
"""


def _text(value: object) -> str:
    shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return html.escape(shown, quote=True)


def script_json(data: dict) -> str:
    """JSON safe inside <script>: no '<', '>' or '&' survive, so '</script>' cannot break out."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    for char, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e")):
        text = text.replace(char, escaped)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _rows(pairs: list[tuple[str, object]], code: bool = False) -> str:
    wrap = ("<code>", "</code>") if code else ("", "")
    return "".join(f"<tr><th>{_text(k)}</th><td>{wrap[0]}{_text(v)}{wrap[1]}</td></tr>" for k, v in pairs)


def _readable(value: object) -> str:
    from analysis.run.cite import readable_value

    return readable_value(value)


def provenance_block(prov: dict) -> str:
    """HTML block at the top of a report; every value is escaped."""
    changed = prov.get("changed_parameters")
    params = "".join(
        f"<tr><th>{_text(k)}</th><td>{html.escape(_readable(v))}"
        f"{' <strong>(changed)</strong>' if isinstance(changed, dict) and k in changed else ''}</td></tr>"
        for k, v in prov.get("parameters", {}).items())
    dirty = prov.get("git_dirty")
    commit = f"{prov.get('git_commit')}" + (" (uncommitted changes)" if dirty is True else "")
    packages = prov.get("packages") or {}
    run = [
        ("Run (UTC)", prov.get("run_time_utc")),
        ("Package version", prov.get("package_version")),
        ("Code (git commit)", commit),
        ("Python", prov.get("python_version")),
        ("Packages", ", ".join(f"{k} {v}" for k, v in packages.items()) if packages else
         " / ".join(f"{k} {prov.get(k + '_version')}" for k in ("pandas", "papermill"))),
        ("Notebook", prov.get("notebook_path")),
    ]
    read = prov.get("data_read")
    files = [(name, sha + ("" if not isinstance(read, list) else " (read)" if name in read else " (not read)"))
             for name, sha in prov.get("data_files", {}).items()]
    bib = prov.get("bibtex")
    return (
        f'<section class="oskil-provenance" id="oskil-provenance-block">'
        f"<h2>{_text(prov.get('title', ''))}</h2>"
        f'<p class="oskil-cite"><strong>Cite as:</strong> {_text(prov.get("cite_as", ""))}</p>'
        + (f'<div class="oskil-bibtex"><strong>BibTeX</strong><pre>{html.escape(str(bib))}</pre></div>' if bib else "")
        + f"<table><caption>Parameters</caption>{params or '<tr><td>none</td></tr>'}</table>"
        f"<table><caption>Run</caption>{_rows(run)}</table>"
        f"<table><caption>Data files (SHA-256)</caption>{_rows(files, code=True) or '<tr><td>none</td></tr>'}</table>"
        f"</section>"
    )


INDEX_LINK = "../index.html"  # a report is reports/<notebook>/<file>.html
_HEADING = re.compile(r'<h([23]) id="([^"]+)">(.*?)<a class="anchor-link"', re.S)
TOC_MARK = "<!--oskil-toc-->"


def toc(body: str) -> str:
    """A contents list of the notebook's section headings (## and ###), linking to their anchors."""
    items = []
    for level, anchor, inner in _HEADING.findall(body):
        label = re.sub(r"<[^>]+>", "", inner).strip()
        indent = ' class="sub"' if level == "3" else ""
        items.append(f'<li{indent}><a href="#{anchor}">{label}</a></li>')
    if not items:
        return ""
    return f'<nav class="oskil-toc" aria-label="Contents"><h2>Contents</h2><ol>{"".join(items)}</ol></nav>'


def header(prov: dict) -> str:
    """Back link to the index, the provenance block, then the contents (filled in after export)."""
    back = f'<nav class="oskil-nav"><a href="{INDEX_LINK}">← All reports (index)</a></nav>'
    return back + provenance_block(prov) + TOC_MARK


def render(
    executed_ipynb: Path,
    provenance: dict,
    out_html: Path,
    no_code: bool = False,
    notebook_dir: Path | None = None,
) -> Path:
    """Write out_html (atomically) from an executed notebook, with the provenance on top.

    notebook_dir: folder of the source notebook, where markdown image paths are resolved.
    """
    return atomic_write(Path(out_html), render_html(executed_ipynb, provenance, no_code, notebook_dir))


def render_html(executed_ipynb: Path, provenance: dict, no_code: bool = False,
                notebook_dir: Path | None = None) -> str:
    """The report page as text: deterministic for the same notebook outputs and provenance, which is what
    lets `verify` compare a cited page with a re-rendering of it."""
    nb = nbformat.read(executed_ipynb, as_version=4)
    for cell in nb.cells:  # papermill gives its injected cell a random id: pin it, so re-runs render alike
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell["id"] = "injected-parameters"
    exporter = _Exporter(
        template_name="lab",
        extra_loaders=[DictLoader({"oskil.html.j2": _TEMPLATE})],
        template_file="oskil.html.j2",
        exclude_input=no_code,
        exclude_input_prompt=no_code,
        exclude_output_prompt=no_code,
    )
    exporter.register_preprocessor(OskilSanitize(), enabled=True)
    resources = {
        "metadata": {
            "name": provenance.get("title", executed_ipynb.stem),
            "path": str(notebook_dir or executed_ipynb.parent),
        },
        "oskil": {
            "id": PROVENANCE_ID,
            "block": header(provenance),
            "json": script_json(provenance),
            "css": _CSS,
        },
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return body.replace(TOC_MARK, toc(body), 1)
