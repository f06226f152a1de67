"""From database rows to search documents (plain data; no Whoosh here).

Which documents there are comes from the content-type registry
(`core.content_types`): each feature declares, in its `content_type.py`, how its rows
become documents (`SearchIndexing`). This module loops over them and knows no model.

A search document carries the audiences that may see it, computed with THE
visibility rule (visibility.can_see), so the index never decides visibility itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import RelationshipProperty, Session

from lerend_netwerk.core.content_types import (
    FileText,
    Key,
    SearchFiles,
    SearchIndexing,
    content_types,
    page_folder,
)
from lerend_netwerk.networks.access import coordinated_networks, network_id_of, networks_of
from lerend_netwerk.visibility import can_see, is_admin, is_member

# The audiences a document can be indexed for: everybody ("public"), members of any
# network ("member"), the members and the coordinators of one network
# ("network:<id>", "coordinator:<id>"), every coordinator (for kinds outside the
# networks: "coordinator") and admins ("admin"). A reader searches the union of theirs
# (`audiences_for`). A document everybody sees is indexed for all of AUDIENCES.
AUDIENCES = ("public", "member", "coordinator", "admin")


_indexings: tuple[int, dict[str, SearchIndexing]] = (-1, {})


def indexings() -> dict[str, SearchIndexing]:
    """Every kind of search document, by its key prefix, in registration order."""
    global _indexings
    # Asked on every flush (the outbox): built again only when the registry changed.
    if _indexings[0] != content_types.version:
        _indexings = (content_types.version, {s.doc_type: s for s in content_types.searchable()})
    return _indexings[1]


def search_files() -> SearchFiles | None:
    """How to reach the text inside attached files (None: no files package registered)."""
    return _files_hooks(content_types.version)[0]


def _file_parents() -> dict[type, list[tuple[str, Any]]]:
    """Model -> (content type name, AttachmentHost) of the kinds whose files are searched."""
    return _files_hooks(content_types.version)[1]


@cache
def _files_hooks(version: int) -> tuple[SearchFiles | None, dict[type, list[tuple[str, Any]]]]:
    hooks = [ct.search_files for ct in content_types.with_hook("search_files")]
    parents: dict[type, list[tuple[str, Any]]] = {}
    for content_type in content_types.with_hook("attachments"):
        host = content_type.attachments
        if content_type.model is not None and host.search_key is not None:
            parents.setdefault(content_type.model, []).append((content_type.name, host))
    return (hooks[0] if hooks else None), parents


def doc_types() -> tuple[str, ...]:
    """The types a search result can have (and a query can filter on)."""
    return tuple(spec.doc_type for spec in indexings().values() if spec.label)


def type_labels() -> dict[str, str]:
    return {spec.doc_type: spec.label for spec in indexings().values() if spec.label}


_url_prefixes: tuple[Any, int, dict[str, str]] = (None, -1, {})


def url_prefixes() -> dict[str, str]:
    """Type -> the folder of its pages, read from the URL map (the routes are the one
    place a path is written): a document's address is the folder and its slug."""
    global _url_prefixes
    url_map = current_app.url_map
    # Asked for every document written to the index: built again for another app's URL
    # map or after the registry changed.
    if _url_prefixes[0] is not url_map or _url_prefixes[1] != content_types.version:
        prefixes = {
            spec.doc_type: page_folder(url_map, content_type.endpoint) or ""
            for content_type in content_types
            for spec in content_type.search
            if spec.label
        }
        _url_prefixes = (url_map, content_types.version, prefixes)
    return _url_prefixes[2]


def type_words() -> dict[str, str]:
    """Index term -> type, for the words members name a type with ("verslagen"): a
    query with one of them favours documents of that type."""
    return _type_words(content_types.version)


@cache
def _type_words(version: int) -> dict[str, str]:
    from lerend_netwerk.search.index import analyze

    return {
        term: spec.doc_type
        for spec in indexings().values()
        for name in spec.names
        for term in analyze(name)
    }


def type_adjectives() -> dict[str, str]:
    """The adjectives that belong to a type's name ("goede" in "goede praktijk")."""
    return {word: spec.doc_type for spec in indexings().values() for word in spec.adjectives}


class _Viewer:
    """A stand-in user for one audience, to ask visibility.can_see."""

    is_authenticated = True

    def __init__(self, roles: dict[int, str], *, admin: bool = False) -> None:
        self.network_roles = roles
        self.is_admin = admin
        self.is_coordinator = admin or "coordinator" in roles.values()


# A network id no document has: members and coordinators "of another network".
_ELSEWHERE = -1
STAND_INS = {
    "public": None,
    "member": _Viewer({_ELSEWHERE: "member"}),
    "coordinator": _Viewer({_ELSEWHERE: "coordinator"}),
    "admin": _Viewer({}, admin=True),
}


def audiences_of(obj: Any) -> tuple[str, ...]:
    """The audiences (see AUDIENCES) that may see `obj`, asked of visibility.can_see."""
    found = [name for name, viewer in STAND_INS.items() if can_see(viewer, obj)]
    network_id = network_id_of(obj)
    member_here = _Viewer({network_id: "member"}) if network_id is not None else None
    if member_here is not None and "member" not in found and can_see(member_here, obj):
        found.append(f"network:{network_id}")
    if network_id is not None and "coordinator" not in found:
        found.append(f"coordinator:{network_id}")
    return tuple(found)


def audiences_for(user: Any) -> tuple[str, ...]:
    """The audiences a reader searches: the union of what each of them sees."""
    if is_admin(user):
        return ("admin",)
    if not is_member(user):
        return ("public",)
    found = ["public"]
    mine = networks_of(user)
    if mine:
        found.append("member")
    found.extend(f"network:{nid}" for nid in sorted(mine))
    coordinated = coordinated_networks(user)
    if coordinated:
        found.append("coordinator")
    found.extend(f"coordinator:{nid}" for nid in sorted(coordinated))
    return tuple(found)


@dataclass
class SearchDocument:
    """What the index holds about one document."""

    type: str
    id: int
    slug: str
    title: str
    body: str
    keywords: str = ""
    themes: list[str] = field(default_factory=list)
    level: str | None = None
    audiences: tuple[str, ...] = ()
    # The id of the network the document belongs to ("" for one shared by all).
    network: str = ""
    # The key's prefix when it is not `type` (a session's verslag), and a page anchor.
    key_type: str = ""
    anchor: str = ""
    # The text of the files on the document (searched, and shown as "In bijlage …").
    files: list[FileText] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.key_type or self.type}:{self.id}"

    @property
    def url(self) -> str:
        return url_prefixes()[self.type] + self.slug + (f"#{self.anchor}" if self.anchor else "")

    @property
    def fingerprint(self) -> str:
        """A digest of everything indexed: equal fingerprints, equal documents."""
        parts = [
            self.key_type,
            self.type,
            str(self.id),
            self.slug,
            self.title,
            self.body,
            self.keywords,
            " ".join(self.themes),
            self.level or "",
            " ".join(self.audiences),
            self.network,
            *(f"{f.attachment_id}\x1e{f.filename}\x1e{f.text}" for f in self.files),
        ]
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def document_of(
    obj: Any,
    doc_type: str,
    body: str,
    *,
    keywords: Iterable[str | None] = (),
    themes: Iterable[Any] = (),
    level: str | None = None,
    **other: Any,
) -> SearchDocument:
    """The document of `obj` (its id, slug, title, audiences and network) with this text;
    the keywords that are empty are left out."""
    values: dict[str, Any] = {
        "title": obj.title,
        "audiences": audiences_of(obj),
        "network": network_of(obj),
        **other,
    }
    return SearchDocument(
        type=doc_type,
        id=obj.id,
        slug=obj.slug,
        body=body,
        keywords=" ".join(filter(None, keywords)),
        themes=[theme.slug for theme in themes],
        level=level,
        **values,
    )


def network_of(obj: Any) -> str:
    """The id (as text) of the network `obj` belongs to: its own `network_id`, or its
    proeftuin's (a visit report); "" for a document shared by every network."""
    network_id = getattr(obj, "network_id", None)
    if network_id is None:
        network_id = getattr(getattr(obj, "proeftuin", None), "network_id", None)
    return "" if network_id is None else str(network_id)


def related_by(
    doc_types: tuple[str, ...], queries: dict[type, Callable[[int], Any]]
) -> Callable[[Any, Any], set[Key]]:
    """A `SearchIndexing.related`: for a stored object of a watched model, the documents
    whose ids its model's query selects (`queries[model](obj.id)`)."""

    def related(connection: Any, obj: Any) -> set[Key]:
        if getattr(obj, "id", None) is None:
            return set()
        for model, query in queries.items():
            if isinstance(obj, model):
                ids = [row[0] for row in connection.execute(query(obj.id))]
                return {(doc_type, i) for i in ids for doc_type in doc_types}
        return set()

    return related


def ids_with(attribute: Any) -> Callable[[int], Any]:
    """A query for `related_by`: the ids of the rows whose `attribute` refers to the watched
    row with the given id: a foreign key column (`Practice.proeftuin_id`) or a collection
    (`Practice.themes`)."""

    def query(ident: int) -> Any:
        prop = attribute.property
        if isinstance(prop, RelationshipProperty):
            condition = attribute.any(prop.mapper.class_.id == ident)
        else:
            condition = attribute == ident
        return select(attribute.class_.id).where(condition)

    return query


def join_text(*parts: str | None) -> str:
    return "\n\n".join(part.strip() for part in parts if part and part.strip())


def theme_titles(themes: Iterable[Any]) -> list[str]:
    return [theme.title for theme in themes]


def attach_files(session: Session, built: list[tuple[SearchIndexing, Any, SearchDocument]]) -> None:
    """Give each built document the text of its files: those of the content type whose
    `AttachmentHost.search_key` names this document."""
    hooks, parents = search_files(), _file_parents()
    if hooks is None or not parents:
        return
    wanted: dict[tuple[str, int], SearchDocument] = {}
    for spec, obj, doc in built:
        for name, host in parents.get(type(obj), ()):
            if host.search_key(obj) == (spec.doc_type, obj.id):
                wanted[(name, obj.id)] = doc
    if wanted:
        for parent, files in hooks.texts(session, list(wanted)).items():
            wanted[parent].files = files


def load_documents(
    session: Session, keys: Iterable[tuple[str, int]], chunk: int = 500
) -> dict[tuple[str, int], SearchDocument]:
    """The current documents for these (type, id) keys; missing ones were deleted."""
    keys = list(keys)
    specs = indexings()
    by_type: dict[str, list[int]] = {}
    found: dict[tuple[str, int], SearchDocument] = {}
    for doc_type, doc_id in keys:
        spec = specs.get(doc_type)
        if spec is None:
            continue
        if spec.singleton is not None:
            if doc_id == spec.singleton and (doc_type, doc_id) not in found:
                found[(doc_type, doc_id)] = spec.build(session)
        else:
            by_type.setdefault(doc_type, []).append(doc_id)
    for doc_type, ids in by_type.items():
        spec = specs[doc_type]
        model: Any = spec.model
        for start in range(0, len(ids), chunk):
            query = (
                select(model)
                .where(model.id.in_(ids[start : start + chunk]))
                .options(*spec.load_options())
            )
            built = []
            for obj in session.scalars(query):
                doc = spec.build(obj)
                if doc is not None:
                    found[(doc_type, obj.id)] = doc
                    built.append((spec, obj, doc))
            attach_files(session, built)
    return found


def count_documents(session: Session) -> int:
    """How many searchable documents the database holds."""
    total = 0
    for spec in indexings().values():
        if spec.count is not None:
            total += spec.count(session)
        elif spec.singleton is not None:
            total += 1
        else:
            total += session.scalar(select(func.count()).select_from(spec.model)) or 0
    return total


def iter_documents(session: Session, batch: int = 200) -> Iterator[SearchDocument]:
    """Every searchable document in the database, in batches (for a full rebuild)."""
    specs = list(indexings().values())
    for spec in specs:
        if spec.singleton is not None:
            yield spec.build(session)
    for spec in specs:
        if spec.singleton is not None:
            continue
        model: Any = spec.model
        last_id = 0
        while True:
            rows = list(
                session.scalars(
                    select(model)
                    .where(model.id > last_id)
                    .order_by(model.id)
                    .limit(batch)
                    .options(*spec.load_options())
                )
            )
            if not rows:
                break
            built = []
            for obj in rows:
                doc = spec.build(obj)
                if doc is not None:
                    built.append((spec, obj, doc))
            attach_files(session, built)
            for _spec, _obj, doc in built:
                yield doc
            last_id = rows[-1].id
            session.expunge_all()
