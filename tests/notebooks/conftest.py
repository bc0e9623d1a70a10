"""Shared set-up for executing the real notebooks: one clean of the shipped raw data per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from analysis.clean.pipeline import clean

ROOT = Path(__file__).resolve().parents[2]
# kernels start in notebooks/: make sure they import this checkout's package whatever PYTHONPATH said
os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])])


@pytest.fixture(scope="session")
def processed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """data/raw cleaned into a private folder, so tests never depend on a developer's data/processed."""
    out = tmp_path_factory.mktemp("processed")
    clean(ROOT / "data" / "raw", out)
    return out
