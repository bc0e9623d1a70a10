"""The clean step: read every raw table, clean it, link incidents, validate, write.

Order matters only through references: gazetteer and sources first, then the tables that cite them,
events before casualties. Accounting is checked before anything is written: for every table,
rows read = rows kept + rows rejected.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.clean import incidents, places, tables
from analysis.clean.errors import CleanError, Rejects
from analysis.clean.read import read_raw
from analysis.clean.validate import integrity, validate
from analysis.clean.write import write_manifest, write_table
from analysis.schema import RAW_TABLES, TABLES


@dataclass
class Summary:
    """What the clean did, per table."""

    read: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        out = [f"{'table':<12}{'read':>10}{'kept':>10}{'rejected':>10}"]
        for t in self.read:
            out.append(f"{t:<12}{self.read[t]:>10,}{self.kept[t]:>10,}{self.rejected[t]:>10,}")
        return out + self.notes


@contextmanager
def _locked(out_dir: Path):
    """One clean at a time per output folder; a second waits instead of interleaving files."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / ".clean.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        for stale in out_dir.glob(".*.tmp"):  # left by a run that was killed while writing
            stale.unlink(missing_ok=True)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


_T0 = time.perf_counter()


def progress(message: str) -> None:
    """One progress line on stderr for long cleans, when a person is watching (a terminal) or asked for it."""
    if sys.stderr.isatty() or os.environ.get("OSKIL_PROGRESS") == "1":
        print(f"[clean {time.perf_counter() - _T0:6.1f} s] {message}", file=sys.stderr, flush=True)


def clean_frames(raw: dict[str, pd.DataFrame], files: dict[str, str]) -> tuple[dict[str, pd.DataFrame], Summary]:
    """Clean raw frames (string cells + raw_line) into processed frames. Pure: no I/O."""
    rej = {t.name: Rejects(t.name, files.get(t.name, f"{t.name}.csv")) for t in RAW_TABLES}
    out: dict[str, pd.DataFrame] = {}
    out["gazetteer"] = tables.gazetteer(raw["gazetteer"], rej["gazetteer"])
    gaz = places.Gazetteer(out["gazetteer"])
    progress(f"cleaning sources ({len(raw['sources']):,} rows)")
    out["sources"] = tables.sources(raw["sources"], rej["sources"])
    src = out["sources"]
    progress(f"cleaning events ({len(raw['events']):,} rows)")
    out["events"] = tables.events(raw["events"], src, gaz, rej["events"])
    out["events"]["incident_id"] = incidents.link_events(out["events"]).astype("str")
    progress(f"cleaning casualties ({len(raw['casualties']):,} rows)")
    out["casualties"] = tables.casualties(raw["casualties"], src, gaz, out["events"], rej["casualties"])
    cas = out["casualties"]
    cas["incident_id"] = incidents.link_casualties(cas, out["events"])
    if not cas.empty:
        cas[["status", "superseded_by", "disagreement"]] = incidents.supersede(cas)
    out["casualties"] = tables._finish(cas, TABLES["casualties"])
    progress(f"cleaning statements ({len(raw['statements']):,} rows)")
    out["statements"] = tables.statements(raw["statements"], src, rej["statements"])
    progress(f"cleaning control ({len(raw['control']):,} rows)")
    out["control"] = tables.control(raw["control"], src, gaz, rej["control"])
    progress(f"cleaning tallies ({len(raw['tallies']):,} rows)")
    out["tallies"] = tables.tallies(raw["tallies"], src, gaz, rej["tallies"])
    progress("linking incidents")
    out["incidents"] = tables._finish(incidents.incidents_table(out["events"], out["casualties"]),
                                      TABLES["incidents"])
    rejects = pd.concat([r.frame() for r in rej.values()], ignore_index=True)
    out["rejects"] = tables._finish(rejects, TABLES["rejects"]).sort_values(
        ["table", "line"], kind="stable").reset_index(drop=True)
    summary = Summary()
    for t in RAW_TABLES:
        n_rej = int((rejects["table"] == t.name).sum())
        summary.read[t.name] = len(raw[t.name])
        summary.kept[t.name] = len(out[t.name])
        summary.rejected[t.name] = n_rej
        if summary.read[t.name] != summary.kept[t.name] + n_rej:
            raise AssertionError(f"{t.name}: {summary.read[t.name]} read != {summary.kept[t.name]} kept + "
                                 f"{n_rej} rejected")
    progress("validating every table against its schema")
    for name, df in out.items():
        out[name] = validate(name, df)
    problems = integrity(out)
    if problems:
        raise AssertionError("referential integrity: " + "; ".join(problems))
    return out, summary


def read_all(raw_dir: Path) -> tuple[dict[str, pd.DataFrame], dict[str, str], list[str]]:
    """Read every raw table; a missing file or a missing required column is fatal."""
    frames, files, notes = {}, {}, []
    for t in RAW_TABLES:
        path = raw_dir / f"{t.name}.csv"
        if not path.exists():
            raise CleanError(str(path), None, None, None, f"a raw file {t.name}.csv in {raw_dir}")
        progress(f"reading {path.name} ({path.stat().st_size / 1e6:,.1f} MB)")
        rf = read_raw(path, t)
        files[t.name] = path.name
        df = rf.frame
        if rf.ragged is not None and len(rf.ragged):
            expected = rf.ragged.attrs.get("expected")
            rag = pd.DataFrame({"table": t.name, "file": path.name, "line": rf.ragged["raw_line"],
                                "n": rf.ragged["n_cells"], "value": rf.ragged["value"]})
            df.attrs["ragged"] = rag
            df.attrs["expected_cells"] = expected
        if rf.encoding != "utf-8":
            notes.append(f"{path.name}: read as {rf.encoding}")
        if rf.ignored_columns:
            notes.append(f"{path.name}: ignored columns not in the codebook: {', '.join(rf.ignored_columns)}")
        frames[t.name] = df
    return frames, files, notes


def _with_ragged(raw: dict[str, pd.DataFrame]) -> pd.DataFrame:
    parts = []
    for df in raw.values():
        rag = df.attrs.get("ragged")
        if rag is not None:
            parts.append(pd.DataFrame({
                "table": rag["table"], "file": rag["file"], "line": rag["line"].astype("Int64"),
                "row_id": pd.Series(pd.NA, index=rag.index, dtype="str"), "column": "(row)",
                "value": rag["value"].astype("str"),
                "reason": f"{df.attrs['expected_cells']} cells per row, as in the header; got "
                          + rag["n"].astype("str")}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def clean(raw_dir: Path, out_dir: Path, reader=None) -> Summary:
    """Clean raw_dir into out_dir. Nothing is written unless every table cleaned and validated.

    reader(raw_dir) -> (frames, files, notes) replaces read_all (clean/dask_engine.py reads in parallel)."""
    t0 = time.perf_counter()
    raw, files, notes = (reader or read_all)(raw_dir)
    out, summary = clean_frames(raw, files)
    ragged = _with_ragged(raw)
    raw.clear()  # the raw cells are not needed any more: free them before the output files are built
    if len(ragged):
        out["rejects"] = tables._finish(pd.concat([out["rejects"], ragged], ignore_index=True),
                                        TABLES["rejects"]).sort_values(["table", "line"], kind="stable"
                                                                       ).reset_index(drop=True)
        for tname, n in ragged.groupby("table").size().items():
            summary.read[tname] += int(n)
            summary.rejected[tname] += int(n)
    summary.notes.extend(notes)
    with _locked(out_dir):
        # a run that dies while writing must leave no manifest rather than the old one over a mixed set
        (out_dir / "manifest.json").unlink(missing_ok=True)
        written = []
        progress(f"writing {len(out)} tables (Parquet + CSV) to {out_dir}")
        # Arrow's Parquet and CSV writers release the GIL: two tables at a time, files listed in name order
        with ThreadPoolExecutor(max_workers=2) as pool:
            for paths in pool.map(lambda name: write_table(out[name], out_dir, name), sorted(out)):
                written += paths
        write_manifest(out_dir, written, {"rows": {k: len(v) for k, v in sorted(out.items())}})
    summary.seconds = time.perf_counter() - t0
    return summary
