"""Sanitising and escaping in the rendered page (no notebook execution)."""

from __future__ import annotations

import json

from analysis.run.render import clean_html, provenance_block, script_json


def test_clean_html_drops_scripts_and_handlers_keeps_tables() -> None:
    dirty = (
        "<table class='dataframe'><tr><th>a</th><td>1</td></tr></table>"
        "<script>alert(1)</script><img src=x onerror=alert(2)>"
        "<a href='javascript:alert(3)'>x</a><style>body{}</style><iframe src=http://e></iframe>"
        "<img src='data:image/png;base64,AAAA'>"
    )
    clean = clean_html(dirty)
    assert "<table" in clean and "<th>a</th>" in clean
    for bad in ("alert", "onerror", "javascript:", "<style", "<iframe", 'src="x"'):
        assert bad not in clean
    assert 'src="data:image/png;base64,AAAA"' in clean


def test_script_json_cannot_break_out() -> None:
    data = {"x": "</script><script>alert(1)</script>", "y": "a & b", "z": "\u2028"}
    text = script_json(data)
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == data


def test_provenance_block_escapes_values() -> None:
    prov = {
        "title": "<b>t</b>",
        "parameters": {"label": "<script>x</script>"},
        "data_files": {"<i>.parquet": "abc"},
        "cite_as": "A & B",
    }
    block = provenance_block(prov)
    assert "<script>" not in block and "<b>t</b>" not in block and "<i>" not in block
    assert "&lt;script&gt;x&lt;/script&gt;" in block and "A &amp; B" in block


def test_figure_alt_text_reaches_the_img_escaped(tmp_path) -> None:
    import base64

    import nbformat
    from bs4 import BeautifulSoup

    from analysis.run.render import render

    png = base64.b64encode(b"\x89PNG\r\n\x1a\nfake").decode()
    out = nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": "[figure]"},
                                 metadata={"image/png": {"alt": 'Bars of "utterances" per day <by day>'}})
    bare = nbformat.v4.new_output("display_data", data={"image/png": png})
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=[out, bare])])
    nbformat.write(nb, tmp_path / "n.ipynb")
    html_text = render(tmp_path / "n.ipynb", {"title": "t"}, tmp_path / "n.html").read_text(encoding="utf-8")
    imgs = BeautifulSoup(html_text, "html.parser").find_all("img")
    assert [img.get("alt") for img in imgs] == ['Bars of "utterances" per day <by day>',
                                                "No description has been provided for this image"]
    assert "<by day>" not in html_text  # escaped in the attribute
