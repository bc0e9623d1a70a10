"""The one atomic write: a hidden temporary file beside the target, flushed to disk, renamed into place.

Readers never see half a file, and a killed run leaves at most a hidden '.<name>.*.tmp' (the clean's output
lock sweeps those). Used for the processed tables and their manifest, the output folder's marker, and the
rendered reports.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def temp_beside(path: Path, write: Callable[[str], object], mode: int | None = None) -> Path:
    """write(tmp) to a hidden temporary file beside `path`, flushed to disk; the caller renames it. mode: its
    permissions (default: as any new file under the umask; mkstemp alone makes 0600)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    if mode is None:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(tmp, mode)
    try:
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        if exc.filename or not exc.errno:
            raise
        # pyarrow's write errors carry the errno but not the file: name the file being written
        raise OSError(exc.errno, os.strerror(exc.errno), str(path)) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def atomic_write(path: Path, data: str | bytes | Callable[[str], object], mode: int | None = None) -> Path:
    """Write `data` (text as UTF-8, bytes, or a function writing the temporary path it is given) to `path`
    atomically; returns path."""
    if callable(data):
        write = data
    else:
        raw = data.encode("utf-8") if isinstance(data, str) else data

        def write(tmp: str) -> None:
            Path(tmp).write_bytes(raw)
    os.replace(temp_beside(path, write, mode), path)
    return path
