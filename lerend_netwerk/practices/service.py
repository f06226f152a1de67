"""The rules of the good-practice library: listing with filters, one practice, related ones."""

from __future__ import annotations

import functools
import re
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from lerend_netwerk.core.errors import NotFoundError, one_or_not_found
from lerend_netwerk.core.listing import read_filters, titled_in
from lerend_netwerk.extensions import db
from lerend_netwerk.networks.context import network_facet, scoped_list
from lerend_netwerk.practices.models import Practice
from lerend_netwerk.proeftuinen.models import LEVEL_LABELS, LEVELS, Proeftuin
from lerend_netwerk.themes.models import Theme
from lerend_netwerk.themes.service import related_on_themes
from lerend_netwerk.visibility import can_see, visible_clause

PER_PAGE = 12
# The list's filters: query argument and allowed values (None: free text).
FILTERS = {
    "theme": ("thema", None),
    "level": ("niveau", LEVELS),
    "sector": ("sector", None),
    "proeftuin": ("proeftuin", None),
}
RELATED_LIMIT = 4
# A "## Contact" (or "Contactgegevens", "Contactpersoon", ...) section of the body.
_CONTACT_HEADING = re.compile(r"^(#{1,6})[ \t]*contact\w*\b.*$", re.IGNORECASE | re.MULTILINE)
_HEADING = re.compile(r"^(#{1,6})[ \t]+\S", re.MULTILINE)


def latest_practices(user: Any, limit: int = 4, network_id: int | None = None) -> list[Practice]:
    """The most recently published practices that `user` may see (of one network, or all)."""
    published = func.coalesce(Practice.published_at, Practice.created_at)
    query = (
        select(Practice)
        .where(visible_clause(Practice, user))
        .order_by(published.desc(), Practice.id.desc())
        .limit(limit)
    )
    if network_id is not None:
        query = query.where(Practice.network_id == network_id)
    return list(db.session.scalars(query))


def _visible(user: Any) -> Select[tuple[Practice]]:
    return select(Practice).where(visible_clause(Practice, user))


def list_practices(
    user: Any,
    *,
    theme: str | None = None,
    level: str | None = None,
    sector: str | None = None,
    proeftuin: str | None = None,
    network_id: int | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Pagination:
    """One page of the practices `user` may see, filtered by theme, level, sector,
    proeftuin and network (None: every network)."""
    query = _visible(user).options(selectinload(Practice.themes), selectinload(Practice.proeftuin))
    if network_id is not None:
        query = query.where(Practice.network_id == network_id)
    if theme:
        query = query.where(Practice.themes.any(Theme.slug == theme))
    if level:
        query = query.where(Practice.level == level)
    if sector:
        query = query.where(func.lower(Practice.sector) == sector.strip().lower())
    if proeftuin:
        query = query.where(Practice.proeftuin.has(Proeftuin.slug == proeftuin))
    query = query.order_by(Practice.title, Practice.id)
    return db.paginate(query, page=max(page, 1), per_page=per_page, error_out=False)


def filter_options(user: Any) -> dict[str, Any]:
    """The choices of the filter form: only values that visible practices have."""
    visible = visible_clause(Practice, user)
    sectors = db.session.scalars(
        select(Practice.sector)
        .where(visible, Practice.sector.is_not(None), Practice.sector != "")
        .distinct()
        .order_by(Practice.sector)
    )
    return {
        "themes": titled_in(Theme, select(Theme.id).join(Practice.themes).where(visible)),
        "levels": LEVEL_LABELS,
        "sectors": list(sectors),
        "proeftuinen": titled_in(Proeftuin, select(Practice.proeftuin_id).where(visible)),
        # The network facet: how many practices each network shares with `user`.
        "networks": network_facet(Practice, visible),
    }


def library(user: Any, args: Any) -> dict[str, Any]:
    """Everything /praktijken shows: the filters from `args`, one page, the filter choices.

    One network's library (the page's, or `?netwerk=<slug>`) or all of Flanders
    (`?netwerk=alle`), with a network facet.
    """
    filters = read_filters(args, FILTERS)
    return scoped_list(args, functools.partial(list_practices, user), filters, filter_options(user))


def get_practice(slug: str, user: Any) -> Practice:
    """The practice with this slug if `user` may see it; 404 otherwise (drafts, members-only)."""
    practice = one_or_not_found(
        select(Practice)
        .where(Practice.slug == slug)
        .options(selectinload(Practice.themes), selectinload(Practice.proeftuin))
    )
    if not can_see(user, practice):
        raise NotFoundError()
    return practice


def split_contact(body: str | None) -> tuple[str, str | None]:
    """The body without its contact section, and that section's text (None if absent)."""
    body = body or ""
    match = _CONTACT_HEADING.search(body)
    if match is None:
        return body, None
    depth = len(match.group(1))
    end = len(body)
    for heading in _HEADING.finditer(body, match.end()):
        if len(heading.group(1)) <= depth:
            end = heading.start()
            break
    contact = body[match.end() : end].strip()
    rest = (body[: match.start()].rstrip() + "\n\n" + body[end:].lstrip()).strip()
    return rest, contact or None


def related_practices(practice: Practice, user: Any, limit: int = RELATED_LIMIT) -> list[Practice]:
    """Visible practices that share themes (first) or the level with `practice`."""
    theme_ids = {theme.id for theme in practice.themes}
    conditions = []
    if theme_ids:
        conditions.append(Practice.themes.any(Theme.id.in_(theme_ids)))
    if practice.level:
        conditions.append(Practice.level == practice.level)
    if not conditions:
        return []
    candidates = db.session.scalars(
        _visible(user)
        .where(Practice.id != practice.id, or_(*conditions))
        .options(selectinload(Practice.themes))
        .order_by(Practice.created_at.desc(), Practice.id.desc())
        .limit(100)
    )

    def closeness(other: Practice) -> tuple[int, int]:
        shared = len(theme_ids & {theme.id for theme in other.themes})
        return (shared, int(bool(practice.level) and other.level == practice.level))

    ranked = sorted(candidates, key=lambda other: other.title.lower())
    ranked.sort(key=closeness, reverse=True)  # stable: equally close ones stay by title
    return ranked[:limit]


def practice_page(slug: str, user: Any) -> dict[str, Any]:
    """One practice with its contact section apart and the related practices."""
    practice = get_practice(slug, user)
    body, contact = split_contact(practice.body)
    return {
        "practice": practice,
        "body": body,
        "contact": contact,
        "level_label": LEVEL_LABELS.get(practice.level, practice.level) if practice.level else None,
        "related": related_practices(practice, user),
        "on_themes": related_on_themes(practice.themes, user, exclude=practice),
    }
