"""Declared extension points: every registered importer is an Importer, and no module reads the clock when it
is imported (a kernel or a Dask worker that lives past midnight must judge 'in the future' by the run's day)."""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

import pandas as pd
import pytest

from analysis.clean import rules
from analysis.clean.errors import Rejects
from analysis.importers import common
from analysis.importers.registry import IMPORTERS, Entry, Importer, importer, members

SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.mark.parametrize("name", sorted(IMPORTERS))
def test_every_registered_importer_satisfies_the_protocol(name):
    mod = importer(name)
    assert isinstance(mod, Importer)
    assert mod.NAME == name
    assert set(mod.REQUIRED) <= set(mod.WANTED) and mod.ID in mod.REQUIRED
    for m in ("prepare", "complete", "map_batch", "sources_table", "has_figure", "empty_mapped"):
        assert callable(getattr(mod, m)), m
    assert list(mod.empty_mapped().columns) == common.MAPPED


def test_a_module_missing_a_member_is_refused(monkeypatch):
    fake = types.ModuleType("fake_importer")
    for n in members():
        setattr(fake, n, lambda *a: None)
    del fake.sources_table
    monkeypatch.setitem(sys.modules, "fake_importer", fake)
    with pytest.raises(TypeError, match="missing: sources_table"):
        Entry("fake", "fake_importer", "a fake export").load()


def test_the_swapped_rule_and_the_box():
    lat = pd.Series([50.0, 36.2, 36.2, 60.0])
    lon = pd.Series([36.2, 50.0, 60.0, 36.2])
    assert rules.inside(lat, lon).tolist() == [True, False, False, False]
    assert rules.swapped(lat, lon).tolist() == [False, True, False, False]


def test_the_importers_judge_the_future_by_the_date_they_are_given():
    df = pd.DataFrame({"x": ["a", "b"], "raw_line": [2, 3]})
    start = pd.Series(pd.to_datetime(["2024-05-01", "2024-05-03"]))
    rej = Rejects("acled", "x.csv")
    kept = common.war_dates(df, start, start, "event_date", rej, "x", pd.Timestamp("2024-05-02"))
    assert kept["x"].tolist() == ["a"]
    assert rej.frame()["line"].tolist() == [3]


CLOCK_PROBE = """
import datetime, sys, time
import pandas as pd
calls = []
real = pd.Timestamp.today
def spy(*a, **k):
    calls.append(1)
    return real(*a, **k)
pd.Timestamp.today = spy
pd.Timestamp.now = spy
import {modules}
print(len(calls))
"""


def test_importing_the_analysis_modules_reads_no_clock():
    """Import every module of the clean and the importers with pandas' clock replaced by a spy: none reads it."""
    mods = sorted({f"analysis.{p.relative_to(SRC / 'analysis').with_suffix('').as_posix().replace('/', '.')}"
                   for sub in ("clean", "importers") for p in (SRC / "analysis" / sub).glob("*.py")
                   if p.name != "__init__.py"})
    code = CLOCK_PROBE.format(modules=", ".join(mods))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == "0"


def test_a_run_reads_the_clock_when_it_starts(monkeypatch):
    """tables.sources judges 'in the future' by the date it is given, or by the clock when it is called."""
    from analysis.clean import tables
    from analysis.registry.schema import TABLES

    row = {c: None for c in TABLES["sources"].raw_columns}
    row.update(source_id="src_a1", url="https://example.org/a", published="2024-05-03", outlet="Example",
               source_type="news_outlet", language="en", date_basis="page")
    raw = pd.DataFrame([row], dtype="str").assign(raw_line=2)
    monkeypatch.setattr(rules, "today", lambda: pd.Timestamp("2024-05-02"))
    assert len(tables.sources(raw.copy(), Rejects("sources", "sources.csv"))) == 0
    monkeypatch.setattr(rules, "today", lambda: pd.Timestamp("2024-05-04"))
    assert len(tables.sources(raw.copy(), Rejects("sources", "sources.csv"))) == 1
    assert len(tables.sources(raw.copy(), Rejects("sources", "sources.csv"), pd.Timestamp("2024-05-01"))) == 0
