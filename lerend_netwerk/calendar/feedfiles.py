"""The public feeds as files: written once per change, served from disk, spliced anew.

A public feed of 20,000 sessions is about 25 MB. Held in memory, it would make every
worker as large as the agenda; so each worker writes its public feeds to files in a
directory of its own (removed when the process ends) and serves them from there, with
`sendfile` under gunicorn. What a worker keeps in memory per feed is its path and, per
event, four integers: the meeting id, the hash of what its VEVENT depends on, and where
the VEVENT lies in the file.

A new version of a feed is put together from the one before it: the bytes of an event
whose key did not change are copied from the previous file, the others are serialised
again, into a scratch file in feed order. Nothing the size of the feed is ever held in
memory, however many sessions there are.
"""

from __future__ import annotations

import bisect
import contextlib
import fcntl
import gzip
import os
import shutil
import tempfile
import threading
import time
import weakref
from array import array
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from flask import Flask, current_app

from lerend_netwerk.config import setting

# A directory per process: <prefix><pid>-<random>, with a lock file its process holds;
# those of processes gone are removed.
DIRECTORY_PREFIX = "lerend-netwerk-feeds-"
LOCK_NAME = "in-use.lock"
# A folder is made a moment before its lock: younger ones without a lock are left alone.
ORPHAN_WITHOUT_LOCK_SECONDS = 3600
COPY_BUFFER = 1024 * 1024


@dataclass(frozen=True)
class FeedFile:
    """One version of a feed on disk and where each of its events lies in it."""

    path: str
    size: int
    fingerprint: Hashable
    # Sorted by meeting id, in step: what `lookup` reads with a binary search.
    ids: array = field(repr=False)
    hashes: array = field(repr=False)
    offsets: array = field(repr=False)
    lengths: array = field(repr=False)

    def lookup(self, meeting_id: int, key_hash: int) -> tuple[int, int] | None:
        """(offset, length) of the meeting's VEVENT when it was built from this key."""
        at = bisect.bisect_left(self.ids, meeting_id)
        if at == len(self.ids) or self.ids[at] != meeting_id or self.hashes[at] != key_hash:
            return None
        return self.offsets[at], self.lengths[at]


class FeedFiles:
    """The current file of each public feed of one app, in one worker."""

    def __init__(self, base: str | None = None) -> None:
        self.base = base
        self._lock = threading.Lock()
        self._files: dict[Hashable, FeedFile] = {}
        self._gzipped: dict[str, tuple[str, int]] = {}
        self._directory: Path | None = None
        self._pid = 0

    def current(self, feed: Hashable, fingerprint: Hashable) -> FeedFile | None:
        with self._lock:
            found = self._files.get(feed)
        return found if found is not None and found.fingerprint == fingerprint else None

    def latest(self, feed: Hashable) -> FeedFile | None:
        """The newest file of `feed`, whatever its fingerprint: what a new one splices."""
        with self._lock:
            return self._files.get(feed)

    def keep(self, feed: Hashable, built: FeedFile) -> None:
        """`built` is now the feed's file; the one before it (and its gzip) is removed."""
        with self._lock:
            old = self._files.get(feed)
            self._files[feed] = built
            current = {known.path for known in self._files.values()}
            stale = [path for path in self._gzipped if path not in current]
            gone = [self._gzipped.pop(path)[0] for path in stale]
        if old is not None and old.path != built.path:
            gone.append(old.path)
        # A request still sending one of them reads on: a file lives on while it is open.
        for path in gone:
            _unlink(path)

    def forget(self, feed: Hashable, built: FeedFile) -> None:
        """Something removed a file of `built` (a tmp cleaner): drop its gzip, and the
        feed's entry too when the feed file itself is gone (it is written anew then)."""
        whole = os.path.exists(built.path)
        with self._lock:
            gone = self._gzipped.pop(built.path, None)
            if not whole and self._files.get(feed) is built:
                del self._files[feed]
        if gone is not None:
            _unlink(gone[0])

    def clear(self) -> None:
        """Forget and remove every feed file: the next request of each writes it anew."""
        with self._lock:
            gone = [known.path for known in self._files.values()]
            gone += [path for path, _size in self._gzipped.values()]
            self._files.clear()
            self._gzipped.clear()
        for path in gone:
            _unlink(path)

    def gzipped(self, built: FeedFile) -> tuple[str, int]:
        """(path, size) of the feed gzip-compressed, written on first use."""
        with self._lock:
            found = self._gzipped.get(built.path)
        if found is not None:
            return found
        # Level 9 takes about a second for the 25 MB of a 20,000-session feed; level 1 a
        # fifth of that, for a body about a fifth larger.
        level = 9 if built.size < 2_000_000 else 1
        with open(built.path, "rb") as source:  # first: it may be gone (FileNotFoundError)
            target = self.new_path(".ics.gz")
            try:
                with (
                    open(target, "wb") as raw,
                    gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=level, mtime=0) as out,
                ):
                    shutil.copyfileobj(source, out, COPY_BUFFER)
            except BaseException:
                _unlink(target)  # a full disk, say: no half file left behind
                raise
        result = (target, os.path.getsize(target))
        with self._lock:
            # Kept even when the feed moved on meanwhile: the next `keep` removes it.
            kept = self._gzipped.setdefault(built.path, result)
        if kept != result:
            _unlink(target)  # another thread was first
        return kept

    def new_path(self, suffix: str) -> str:
        """A fresh file name in this process's directory."""
        handle, path = tempfile.mkstemp(suffix=suffix, dir=self.directory())
        os.close(handle)
        return path

    def directory(self) -> Path:
        """This process's directory, made on first use, again after a fork, and again
        when something removed it."""
        with self._lock:
            if self._directory is None or self._pid != os.getpid() or not self._directory.is_dir():
                base = Path(self.base or tempfile.gettempdir())
                base.mkdir(parents=True, exist_ok=True)
                _remove_orphans(base)
                directory = Path(
                    tempfile.mkdtemp(prefix=f"{DIRECTORY_PREFIX}{os.getpid()}-", dir=base)
                )
                # Held while this process lives: how others tell a folder in use (pids
                # repeat, after a container's restart for one).
                lock = os.open(directory / LOCK_NAME, os.O_CREAT | os.O_RDWR, 0o600)
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._directory, self._pid = directory, os.getpid()
                self._files.clear()
                self._gzipped.clear()
                weakref.finalize(self, _remove_own, str(directory), self._pid, lock)
            return self._directory


def _remove_own(directory: str, pid: int, lock: int) -> None:
    # A forked worker inherits this finalizer: only the process that made it removes it.
    if os.getpid() == pid:
        shutil.rmtree(directory, ignore_errors=True)
        with contextlib.suppress(OSError):
            os.close(lock)


def _unlink(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _remove_orphans(base: Path) -> None:
    """Remove the folders whose process ended without removing its own: those whose lock
    nobody holds (and a folder without one, once it is an hour old)."""
    for entry in base.glob(f"{DIRECTORY_PREFIX}*"):
        try:
            lock = os.open(entry / LOCK_NAME, os.O_RDWR)
        except FileNotFoundError:
            with contextlib.suppress(OSError):
                if time.time() - entry.stat().st_mtime > ORPHAN_WITHOUT_LOCK_SECONDS:
                    shutil.rmtree(entry, ignore_errors=True)
            continue
        except OSError:
            continue
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue  # held: its process is alive
        else:
            shutil.rmtree(entry, ignore_errors=True)
        finally:
            os.close(lock)


def feed_files(app: Flask | None = None) -> FeedFiles:
    """The app's feed files, created on first use."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get("calendar_feed_files")
    if found is None:
        found = app.extensions.setdefault(
            "calendar_feed_files", FeedFiles(setting(app.config, "FEED_FILES_DIR"))
        )
    return found


def write_feed(
    files: FeedFiles,
    *,
    fingerprint: Hashable,
    head: bytes,
    end: bytes,
    keys: Sequence[tuple[int, int]],
    previous: FeedFile | None,
    serialise: Callable[[list[int]], Iterable[bytes]],
) -> FeedFile:
    """Write the feed of `keys` (meeting id, hash of what its VEVENT depends on; in feed
    order).

    Events `previous` holds under the same key are copied from it; the others are handed
    to `serialise` (their ids in feed order), which yields their bytes in that order and
    may raise to give up (then nothing is left behind).
    """
    old = _open(previous)
    try:
        reused = [
            previous.lookup(mid, key_hash) if old is not None else None for mid, key_hash in keys
        ]
        missing = [mid for (mid, _hash), place in zip(keys, reused, strict=True) if place is None]
        scratch = files.new_path(".events")
        target = ""
        try:
            target = files.new_path(".ics")
            fresh_lengths = _write_events(scratch, serialise(missing))
            if len(fresh_lengths) != len(missing):
                raise RuntimeError("the serialiser left events out")
            offsets, lengths = _assemble(target, head, end, reused, old, scratch, fresh_lengths)
        except BaseException:
            if target:
                _unlink(target)
            raise
        finally:
            _unlink(scratch)
    finally:
        if old is not None:
            old.close()
    order = sorted(range(len(keys)), key=lambda i: keys[i][0])
    return FeedFile(
        path=target,
        size=os.path.getsize(target),
        fingerprint=fingerprint,
        ids=array("q", (keys[i][0] for i in order)),
        hashes=array("q", (keys[i][1] for i in order)),
        offsets=array("q", (offsets[i] for i in order)),
        lengths=array("q", (lengths[i] for i in order)),
    )


def _open(previous: FeedFile | None) -> BinaryIO | None:
    if previous is None:
        return None
    try:
        return open(previous.path, "rb")
    except FileNotFoundError:
        return None


def _write_events(path: str, events: Iterable[bytes]) -> array:
    lengths = array("q")
    with open(path, "wb", buffering=COPY_BUFFER) as out:
        for data in events:
            out.write(data)
            lengths.append(len(data))
    return lengths


def _assemble(
    target: str,
    head: bytes,
    end: bytes,
    reused: list[tuple[int, int] | None],
    old: BinaryIO | None,
    scratch: str,
    fresh_lengths: array,
) -> tuple[array, array]:
    """head, every event (from the old file or the scratch file, in order), end."""
    offsets, lengths = array("q"), array("q")
    fresh = iter(fresh_lengths)
    with open(scratch, "rb") as built, open(target, "wb", buffering=COPY_BUFFER) as out:
        out.write(head)
        position = len(head)
        for place in reused:
            if place is None:
                data = built.read(next(fresh))
            else:
                assert old is not None
                old.seek(place[0])
                data = old.read(place[1])
            offsets.append(position)
            lengths.append(len(data))
            out.write(data)
            position += len(data)
        out.write(end)
    return offsets, lengths
