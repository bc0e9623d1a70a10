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
