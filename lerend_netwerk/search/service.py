"""Search: the small surface the rest of the platform uses.

- search(text, user, ...) / search_from_args(args, user): one page of results for what
  `user` may see, with facets and a "bedoelde je" suggestion;
- sync_index(app): bring the index up to date from the outbox (any process, any time);
- reindex(app): rebuild the index from the database;
- index_health(app): for /healthz.

Writes need nothing from their authors: a session event records every change to
searchable content in the outbox (search.outbox), in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app
from markupsafe import escape
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from lerend_netwerk.config import setting
from lerend_netwerk.core.edge import bounded_int
from lerend_netwerk.core.paging import PageLinks
from lerend_netwerk.core.slugs import is_slug
from lerend_netwerk.core.templating import site_path
from lerend_netwerk.extensions import db
from lerend_netwerk.levels import LEVEL_LABELS, LEVELS
from lerend_netwerk.networks.context import hit_url_under_network, network_map
from lerend_netwerk.search import query as search_query
from lerend_netwerk.search import sync
from lerend_netwerk.search.details import hit_details
from lerend_netwerk.search.documents import doc_types, indexings, search_files, type_labels
from lerend_netwerk.search.index import SCHEMA_VERSION, fold
from lerend_netwerk.search.models import Abbreviation
from lerend_netwerk.search.sync import SyncResult
from lerend_netwerk.visibility import audience

PER_PAGE = 10
MAX_PAGE = 1000


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class SearchResults(PageLinks):
    """One page of search results, ready for a template or the JSON API."""

    query: str
    total: int
    page: int
    per_page: int
    pages: int
    hits: list[search_query.Hit]
    facets: dict[str, dict[str, int]]
    facet_values: dict[str, list[FacetValue]]
    filters: dict[str, str | None]
    suggestion: str | None
    searched: bool
    theme_titles: dict[str, str]
    # A line of facts per hit URL (search.details): date and place, proeftuin and level, tally.
    details: dict[str, str] = field(default_factory=dict)
    # Network id (as indexed) -> slug, for the hits' and the facet's networks.
    network_slugs: dict[str, str] = field(default_factory=dict)
    network_titles: dict[str, str] = field(default_factory=dict)

    def network_title(self, network_id: str) -> str:
        return self.network_titles.get(network_id, "")

    def type_label(self, value: str) -> str:
        return type_labels().get(value, value)

    def level_label(self, value: str | None) -> str:
        return LEVEL_LABELS.get(value, value or "") if value else ""

    @staticmethod
    def _result_json(hit: search_query.Hit, root: str) -> dict[str, Any]:
        result: dict[str, Any] = {
            "type": hit.type,
            "slug": hit.slug,
            "title": hit.title,
            "url": root + hit.url,
            "snippet": str(hit.snippet),
        }
        if hit.file is not None:
            # Found in an attached file: the snippet says which, `file` links to it.
            result["snippet"] = f"In bijlage {escape(hit.file.filename)}: {hit.snippet}"
            result["file"] = {"name": hit.file.filename, "url": root + hit.file.url}
        return result

    def as_json(self, url_root: str) -> dict[str, Any]:
        """The contract's shape of GET /api/v1/search."""
        root = url_root.rstrip("/")
        return {
            "query": self.query,
            "total": self.total,
            "page": self.page,
            "results": [self._result_json(hit, root) for hit in self.hits],
            "facets": self.facets,
            "suggestion": self.suggestion,
        }


def _clean_filters(
    type: str | None, theme: str | None, level: str | None, network: str | None = None
) -> dict[str, str | None]:
    """The filters as the index knows them (a network by its id); unknown values: None."""
    found = network_map().by_slug.get(network) if network else None
    return {
        "type": type if type in doc_types() else None,
        "theme": theme if is_slug(theme) else None,
        "level": level if level in LEVELS else None,
        "network": str(found.id) if found is not None else None,
    }


def search(
    text: str | None,
    user: Any,
    *,
    type: str | None = None,
    theme: str | None = None,
    level: str | None = None,
    network: str | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> SearchResults:
    """Search what `user` may see, across every network; unknown filters are ignored,
    never an error. `network`: a network's slug (the facet)."""
    app = current_app._get_current_object()
    catch_up(app)
    filters = _clean_filters(type, theme, level, network)
    page = min(max(page, 1), MAX_PAGE)
    outcome = search_query.run(
        sync.handle_for(app),
        text,
        audience(user),
        filters,
        page=page,
        per_page=per_page,
        synonyms=abbreviations(app),
    )
    slugs = set(outcome.facets.get("theme", {}))
    for hit in outcome.hits:
        slugs.update(hit.themes)
        if hit.file is not None:
            hit.file.url = file_url(app, hit)
    if filters["theme"]:
        slugs.add(filters["theme"])
    titles = _theme_titles(slugs)
    networks = network_map().by_id
    network_slugs = {str(n.id): n.slug for n in networks.values()}
    network_titles = {str(n.id): n.title for n in networks.values()}
    # Each kind's facts are keyed by its plain path; a hit links to its network's.
    details = hit_details(outcome.hits)
    for hit in outcome.hits:
        plain = hit.url
        hit.url = hit_url_under_network(hit.type, plain, hit.network)
        if hit.url != plain and plain in details:
            details[hit.url] = details.pop(plain)
    by_id = outcome.facets.get("network", {})
    if "network" in outcome.facets:
        # The facet as callers name networks: by slug.
        outcome.facets["network"] = {
            network_slugs[value]: n for value, n in by_id.items() if value in network_slugs
        }
    facet_values = {
        "type": [
            FacetValue(v, type_labels().get(v, v), n, filters["type"] == v)
            for v, n in outcome.facets.get("type", {}).items()
        ],
        "theme": [
            FacetValue(v, titles.get(v, v), n, filters["theme"] == v)
            for v, n in outcome.facets.get("theme", {}).items()
        ],
        "level": [
            FacetValue(v, LEVEL_LABELS.get(v, v), n, filters["level"] == v)
            for v, n in outcome.facets.get("level", {}).items()
        ],
        "network": [
            FacetValue(network_slugs[v], network_titles[v], n, filters["network"] == v)
            for v, n in by_id.items()
            if v in network_slugs
        ],
    }
    if filters["network"]:
        filters["network"] = network_slugs.get(filters["network"])
    return SearchResults(
        query=outcome.query,
        total=outcome.total,
        page=outcome.page,
        per_page=outcome.per_page,
        pages=outcome.pages,
        hits=outcome.hits,
        facets=outcome.facets,
        facet_values=facet_values,
        filters=filters,
        suggestion=outcome.suggestion,
        searched=outcome.searched,
        theme_titles=titles,
        details=details,
        network_slugs=network_slugs,
        network_titles=network_titles,
    )


# The download of an attached file (lerend_netwerk/files routes).
FILE_ENDPOINT = "files.download"


def file_url(app: Flask, hit: search_query.Hit) -> str:
    """The link to the file a hit was found in (the document's page without the route)."""
    if hit.file is None:
        return hit.url
    if FILE_ENDPOINT in app.view_functions:
        return site_path(
            FILE_ENDPOINT, attachment_id=hit.file.attachment_id, filename=hit.file.filename
        )
    return hit.url


def search_from_args(args: Any, user: Any) -> SearchResults:
    """Search with the query arguments q, type, theme, level and page of a request."""
    try:
        page = bounded_int(str(args.get("page", 1)))
    except ValueError:
        page = 1
    return search(
        args.get("q", ""),
        user,
        type=args.get("type") or None,
        theme=args.get("theme") or None,
        level=args.get("level") or None,
        network=args.get("network") or None,
        page=page,
    )


def abbreviations(app: Flask) -> search_query.Synonyms:
    """Abbreviation (folded: "vdab") -> what it stands for, from the database.

    Kept per app until an abbreviation is added, changed or removed (one small query
    per search tells).
    """
    stamp = tuple(
        db.session.execute(
            select(func.count(Abbreviation.id), func.max(Abbreviation.updated_at))
        ).one()
    )
    cached = app.extensions.get("search_abbreviations")
    if cached is not None and cached[0] == stamp:
        return cached[1]
    mapping: search_query.Synonyms = {}
    for title, meaning in db.session.execute(select(Abbreviation.title, Abbreviation.meaning)):
        mapping.setdefault(fold(title.strip()), []).append(meaning)
    app.extensions["search_abbreviations"] = (stamp, mapping)
    return mapping


def _theme_titles(slugs: set[str]) -> dict[str, str]:
    titles: dict[str, str] = {}
    if slugs:
        for spec in indexings().values():
            if spec.facet_titles is not None:
                titles.update(spec.facet_titles(slugs))
    return titles


# Keeping the index up to date ----------------------------------------------------


def sync_index(app: Flask | None = None, **options: Any) -> SyncResult:
    """Apply the outbox to the index (safe from any process, at any time)."""
    return sync.sync_index(app or current_app._get_current_object(), **options)


def reindex(app: Flask | None = None, **options: Any) -> int:
    """Rebuild the index from the database; returns the number of documents."""
    return sync.reindex(app or current_app._get_current_object(), **options)


def _sync_in_background(app: Flask) -> bool:
    background = app.config.get("SEARCH_SYNC_IN_BACKGROUND")
    return (not app.testing) if background is None else bool(background)


def after_writes(app: Flask, in_request: bool) -> None:
    """The outbox got rows in this app context: let the index catch up.

    A web request hands the work to the process's background thread (the response
    does not wait for Whoosh); a CLI command, or a test, syncs before it ends.
    """
    if not app.config.get("SEARCH_SYNC_ON_REQUEST", True):
        return
    if in_request and _sync_in_background(app):
        sync.background.kick(app)
        return
    try:
        sync.sync_index(app)
    except Exception:  # the outbox keeps the rows; the next sync applies them
        app.logger.exception("search index sync failed; the outbox keeps the changes")


def catch_up(app: Flask) -> None:
    """Before a search: if the index lags behind the outbox, let it catch up."""
    if not app.config.get("SEARCH_SYNC_ON_REQUEST", True):
        return
    handle = sync.handle_for(app)
    try:
        state = handle.read_state()
        if state.schema_version == SCHEMA_VERSION:
            with Session(db.engine) as session:
                if not sync._has_pending(session, state):
                    return
    except Exception:
        app.logger.exception("could not check the search outbox")
        return
    if not _sync_in_background(app):
        sync.sync_index(app)
        return
    sync.background.kick(app)
    if state.schema_version == 0 and handle.document_count() == 0:
        # A brand-new index (first start, say) has nothing to show yet: give the first
        # build a moment instead of answering "nothing found".
        sync.background.wait_idle(app, float(setting(app.config, "SEARCH_FIRST_BUILD_WAIT")))


def index_health(app: Flask) -> dict[str, Any]:
    """The index's status and lag: 'error' only when it cannot be opened or created."""
    directory = app.config["SEARCH_INDEX_DIR"]
    handle = sync.handle_for(app)
    try:
        searcher = handle.searcher()
        state = handle.read_state(searcher)
        report: dict[str, Any] = {
            "status": "ok",
            "directory": directory,
            "documents": handle.document_count(searcher),
            "last_applied": state.last_id,
            "schema_current": state.schema_version == SCHEMA_VERSION,
        }
    except Exception as error:
        return {"status": "error", "reason": f"search index not usable: {error}"}
    try:
        with Session(db.engine) as session:
            session.execute(text("SELECT 1"))
            report["lag"] = sync.pending_count(session, state)
            files = search_files()
            if files is not None:
                # Attached files by the state of their text (pending, done, none, failed).
                report["files"] = files.counts(session)
    except Exception as error:
        report["lag"] = None
        report["lag_error"] = str(error).splitlines()[0] if str(error) else type(error).__name__
    return report
