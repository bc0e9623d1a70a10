"""SHA-256 of a file: the one digest behind manifests, report provenance and import records.

Standard library only, so the report runner can use it without importing the data stack.
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256(path: Path | str) -> str:
    """Hex SHA-256 of the file's bytes, read in blocks."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of bytes already in memory (what load() parses is what it hashes)."""
    return hashlib.sha256(data).hexdigest()
