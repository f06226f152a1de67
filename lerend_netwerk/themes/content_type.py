"""Themes as a content type."""

from __future__ import annotations

from sqlalchemy import select

from lerend_netwerk.content_io.schema import NETWORKS, SHARED_NETWORK, TEXT, Field, Kind
from lerend_netwerk.core.content_types import ContentType, SearchIndexing
from lerend_netwerk.extensions import db
from lerend_netwerk.markdown import markdown_to_text
from lerend_netwerk.search.documents import SearchDocument, document_of
from lerend_netwerk.themes.models import Theme


def build_theme(theme: Theme) -> SearchDocument:
    """A theme page (which lists its sessions, proeftuinen, practices and threads).

    Only the theme's own text: titles of what it lists would show members-only
    documents to everybody who may see the theme.
    """
    # No theme facet: a theme filter narrows to what is ABOUT the theme.
    return document_of(theme, "theme", markdown_to_text(theme.body))


def theme_titles(slugs: set[str]) -> dict[str, str]:
    """The titles of the themes a search's theme facet names."""
    rows = db.session.execute(select(Theme.slug, Theme.title).where(Theme.slug.in_(slugs)))
    return {row[0]: row[1] for row in rows}


THEME = ContentType(
    name="theme",
    model=Theme,
    endpoint="themes.detail",
    search=(
        SearchIndexing(
            "theme",
            build_theme,
            model=Theme,
            label="Thema",
            names=("thema", "themas", "thema's"),
            facet_titles=theme_titles,
        ),
    ),
    content=Kind(
        "themes",
        "theme",
        Theme,
        (
            Field("title", TEXT, required=True),
            # A network's own theme; absent: shared by every network.
            Field("network", SHARED_NETWORK, ref=NETWORKS, attr="network_id"),
        ),
    ),
)
