"""analysis.notebook.setup: the one call that opens every notebook."""

from __future__ import annotations

import json

import matplotlib
import pandas as pd
import pytest

from analysis.notebook import Session, setup
from analysis.notebook.keyfigures import READ_LOG_ENV
from analysis.notebook.load import TABLE_NAMES
from analysis.notebook.params import ParameterError


def test_setup_checks_the_parameters_and_loads_every_table(processed):
    data, start, end, tables = setup(str(processed), "2022-08-15", "2022-11-15")
    assert data == processed
    assert (start, end) == (pd.Timestamp("2022-08-15"), pd.Timestamp("2022-11-15"))
    assert set(tables) == set(TABLE_NAMES)
    assert len(tables["events"]) == len(pd.read_parquet(processed / "events.parquet"))


def test_setup_reads_only_the_tables_named(processed, tmp_path, monkeypatch):
    """A notebook names its tables, so the report cites (and `verify` checks) the files it read, no others."""
    log = tmp_path / "reads.jsonl"
    monkeypatch.setenv(READ_LOG_ENV, str(log))
    s = setup(str(processed), "2022-09-01", "2022-09-01", ("events", "gazetteer"))
    assert isinstance(s, Session) and s.start == s.end == pd.Timestamp("2022-09-01")
    assert sorted(s.tables) == ["events", "gazetteer"]
    assert sorted(json.loads(log.read_text())["files"]) == ["events.parquet", "gazetteer.parquet"]


def test_setup_sets_the_figure_theme(processed):
    with matplotlib.rc_context():  # restored afterwards
        matplotlib.rcdefaults()
        before = dict(matplotlib.rcParams)
        setup(str(processed), "2022-08-15", "2022-11-15", ("events",))
        assert dict(matplotlib.rcParams) != before


@pytest.mark.parametrize("start, end, match", [
    ("2022-9-1", "2022-11-15", "start_date"),
    ("2022-11-15", "2022-08-15", "end_date"),
])
def test_a_bad_date_stops_with_the_parameter_named(processed, start, end, match):
    with pytest.raises(ParameterError, match=match):
        setup(str(processed), start, end)


def test_a_folder_without_a_manifest_is_refused(tmp_path):
    with pytest.raises(ParameterError, match="data_dir"):
        setup(str(tmp_path), "2022-08-15", "2022-11-15")
