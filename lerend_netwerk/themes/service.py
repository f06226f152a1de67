"""Themes and what the network did on each.

What a theme page lists comes from the content types (`theme_listing`, `theme_related`
in each feature's `content_type.py`): this module knows no other feature's models.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from lerend_netwerk.core.content_types import content_types
from lerend_netwerk.core.errors import one_or_not_found
from lerend_netwerk.extensions import db
from lerend_netwerk.themes.models import Theme


def list_themes() -> list[Theme]:
    return list(db.session.scalars(select(Theme).order_by(Theme.title)))


def theme_overview(slug: str, user: Any) -> dict[str, Any]:
    """A theme with everything on it that `user` may see: upcoming and past sessions,
    proeftuinen, practices, threads, and the visit reports of the proeftuinen on it."""
    theme = one_or_not_found(select(Theme).where(Theme.slug == slug))
    overview: dict[str, Any] = {"theme": theme}
    for content_type in content_types.with_hook("theme_listing"):
        overview.update(content_type.theme_listing(theme, user))
    return overview


def related_on_themes(themes: list[Theme], user: Any, exclude: Any = None, limit: int = 3) -> dict:
    """What else `user` may see on these themes: upcoming sessions, practices and threads,
    without `exclude` (the page's own document). Empty lists when there are no themes."""
    ids = [theme.id for theme in themes]
    return {
        name: related(ids, user, exclude, limit) if ids else []
        for content_type in content_types
        for name, related in content_type.theme_related.items()
    }
