"""What an importer is (the Importer protocol) and the one list of them.

An importer is a module that maps one export format (ACLED, UCDP GED) to Oskil's rows; the import
machinery (common.run, the Dask import in dask_engine) does the rest: streaming, place matching, the
processed tables, validation, writing. To add one, write a module that satisfies Importer and add a line
to IMPORTERS: the command line (`python -m analysis import NAME`) and both engines find it there.

This module imports neither pandas nor the importers themselves, so the command line can list them quickly.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    import pandas as pd

    from analysis.clean.errors import Rejects
    from analysis.importers.common import PlaceResolver, Prepared

    Mapped = tuple[pd.DataFrame, pd.DataFrame] | None  # (mapped rows, partial sources); None: all rejected


@runtime_checkable
class Importer(Protocol):
    """One export format. Modules satisfy it with module-level names (PEP 544: modules as implementations)."""

    NAME: str  # the command (`import NAME`) and the `table`/manifest name of its rows
    PREFIX: str  # ids: '<PREFIX upper>-<export id>'; import places: '<PREFIX>:<slug>'
    ID: str  # the export's id column (named in rejects)
    URL: str  # where the export comes from (the sources table's url)
    REQUIRED: list[str]  # columns an export must have
    WANTED: list[str]  # columns read (REQUIRED plus the optional ones)

    def prepare(self, df: pd.DataFrame, rej: Rejects, today: pd.Timestamp) -> Prepared:
        """Row checks up to place matching (bad rows to rej; dates after `today` rejected)."""
        ...

    def complete(self, ready: Prepared, placed: tuple[pd.Series, pd.Series, pd.Series], rej: Rejects) -> Mapped:
        """The mapped rows (common.MAPPED) and partial sources of prepared rows, given their places."""
        ...

    def map_batch(self, df: pd.DataFrame, resolver: PlaceResolver, rej: Rejects, today: pd.Timestamp) -> Mapped:
        """prepare, resolve the places, complete: one batch of export rows."""
        ...

    def sources_table(self, partials: pd.DataFrame | None, mapped: pd.DataFrame) -> pd.DataFrame:
        """The sources rows cited by the kept mapped rows, from every batch's partial sources."""
        ...

    def has_figure(self, mapped: pd.DataFrame) -> pd.Series:
        """Which mapped rows carry a casualty figure (they become casualties rows too)."""
        ...

    def empty_mapped(self) -> pd.DataFrame:
        """The mapped frame of an export with no kept row."""
        ...


@dataclass(frozen=True)
class Entry:
    """A registered importer: its command name, its module (imported when used) and the command's help."""

    name: str
    module: str
    what: str

    def load(self) -> Importer:
        module = importlib.import_module(self.module)
        if not isinstance(module, Importer):
            missing = [n for n in members() if not hasattr(module, n)]
            raise TypeError(f"{self.module} is not an Importer (missing: {', '.join(missing)})")
        return module


def members() -> list[str]:
    """The names an Importer must define (its annotated constants and its methods)."""
    return sorted(set(Importer.__annotations__) | {n for n in vars(Importer) if not n.startswith("_")})


IMPORTERS: dict[str, Entry] = {e.name: e for e in (
    Entry("acled", "analysis.importers.acled", "an ACLED export (CSV, comma or semicolon separated)"),
    Entry("ucdp", "analysis.importers.ucdp", "a UCDP GED export (CSV)"),
)}


def importer(name: str) -> Importer:
    """The registered importer called `name` (KeyError for another name)."""
    return IMPORTERS[name].load()
