"""Open input files and claim output folders, turning every OS-level surprise into one CleanError line.

Inputs: a path that is a folder, a named pipe, a device, a symlink loop or unreadable is named as such
(a FIFO would otherwise block the read forever). Outputs: a command writes only into a folder that is new,
empty, or already holds nothing but files an Oskil command wrote there (manifest.json or the hidden marker
list them), so raw, hand-coded tables can never be the target of `clean` or `import`.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from analysis.clean.errors import CleanError

#: hidden file in an output folder: every file name an Oskil command has published there, written before the
#: renames so that a folder left without its manifest by a killed run is still known to be ours
MARKER = ".oskil-outputs.json"

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _why(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def open_regular(path: Path, what: str):
    """A binary file object for `path`, which must be a readable regular file (else a one-line CleanError).

    The file is opened non-blocking and checked with fstat, so a named pipe is refused, never read."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise CleanError(str(path), None, None, None, f"{what} (there is no such file)") from None
    except OSError as exc:
        raise CleanError(str(path), None, None, None, f"{what} that can be read ({_why(exc)})") from None
    mode = os.fstat(fd).st_mode
    for test, kind in _KINDS:
        if test(mode):
            os.close(fd)
            raise CleanError(str(path), None, None, None, f"{what} (this is {kind}, not a file)")
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def read_regular(path: Path, what: str) -> bytes:
    """The bytes of a regular file (open_regular's checks), read errors as one CleanError line."""
    with open_regular(path, what) as fh:
        try:
            return fh.read()
        except OSError as exc:
            raise CleanError(str(path), None, None, None, f"{what} that can be read ({_why(exc)})") from None


def owned_names(out: Path) -> set[str]:
    """File names an Oskil command wrote into `out`: manifest.json's list, the marker's, and the manifest."""
    names = {"manifest.json"}
    for file, key in ((out / "manifest.json", "files"), (out / MARKER, "files")):
        try:
            body = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        listed = body.get(key) if isinstance(body, dict) else None
        if isinstance(listed, dict | list):
            names.update(str(n) for n in listed)
    return names


def claim_output(out: Path, raw: Path | None = None, command: str = "clean") -> None:
    """Refuse an output folder that is a file, the raw folder, or holds files no Oskil command wrote."""
    out = Path(out)
    if raw is not None and out.resolve() == Path(raw).resolve():
        raise CleanError(str(out), None, None, None,
                         f"an --out folder other than --raw ({command} would overwrite the raw tables)")
    try:
        st = out.stat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise CleanError(str(out), None, None, None, f"an output folder that can be used ({_why(exc)})") from None
    if not stat.S_ISDIR(st.st_mode):
        raise CleanError(str(out), None, None, None, "an output folder (this is a file)")
    try:
        entries = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    except OSError as exc:
        raise CleanError(str(out), None, None, None, f"an output folder that can be read ({_why(exc)})") from None
    foreign = [n for n in entries if n not in owned_names(out)] if entries else []
    if foreign:
        raise CleanError(str(out / foreign[0]), None, None, None,
                         f"an --out folder holding only files Oskil wrote; {command} refuses to write over "
                         f"{len(foreign)} file(s) it did not write there (choose a new or empty folder)")


def remember(out: Path, names: list[str]) -> None:
    """Add `names` to the folder's marker (atomically), before they are renamed into place."""
    from analysis.clean.atomic import atomic_write

    known = owned_names(out) | set(names)
    atomic_write(out / MARKER, json.dumps({"files": sorted(known)}, indent=1))
