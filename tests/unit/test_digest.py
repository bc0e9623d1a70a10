"""checksum.Digest: a file's SHA-256 on a thread of its own, of a complete file or of one still being written."""

from __future__ import annotations

import hashlib

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.clean.write import Publisher, stage_chunks, stage_table
from analysis.support.checksum import Digest, sha256


@settings(max_examples=30, deadline=None)
@given(pieces=st.lists(st.binary(max_size=3000), max_size=6), block=st.sampled_from([1, 7, 4096, 1 << 20]))
def test_a_followed_file_hashes_to_its_whole_bytes(tmp_path_factory, pieces, block):
    """Appended piece by piece, the writer saying grew() after each and written() at the end: the digest of
    all the bytes, not of what was there when the follower caught up (it starts on an empty file)."""
    path = tmp_path_factory.mktemp("f") / "t.csv"
    path.write_bytes(b"")
    d = Digest(path, block=block, follow=True)
    with open(path, "ab") as fh:
        for piece in pieces:
            fh.write(piece)
            fh.flush()
            d.grew()
    d.written()
    assert d.result() == hashlib.sha256(b"".join(pieces)).hexdigest() == sha256(path)


def test_a_follower_waiting_for_the_writer_stops_when_cancelled(tmp_path):
    """A write that fails never says written(): cancel() wakes the follower waiting for grew(), and it ends
    without a digest."""
    path = tmp_path / "t.csv"
    path.write_bytes(b"half a file")
    d = Digest(path, follow=True)
    d.cancel()
    assert d.result() is None


def test_a_complete_file_is_hashed_without_being_told(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"x" * 5000)
    assert Digest(path, block=64).result() == hashlib.sha256(b"x" * 5000).hexdigest()


def test_staged_digests_are_the_files_sha256(tmp_path):
    """The digests that stage_table and stage_chunks hand to the manifest, worked out beside the writes, are
    the SHA-256 of the files they staged."""
    df = pd.DataFrame({"event_id": [f"E{i:03d}" for i in range(9)], "n": range(9)})
    parts = stage_chunks((df.iloc[i:i + 4].reset_index(drop=True) for i in range(0, 9, 4)), tmp_path, "c")
    for st_ in [*stage_table(df, tmp_path, "t"), *parts]:
        assert st_.digest == sha256(st_.tmp)


def test_a_failed_set_stops_and_sweeps_its_hashing(tmp_path, monkeypatch):
    """A chunked write that fails part way (its files half written, their followers waiting for the writer):
    the temporary files are swept and the followers cancelled, none left waiting."""
    import analysis.clean.write as write

    made: list[Digest] = []
    real = write.Digest

    def recorded(*a, **k):
        made.append(real(*a, **k))
        return made[-1]

    monkeypatch.setattr(write, "Digest", recorded)
    df = pd.DataFrame({"event_id": [f"E{i:03d}" for i in range(9)], "n": range(9)})

    def chunks():
        yield df.iloc[:4].reset_index(drop=True)
        raise OSError(28, "No space left on device")

    out = tmp_path / "out"
    try:
        with Publisher(out) as pub:
            pub.add("c", chunks)
            pub.publish({})
    except OSError:
        pass
    else:
        raise AssertionError("the failed write was not raised")
    assert len(made) == 2
    for d in made:
        d._thread.join(timeout=30)
        assert not d._thread.is_alive() and d.result() is None
    assert sorted(p.name for p in out.iterdir()) == [".clean.lock"]


def test_a_staged_file_is_hashed_when_its_thread_starts_late(tmp_path, monkeypatch):
    """A staged file's hashing thread may first run after publish has renamed the file into place (the last
    table's, just staged), or after a failed set has swept it. The file is opened when the hashing is set up, so
    it is hashed all the same. Here every hashing waits until publish has renamed a file or asked for a digest:
    a file opened by its temporary name on the hashing thread was not found (FileNotFoundError), now and then,
    in a full run of the suite."""
    import threading

    import analysis.clean.write as write
    from analysis.support import checksum

    gate = threading.Event()
    real_hash, real_result, real_replace = checksum.Digest._hash, checksum.Digest.result, write.os.replace

    def held_hash(self, fh, block):
        assert gate.wait(timeout=60)
        return real_hash(self, fh, block)

    def result(self):
        gate.set()
        return real_result(self)

    def replace(src, dst):
        real_replace(src, dst)
        gate.set()

    monkeypatch.setattr(checksum.Digest, "_hash", held_hash)
    monkeypatch.setattr(checksum.Digest, "result", result)
    monkeypatch.setattr(write.os, "replace", replace)
    out = tmp_path / "out"
    df = pd.DataFrame({"event_id": [f"E{i:03d}" for i in range(9)], "n": range(9)})
    with Publisher(out) as pub:
        pub.add("t", df)
        pub.publish({})
    monkeypatch.undo()
    write.check_manifest(out)


def test_a_file_swept_before_its_hashing_ran_is_still_hashed(tmp_path):
    path = tmp_path / ".t.csv.x.tmp"
    path.write_bytes(b"y" * 3000)
    d = Digest(path, block=64, follow=True)
    path.unlink()  # a failed set sweeps its temporary files
    d.written()
    assert d.result() == hashlib.sha256(b"y" * 3000).hexdigest()
