"""The slug rule, once: forms, the content import, services and URL lookups use it.

A slug is lowercase ASCII letters and digits in groups joined by single hyphens
(`bezoek-2022-leie`), at most 120 characters: no leading, trailing or double hyphen.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import select

from lerend_netwerk.extensions import db

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG_RE = re.compile(SLUG_PATTERN)
SLUG_MAX_LENGTH = 120
SLUG_MESSAGE = "Enkel kleine letters, cijfers en koppeltekens."


def is_slug(value: str | None) -> bool:
    """Whether `value` is a valid slug (so also whether it is worth a query)."""
    return bool(value) and len(value) <= SLUG_MAX_LENGTH and SLUG_RE.match(value) is not None


def slugify(text: str, max_length: int = 80) -> str:
    """A URL slug of lowercase ASCII letters, digits and hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].strip("-") or "document"


def unique_slug(model: Any, base: str, reserved: frozenset[str] = frozenset()) -> str:
    """`base`, or `base-2`, `base-3`, ... : the first slug not yet used by `model`."""
    candidate, n = base, 1
    while candidate in reserved or db.session.scalar(
        select(model.id).where(model.slug == candidate)
    ):
        n += 1
        candidate = f"{base}-{n}"
    return candidate
