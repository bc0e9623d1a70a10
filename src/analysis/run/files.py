"""The files behind a report's figures and tables (PNG, SVG, CSV): staged while the notebook runs, published
as ``<report stem>_files/`` beside the HTML once the page is written, so a failed run leaves none behind and a
reader of the page finds every link in place."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from analysis.notebook.saved_files import FILES_DIR_ENV, FILES_HREF_ENV

SUFFIX = "_files"


def files_dir(html: Path) -> Path:
    """The folder of a report's figure and table files: ``<stem>_files`` beside it."""
    return html.with_name(html.stem + SUFFIX)


@contextlib.contextmanager
def staged(folder: Path, stem: str) -> Iterator[Path]:
    """A hidden temporary folder the kernel saves into (told through OSKIL_FILES_DIR / OSKIL_FILES_HREF); removed
    on the way out unless `publish` moved it. Its name carries this process's id, like the runner's other
    temporary files, so a killed run's folder is swept."""
    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder, prefix=f".{stem}.pid{os.getpid()}.", suffix=".files.tmp"))
    os.chmod(staging, 0o755)  # mkdtemp makes 0700; reports are meant to be shared
    saved = {key: os.environ.get(key) for key in (FILES_DIR_ENV, FILES_HREF_ENV)}
    os.environ[FILES_DIR_ENV] = str(staging)
    os.environ[FILES_HREF_ENV] = stem + SUFFIX
    try:
        yield staging
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        shutil.rmtree(staging, ignore_errors=True)


def publish(staging: Path, target: Path) -> None:
    """Move the staged files to `target`, replacing an earlier run's folder (same data: the runner checked)."""
    for path in staging.iterdir():
        os.chmod(path, 0o644)
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.pid{os.getpid()}.old.tmp")
        os.replace(target, old)
    os.replace(staging, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
