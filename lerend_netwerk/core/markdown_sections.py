"""Level-2 sections of a Markdown body: the one parser of `## ` headings.

Used by the visit-report form split (`proeftuinen.sections`) and the content import's
checks of a body's sections (`content_io.document`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def section_key(title: str) -> str:
    """A section title normalised for matching (case, closing #s, typographic quote)."""
    return title.strip().rstrip("#").strip().replace("’", "'").casefold()


def heading_keys(lines: Iterable[str]) -> Iterator[str | None]:
    """Per line: the key of its level-2 ATX heading, or None (also inside fenced code).

    The one section parser: the form split and the content import's checks use it.
    """
    fence: str | None = None
    for line in lines:
        match = _FENCE_RE.match(line)
        if match:
            marker = match.group(1)
            if fence is None:
                fence = marker
            elif marker[0] == fence[0] and len(marker) >= len(fence):
                fence = None
            yield None
        elif fence is None and line.startswith("## "):
            yield section_key(line[3:])
        else:
            yield None
