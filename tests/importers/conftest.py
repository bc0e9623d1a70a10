"""Fixtures for the importer tests: a small processed gazetteer folder, and imports of the hand-written
ACLED and UCDP GED sample exports in tests/importers/fixtures/."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.clean import tables
from analysis.clean.errors import Rejects
from analysis.clean.read import read_raw
from analysis.clean.write import write_manifest, write_table
from analysis.importers import acled, common, ucdp
from analysis.schema import TABLES

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def gaz_dir(tmp_path_factory) -> Path:
    """A processed folder holding only the fixture gazetteer (what --gazetteer reads)."""
    out = tmp_path_factory.mktemp("gazetteer")
    rf = read_raw(FIXTURES / "gazetteer.csv", TABLES["gazetteer"])
    rej = Rejects("gazetteer", "gazetteer.csv")
    gaz = tables.gazetteer(rf.frame, rej)
    assert rej.frame().empty and len(gaz) == 13
    write_manifest(out, write_table(gaz, out, "gazetteer"), {"rows": {"gazetteer": len(gaz)}})
    return out


@pytest.fixture(scope="session")
def acled_run(gaz_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("acled")
    return out, common.run(acled, FIXTURES / "acled_sample.csv", out, gaz_dir)


@pytest.fixture(scope="session")
def ucdp_run(gaz_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("ucdp")
    return out, common.run(ucdp, FIXTURES / "ged_sample.csv", out, gaz_dir)
