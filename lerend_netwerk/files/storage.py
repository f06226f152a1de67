"""Where file contents live: one small interface, a folder by default.

Contents are addressed by their SHA-256, so the same file is stored once and a stored
file never changes. `LocalStorage` writes to a temporary file in the same folder and
renames it into place, so a crash never leaves half a file under a real name; several
hosts can share one folder (a network mount) because names never collide with other
content.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import Flask, current_app

from lerend_netwerk import config

CHUNK = 1024 * 1024


class FileStorage(Protocol):
    def put(self, data: bytes) -> str:
        """Store `data`; return its SHA-256 (hex). Storing the same bytes again is a no-op."""

    def open(self, sha256: str) -> BinaryIO:
        """The stored content; FileNotFoundError when it is not there."""

    def exists(self, sha256: str) -> bool: ...

    def delete(self, sha256: str) -> None:
        """Remove the content (no error when it is already gone)."""

    def all(self) -> Iterator[str]:
        """The checksums of everything stored (for the orphan cleanup)."""

    def stored_at(self, sha256: str) -> datetime:
        """When the content was stored (UTC): the cleanup spares what is recent."""

    def delete_temporaries(self, older_than: datetime) -> int:
        """Remove what an interrupted `put` left behind before `older_than`; how many."""


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class LocalStorage:
    """A folder: `<root>/ab/cd/abcd…` for the content with checksum `abcd…`."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def _path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a SHA-256 checksum")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        sha256 = sha256_of(data)
        path = self._path(sha256)
        if path.exists():
            # Stored again now: the orphan cleanup must spare it until the new row is in.
            os.utime(path)
            return sha256
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return sha256

    def open(self, sha256: str) -> BinaryIO:
        return self._path(sha256).open("rb")

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).is_file()

    def delete(self, sha256: str) -> None:
        self._path(sha256).unlink(missing_ok=True)

    def all(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for path in self.root.glob("??/??/*"):
            if path.is_file() and not path.name.startswith("."):
                yield path.name

    def stored_at(self, sha256: str) -> datetime:
        return datetime.fromtimestamp(self._path(sha256).stat().st_mtime, UTC)

    def delete_temporaries(self, older_than: datetime) -> int:
        if not self.root.is_dir():
            return 0
        removed = 0
        for path in self.root.glob("??/??/.upload-*"):
            if datetime.fromtimestamp(path.stat().st_mtime, UTC) < older_than:
                path.unlink(missing_ok=True)
                removed += 1
        return removed


def init_storage(app: Flask) -> None:
    root = config.setting(app.config, "FILES_ROOT") or os.path.join(app.instance_path, "files")
    app.extensions["file_storage"] = LocalStorage(root)


def storage() -> FileStorage:
    """The storage of the current app."""
    return current_app.extensions["file_storage"]
