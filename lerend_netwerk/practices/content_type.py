"""Good practices as a content type."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lerend_netwerk.content_io import schema
from lerend_netwerk.content_io.schema import Field, Kind
from lerend_netwerk.core.content_types import ContentType, SearchIndexing, document_files
from lerend_netwerk.extensions import db
from lerend_netwerk.indicators.figures import Figure
from lerend_netwerk.levels import LEVEL_LABELS, LEVELS, level_label
from lerend_netwerk.markdown import markdown_to_text
from lerend_netwerk.practices.models import Practice
from lerend_netwerk.proeftuinen.models import Proeftuin
from lerend_netwerk.search.documents import (
    SearchDocument,
    document_of,
    ids_with,
    join_text,
    related_by,
    theme_titles,
)
from lerend_netwerk.themes.models import Theme
from lerend_netwerk.visibility import can_coordinate, visible_clause


def build_practice(practice: Practice) -> SearchDocument:
    """A good practice: summary and body, themes, level, sector, proeftuin."""
    return document_of(
        practice,
        "practice",
        join_text(practice.summary, markdown_to_text(practice.body)),
        keywords=[
            practice.sector,
            level_label(practice.level),
            practice.proeftuin.title if practice.proeftuin else None,
            *theme_titles(practice.themes),
        ],
        themes=practice.themes,
        level=practice.level,
    )


# A practice shows the titles of its themes and its proeftuin.
_related = related_by(
    ("practice",),
    {
        Theme: ids_with(Practice.themes),
        Proeftuin: ids_with(Practice.proeftuin_id),
    },
)


def _details(hits: list[Any]) -> dict[str, str]:
    slugs = [hit.slug for hit in hits if hit.type == "practice"]
    details: dict[str, str] = {}
    if not slugs:
        return details
    query = (
        select(Practice).where(Practice.slug.in_(slugs)).options(selectinload(Practice.proeftuin))
    )
    for practice in db.session.scalars(query):
        parts = [
            practice.proeftuin.title if practice.proeftuin else "",
            LEVEL_LABELS.get(practice.level, practice.level or "") if practice.level else "",
        ]
        if any(parts):
            details["/praktijken/" + practice.slug] = " · ".join(filter(None, parts))
    return details


def _listed(user: Any, condition: Any) -> dict[str, list[Any]]:
    """The practices `user` may see that meet `condition`, by title, for a shared page."""
    query = select(Practice).where(condition, visible_clause(Practice, user))
    return {"practices": list(db.session.scalars(query.order_by(Practice.title)))}


def _theme_listing(theme: Theme, user: Any) -> dict[str, list[Any]]:
    return _listed(user, Practice.themes.any(Theme.id == theme.id))


def _related_practices(ids: list[int], user: Any, exclude: Any, limit: int) -> list[Any]:
    others = [Practice.id != exclude.id] if isinstance(exclude, Practice) else []
    return list(
        db.session.scalars(
            select(Practice)
            .where(
                Practice.themes.any(Theme.id.in_(ids)),
                visible_clause(Practice, user),
                *others,
            )
            .order_by(Practice.created_at.desc(), Practice.id.desc())
            .limit(limit)
        )
    )


def _hosted_practices(ids: list[int], user: Any, past_limit: int | None) -> dict[str, list[Any]]:
    return _listed(user, Practice.proeftuin_id.in_(ids))


def _indicators(scope: Any) -> dict[str, int]:
    """Good practices published in the period, at their own level or their proeftuin's."""
    period = scope.period
    practice_date = func.coalesce(Practice.published_at, Practice.created_at)
    practices = (
        select(func.count())
        .select_from(Practice)
        .outerjoin(Proeftuin, Practice.proeftuin_id == Proeftuin.id)
        .where(
            Practice.status == "published",
            practice_date >= period.starts,
            practice_date < period.ends,
            scope.visible(Practice),
        )
    )
    if scope.level:
        practices = practices.where(func.coalesce(Practice.level, Proeftuin.level) == scope.level)
    if scope.network_id is not None:
        practices = practices.where(Practice.network_id == scope.network_id)
    return {"practices_published": db.session.scalar(practices)}


# Files on a practice (templates, tools, a spreadsheet): seen by whoever sees the practice
# (a draft's only by coordinators), managed by the coordinators.
ATTACHMENTS = document_files(Practice, "practice", can_coordinate)


PRACTICE = ContentType(
    name="practice",
    model=Practice,
    endpoint="practices.detail",
    menu=("practices.index", "Goede praktijken"),
    search=(
        SearchIndexing(
            "practice",
            build_practice,
            model=Practice,
            label="Goede praktijk",
            names=("praktijk", "praktijken", "praktijkvoorbeeld", "praktijkvoorbeelden"),
            adjectives=("goede", "goed"),
            load_options=lambda: [selectinload(Practice.themes), selectinload(Practice.proeftuin)],
            watches=(Theme, Proeftuin),
            related=_related,
            details=_details,
        ),
    ),
    content=Kind(
        "practices",
        "good practice",
        Practice,
        (
            Field("title", schema.TEXT, required=True),
            Field("summary", schema.TEXT, required=True, multiline=True),
            schema.network_field(),
            schema.themes_field(),
            Field("level", schema.CHOICE, choices=LEVELS),
            Field("sector", schema.TEXT),
            Field("proeftuin", schema.REF, ref="proeftuinen"),
            schema.status_field("published", ("published", Practice.DRAFT)),
            schema.visibility_field(),
            schema.published_field(),
        ),
    ),
    digest=lambda window: {"practices": window.published(Practice)},
    indicators=_indicators,
    figures=(
        Figure(
            "practices_published",
            "Goede praktijken gepubliceerd",
            "Goede praktijken gepubliceerd in de periode; ontwerpen tellen niet.",
            order=300,
            output=True,
        ),
    ),
    theme_listing=_theme_listing,
    theme_related={"practices": _related_practices},
    proeftuin_listing=_hosted_practices,
    attachments=ATTACHMENTS,
)
