"""Fixtures for the importer tests: a small processed gazetteer folder, and imports of the hand-written
ACLED and UCDP GED sample exports in tests/importers/fixtures/."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.importers import acled, common, ucdp

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def acled_run(gaz_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("acled")
    return out, common.run(acled, FIXTURES / "acled_sample.csv", out, gaz_dir)


@pytest.fixture(scope="session")
def ucdp_run(gaz_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("ucdp")
    return out, common.run(ucdp, FIXTURES / "ged_sample.csv", out, gaz_dir)
