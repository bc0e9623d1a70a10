"""`import` fails with one line and exit 2 (never a traceback) on bad bytes, CR-only files, huge cells,
inputs that are not files, and output folders it did not write; --gazetteer reads only the gazetteer."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from analysis import cli
from analysis.importers import acled, common

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLE = FIXTURES / "acled_sample.csv"
RAW = Path(__file__).resolve().parents[2] / "data" / "raw"


def run(capsys, export: Path, out: Path, gaz: Path, *extra: str) -> tuple[int, str]:
    code = cli.main(["import", "acled", str(export), "--out", str(out), "--gazetteer", str(gaz), *extra])
    return code, capsys.readouterr().err


def one_line(code: int, err: str, *words: str) -> str:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


def test_invalid_utf8_in_the_body_names_line_and_byte(capsys, gaz_dir, tmp_path):
    lines = SAMPLE.read_bytes().split(b"\n")
    lines[3] = lines[3].replace(b"Kharkiv", b"Khar\xffkiv", 1)
    export = tmp_path / "bad.csv"
    export.write_bytes(b"\n".join(lines))
    one_line(*run(capsys, export, tmp_path / "out", gaz_dir), "bad.csv, line 4", "byte 0xFF", "not UTF-8")
    assert not (tmp_path / "out").exists()


def test_cr_only_line_endings_are_refused_in_one_line(capsys, gaz_dir, tmp_path):
    export = tmp_path / "cr.csv"
    export.write_bytes(SAMPLE.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r"))
    one_line(*run(capsys, export, tmp_path / "out", gaz_dir), "cr.csv, line 1", "CR")


def test_a_cell_larger_than_a_block_is_one_line(capsys, gaz_dir, tmp_path):
    lines = SAMPLE.read_text(encoding="utf-8").split("\n")
    cells = lines[2].split(",")
    cells[-4] = '"' + "x" * (3 << 20) + '"'  # the notes column, 3 MB, with a 1 MB block
    lines[2] = ",".join(cells)
    export = tmp_path / "huge.csv"
    export.write_text("\n".join(lines), encoding="utf-8")
    one_line(*run(capsys, export, tmp_path / "out", gaz_dir, "--block-mb", "1"), "huge.csv", "--block-mb")


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_an_export_that_is_not_a_file(capsys, gaz_dir, tmp_path, kind):
    export = tmp_path / "x.csv"
    export.mkdir() if kind == "folder" else os.mkfifo(export)
    one_line(*run(capsys, export, tmp_path / "out", gaz_dir), "x.csv", "not a file")


def test_an_out_folder_holding_raw_tables_is_refused(capsys, gaz_dir, tmp_path):
    target = Path(shutil.copytree(RAW, tmp_path / "raw"))
    before = (target / "statements.csv").read_bytes()
    one_line(*run(capsys, SAMPLE, target, gaz_dir), "did not write")
    assert (target / "statements.csv").read_bytes() == before


def test_the_gazetteer_folder_is_read_for_its_gazetteer_only(gaz_dir, tmp_path):
    gaz = Path(shutil.copytree(gaz_dir, tmp_path / "gaz"))
    (gaz / "gazetteer.csv").write_text("changed after the clean: not needed by an import\n")
    common.run(acled, SAMPLE, tmp_path / "out", gaz)


def test_unsafe_text_in_an_export_is_a_reject(gaz_dir, tmp_path):
    lines = SAMPLE.read_text(encoding="utf-8").split("\n")
    lines[1] = lines[1].replace("Kupiansk", "Kupi\u202eansk", 1)
    export = tmp_path / "bidi.csv"
    export.write_text("\n".join(lines), encoding="utf-8")
    result = common.run(acled, export, tmp_path / "out", gaz_dir)
    rej = result.tables["rejects"]
    hit = rej[rej["reason"].str.startswith("text without control")]
    assert hit["line"].tolist() == [2] and "\\u202e" in hit["value"].iloc[0]
    assert result.read["events"] == result.kept["events"] + result.rejected["events"]
