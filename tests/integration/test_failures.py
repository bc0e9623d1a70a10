"""Every failure of `clean` is one clear line on stderr and exit 2, never a traceback, and writes nothing
(docs/errors.md lists them). Faults the machine would have to produce (a full disk, a read-only folder, no
permission) are injected at the exact call."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest

from analysis import cli
from analysis.clean import atomic, pipeline, write


def clean(capsys, raw: Path, out: Path) -> tuple[int, str, str]:
    code = cli.main(["clean", "--raw", str(raw), "--out", str(out)])
    got = capsys.readouterr()
    return code, got.out, got.err


def one_line(code: int, err: str, *words: str) -> str:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def written(raw) -> Path:
    return raw.write()


def test_out_equal_to_raw_is_refused(capsys, written):
    before = files_of(written)
    one_line(*clean(capsys, written, written)[::2], "other than --raw")
    assert files_of(written) == before


def test_out_holding_raw_tables_is_refused(capsys, written, tmp_path):
    target = Path(shutil.copytree(written, tmp_path / "copy"))
    before = files_of(target)
    one_line(*clean(capsys, written, target)[::2], "casualties.csv", "did not write")
    assert files_of(target) == before


def test_out_that_is_a_file(capsys, written, tmp_path):
    (tmp_path / "afile").write_text("x")
    one_line(*clean(capsys, written, tmp_path / "afile")[::2], "this is a file")


def test_an_oskil_folder_is_cleaned_into_again(capsys, written, tmp_path):
    assert clean(capsys, written, tmp_path / "out")[0] == 0
    assert clean(capsys, written, tmp_path / "out")[0] == 0


@pytest.mark.parametrize("kind", ["folder", "fifo", "loop"])
def test_a_raw_file_that_is_not_a_file(capsys, written, tmp_path, kind):
    path = written / "events.csv"
    path.unlink()
    if kind == "folder":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)  # reading it would block forever
    else:
        path.symlink_to(path.name)
    line = one_line(*clean(capsys, written, tmp_path / "out")[::2], "events.csv")
    assert {"folder": "a folder", "fifo": "named pipe", "loop": "symbolic links"}[kind] in line
    assert not (tmp_path / "out").exists()


def test_an_unreadable_raw_file(capsys, written, tmp_path, monkeypatch):
    real = os.open

    def denied(path, *a, **kw):
        if str(path).endswith("tallies.csv"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path, *a, **kw)

    monkeypatch.setattr(os, "open", denied)
    one_line(*clean(capsys, written, tmp_path / "out")[::2], "tallies.csv", "Permission denied")


@pytest.mark.parametrize("err", [errno.ENOSPC, errno.EFBIG, errno.EROFS, errno.EACCES])
def test_write_failures_are_one_line_and_keep_the_old_set(capsys, written, tmp_path, monkeypatch, err):
    out = tmp_path / "out"
    assert clean(capsys, written, out)[0] == 0
    before = files_of(out)
    calls = []

    def failing(table, where, **kw):
        calls.append(where)
        raise OSError(err, os.strerror(err), str(where))

    monkeypatch.setattr(write.pq, "write_table", failing)
    line = one_line(*clean(capsys, written, out)[::2], os.strerror(err))
    assert calls, "the fault was not reached"
    assert files_of(out) == before  # the previous set, manifest and all
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    assert line.count("error:") == 1


def test_an_invariant_failure_is_one_line(capsys, written, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "integrity", lambda out: ["events.source_id: 1 unknown id"])
    one_line(*clean(capsys, written, tmp_path / "out")[::2], "internal consistency check", "events.source_id")
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_a_stray_byte_in_a_utf8_file_is_named(capsys, raw, tmp_path):
    text = raw.text("tallies").replace("Oleh Syniehubov", "\xffOleh Syniehubov", 1)
    raw.overrides["tallies"] = text.encode("utf-8").replace("\xff".encode(), b"\xff")
    raw.write()
    one_line(*clean(capsys, raw.path, tmp_path / "out")[::2], "tallies.csv, line 2", "byte 0xFF", "not UTF-8")


def test_a_cp1251_file_is_read_as_cp1251_with_the_evidence(capsys, raw, tmp_path):
    raw.overrides["sources"] = raw.text("sources").encode("cp1251")
    raw.write()
    code, out, err = clean(capsys, raw.path, tmp_path / "out")
    assert code == 0, err
    assert "sources.csv: read as cp1251 (not UTF-8, and" in out and "Cyrillic words in cp1251" in out


def test_a_lone_cp1251_like_byte_in_ascii_is_not_taken_for_cp1251():
    from analysis.clean.encoding import decode
    from analysis.clean.errors import CleanError

    with pytest.raises(CleanError, match=r"line 2.*byte 0xFF"):
        decode(b"a,b\n1,\xffOleh\n", "x.csv")
    text, enc, why = decode("a,b\n1,Харків\n".encode("cp1251"), "x.csv")
    assert (text, enc) == ("a,b\n1,Харків\n", "cp1251") and "Cyrillic" in why


def test_cr_only_line_endings_are_read(capsys, raw, tmp_path):
    raw.overrides["tallies"] = raw.text("tallies", newline="\r").encode("utf-8")
    raw.write()
    code, out, err = clean(capsys, raw.path, tmp_path / "out")
    assert code == 0, err
    assert any(line.split()[:4] == ["tallies", "2", "2", "0"] for line in out.splitlines()), out


def test_a_huge_cell_is_a_reject_not_a_crash(capsys, raw, tmp_path):
    raw.set("events", "EV-0001", "coder_note", "x" * 2_000_000)
    raw.overrides["events"] = (raw.text("events") + "\n\n").encode("utf-8")  # a blank line: the csv-module path
    raw.write()
    code, out, err = clean(capsys, raw.path, tmp_path / "out")
    assert code == 0, err
    import pandas as pd

    rej = pd.read_parquet(tmp_path / "out" / "rejects.parquet")
    r = rej[rej["row_id"] == "EV-0001"].iloc[0]
    assert r["reason"] == "a cell of at most 100,000 characters"
    assert r["value"].endswith("... (2000000 characters)") and len(r["value"]) < 300


def test_an_unbalanced_quote_is_hinted(capsys, raw, tmp_path):
    raw.overrides["statements"] = raw.text("statements").replace(",UA,", ',"UA,', 1).encode("utf-8")
    raw.write()
    code, out, err = clean(capsys, raw.path, tmp_path / "out")
    assert code == 0, err
    import pandas as pd

    rej = pd.read_parquet(tmp_path / "out" / "rejects.parquet")
    assert rej["reason"].str.contains("unbalanced quote").any(), rej.to_string()


def test_a_pipe_separated_file_gets_a_hint(capsys, raw, tmp_path):
    raw.overrides["control"] = raw.text("control", delimiter="|").encode("utf-8")
    raw.write()
    one_line(*clean(capsys, raw.path, tmp_path / "out")[::2], "control.csv", "'|'-separated")


def test_unsafe_text_is_rejected_with_the_reason(capsys, raw, tmp_path):
    raw.set("events", "EV-0001", "coder_note", "evil \u202e txt")
    raw.set("events", "EV-0002", "damage", "nul \x00 here")
    raw.write()
    code, out, err = clean(capsys, raw.path, tmp_path / "out")
    assert code == 0, err
    import pandas as pd

    rej = pd.read_parquet(tmp_path / "out" / "rejects.parquet").set_index("row_id")
    assert rej.loc["EV-0001", "value"] == "evil \\u202e txt"
    assert rej.loc["EV-0002", "value"] == "nul \\u0000 here"
    assert rej.loc["EV-0001", "reason"].startswith("text without control, bidi-override or zero-width")


def test_an_id_off_its_pattern_is_rejected(capsys, raw, tmp_path):
    raw.copy_row("events", "EV-0001", "EV 0001<script>")
    raw.write()
    code, out, err = clean(capsys, raw.path, tmp_path / "out")
    assert code == 0, err
    import pandas as pd

    rej = pd.read_parquet(tmp_path / "out" / "rejects.parquet")
    assert rej["reason"].str.startswith("an id of the form").sum() == 1


def test_the_reader_never_prints_pyarrow_noise(raw, tmp_path, python, subprocess_env):
    """A ragged row with a byte that is not UTF-8: pyarrow cannot hand its text to the row handler and reports
    that as an 'Exception ignored' traceback through sys.unraisablehook. The reader counts those instead and
    takes the path that names the byte. (A subprocess: pytest puts its own hook in place during a test.)"""
    import subprocess

    raw.overrides["tallies"] = raw.text("tallies").encode("utf-8") + b"\xff\n"
    raw.write()
    done = subprocess.run([python, "-m", "analysis", "clean", "--raw", str(raw.path), "--out", str(tmp_path / "o")],
                          env=subprocess_env, capture_output=True, text=True, timeout=300)
    one_line(done.returncode, done.stderr, "tallies.csv, line 4", "byte 0xFF")


def test_synth_never_writes_over_hand_coded_tables(capsys, written):
    before = files_of(written)
    code = cli.main(["synth", "--rows", "100", "--out", str(written)])
    one_line(code, capsys.readouterr().err, "synth refuses")
    assert files_of(written) == before


def test_a_full_disk_error_from_pyarrow_names_the_file(tmp_path):
    """pyarrow raises ENOSPC as OSError(28, 'Error writing bytes to file ...') with no file name: the writer
    re-raises it naming the file it was writing, so the one error line says which."""
    def full(path):
        Path(path).write_bytes(b"PAR1 half a file")
        raise OSError(errno.ENOSPC, "Error writing bytes to file. Detail: [errno 28] No space left on device")

    with pytest.raises(OSError) as info:
        atomic.temp_beside(tmp_path / "events.parquet", full)
    assert info.value.errno == errno.ENOSPC and info.value.filename == str(tmp_path / "events.parquet")
    assert cli.one_line(info.value) == (f"error: {tmp_path / 'events.parquet'}: No space left on device; free some "
                                        "space, nothing was published (the previous files are intact)")
    assert list(tmp_path.iterdir()) == []  # the half-written temporary file is gone
