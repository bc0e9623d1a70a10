"""The processed folder's lock, shared by readers: standard library only, so the report runner can hold it
without importing the data stack.

`clean` and `import` hold `.clean.lock` exclusively while they publish (clean/write.py). A report run holds it
shared from hashing the data to rendering the page, and load() holds it while reading: a clean into the same
folder then waits, and a report never cites one data set while its notebook reads another.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

LOCK_NAME = ".clean.lock"


@contextlib.contextmanager
def shared_lock(folder: Path) -> Iterator[bool]:
    """Hold the folder's clean lock shared; yields whether there was one to hold (a read-only folder, or one
    never cleaned into, has none and is read without it)."""
    try:
        fh = open(Path(folder) / LOCK_NAME, "rb")
    except OSError:
        yield False
        return
    with fh:
        fcntl.flock(fh, fcntl.LOCK_SH)
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
