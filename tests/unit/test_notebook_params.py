"""analysis.notebook.param_specs: the runner's checks are the notebooks' own, and they run without a kernel."""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from pathlib import Path

import nbformat
import papermill
import pytest

from analysis.notebook import param_specs, setup
from analysis.notebook.param_specs import SPECS, as_list, validate
from analysis.notebook.params import ParameterError, listing

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def _check_cell(name: str) -> str:
    cells = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4).cells
    at = next(i for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", []))
    return next(c for c in cells[at + 1:] if c.cell_type == "code").source


def test_every_notebook_has_a_spec_for_exactly_its_parameters():
    assert sorted(SPECS) == sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
    for name, spec in SPECS.items():
        declared = papermill.inspect_notebook(str(NOTEBOOKS / f"{name}.ipynb"))
        assert list(spec) == list(declared), name


def _params_calls(tree: ast.AST) -> dict[str, str]:
    """{parameter: the params function called on it} in a piece of code."""
    calls = {}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and getattr(node.func.value, "id", "") == "params" and node.args):
            continue
        if node.func.attr == "date_range":  # params.date_range(start_date, end_date): two dates
            calls.update({a.id: "date" for a in node.args if isinstance(a, ast.Name)})
        elif isinstance(node.args[0], ast.Constant):
            calls[node.args[0].value] = node.func.attr
    return calls


@pytest.mark.parametrize("name", sorted(SPECS))
def test_the_spec_names_the_check_the_notebook_calls(name):
    tree = ast.parse(_check_cell(name))
    calls = _params_calls(tree)
    # setup(data_dir, start_date, end_date, ...): the checks setup's own code makes on the arguments it is given
    inner = _params_calls(ast.parse(textwrap.dedent(inspect.getsource(setup))))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "setup":
            for param, arg in zip(inspect.signature(setup).parameters, node.args, strict=False):
                if isinstance(arg, ast.Name) and param in inner:
                    calls[arg.id] = inner[param]
    assert {k: v for k, v in calls.items() if k in SPECS[name]} == {k: c.kind for k, c in SPECS[name].items()}


@pytest.mark.parametrize("name", sorted(SPECS))
def test_parameters_are_typed_for_papermill_help(name):
    declared = papermill.inspect_notebook(str(NOTEBOOKS / f"{name}.ipynb"))
    untyped = [k for k, p in declared.items() if p["inferred_type_name"] in ("None", "")]
    assert not untyped
    lists = {k for k, p in declared.items() if p["inferred_type_name"].startswith("list")}
    assert lists == {k for k, c in SPECS[name].items() if c.is_list}


@pytest.mark.parametrize("given, expected", [
    ("UA,RU", ["UA", "RU"]), ("UA", ["UA"]), ("UA, third parties", ["UA", "third parties"]),
    ('["UA", "RU"]', ["UA", "RU"]), ("[nato, war_end]", ["nato", "war_end"]), ("all", "all"),
    (["UA"], ["UA"]), (3, 3),
])
def test_list_parameters_from_the_command_line(given, expected):
    assert as_list(given) == expected


def test_a_long_list_of_allowed_values_is_cut_to_what_helps():
    allowed = [f"Place{i}" for i in range(5000)] + ["Izium"]
    text = listing("Izyum", allowed)
    assert len(text) < 200 and "did you mean Izium?" in text and "5001 values" in text
    assert listing("x", ["a", "b"]) == "one of a, b"


def _defaults(name: str) -> dict:
    from analysis.run.provenance import notebook_defaults

    return notebook_defaults(NOTEBOOKS / f"{name}.ipynb")


def test_a_place_the_cleaner_matches_is_read_as_the_gazetteer_name(processed):
    values = {**_defaults("shelling_patterns"), "pivot_place": "Izyum"}
    assert validate("shelling_patterns", values, processed, given={"pivot_place"}) == {"pivot_place": "Izium"}


def test_an_unknown_place_gets_the_closest_names_in_one_short_line(processed):
    values = {**_defaults("shelling_patterns"), "pivot_place": "Izyumqq"}
    with pytest.raises(ParameterError) as err:
        validate("shelling_patterns", values, processed)
    assert str(err.value).startswith("parameter pivot_place='Izyumqq' is not allowed")
    assert "did you mean Izium" in str(err.value) and len(str(err.value)) < 250


def test_a_period_outside_the_data_is_refused_with_the_covered_range(processed):
    values = {**_defaults("casualty_reports"), "start_date": "2023-01-01", "end_date": "2023-02-01"}
    with pytest.raises(ParameterError) as err:
        validate("casualty_reports", values, processed)
    found = re.search(r"casualties from (\d{4}-\d\d-\d\d) to (\d{4}-\d\d-\d\d)", str(err.value))
    assert found and found.group(2) < "2023-01-01"


@pytest.mark.parametrize("name, change, message", [
    ("diplomatic_timing", {"speakers": "UA,XX"}, "speakers=['UA', 'XX']"),
    ("casualty_reports", {"freq": "Q"}, "expected one of D, W, M"),
    ("casualty_reports", {"oblast": "Kharkov"}, "did you mean Kharkiv?"),
    ("shelling_patterns", {"window_days": "30"}, "window_days='30'"),
    ("shelling_patterns", {"end_date": "2022-08-01"}, "end_date='2022-08-01'"),
])
def test_bad_values_are_named(processed, name, change, message):
    with pytest.raises(ParameterError, match=re.escape(message)):
        validate(name, {**_defaults(name), **change}, processed)


def test_the_defaults_pass_and_a_notebook_without_a_spec_is_left_to_its_kernel(processed):
    for name in SPECS:
        assert validate(name, _defaults(name), processed, given=set()) == {}
    assert validate("other", {"x": 1}, processed) == {"x": 1}
    assert param_specs.COVERAGE.keys() == SPECS.keys()
