"""SHA-256 of a file: the one digest behind manifests, report provenance and import records.

Standard library only, so the report runner can use it without importing the data stack.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import BinaryIO


def sha256(path: Path | str) -> str:
    """Hex SHA-256 of the file's bytes, read in blocks."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of bytes already in memory (what load() parses is what it hashes)."""
    return hashlib.sha256(data).hexdigest()


class Digest:
    """The SHA-256 of a file, worked out on a thread of its own (hashlib lets go of the GIL while it hashes a
    block), so that the thread that wrote or reads the file goes on: the import's export, hashed while it is read
    and mapped; a processed table's file, hashed while the writer goes on to its next file (publish waits for
    it). follow=True: a file still being written, hashed as it grows: the writer calls grew() after each append
    and written() when the file is complete (until then, catching up with the writer means waiting for grew(),
    not the end). A million-row import's 640 MB events CSV was read back and hashed on its writer's thread,
    after the writing, for about a second. The file is opened here, on the caller's thread: a temporary file
    renamed into place or swept away before the hashing thread first ran was otherwise not found by it."""

    def __init__(self, path: Path | str, block: int = 1 << 20, follow: bool = False):
        self._stop, self._grew, self._complete = threading.Event(), threading.Event(), threading.Event()
        if not follow:
            self._complete.set()
        self._digest: str | None = None
        self._error: BaseException | None = None
        fh = open(path, "rb")  # noqa: SIM115 - closed by the hashing thread (_run)
        self._thread = threading.Thread(target=self._run, args=(fh, block), name="oskil-sha256", daemon=True)
        self._thread.start()

    def _run(self, fh: BinaryIO, block: int) -> None:
        try:
            with fh:
                self._digest = self._hash(fh, block)
        except BaseException as exc:  # raised by result()
            self._error = exc

    def _hash(self, fh: BinaryIO, block: int) -> str | None:
        h = hashlib.sha256()
        while not self._stop.is_set():
            complete = self._complete.is_set()  # before the read: an empty read after it is the end
            self._grew.clear()  # before the read: an append after it sets it again
            data = fh.read(block)
            if data:
                h.update(data)
            elif complete:
                return h.hexdigest()
            else:
                self._grew.wait()
        return None

    def grew(self) -> None:
        """The writer appended to the file (follow=True)."""
        self._grew.set()

    def written(self) -> None:
        """The file is complete (follow=True): the hash ends at its end."""
        self._complete.set()
        self._grew.set()

    def result(self) -> str | None:
        """The hex digest (waits for it; raises what reading the file raised; None after cancel())."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._digest

    def cancel(self) -> None:
        """Stop hashing (the write or the import failed): the thread stops at its next block."""
        self._stop.set()
        self._grew.set()
