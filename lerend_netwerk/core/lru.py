"""A thread-safe LRU mapping bounded by the total size of its values.

The per-worker caches (rendered Markdown, serialised calendar events, visitors' pages)
keep what was used last and drop the oldest once their byte budget is spent.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V", bytes, str)


class ByteBudgetLRU(Generic[V]):
    """Values cost `cost(value)` bytes; a value over `largest` bytes is not kept at all."""

    def __init__(
        self,
        max_bytes: int,
        *,
        cost: Callable[[V], int] = len,
        largest: int | None = None,
    ) -> None:
        self.max_bytes = max_bytes
        self.largest = max_bytes if largest is None else largest
        self._cost = cost
        self._entries: OrderedDict[Hashable, V] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: Hashable, value: V) -> None:
        cost = self._cost(value)
        if cost > self.largest:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= self._cost(old)
            self._entries[key] = value
            self._size += cost
            while self._size > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._size -= self._cost(dropped)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size(self) -> int:
        """The bytes the values cost together."""
        return self._size
