"""tools/apply_fixes.py: a fix pass's corrections land only on the cells the fixer read, and nothing else moves."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parents[2] / "tools" / "apply_fixes.py"
HEADER = "statement_id,source_id,date_reported,stance,coder_note\n"


@pytest.fixture(scope="module")
def tool():
    spec = importlib.util.spec_from_file_location("apply_fixes", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fixes(path: Path, *lines: tuple[str, ...]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["table", "row_id", "column", "old", "new", "reason", "url"])
        w.writerows(lines)
    return path


def test_a_cell_changes_only_where_it_still_holds_the_old_value(tool, tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    table = raw / "statements.csv"
    table.write_text(HEADER + 'ST-1,src_a,on Sunday,rejects,"a note, with a comma"\nST-2,src_b,,open,x\n',
                     encoding="utf-8")
    f = fixes(tmp_path / "f.csv",
              ("statements", "ST-1", "stance", "rejects", "not_applicable", "no refusal on the page", "u"),
              ("statements", "ST-2", "stance", "rejects", "open", "read before another fix", "u"),
              ("statements", "ST-9", "stance", "", "open", "no such row", "u"),
              ("statements", "ST-2", "*", "", "NOT_FOUND", "page not found", "u"))
    applied, conflicts, row_level = tool.apply(raw, tool.read_fixes([f]), dry_run=False)
    assert [a["row_id"] for a in applied] == ["ST-1"]
    assert [(c["row_id"], why) for c, why in conflicts] == [("ST-2", "cell holds 'open'"), ("ST-9", "no such row")]
    assert [r["new"] for r in row_level] == ["NOT_FOUND"]  # listed for a decision, the row stays
    assert table.read_text(encoding="utf-8") == (
        HEADER + 'ST-1,src_a,on Sunday,not_applicable,"a note, with a comma"\nST-2,src_b,,open,x\n')


def test_a_dry_run_writes_nothing(tool, tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    table = raw / "statements.csv"
    before = HEADER + "ST-1,src_a,,rejects,x\n"
    table.write_text(before, encoding="utf-8")
    f = fixes(tmp_path / "f.csv", ("statements", "ST-1", "stance", "rejects", "open", "r", "u"))
    applied, _, _ = tool.apply(raw, tool.read_fixes([f]), dry_run=True)
    assert len(applied) == 1 and table.read_text(encoding="utf-8") == before
