"""The registry of content types: what the central modules know of each kind of document.

A feature declares its content types in one module of its own package
(`<feature>/content_type.py`); `create_app` registers them (`register_content_types`).
Search, the theme overview, content import/export, the indicators, the weekly digest and
account deletion loop over this registry and import no feature's models.

Every part of a descriptor is optional: a kind that is not searchable has no `search`,
one that is not in the digest no `digest`. The hooks are plain callables, so this module
knows nothing of the features or of the central modules that call them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from lerend_netwerk.extensions import db
from lerend_netwerk.visibility import can_see

Key = tuple[str, int]


@dataclass(frozen=True)
class SearchIndexing:
    """How one kind of search document is built and kept up to date.

    `build(obj)` returns a `search.documents.SearchDocument` (or None: nothing to index
    now); for a `singleton` (a page, not a row) `build(session)` builds the one document
    with id `singleton`. `related(connection, obj)` returns the keys of other documents
    whose text includes something of `obj`, for the models in `watches`.
    """

    doc_type: str
    build: Callable[[Any], Any]
    model: type | None = None
    # Shown in results and facets (None: a part of another type, e.g. a session's verslag).
    # A result's address is its content type's page (`endpoint`): the folder of that
    # page's route and the document's slug (`page_folder`).
    label: str | None = None
    # Words with which members name the type ("goede praktijken").
    names: tuple[str, ...] = ()
    # Adjectives that belong to the type's name ("goede" in "goede praktijk").
    adjectives: tuple[str, ...] = ()
    load_options: Callable[[], list[Any]] = list
    singleton: int | None = None
    # How many documents the database holds (default: one per row of `model`).
    count: Callable[[Any], int] | None = None
    watches: tuple[type, ...] = ()
    related: Callable[[Any, Any], set[Key]] | None = None
    # A line of facts per result URL (date and place, tally): hits -> {url: line}.
    details: Callable[[list[Any]], dict[str, str]] | None = None
    # The type whose slugs are the values of the theme facet: slugs -> {slug: title}.
    facet_titles: Callable[[set[str]], dict[str, str]] | None = None


@dataclass(frozen=True)
class AttachmentHost:
    """How a kind of document carries files (`lerend_netwerk.files`).

    `load(parent_id)` returns the document (or None); `can_view(user, doc)` is whether
    `user` may see the document and so its files (the document's own visibility rule);
    `can_manage(user, doc)` whether they may upload, rename, replace and remove files.
    `search_key(doc)` is the search document whose text includes the files' text (None:
    the files are not searched), so a changed file re-indexes its parent.
    """

    load: Callable[[int], Any]
    can_view: Callable[[Any, Any], bool]
    can_manage: Callable[[Any, Any], bool]
    search_key: Callable[[Any], Key | None] | None = None
    # The directory name of its files in the content format is the document's slug.
    slug: Callable[[Any], str] = lambda doc: doc.slug
    # The document's page, where its files are listed (None: the kind's endpoint with
    # `slug=slug(doc)`).
    url: Callable[[Any], str] | None = None


def document_files(
    model: type, search_type: str, can_manage: Callable[[Any, Any], bool]
) -> AttachmentHost:
    """The usual host: files on a document of `model` (loaded by id) are seen by whoever
    sees the document (`visibility.can_see`), managed by whom `can_manage` allows, and
    their text is searched with the document's search document of type `search_type`."""
    return AttachmentHost(
        load=lambda parent_id: db.session.get(model, parent_id),
        can_view=can_see,
        can_manage=can_manage,
        search_key=lambda doc: (search_type, doc.id),
    )


@dataclass(frozen=True)
class FileText:
    """The text of one file on a document, as its search document carries it."""

    attachment_id: int
    filename: str
    text: str


@dataclass(frozen=True)
class SearchFiles:
    """How search reaches the text inside the files on documents (`lerend_netwerk.files`).

    `watches` are the models whose changes change the files of a document (a file added,
    replaced, renamed or removed, its text extracted); `related(session, obj)` returns the
    keys of the search documents whose files `obj` changes (each parent's
    `AttachmentHost.search_key`). `texts(session, parents)` returns, for (content type
    name, id) pairs, the text of each one's files in their order. `extract(app, session)`
    reads the text of files still waiting (a bounded batch; see files/text.py) and
    returns its counts; `counts(session)` how many files are in which state, and
    `problems(session)` a line per file whose text could not be read.
    """

    watches: tuple[type, ...]
    related: Callable[[Any, Any], set[Key]]
    texts: Callable[[Any, list[tuple[str, int]]], dict[tuple[str, int], list[FileText]]]
    extract: Callable[[Any, Any], Any]
    counts: Callable[[Any], dict[str, int]]
    problems: Callable[[Any], list[str]]


@dataclass(frozen=True)
class ApiPage:
    """One page of a list of the JSON API: its items as plain data."""

    items: list[dict[str, Any]]
    page: int
    per_page: int
    has_next: bool


@dataclass(frozen=True)
class ApiResource:
    """A kind's part of the read-only JSON API (served by `lerend_netwerk.api`).

    `GET /api/v1/<name>` (endpoint `api.<name>`) answers `listing(page, per_page, args)`,
    an `ApiPage` (a LookupError, such as an unknown network, is a 404), under the key
    `name`, with links to the other pages that keep the query arguments `query`;
    `GET /api/v1/<name>/<slug>` (endpoint `api.<item_name>`) answers `item(slug)` (None:
    404). Both are public, cached for `max_age` seconds. The OpenAPI description gets
    the `tag` (name, description), the `schemas` and the two `get` operations.
    """

    name: str
    item_name: str
    listing: Callable[[int, int, Any], ApiPage]
    item: Callable[[str], dict[str, Any] | None]
    tag: tuple[str, str]
    schemas: dict[str, Any]
    list_operation: dict[str, Any]
    item_operation: dict[str, Any]
    query: tuple[str, ...] = ()
    max_age: int = 60


@dataclass(frozen=True)
class ContentType:
    """One kind of content and what every central module needs to know about it."""

    name: str
    model: type | None
    # The endpoint of its page (`url_for(endpoint, slug=…)`), if it has one.
    endpoint: str | None = None
    search: tuple[SearchIndexing, ...] = ()
    # A `content_io.schema.Kind`: its directory and front-matter keys.
    content: Any = None
    # The weekly digest: `digest(window)` -> {section name: items} (mail.scheduled).
    digest: Callable[[Any], dict[str, list[Any]]] | None = None
    # Account deletion: `delete_account(user)` removes or anonymises what is the user's;
    # `personal_data(user)` is what the data export lists.
    delete_account: Callable[[Any], None] | None = None
    personal_data: Callable[[Any], dict[str, Any]] | None = None
    # Indicators: `indicators(scope)` -> {figure name: count, or the rows of a table
    # that breaks figures down}; `oldest_year()` -> the year its data starts (or None).
    indicators: Callable[[Any], dict[str, Any]] | None = None
    oldest_year: Callable[[], int | None] | None = None
    # The key figures among those counts (`indicators.figures.Figure`: name, label,
    # definition, place in the tables), shown on the indicators page.
    figures: tuple[Any, ...] = ()
    # The theme page: `theme_listing(theme, user)` -> {section: items}; for "more on
    # these themes", {section: related(theme_ids, user, exclude, limit) -> items}.
    theme_listing: Callable[[Any, Any], dict[str, list[Any]]] | None = None
    theme_related: dict[str, Callable[[list[int], Any, Any, int], list[Any]]] = field(
        default_factory=dict
    )
    # The member's own page: `account_listing(user)` -> {section: items}.
    account_listing: Callable[[Any], dict[str, list[Any]]] | None = None
    # Proeftuin and organisation pages: `proeftuin_listing(proeftuin_ids, user,
    # past_limit)` -> {section: items} of what those proeftuinen host or made.
    proeftuin_listing: Callable[[list[int], Any, int | None], dict[str, list[Any]]] | None = None
    # The proeftuin's own page only: `proeftuin_page(proeftuin, user)` -> {section: items}.
    proeftuin_page: Callable[[Any, Any], dict[str, list[Any]]] | None = None
    # A session's page: `session_listing(meeting, user)` -> {section: items} of what
    # belongs to that session (the products shown at its productenmarkt).
    session_listing: Callable[[Any, Any], dict[str, list[Any]]] | None = None
    # The partial templates that show its sections on the shared pages, by page:
    # "theme", "proeftuin", "organisation", "session", "related" (the "Ook over deze
    # thema's" box), "digest_html", "digest_text". A page includes them after its own
    # sections (`content_templates(page)` in the templates), so a new kind needs no
    # change to another feature's templates.
    templates: dict[str, str] = field(default_factory=dict)
    # Its entry in the header's main menu: (endpoint, label), e.g. its list page. The
    # menu follows the order in which `create_app` registers the blueprints.
    menu: tuple[str, str] | None = None
    # Its part of the JSON API (None: it has none).
    api: ApiResource | None = None
    # Files on its documents (None: its documents carry no files).
    attachments: AttachmentHost | None = None
    # The text inside files, for search (declared once, by the files package).
    search_files: SearchFiles | None = None


def page_rule(url_map: Any, endpoint: str | None) -> Any | None:
    """The route of an endpoint as its blueprint declares it (a network's copy of it under
    `/n/<network>` comes later in the URL map); None without one."""
    if endpoint is None:
        return None
    try:
        return next(iter(url_map.iter_rules(endpoint)), None)
    except KeyError:
        return None


def page_folder(url_map: Any, endpoint: str | None) -> str | None:
    """The folder of an endpoint's pages, from its route: "/sessies/" for
    "/sessies/<slug>", "/aanbevelingen/" for "/aanbevelingen/eindrapport"."""
    rule = page_rule(url_map, endpoint)
    return rule.rule.rpartition("/")[0] + "/" if rule is not None else None


class ContentTypeRegistry:
    """The registered content types, in registration order (the import order)."""

    def __init__(self) -> None:
        self._types: dict[str, ContentType] = {}
        # Grows with every change, so that what is derived from the registry can be cached.
        self.version = 0

    def register(self, content_type: ContentType) -> None:
        # Registering again (a second app in the same process) replaces, keeping the order.
        if self._types.get(content_type.name) is not content_type:
            self._types[content_type.name] = content_type
            self.version += 1

    def unregister(self, name: str) -> None:
        if self._types.pop(name, None) is not None:
            self.version += 1

    def __iter__(self) -> Iterator[ContentType]:
        if not self._types:
            raise LookupError("no content types registered: create the app first")
        return iter(list(self._types.values()))

    def __getitem__(self, name: str) -> ContentType:
        return self._types[name]

    def __contains__(self, name: object) -> bool:
        return name in self._types

    def searchable(self) -> list[SearchIndexing]:
        return [spec for content_type in self for spec in content_type.search]

    def templates_for(self, page: str) -> list[str]:
        """The partial templates the content types add to `page`, in registration order."""
        return [ct.templates[page] for ct in self if page in ct.templates]

    def menu(self, blueprints: list[str]) -> list[tuple[str, str]]:
        """The main menu's (endpoint, label) entries, in the order of `blueprints` (the
        app's, as registered)."""
        order = {name: index for index, name in enumerate(blueprints)}
        entries = [ct.menu for ct in self if ct.menu is not None]
        return sorted(entries, key=lambda entry: order.get(entry[0].split(".")[0], len(order)))

    def with_hook(self, hook: str) -> list[ContentType]:
        """The content types that declare `hook` (e.g. "digest")."""
        return [ct for ct in self if getattr(ct, hook) is not None]


content_types = ContentTypeRegistry()
