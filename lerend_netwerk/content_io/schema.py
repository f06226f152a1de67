"""The content kinds of the contract's directory format and how each maps onto a model.

A document is handled as a *record*: a dict from front-matter key to a normalised
value (text, a UTC datetime, a date, an int, a bool, a slug or a sorted list of slugs)
plus "body". Files are parsed into records, records are compared with the records of
the database's objects (to tell created/updated/unchanged), applied to objects, and
written back to files: one representation for import, dry run and export.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, true

from lerend_netwerk.core.content_types import content_types
from lerend_netwerk.extensions import db
from lerend_netwerk.timeutil import parse_local, to_local
from lerend_netwerk.visibility import VISIBILITIES

BODY = "body"

# Value types of a field.
TEXT = "text"  # a string; `multiline` allows line breaks
CHOICE = "choice"  # one of `choices`
DATETIME = "datetime"  # ISO 8601, local Brussels time without offset; stored UTC
DATE = "date"  # YYYY-MM-DD
INT = "int"  # a whole number >= 0
BOOL = "bool"
REF = "ref"  # the slug of one document of kind `ref`
REFS = "refs"  # a list of slugs of kind `ref` (a set: kept sorted)
YEARS = "years"  # a list of academic years 2021-2022, in the order given
# A date (YYYY-MM-DD) kept in a UTC datetime attribute: the Brussels day it falls on.
# Written as the start of that day; absent on import keeps the stored date (a new
# document: the moment of import).
PUBLISHED = "published"
CHOICES = "choices"  # a list of `choices` values, in the order given
# The slug of the network (`networks/`) a document belongs to, kept in its `network_id`.
# NETWORK: absent means the default network, and an export leaves the default out;
# SHARED_NETWORK (themes): absent means shared by every network.
NETWORK = "network"
SHARED_NETWORK = "shared-network"
NETWORK_TYPES = (NETWORK, SHARED_NETWORK)
NETWORKS = "networks"  # the kind of the networks themselves


@dataclass(frozen=True)
class Field:
    """One front-matter key and the model attribute it fills."""

    key: str
    type: str
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    ref: str | None = None
    attr: str | None = None
    multiline: bool = False
    # For INT: the largest value (None: what an INTEGER column holds).
    maximum: int | None = None
    # For TEXT: a regular expression the whole value must match, and how to say it.
    pattern: str | None = None
    pattern_hint: str = ""
    # For TEXT: a web address (http:// or https://).
    url: bool = False

    @property
    def attribute(self) -> str:
        return self.attr or self.key

    def empty(self) -> Any:
        """The value an absent optional key stands for."""
        if self.type in (REFS, YEARS, CHOICES):
            return []
        return self.default


@dataclass(frozen=True)
class Kind:
    """A sub-directory of a content directory and the model its documents become."""

    name: str  # the directory, e.g. "sessions"
    label: str  # one document, for messages: "session"
    model: type
    fields: tuple[Field, ...]
    # Where its documents live on the site: a slug that equals a fixed page under the
    # same path (e.g. /sessies/nieuw) would never be reachable. None: the folder of its
    # content type's page in the URL map (`/sessies` for `/sessies/<slug>`).
    url_prefix: str | None = None
    # Completes and checks the kind's entries together, before anything is written:
    # (entries, existing objects by slug) -> problems (`document.Problem`).
    complete: Callable[[list[Any], dict[str, Any]], list[Any]] | None = None
    # After an update: (obj, record before, record after) -> calls to make once flushed.
    after_update: (
        Callable[[Any, dict[str, Any], dict[str, Any]], list[Callable[[], Any]]] | None
    ) = None
    # (earlier, later): keys whose values must come in this order ("starts", "ends").
    ordered: tuple[tuple[str, str], ...] = ()
    # The `## ` sections a body may have, in this order (a visit report's template).
    body_sections: tuple[str, ...] = ()
    # Keeps the kind's own workflow timestamps: (obj, record before or None).
    stamp: Callable[[Any, dict[str, Any] | None], None] | None = None
    # A document of a kind without a network key of its own belongs to the network of
    # the document this REF key names (a visit report: its proeftuin's).
    network_via: str | None = None

    def field(self, key: str) -> Field | None:
        for field in self.fields:
            if field.key == key:
                return field
        return None

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(field.key for field in self.fields)

    @property
    def network_field(self) -> Field | None:
        """The key that names the document's network, if the kind has one."""
        return next((field for field in self.fields if field.type in NETWORK_TYPES), None)


def status_field(default: str, choices: tuple[str, ...]) -> Field:
    return Field("status", CHOICE, default=default, choices=choices)


def visibility_field(default: str = "public") -> Field:
    return Field("visibility", CHOICE, default=default, choices=VISIBILITIES)


def themes_field() -> Field:
    return Field("themes", REFS, ref="themes")


def published_field() -> Field:
    return Field("published", PUBLISHED, attr="published_at")


def network_field() -> Field:
    """`network`: the document's network; absent is the default network."""
    return Field("network", NETWORK, ref=NETWORKS, attr="network_id")


def _network_model() -> type:
    return kinds_by_name()[NETWORKS].model


def network_slug(network_id: int | None, *, omit_default: bool) -> str | None:
    """The slug of a network by id (None: none, or the default one when `omit_default`)."""
    if network_id is None:
        return None
    network = db.session.get(_network_model(), network_id)
    if network is None or (omit_default and network.is_default):
        return None
    return network.slug


def default_network_id() -> int:
    """The id of the installation's default network."""
    model = _network_model()
    return db.session.scalar(select(model.id).where(model.is_default == true()).limit(1))


def kinds() -> tuple[Kind, ...]:
    """The kinds of the registered content types, in import order: a kind only refers to
    kinds registered before it. Within a kind, the required keys come first and the
    order is the order an export writes them in."""
    return tuple(ct.content for ct in content_types if ct.content is not None)


def kinds_by_name() -> dict[str, Kind]:
    return {kind.name: kind for kind in kinds()}


def _publication_day(obj: Any, moment: datetime | None) -> Any:
    """The Brussels day a document counts as published on; None for a draft.

    Without a stored moment a published document is dated by its creation, as the
    indicators and the digest date it.
    """
    draft = getattr(type(obj), "DRAFT", None)
    if draft is not None and obj.status == draft:
        return None
    moment = moment or getattr(obj, "created_at", None)
    return to_local(moment).date() if moment is not None else None


def published_moment(day: Any) -> datetime | None:
    """The UTC moment a `published` date stands for: the start of that Brussels day."""
    return parse_local(day) if day is not None else None


def max_length(kind: Kind, field: Field) -> int | None:
    """The column's length limit for a text field (None: unlimited)."""
    column = kind.model.__table__.c.get(field.attribute)
    return getattr(column.type, "length", None) if column is not None else None


def is_empty(field: Field, value: Any) -> bool:
    """Whether an export leaves the key out: an optional key at its default or empty."""
    if field.required:
        return False
    return value is None or value == "" or value == [] or value == field.empty()


def record_of(kind: Kind, obj: Any) -> dict[str, Any]:
    """The record of a database object, in the same normal form as a parsed file."""
    record: dict[str, Any] = {}
    for field in kind.fields:
        value = getattr(obj, field.attribute)
        if field.type == REFS:
            value = sorted(item.slug for item in value)
        elif field.type == REF:
            value = value.slug if value is not None else None
        elif field.type in (YEARS, CHOICES):
            value = list(value or [])
        elif field.type in NETWORK_TYPES:
            value = network_slug(value, omit_default=field.type == NETWORK)
        elif field.type == PUBLISHED:
            value = _publication_day(obj, value)
        elif field.type == TEXT and not field.required and value in (None, ""):
            value = field.empty()
        record[field.key] = value
    record[BODY] = obj.body or ""
    return record


def apply_record(kind: Kind, obj: Any, record: dict[str, Any], lookup) -> bool:
    """Set the object's fields to the record's values; True if anything changed.

    `lookup(kind_name, slug)` returns the object a reference points to. Only fields
    whose value differs are assigned, so an unchanged document stays clean.
    """
    current = record_of(kind, obj) if obj.id is not None else {}
    changed = False
    for field in kind.fields:
        value = record[field.key]
        if field.key in current and current[field.key] == value:
            continue
        changed = True
        if field.type == REFS:
            setattr(obj, field.attribute, [lookup(field.ref, slug) for slug in value])
        elif field.type == REF:
            target = lookup(field.ref, value) if value is not None else None
            setattr(obj, field.attribute, target)
        elif field.type in (YEARS, CHOICES):
            setattr(obj, field.attribute, list(value))
        elif field.type in NETWORK_TYPES:
            setattr(obj, field.attribute, _network_id(field, value, lookup))
        elif field.type == PUBLISHED:
            setattr(obj, field.attribute, published_moment(value))
        elif field.type == TEXT and value is None:
            setattr(obj, field.attribute, None)
        else:
            setattr(obj, field.attribute, value)
    if current.get(BODY) != record[BODY]:
        changed = True
        obj.body = record[BODY]
    return changed


def _network_id(field: Field, slug: str | None, lookup) -> int | None:
    if slug is None:
        return default_network_id() if field.type == NETWORK else None
    network = lookup(NETWORKS, slug)
    if network.id is None:
        # A network created by the same import: it needs its id now.
        db.session.flush()
    return network.id
