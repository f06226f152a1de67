"""Themes as a content type."""

from __future__ import annotations

from lerend_netwerk.content_io.schema import TEXT, Field, Kind
from lerend_netwerk.core.content_types import ContentType, SearchIndexing
from lerend_netwerk.markdown import markdown_to_text
from lerend_netwerk.search.documents import SearchDocument, audiences_of
from lerend_netwerk.themes.models import Theme


def build_theme(theme: Theme) -> SearchDocument:
    """A theme page (which lists its sessions, proeftuinen, practices and threads).

    Only the theme's own text: titles of what it lists would show members-only
    documents to everybody who may see the theme.
    """
    return SearchDocument(
        type="theme",
        id=theme.id,
        slug=theme.slug,
        title=theme.title,
        body=markdown_to_text(theme.body),
        # No theme facet: a theme filter narrows to what is ABOUT the theme.
        audiences=audiences_of(theme),
    )


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
            url_prefix="/themas/",
            names=("thema", "themas", "thema's"),
        ),
    ),
    content=Kind(
        "themes", "theme", Theme, (Field("title", TEXT, required=True),), url_prefix="/themas"
    ),
)
