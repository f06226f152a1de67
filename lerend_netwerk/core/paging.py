"""What the `pagination` macro reads of any page of results."""

from __future__ import annotations

from typing import Any


def page_number(args: Any) -> int:
    """The `page` query argument of a list (1 when absent or not a number)."""
    try:
        return int(args.get("page", 1))
    except (TypeError, ValueError):
        return 1


class PageLinks:
    """Previous and next page numbers of an object with `page` and `pages` (1-based)."""

    page: int
    pages: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1
