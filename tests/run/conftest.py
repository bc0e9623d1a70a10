"""A throwaway project (notebooks/, data/, CITATION.cff) for the report runner tests."""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from analysis.run import cli

FIXTURES = Path(__file__).parent / "fixtures"

CITATION = """cff-version: 1.2.0
title: Oskil
version: 0.1.0
message: Please cite this software using these metadata.
authors:
  - family-names: Doe
    given-names: Jane
  - name: Oskil contributors
repository-code: https://example.org/oskil
"""


@dataclass
class Project:
    root: Path
    reports: Path
    data: Path

    def args(self, *argv: str) -> argparse.Namespace:
        """Parse a `run`/`verify` command line, pointed at this project."""
        parser = argparse.ArgumentParser(prog="oskil")
        cli.register(parser.add_subparsers(dest="command", required=True))
        command, *rest = argv
        extra = ["--root", str(self.root)]
        if command == "run":
            extra += ["--reports", str(self.reports), "--data-dir", str(self.data)]
        return parser.parse_args([command, *rest, *extra])

    def notebook(self, name: str) -> str:
        return str(self.root / "notebooks" / name)


def write_events(data: Path, counts: tuple[int, ...] = (3, 1200, 5)) -> None:
    dates = ["2022-08-15", "2022-09-01", "2022-10-01"]
    frame = pd.DataFrame({"date": dates, "n": list(counts)})
    frame.to_parquet(data / "events.parquet", index=False)


def make_project(root: Path) -> Project:
    (root / "notebooks").mkdir(parents=True)
    for nb in FIXTURES.glob("*.ipynb"):
        shutil.copy(nb, root / "notebooks" / nb.name)
    (root / "data").mkdir()
    write_events(root / "data")
    (root / "CITATION.cff").write_text(CITATION, encoding="utf-8")
    return Project(root=root, reports=root / "reports", data=root / "data")


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def events_writer() -> Callable[..., None]:
    """Rewrite data/events.parquet with other counts (tests import nothing from conftest)."""
    return write_events


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return make_project(tmp_path / "proj")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """One project with the fixture report rendered once with defaults (shared, read-only)."""
    proj = make_project(tmp_path_factory.mktemp("built") / "proj")
    assert cli.main_run(proj.args("run", proj.notebook("fixture_report.ipynb"))) == 0
    return proj
