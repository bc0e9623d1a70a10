"""The schema contract: the codebook, the released schema versions and the processed files agree with
src/analysis/registry/schema.py.

- a column change without `python -m analysis.docgen.codebook` fails (the codebook is stale);
- a processed-column change without a new SCHEMA_VERSION and a new entry in docs/schema-versions.json fails;
- processed Parquet files written under another schema version fail.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from analysis.docgen import codebook
from analysis.registry import schema

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = ROOT / "docs" / "codebook.md"
VERSIONS = ROOT / "docs" / "schema-versions.json"
PROCESSED = ROOT / "data" / "processed"


def test_codebook_generated_section_is_current():
    text = CODEBOOK.read_text(encoding="utf-8")
    assert codebook.extract(text) == codebook.render_fields(), (
        "docs/codebook.md is out of date with src/analysis/registry/schema.py or vocab.py; "
        "run `PYTHONPATH=src python -m analysis.docgen.codebook` and review the diff")


def test_render_fields_covers_every_column_and_word():
    text = codebook.render_fields()
    for t in schema.PROCESSED_TABLES:
        assert f"### Table `{t.name}`" in text
        for f in (*t.raw, *t.processed):
            assert f"| `{f.name}` |" in text, f"{t.name}.{f.name} missing from the codebook"
    from analysis.registry.vocab import VOCABULARIES

    for name, words in VOCABULARIES.items():
        assert f"### Vocabulary `{name}`" in text
        assert all(f"| `{w}` |" in text for w in words)
    assert text.endswith(f"Schema version {schema.SCHEMA_VERSION}, fingerprint `{schema.fingerprint()}`")


def test_update_replaces_only_the_generated_section(tmp_path):
    path = tmp_path / "codebook.md"
    path.write_text(f"# head\n\nhand-written\n\n{codebook.BEGIN}\nstale\n{codebook.END}\n\ntail\n", encoding="utf-8")
    assert codebook.update(path) is True
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# head\n\nhand-written\n\n") and text.endswith(f"{codebook.END}\n\ntail\n")
    assert codebook.extract(text) == codebook.render_fields()
    assert codebook.update(path) is False  # idempotent


def test_update_refuses_a_file_without_markers(tmp_path):
    path = tmp_path / "codebook.md"
    path.write_text("# no markers\n", encoding="utf-8")
    with pytest.raises(ValueError):
        codebook.update(path)


def test_fingerprint_is_recorded_for_the_schema_version():
    released = json.loads(VERSIONS.read_text(encoding="utf-8"))
    version, current = schema.SCHEMA_VERSION, schema.fingerprint()
    assert version in released, (
        f"SCHEMA_VERSION {version} has no entry in docs/schema-versions.json; add "
        f'"{version}": "{current}" once the new schema is final')
    assert released[version] == current, (
        f"the processed columns changed but SCHEMA_VERSION is still {version}: bump SCHEMA_VERSION in "
        f'src/analysis/registry/schema.py and add "<new version>": "{current}" to docs/schema-versions.json')


def test_released_versions_are_distinct():
    released = json.loads(VERSIONS.read_text(encoding="utf-8"))
    assert len(set(released.values())) == len(released), "two schema versions share one fingerprint"


def _wrong_version(folder: Path) -> dict[str, bytes | None]:
    """The Parquet files in folder not written under the current SCHEMA_VERSION, with the version they carry."""
    wrong = {}
    for path in sorted(folder.glob("*.parquet")):
        got = (pq.read_schema(path).metadata or {}).get(b"oskil.schema_version")
        if got != schema.SCHEMA_VERSION.encode():
            wrong[path.name] = got
    return wrong


def test_the_clean_writes_the_schema_version(processed):
    """A fresh clean of data/raw (the session's private one: it runs on a clean clone too) stamps every Parquet
    file it writes with the current schema version."""
    assert sorted(processed.glob("*.parquet")), "the clean wrote no Parquet file"
    assert not _wrong_version(processed)


def test_processed_parquet_carries_the_schema_version():
    """A developer's data/processed, when there is one, was written under the current schema (else stale)."""
    if not sorted(PROCESSED.glob("*.parquet")):
        pytest.skip("no processed Parquet files in data/processed (run `python -m analysis clean`)")
    wrong = _wrong_version(PROCESSED)
    assert not wrong, (f"processed files not written under schema {schema.SCHEMA_VERSION}: {wrong}; "
                       "run `python -m analysis clean` again")
