"""params.choices: what a list parameter accepts (a list, one value from the command line, or 'all')."""

from __future__ import annotations

import pytest

from analysis.notebook.params import ParameterError, choices

ALLOWED = ["nato", "negotiations", "war_end"]


def test_a_list_one_value_or_all():
    assert choices("topics", ["nato", "war_end"], ALLOWED) == ["nato", "war_end"]
    assert choices("topics", "nato", ALLOWED) == ["nato"]  # `-p topics nato`
    assert choices("topics", "all", ALLOWED) == ALLOWED


@pytest.mark.parametrize("value", ["nat", [], ["nato", "peace"], "nato,war_end", 3])
def test_anything_else_is_refused_with_what_is_allowed(value):
    with pytest.raises(ParameterError, match="expected 'all' or a non-empty list drawn from nato, negotiations"):
        choices("topics", value, ALLOWED)
