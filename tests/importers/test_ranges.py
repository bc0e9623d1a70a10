"""An export past --range-mb is imported in ranges of its ids, one range at a time (importers/ranges.py): the
files written are the bytes of the same export imported together, however the ids are cut, and no range holds
much more than its share of the rows."""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.importers import acled, common, ranges, ucdp

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _files(folder: Path) -> dict[str, bytes]:
    """Every file an import wrote, by name (the manifest's only moving part, its time, left out)."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.name != "manifest.json"}


def _manifest_rows(folder: Path) -> dict:
    import json

    m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return {"rows": m["rows"], "import": m["import"], "files": m.get("files")}


@pytest.fixture()
def parts_seen(monkeypatch):
    """The rows of each range imported (a list per ranged import), recorded as the ranges are cut."""
    seen: list[list[int]] = []
    bucketed = ranges.Batches.bucketed

    def recorded(self, cuts):
        got = bucketed(self, cuts)
        seen.append([n for _, n in got])
        return got

    monkeypatch.setattr(ranges.Batches, "bucketed", recorded)
    return seen


def _all_rejected(tmp_path: Path) -> Path:
    """The ACLED sample with no event date a date: every row rejected, every range's tables empty."""
    lines = (FIXTURES / "acled_sample.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    path = tmp_path / "rejected.csv"
    path.write_text("".join(lines[:1] + [re.sub(r"^([^,]*),[^,]*,", r"\1,not a date,", x) for x in lines[1:]]),
                    encoding="utf-8")
    return path


def _with_repeats(tmp_path: Path) -> Path:
    """The ACLED sample with its first rows repeated at the end (a repeated id is rejected, the first kept):
    repeats far from their first row, in another batch."""
    lines = (FIXTURES / "acled_sample.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    path = tmp_path / "repeats.csv"
    path.write_text("".join(lines + lines[1:4]), encoding="utf-8")
    return path


@pytest.mark.parametrize("case", ["acled", "ucdp", "repeats", "all rejected"])
def test_a_ranged_import_writes_the_bytes_of_the_import_held_together(case, gaz_dir, tmp_path, parts_seen):
    mapper, export, block = {"acled": (acled, FIXTURES / "acled_sample.csv", 600),
                             "ucdp": (ucdp, FIXTURES / "ged_sample.csv", 2000),
                             "repeats": (acled, None, 600), "all rejected": (acled, None, 600)}[case]
    export = export or (_with_repeats if case == "repeats" else _all_rejected)(tmp_path)
    # chunks of 2 rows: each range's last chunk is cut again with the next range's first rows
    whole = common.run(mapper, export, tmp_path / "whole", gaz_dir, block_size=block, chunk_rows=2,
                       range_bytes=None)
    cut = common.run(mapper, export, tmp_path / "ranged", gaz_dir, block_size=block, chunk_rows=2,
                     range_bytes=export.stat().st_size // 4)
    # imported in ranges (no mapped row, no id to cut them by: one empty range)
    assert len(parts_seen) == 1 and len(parts_seen[0]) >= (1 if case == "all rejected" else 3), parts_seen
    assert _files(tmp_path / "ranged") == _files(tmp_path / "whole")
    assert _manifest_rows(tmp_path / "ranged") == _manifest_rows(tmp_path / "whole")
    assert (cut.read, cut.kept, cut.rejected, cut.notes) == (whole.read, whole.kept, whole.rejected, whole.notes)
    for name in ("events", "casualties", "incidents", "sources", "coverage", "rejects"):
        assert cut.tables[name].equals(whole.tables[name]), name


@pytest.fixture(scope="module")
def export_5000(processed, tmp_path_factory):
    """A generated ACLED export of 5,000 rows (bench_acled: places of the shipped gazetteer and made up ones,
    counts, sources and dates as an export's), and its tables imported together (chunks of 500 rows)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_acled import generate

    folder = tmp_path_factory.mktemp("export5000")
    export = folder / "acled-5000.csv"
    generate(export, 5000, processed)
    common.run(acled, export, folder / "whole", processed, block_size=200_000, chunk_rows=500, range_bytes=None)
    return export, _files(folder / "whole")


@pytest.mark.integration
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.integers(min_value=2, max_value=9))
def test_the_tables_do_not_depend_on_where_the_ids_are_cut(parts, export_5000, processed):
    export, whole = export_5000
    with tempfile.TemporaryDirectory() as tmp:
        common.run(acled, export, Path(tmp) / "out", processed, block_size=200_000, chunk_rows=500,
                   range_bytes=-(-export.stat().st_size // parts))
        assert _files(Path(tmp) / "out") == whole


@pytest.mark.integration
def test_no_range_holds_much_more_than_its_share(export_5000, processed, tmp_path, parts_seen):
    """Four ranges of a 5,000-row export: each range's rows (the most held at once) near a quarter of them,
    not the whole export (cut from a sample of every 64th id of each batch)."""
    export, _ = export_5000
    common.run(acled, export, tmp_path / "out", processed, block_size=200_000, chunk_rows=500,
               range_bytes=-(-export.stat().st_size // 4))
    (rows,) = parts_seen
    assert len(rows) == 4 and 4900 < sum(rows) <= 5000  # every mapped row (a few are rejected when read)
    assert max(rows) <= 0.35 * sum(rows), rows


def test_a_daily_summary_among_the_rows_imports_the_export_together(gaz_dir, tmp_path, parts_seen):
    """Ids of the continuous batch (K) in Kharkiv in the continuous window make daily summaries, whose
    settlements are counted over all rows: the ranges cannot be combined, so the export is imported together
    (the same files as an import held together), nothing written by the attempt."""
    text = (FIXTURES / "acled_sample.csv").read_text(encoding="utf-8").replace("\nUKR10", "\nK10")
    export = tmp_path / "summaries.csv"
    export.write_text(text, encoding="utf-8")
    whole = common.run(acled, export, tmp_path / "whole", gaz_dir, block_size=600, range_bytes=None)
    assert whole.tables["coverage"]["summary_source_ids"].notna().any()  # the case: a daily summary
    common.run(acled, export, tmp_path / "ranged", gaz_dir, block_size=600, range_bytes=export.stat().st_size // 4)
    assert len(parts_seen) == 1 and len(parts_seen[0]) >= 3  # the ranges were tried
    assert _files(tmp_path / "ranged") == _files(tmp_path / "whole")


def test_a_failure_in_a_range_publishes_nothing_and_removes_the_temporary_files(gaz_dir, tmp_path, monkeypatch):
    """A failure while the second range is concluded (injected there) leaves no --out folder and no temporary
    folder: the batches, ranges and chunks already on disk are removed with the spill."""
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    conclude, calls = common.conclude, [0]

    def failing(*args, **kwargs):
        calls[0] += 1
        if calls[0] == 2:
            raise RuntimeError("injected: the second range")
        return conclude(*args, **kwargs)

    monkeypatch.setattr(common, "conclude", failing)
    export = FIXTURES / "acled_sample.csv"
    with pytest.raises(RuntimeError, match="injected"):
        common.run(acled, export, tmp_path / "out", gaz_dir, block_size=600, range_bytes=export.stat().st_size // 4)
    assert calls[0] == 2
    assert not (tmp_path / "out").exists()
    assert list(temp.iterdir()) == []


@pytest.mark.parametrize("extra, expected", [
    (["--range-mb", "0"], "--range-mb"),
    (["--range-mb", "-1"], "a positive number of MB"),
])
def test_a_wrong_range_size_is_one_line_and_exit_2(extra, expected, gaz_dir, tmp_path):
    run = subprocess.run([sys.executable, "-m", "analysis", "import", "acled", str(FIXTURES / "acled_sample.csv"),
                          "--gazetteer", str(gaz_dir), "--out", str(tmp_path / "out"), *extra],
                         capture_output=True, text=True)
    assert run.returncode == 2
    assert expected in run.stderr and len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert not (tmp_path / "out").exists()


def test_a_failed_write_stops_the_ranges_with_its_error(gaz_dir, tmp_path, monkeypatch):
    """A write that fails while it makes the second range's events (injected at that call) is raised by the
    import, which was waiting for that range's chunks: no hang, nothing published, no temporary files."""
    import threading

    from analysis.importers import chunked

    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    tables, calls = chunked.Streamed.tables, [0]

    def failing(self, schema=None):
        if self.name == "events":
            calls[0] += 1
            if calls[0] == 2:
                raise RuntimeError("injected: the second range's events")
        return tables(self, schema)

    monkeypatch.setattr(chunked.Streamed, "tables", failing)
    export = FIXTURES / "acled_sample.csv"
    raised: list[BaseException] = []

    def run() -> None:
        try:
            common.run(acled, export, tmp_path / "out", gaz_dir, block_size=600,
                       range_bytes=export.stat().st_size // 4)
        except BaseException as exc:  # noqa: BLE001 - checked below
            raised.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=120)  # a guard against a hang, not a wait for something to happen
    assert not worker.is_alive(), "the import hung on a failed write"
    assert len(raised) == 1 and "injected" in str(raised[0]), raised
    assert calls[0] == 2
    assert not (tmp_path / "out").exists()
    assert list(temp.iterdir()) == []


@pytest.mark.integration
def test_the_dask_import_concludes_in_ranges_too(gaz_dir, tmp_path, parts_seen):
    """The Dask import's driver keeps the gathered blocks as the pandas import keeps its batches, and concludes
    them in ranges: the same files as the pandas import held together."""
    pytest.importorskip("distributed")
    from analysis.importers import dask_engine

    export = _with_repeats(tmp_path)
    dask_engine.run("acled", str(export), str(tmp_path / "dask"), gaz_dir, blocksize=600,
                    range_bytes=export.stat().st_size // 4)
    assert len(parts_seen) == 1 and len(parts_seen[0]) >= 3, parts_seen
    common.run(acled, export, tmp_path / "whole", gaz_dir, range_bytes=None)
    assert _files(tmp_path / "dask") == _files(tmp_path / "whole")


def test_the_help_gives_the_default_range_size():
    run = subprocess.run([sys.executable, "-m", "analysis", "import", "acled", "--help"], capture_output=True,
                         text=True, check=True)
    assert f"(default {common.RANGE_BYTES >> 20})" in " ".join(run.stdout.split())
