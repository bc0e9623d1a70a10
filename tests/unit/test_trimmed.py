"""arrow_lookup.trimmed gives back a column the rule does not change as it is (no kernel run): the same cells
as the kernels give, for any text, every whitespace code point at either edge, empty and missing cells,
sliced and chunked columns."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.clean import arrow_lookup

#: every code point utf8_trim_whitespace trims
WHITESPACE = [c for c in range(0x110000) if not 0xD800 <= c < 0xE000
              and pc.utf8_trim_whitespace(pa.array(["a" + chr(c)])).to_pylist()[0] == "a"]


def _kernel(col):
    s = pc.utf8_trim_whitespace(col)
    return pc.if_else(pc.equal(s, pa.scalar("", s.type)), pa.scalar(None, s.type), s)


def test_the_edge_tables_cover_every_whitespace_code_point():
    for c in WHITESPACE:
        b = chr(c).encode()
        assert arrow_lookup._FIRST_WS[b[0]] and arrow_lookup._LAST_WS[b[-1]], hex(c)
        assert not arrow_lookup._untouched(pa.array([chr(c) + "x"])), hex(c)
        assert not arrow_lookup._untouched(pa.array(["x" + chr(c)])), hex(c)


cells = st.one_of(st.none(), st.text(alphabet=st.one_of(st.characters(exclude_categories=("Cs",)), st.sampled_from(
    [chr(c) for c in WHITESPACE] + ["а", "р", "К", " "])), max_size=6))


@settings(max_examples=400, deadline=None)
@given(st.lists(cells, max_size=12), st.integers(0, 3), st.sampled_from([pa.string(), pa.large_string()]),
       st.booleans())
def test_trimmed_is_the_kernels_result(values, cut, kind, chunked):
    arr = pa.array(values, type=kind).slice(min(cut, len(values)))
    col = pa.chunked_array([arr, arr], type=kind) if chunked else arr
    got = arrow_lookup.trimmed(col)
    assert got.to_pylist() == _kernel(col).to_pylist()
    assert got.type == kind


@pytest.mark.parametrize("values", [["a", "b c"], ["a", None], [None, None], ["Kharkiv", "Izium."]])
def test_a_column_without_edges_is_given_back_as_it_is(values):
    col = pa.chunked_array([pa.array(values, type=pa.large_string())])
    assert arrow_lookup.trimmed(col) is col


@pytest.mark.parametrize("values", [[" a"], ["a\t"], [""], ["a\u00a0"], ["\u3000a"]])
def test_a_column_with_an_edge_goes_through_the_kernels(values):
    col = pa.array(values, type=pa.large_string())
    assert arrow_lookup.trimmed(col) is not col
