"""An in-process cache of the small feeds (a person's, a session's), keyed on a
fingerprint of the last change, and the last-seen state of every feed.

One cache per app (in `app.extensions`), shared by the threads of a worker. Entries are
bounded by total size. The public feeds, which grow with the agenda, are kept on disk
instead (calendar/feedfiles.py).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app

from lerend_netwerk.config import DefaultConfig, setting

DEFAULT_MAX_BYTES = DefaultConfig.FEED_CACHE_MAX_BYTES
# How many feeds' last fingerprints are remembered (for Last-Modified, see below).
MAX_REMEMBERED = 4096


class FeedCache:
    """A size-bounded LRU of feed bytes, plus the last-seen state of each feed."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._size = 0
        self._seen: OrderedDict[Hashable, tuple[Hashable, datetime]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_build(self, key: Hashable, build: Callable[[], bytes]) -> bytes:
        """The cached bytes for `key`, or build, store and return them."""
        with self._lock:
            data = self._entries.get(key)
            if data is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return data
            self.misses += 1
        data = build()
        if len(data) > self.max_bytes:
            return data
        with self._lock:
            if key not in self._entries:
                self._entries[key] = data
                self._size += len(data)
                while self._size > self.max_bytes:
                    _, dropped = self._entries.popitem(last=False)
                    self._size -= len(dropped)
        return data

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._entries

    def last_modified(
        self, feed: Hashable, fingerprint: Hashable, candidate: datetime, now: datetime
    ) -> datetime:
        """Last-Modified for `feed`: never earlier than a change this worker has seen.

        `candidate` comes from the data (the newest updated_at). A change that leaves no
        newer timestamp behind (a session deleted) still changes the fingerprint; then
        the feed counts as modified now, so If-Modified-Since never hides it. The same
        holds for two changes within one second (HTTP dates have no fractions).
        """
        candidate = candidate.replace(microsecond=0)
        with self._lock:
            previous = self._seen.get(feed)
            result = candidate
            if previous is not None:
                old_fingerprint, old_modified = previous
                if old_fingerprint == fingerprint:
                    result = old_modified
                elif candidate <= old_modified:
                    # HTTP dates have whole seconds: a change must move at least one.
                    result = max(now.replace(microsecond=0), old_modified + timedelta(seconds=1))
            self._seen[feed] = (fingerprint, result)
            self._seen.move_to_end(feed)
            while len(self._seen) > MAX_REMEMBERED:
                self._seen.popitem(last=False)
            return result

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._seen.clear()
            self._size = 0


def feed_cache(app: Flask | None = None) -> FeedCache:
    """The app's feed cache, created on first use."""
    return _app_cache(app, "calendar_feed_cache", FeedCache, "FEED_CACHE_MAX_BYTES")


def _app_cache(app: Flask | None, name: str, cache_class: type, limit_setting: str) -> Any:
    """The cache `name` of the app (default: the current one), made on first use as a
    `cache_class` of the size the setting `limit_setting` allows."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    cache = app.extensions.get(name)
    if cache is None:
        cache = app.extensions.setdefault(
            name, cache_class(int(setting(app.config, limit_setting)))
        )
    return cache
