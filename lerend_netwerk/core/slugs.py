"""The slug rule, once: forms, the content import, services and URL lookups use it.

A slug is lowercase ASCII letters and digits in groups joined by single hyphens
(`bezoek-2022-leie`), at most 120 characters: no leading, trailing or double hyphen.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
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


def chosen_slug(
    model: Any,
    wanted: str | None,
    *,
    current: Any,
    title: str,
    reserved: frozenset[str],
    taken: str,
    error: Callable[[str, str], Exception],
) -> str:
    """The slug a form saves for a row of `model` (`current`, None: a new one): the one
    asked for (`wanted`) unless reserved or another row's (then `error("slug", …)` is
    raised, saying `taken` for a clash); none asked keeps the current slug or makes a new
    one of `title`."""
    slug = (wanted or "").strip()
    if slug:
        if slug in reserved:
            raise error("slug", "Deze korte naam is voorbehouden; kies een andere.")
        clash = db.session.scalar(
            select(model.id).where(model.slug == slug, model.id != (current.id if current else -1))
        )
        if clash:
            raise error("slug", taken)
        return slug
    if current is not None:
        return current.slug
    return unique_slug(model, slugify(title), reserved)
