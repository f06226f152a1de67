"""Segment files read in place from Whoosh's memory map, not copied per process.

Whoosh maps each segment's compound file, then opens the files inside it (postings,
terms, columns) as `BufferFile`s, and a `BufferFile` copies its part of the map into a
`BytesIO` of its own. So every worker held a private copy of the postings and terms of
every segment: its memory grew with the index, that is with the data. `MappedFile` reads
the map itself; its pages stay in the kernel's page cache, shared by every worker (and
counted in none's private memory). Whoosh 2.7 reads these files mostly by position
(`get`, which never used the copy); what it reads in sequence (headers, pickles) goes
through the small reader below.
"""

from __future__ import annotations

from collections.abc import Iterator

from whoosh.filedb import compound
from whoosh.filedb.structfile import BufferFile


class _View:
    """read/readline/seek/tell over a memoryview, without copying more than is read."""

    __slots__ = ("_buf", "_length", "_pos")

    def __init__(self, buf: memoryview) -> None:
        self._buf = buf
        self._length = len(buf)
        self._pos = 0

    def read(self, size: int | None = -1) -> bytes:
        start = self._pos
        end = self._length if size is None or size < 0 else min(start + size, self._length)
        self._pos = max(start, end)
        return bytes(self._buf[start:end])

    def readline(self, size: int | None = -1) -> bytes:
        start = self._pos
        end = self._length if size is None or size < 0 else min(start + size, self._length)
        stop = end
        for chunk_start in range(start, end, 4096):
            chunk_end = min(chunk_start + 4096, end)
            found = bytes(self._buf[chunk_start:chunk_end]).find(b"\n")
            if found >= 0:
                stop = chunk_start + found + 1
                break
        return self.read(max(stop - start, 0))

    def __iter__(self) -> Iterator[bytes]:
        while line := self.readline():
            yield line

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence == 1:
            offset += self._pos
        elif whence == 2:
            offset += self._length
        if offset < 0:
            raise ValueError("negative seek position")
        self._pos = offset
        return offset

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        """Nothing to release: the map belongs to the segment's storage."""


class MappedFile(BufferFile):
    """A `BufferFile` that reads its buffer in place."""

    def __init__(self, buf, name=None, onclose=None) -> None:
        self._buf = buf
        self._name = name
        self.file = _View(memoryview(buf))
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False


def install() -> None:
    """Make Whoosh's compound storage open its files as `MappedFile`s (idempotent)."""
    compound.BufferFile = MappedFile  # type: ignore[misc]
