"""Where raw files are read from and processed tables go: a local path, or an fsspec URL.

A Dask cluster's workers may not see the driver's disk, so the Dask engines take their inputs as URLs any
process can open: a shared folder (`file:///mnt/shared/raw`), object storage (`s3://bucket/raw` with s3fs,
`gs://` with gcsfs, ...), whatever fsspec protocol is installed where the driver and the workers run. A plain
path stays a path. Outputs to a URL that is not local are written to a local staging folder exactly as
`clean` writes (Publisher), then uploaded file by file with manifest.json last: readers check the manifest,
so a half-finished upload is detected as one.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from analysis.clean.errors import CleanError

MANIFEST = "manifest.json"


def is_url(location: str | Path) -> bool:
    """True for 'proto://...' and fsspec chains ('simplecache::s3://...'); False for a plain path."""
    text = str(location)
    return "://" in text or "::" in text


def filesystem(url: str):
    """(fsspec filesystem, path inside it) for a URL; a protocol nobody installed is a CleanError."""
    import fsspec

    try:
        return fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as exc:
        raise CleanError(url, None, None, None, f"a URL whose fsspec protocol is installed ({exc})") from exc


def local_path(location: str | Path) -> Path | None:
    """The local path a location names (a plain path or a file:// URL), or None for a remote URL."""
    if not is_url(location):
        return Path(location)
    from fsspec.implementations.local import LocalFileSystem

    fs, path = filesystem(str(location))
    return Path(path) if isinstance(fs, LocalFileSystem) and "::" not in str(location) else None


def for_workers(location: str | Path) -> str:
    """The location as worker processes should open it: URLs as given, paths made absolute."""
    return str(location) if is_url(location) else str(Path(location).resolve())


def join(base: str, name: str) -> str:
    """base/name for a path or a URL."""
    return f"{str(base).rstrip('/')}/{name}"


def name(location: str) -> str:
    """The file name at the end of a path or URL."""
    return PurePosixPath(str(location).split("::")[-1].split("://")[-1]).name


def exists(location: str) -> bool:
    fs, path = filesystem(location)
    return bool(fs.exists(path))


def size(location: str) -> int:
    fs, path = filesystem(location)
    return int(fs.size(path))


def read(location: str, start: int | None = None, end: int | None = None) -> bytes:
    """The bytes of a file, or of [start, end): what each Dask task reads of a raw file."""
    fs, path = filesystem(location)
    if start is None and end is None:
        return fs.cat_file(path)
    return fs.cat_file(path, start=start, end=end)


def sha256(location: str) -> str:
    """Hex SHA-256 of a file's bytes, streamed (run on a worker for files the driver need not read)."""
    import hashlib

    fs, path = filesystem(location)
    digest = hashlib.sha256()
    with fs.open(path, "rb") as fh:
        while chunk := fh.read(8 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def same_place(a: str | Path, b: str | Path) -> bool:
    """Do two locations name the same folder?"""
    la, lb = local_path(a), local_path(b)
    if la is not None and lb is not None:
        return la.resolve() == lb.resolve()
    return str(a).rstrip("/") == str(b).rstrip("/")


@contextmanager
def output_folder(out: str | Path, names: list[str]) -> Iterator[Path]:
    """A local folder to publish into: `out` itself when local, else a staging folder uploaded on success.

    `names` are the files a run writes; a remote folder that holds any of them but no manifest.json holds
    data Oskil did not produce, and is refused before any work is done."""
    local = local_path(out)
    if local is not None:
        yield local
        return
    fs, root = filesystem(str(out))
    if fs.exists(root) and not fs.exists(join(root, MANIFEST)):
        theirs = sorted(n for n in names if fs.exists(join(root, n)))
        if theirs:
            raise CleanError(str(out), None, None, None, f"an output folder that is empty or holds an earlier "
                             f"Oskil run (manifest.json); it holds {theirs[0]} from elsewhere")
    with tempfile.TemporaryDirectory(prefix="oskil-out-") as tmp:
        yield Path(tmp)
        upload(Path(tmp), fs, root)


def upload(staged: Path, fs, root: str) -> None:
    """Copy a published local folder to a remote one: the old manifest removed first, the new one last."""
    files = sorted(p for p in staged.iterdir() if p.is_file() and not p.name.startswith("."))
    fs.makedirs(root, exist_ok=True)
    if fs.exists(join(root, MANIFEST)):
        fs.rm(join(root, MANIFEST))
    for p in [p for p in files if p.name != MANIFEST] + [p for p in files if p.name == MANIFEST]:
        fs.put_file(str(p), join(root, p.name))
