"""arrow_lookup's membership tests against pandas' isin, whichever side Arrow hashes."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.clean import arrow_lookup

_TEXT = st.one_of(st.none(), st.sampled_from(["a", "b", "c", "d", "é", "ab", ""]))
#: values: some of the texts, each repeated, so that few cells against many values still miss some of them
_VALUES = st.builds(lambda chosen, copies: [x for x in chosen for _ in range(copies)],
                    st.lists(_TEXT, unique=True), st.integers(1, 12))


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(_TEXT, max_size=6), values=_VALUES)
def test_isin_and_covers_are_pandas_isin_whichever_side_is_hashed(cells, values):
    """isin and covers hash the cells' distinct values instead of the values when the cells are FEWER times
    fewer (the clean's links against a million report ids): the same answers as pandas either way, missing
    cells included (among the values only when the values hold a missing value too)."""
    s, v = pd.Series(cells, dtype="str"), pd.Series(values, dtype="str")
    hashed_cells = len(s) * arrow_lookup.FEWER <= len(v)
    assert arrow_lookup.isin(s, v).tolist() == s.isin(v).tolist(), hashed_cells
    assert arrow_lookup.covers(v, s) == bool(s.dropna().isin(v).all()), hashed_cells


def test_both_ways_are_taken():
    """The examples above reach both ways: a few cells against many values, and as many cells as values."""
    few, many = pd.Series(["a", None], dtype="str"), pd.Series(list("abcdefghijklmnopq") + [None], dtype="str")
    assert len(few) * arrow_lookup.FEWER <= len(many)
    assert arrow_lookup.isin(few, many).tolist() == [True, True]
    assert arrow_lookup.covers(many, few)
    assert not arrow_lookup.covers(many, pd.Series(["z"], dtype="str"))
