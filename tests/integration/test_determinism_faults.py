"""The processed folder is deterministic and never left half-written: two cleans give the same bytes, a
killed clean leaves either the old complete set or no manifest, and two cleans at once do not mix."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from analysis.clean import files, pipeline, write

OUTPUTS = ("*.parquet", "*.csv", "manifest.json")


def snapshot(out: Path) -> dict[str, str]:
    """sha256 of every output file (tables, CSV twins, manifest) by name."""
    files = sorted({p for pattern in OUTPUTS for p in out.glob(pattern)})
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def messy(raw) -> None:
    """A few rejects, hostile text and Cyrillic so that every output file has something in it."""
    raw.copy_row("events", "EV-0001", "EV-0100")
    raw.set("events", "EV-0100", "date_reported", "31/02/2022")
    raw.copy_row("events", "EV-0001", "EV-0101")
    raw.set("events", "EV-0101", "damage", "=HYPERLINK(\"http://x\")")
    raw.copy_row("casualties", "CA-0001", "CA-0100")
    raw.set("casualties", "CA-0100", "killed", "-3")
    raw.set("statements", "ST-0002", "coder_note", "цитата: «переговорів не буде»")
    raw.set("casualties", "CA-0002", "coder_note", "a kept row that differs, so casualties.* differ too")


@pytest.fixture(scope="module")
def refs(tmp_path_factory, make_raw):
    """One clean of the untouched fixture ('tiny') and one of the messy variant ('messy'), shared read-only."""
    base = tmp_path_factory.mktemp("refs")
    out = {}
    for name in ("tiny", "messy"):
        raw = make_raw(base / f"raw_{name}")
        if name == "messy":
            messy(raw)
        raw.write()
        summary = pipeline.clean(raw.path, base / f"out_{name}")
        out[name] = {"raw": raw.path, "out": base / f"out_{name}", "snap": snapshot(base / f"out_{name}"),
                     "summary": summary}
    return out


def copy_out(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def test_two_cleans_give_byte_identical_files(refs, tmp_path):
    ref = refs["messy"]
    assert len(ref["snap"]) == 2 * 12 + 1  # 12 tables x (parquet + csv) + manifest
    s2 = pipeline.clean(ref["raw"], tmp_path / "again")
    assert snapshot(tmp_path / "again") == ref["snap"]
    s1 = ref["summary"]
    assert (s1.read, s1.kept, s1.rejected) == (s2.read, s2.kept, s2.rejected)
    assert s1.rejected["events"] == 1 and s1.rejected["casualties"] == 1
    assert refs["tiny"]["snap"] != ref["snap"]


def test_manifest_lists_every_file_with_its_hash(refs):
    out = refs["messy"]["out"]
    body = write.check_manifest(out)
    snap = snapshot(out)
    assert body["files"] == {k: v for k, v in snap.items() if k != "manifest.json"}
    assert body["rows"]["events"] == len(pq.read_table(out / "events.parquet"))
    assert pq.read_schema(out / "events.parquet").metadata[b"oskil.schema_version"] == body[
        "schema_version"].encode()


def test_check_manifest_detects_a_changed_or_missing_file(refs, tmp_path):
    out = copy_out(refs["messy"]["out"], tmp_path / "out")
    data = (out / "tallies.csv").read_bytes()
    (out / "tallies.csv").write_bytes(data + b"\n")
    with pytest.raises(RuntimeError, match="tallies.csv does not match manifest.json"):
        write.check_manifest(out)
    (out / "tallies.csv").write_bytes(data)
    write.check_manifest(out)
    (out / "control.parquet").unlink()
    with pytest.raises(RuntimeError, match="control.parquet"):
        write.check_manifest(out)
    (out / "manifest.json").unlink()
    with pytest.raises(FileNotFoundError):
        write.check_manifest(out)


def old_set_or_no_manifest(out: Path, old: dict[str, str]) -> str:
    """What a reader may find after a failed clean: the old complete set (manifest passes), or no manifest.
    Returns which of the two it found, for the caller to assert or record."""
    found = "old set" if (out / "manifest.json").exists() else "no manifest"
    if found == "old set":
        write.check_manifest(out)
        assert snapshot(out) == old
    for p in out.iterdir():
        if p.name == files.MARKER:  # the hidden list of the files Oskil wrote here
            continue
        if p.suffix in (".parquet", ".csv", ".json"):
            assert not p.name.startswith("."), p.name
        else:  # only the lock and hidden temporary files, never visible as a table
            assert p.name == ".clean.lock" or (p.name.startswith(".") and p.name.endswith(".tmp")), p.name
    return found


def test_a_clean_that_fails_while_writing_leaves_no_mixed_set(refs, tmp_path, monkeypatch):
    """Deterministic fault injection: the third table write dies (as a kill would). Tables are staged to
    temporary files and published together, so the folder keeps the old set, manifest and all."""
    out = copy_out(refs["tiny"]["out"], tmp_path / "out")
    calls = []
    real = write.stage_table

    def dying(df, out_dir, name):
        calls.append(name)
        if len(calls) == 3:
            raise KeyboardInterrupt("killed")
        return real(df, out_dir, name)

    monkeypatch.setattr(write, "stage_table", dying)
    with pytest.raises(KeyboardInterrupt):
        pipeline.clean(refs["messy"]["raw"], out)
    assert len(calls) >= 3
    write.check_manifest(out)
    assert snapshot(out) == refs["tiny"]["snap"]
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]  # its temporary files are gone
    assert old_set_or_no_manifest(out, refs["tiny"]["snap"]) == "old set"
    monkeypatch.undo()
    pipeline.clean(refs["messy"]["raw"], out)  # the next clean recovers
    write.check_manifest(out)
    assert snapshot(out) == refs["messy"]["snap"]


@pytest.mark.parametrize("die_at", [1, 7, 18])
def test_a_clean_that_dies_while_renaming_leaves_no_manifest(refs, tmp_path, monkeypatch, die_at):
    """Fault injected at the exact call: the die_at-th rename of publish() fails (as a kill would stop it).
    The old manifest is already gone, so no reader can take the mixed set for a whole one; every visible table
    is complete; the marker still says the files are Oskil's, so the next clean takes the folder back."""
    out = copy_out(refs["tiny"]["out"], tmp_path / "out")
    real, renames = os.replace, []

    def dying(src, dst):
        if str(dst).startswith(str(out)) and not Path(dst).name.startswith("."):
            renames.append(Path(dst).name)
            if len(renames) == die_at:
                raise KeyboardInterrupt("killed while renaming")
        return real(src, dst)

    monkeypatch.setattr(write.os, "replace", dying)
    with pytest.raises(KeyboardInterrupt):
        pipeline.clean(refs["messy"]["raw"], out)
    monkeypatch.undo()
    assert len(renames) == die_at
    assert old_set_or_no_manifest(out, refs["tiny"]["snap"]) == "no manifest"
    with pytest.raises(FileNotFoundError):
        write.check_manifest(out)
    for p in out.glob("*.parquet"):
        pq.read_metadata(p)
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]  # the unrenamed files were swept
    pipeline.clean(refs["messy"]["raw"], out)
    assert snapshot(out) == refs["messy"]["snap"]


def big_raw(make_raw, path: Path, n_events: int = 50_000):
    """The fixture's rows repeated under new ids (and distinct damage, so none is a copy of another)."""
    raw = make_raw(path)
    base = raw.rows("events")[:]
    i_damage = raw.header("events").index("damage")
    rows = []
    for i in range(n_events):
        r = list(base[i % len(base)])
        r[0] = f"EV-{i + 1:06d}"
        r[i_damage] = f"damage report {i}"
        rows.append(r)
    raw.tables["events"]["rows"] = rows
    for c in raw.rows("casualties"):
        c[2] = {"EV-0001": "EV-000001", "EV-0002": "EV-000002"}.get(c[2], "")
    return raw


def test_killed_clean_leaves_old_set_or_no_manifest_and_next_clean_recovers(refs, make_raw, tmp_path,
                                                                             subprocess_env, python,
                                                                             record_property):
    out = copy_out(refs["tiny"]["out"], tmp_path / "out")
    big = big_raw(make_raw, tmp_path / "big")
    big.write()

    proc = subprocess.Popen(clean_cmd(python, big.path, out), env=subprocess_env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    # Kill it while it writes: ~0.5 s would still be inside its imports, so wait for the first temporary
    # file, then a little longer so that some tables have been replaced and the events files are in flight.
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and proc.poll() is None:
        if any(p.name.endswith(".tmp") for p in out.iterdir()):
            break
        time.sleep(0.002)
    time.sleep(0.05)
    killed = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    stderr = proc.stderr.read().decode()
    proc.stderr.close()
    assert killed, f"the clean finished before it could be killed: {stderr}"
    assert proc.returncode == -signal.SIGKILL

    # a real kill lands anywhere: which of the two states it left is recorded (both are tested deterministically
    # above: test_a_clean_that_fails_while_writing..., test_a_clean_that_dies_while_renaming...)
    record_property("killed_clean_left", old_set_or_no_manifest(out, refs["tiny"]["snap"]))
    for p in out.glob("*.parquet"):  # every visible table is complete
        pq.read_metadata(p)

    pipeline.clean(refs["messy"]["raw"], out)  # the next clean recovers
    write.check_manifest(out)
    assert snapshot(out) == refs["messy"]["snap"]


def waiting_on_lock(pid: int) -> bool:
    """The process is blocked on a flock (a '->' waiter line in /proc/locks)."""
    return any(line.split()[1] == "->" and line.split()[5] == str(pid)
               for line in Path("/proc/locks").read_text().splitlines() if len(line.split()) > 5)


def clean_cmd(python: str, raw: Path, out: Path) -> list[str]:
    return [python, "-m", "analysis", "clean", "--raw", str(raw), "--out", str(out)]


# the clean step alone, without the CLI's start-up (which imports the report runner): same code path below main()
LEAN_CLEAN = ("import sys; from pathlib import Path; from analysis.clean.pipeline import clean; "
              "s = clean(Path(sys.argv[1]), Path(sys.argv[2])); print(*s.lines(), sep='\\n')")


def test_two_cleans_at_once_into_one_folder(refs, raw, tmp_path, subprocess_env, python):
    """Both cleans are started while the folder is locked, so they really do contend; both must succeed and
    the folder must hold one whole run's files. A third, fatal clean alongside exits 2 and writes nothing."""
    out = tmp_path / "out"
    out.mkdir()
    raw.overrides["events"] = b""
    raw.write()
    fatal_out = tmp_path / "fatal_out"
    with open(out / ".clean.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        procs = [subprocess.Popen([python, "-c", LEAN_CLEAN, str(refs[r]["raw"]), str(out)], env=subprocess_env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for r in ("tiny", "messy")]
        fatal = subprocess.Popen(clean_cmd(python, raw.path, fatal_out), env=subprocess_env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not all(waiting_on_lock(p.pid) for p in procs):
            assert all(p.poll() is None for p in procs), [p.stderr.read() for p in procs]
            time.sleep(0.01)
        contended = all(waiting_on_lock(p.pid) for p in procs)
        fcntl.flock(lock, fcntl.LOCK_UN)
    results = [p.communicate(timeout=120) for p in procs]
    for p, (so, se) in zip(procs, results, strict=True):
        assert p.returncode == 0, se.decode()
        assert b"events" in so  # the per-table summary was printed
    assert contended
    write.check_manifest(out)
    # one whole run's files, byte for byte (and the bytes another process made: no hash-seed effects)
    assert snapshot(out) in (refs["tiny"]["snap"], refs["messy"]["snap"])

    so, se = fatal.communicate(timeout=120)
    assert fatal.returncode == 2
    assert so == ""
    assert se.strip().splitlines() == [
        "error: events.csv, line 1: got ''; expected a header row with the columns event_id, source_id, event_type"]
    assert not fatal_out.exists()


def test_processed_files_are_as_readable_as_any_other_file(refs):
    """Atomic writes go through mkstemp (mode 0600); the renamed files must still follow the umask."""
    umask = os.umask(0)
    os.umask(umask)
    out = refs["tiny"]["out"]
    modes = {p.name: p.stat().st_mode & 0o777 for p in out.iterdir() if not p.name.startswith(".")}
    assert set(modes.values()) == {0o666 & ~umask}, modes
