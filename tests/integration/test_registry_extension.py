"""docs/developing.md's checklist for a new column is short: add it to a copy of the registry (registry/schema.py) and
nothing else, and the codebook, the clean (its counts, rejects and Dask row steps), the validation and synth
pick it up.

The copy of the package lives in tmp_path; only its registry/schema.py is edited, as a developer would edit it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]

#: the whole change: one new worded count in casualties (raw column + processed triple) and one new text
#: column in events (raw and processed: the same line in both lists)
EDITS = [
    ('        _worded("children_injured", "children among the injured, as worded"),\n',
     '        _worded("children_injured", "children among the injured, as worded"),\n'
     '        _worded("elderly_killed", "people over 60 among the killed, as worded"),\n', 1),
    ('        *_count("children_injured", "children injured"),\n',
     '        *_count("children_injured", "children injured"),\n'
     '        *_count("elderly_killed", "elderly killed"),\n', 1),
    ('        _f("damage", S, "damage in the coder\'s words"),\n',
     '        _f("damage", S, "damage in the coder\'s words"),\n'
     '        _f("witness", S, "who saw it, as named in the report"),\n', 2),
]


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of src/ and docs/codebook.md (and the gazetteer synth reads) with the registry edited, nothing
    else."""
    root = tmp_path_factory.mktemp("extended")
    shutil.copytree(REPO / "src", root / "src", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "docs").mkdir()
    shutil.copy(REPO / "docs" / "codebook.md", root / "docs" / "codebook.md")
    (root / "data" / "raw").mkdir(parents=True)  # synth draws its places from the shipped gazetteer
    shutil.copy(REPO / "data" / "raw" / "gazetteer.csv", root / "data" / "raw" / "gazetteer.csv")
    path = root / "src" / "analysis" / "registry" / "schema.py"
    text = path.read_text(encoding="utf-8")
    for old, new, n in EDITS:
        assert text.count(old) == n, f"the registry no longer has {old!r}: update this test's EDITS"
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return root


def run(package: Path, python: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(package / "src"), PYTHONHASHSEED="0")
    return subprocess.run([python, *args], env=env, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def cleaned(package: Path, python: str, make_raw) -> Path:
    """The conftest raw folder with the two new columns filled, cleaned by the edited package."""
    raw = make_raw(package / "raw")
    for table, column, values in (("casualties", "elderly_killed", {"CA-0001": "one", "CA-0002": "about 5"}),
                                  ("events", "witness", {"EV-0002": "a neighbour"})):
        raw.header(table).append(column)
        for r in raw.rows(table):
            r.append(values.get(r[0], ""))
    raw.copy_row("casualties", "CA-0003", "CA-0004")
    raw.set("casualties", "CA-0004", "elderly_killed", "lots of them")  # not a count: rejected, with why
    raw.write()
    got = run(package, python, "-m", "analysis", "clean", "--raw", str(raw.path), "--out", str(package / "out"))
    assert got.returncode == 0, got.stderr
    return package / "out"


def test_the_clean_counts_the_new_column_and_keeps_the_new_text(cleaned):
    cas = pd.read_parquet(cleaned / "casualties.parquet").set_index("casualty_id")
    cols = ["elderly_killed_reported", "elderly_killed_low", "elderly_killed_best", "elderly_killed_high"]
    at = list(cas.columns).index("children_injured_high") + 1  # where the registry put them
    assert list(cas.columns[at:at + 4]) == cols
    assert cas.loc["CA-0001", cols].tolist() == ["one", 1, 1, 1]
    assert cas.loc["CA-0002", cols[1:]].tolist() == [4, 5, 6]
    assert cas.loc["CA-0003", cols].isna().all()
    assert str(cas["elderly_killed_best"].dtype) == "Int64"
    ev = pd.read_parquet(cleaned / "events.parquet").set_index("event_id")
    assert ev.loc["EV-0002", "witness"] == "a neighbour" and pd.isna(ev.loc["EV-0001", "witness"])


def test_a_bad_cell_of_the_new_column_is_a_reject_row(cleaned):
    rej = pd.read_parquet(cleaned / "rejects.parquet")
    row = rej[rej["row_id"] == "CA-0004"]
    assert row[["table", "column", "value"]].values.tolist() == [["casualties", "elderly_killed", "lots of them"]]
    assert "unrecognised count" in row["reason"].iloc[0]


def test_validation_checks_the_new_triple(package, python, cleaned):
    code = f"""
import pandas as pd, pandera.errors as pe
from analysis.clean.validate import validate
cas = pd.read_parquet({str(cleaned / "casualties.parquet")!r})
for col, value, says in (("elderly_killed_low", -1, "greater_than_or_equal_to(0)"),
                         ("elderly_killed_best", 0, "elderly_killed: low <= best <= high")):
    bad = cas.copy()
    bad.loc[bad["casualty_id"] == "CA-0002", col] = value
    try:
        validate("casualties", bad)
    except pe.SchemaErrors as exc:
        assert says in str(exc), str(exc)
    else:
        raise SystemExit(f"{{col}} = {{value}} passed")
print("ok")
"""
    got = run(package, python, "-c", code)
    assert got.stdout.strip() == "ok", got.stderr


def test_the_dask_row_steps_count_the_new_column(package, python, cleaned):
    code = f"""
import pandas as pd
from analysis.clean.dask_engine import Context, row_steps
gaz = pd.read_parquet({str(cleaned / "gazetteer.parquet")!r})
src = pd.read_parquet({str(cleaned / "sources.parquet")!r}).set_index("source_id")["published"]
df = pd.DataFrame({{"casualty_id": ["CA-1"], "source_id": [src.index[0]], "date_reported": [None],
                   "place_reported": ["Kupiansk"], "raion_reported": [None], "oblast_reported": [None],
                   "killed": ["two"], "injured": [None], "children_killed": [None], "children_injured": [None],
                   "elderly_killed": ["three"]}}, dtype="str")
out = row_steps(df, "casualties", Context(gaz, src))
print(out.loc[0, "elderly_killed_best"])
"""
    got = run(package, python, "-c", code)
    assert got.stdout.strip() == "3", got.stderr


def test_the_codebook_shows_the_new_columns_with_their_roles(package, python):
    got = run(package, python, "-m", "analysis.docgen.codebook", str(package / "docs" / "codebook.md"))
    assert got.returncode == 0 and "updated" in got.stdout, got.stderr
    text = (package / "docs" / "codebook.md").read_text(encoding="utf-8")
    assert "| `elderly_killed` |  |  |  | count `elderly_killed`: worded | people over 60" in text
    assert "| `elderly_killed_best` | `Int64` |  | ≥ 0 | count `elderly_killed`: best |" in text
    assert text.count("| `witness` |") == 2  # raw and processed columns of events


def test_synth_writes_the_new_raw_columns(package, python, tmp_path):
    got = run(package, python, "-m", "analysis", "synth", "--rows", "30", "--out", str(tmp_path / "synth"))
    assert got.returncode == 0, got.stderr
    header = pd.read_csv(tmp_path / "synth" / "casualties.csv", nrows=0).columns.tolist()
    assert header[header.index("children_injured") + 1] == "elderly_killed"


def test_the_schema_contract_asks_for_a_new_version(package, python):
    """The one step the checklist keeps by hand: new processed columns change the fingerprint, and
    tests/test_schema_contract.py then asks for SCHEMA_VERSION and docs/schema-versions.json to follow."""
    got = run(package, python, "-c", "from analysis.registry.schema import fingerprint; print(fingerprint())")
    from analysis.registry.schema import fingerprint

    assert got.stdout.strip() not in ("", fingerprint()), got.stderr


@pytest.mark.parametrize("kind, fixture", [("acled", "acled_sample.csv"), ("ucdp", "ged_sample.csv")])
def test_the_importers_write_the_new_columns_empty(package, python, gaz_dir, tmp_path, kind, fixture):
    """An export has no such columns: each importer writes them, empty, with no edit of its own (its lists of
    spilled, filled and borrowed columns name only the columns it maps)."""
    export = REPO / "tests" / "importers" / "fixtures" / fixture
    got = run(package, python, "-m", "analysis", "import", kind, str(export), "--gazetteer", str(gaz_dir),
              "--out", str(tmp_path / "out"))
    assert got.returncode == 0, got.stderr
    ev = pd.read_parquet(tmp_path / "out" / "events.parquet")
    ca = pd.read_parquet(tmp_path / "out" / "casualties.parquet")
    assert len(ev) and ev["witness"].isna().all()
    triple = [f"elderly_killed_{x}" for x in ("low", "best", "high")]
    assert len(ca) and ca[triple].isna().all().all() and ca["elderly_killed_reported"].isna().all()
