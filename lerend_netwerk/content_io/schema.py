"""The content kinds of the contract's directory format and how each maps onto a model.

A document is handled as a *record*: a dict from front-matter key to a normalised
value (text, a UTC datetime, a date, an int, a bool, a slug or a sorted list of slugs)
plus "body". Files are parsed into records, records are compared with the records of
the database's objects (to tell created/updated/unchanged), applied to objects, and
written back to files: one representation for import, dry run and export.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lerend_netwerk.agenda.models import MEETING_KINDS, MEETING_STATUSES, Meeting
from lerend_netwerk.practices.models import Practice
from lerend_netwerk.proeftuinen.models import (
    LEVELS,
    ORGANISATION_TYPES,
    REPORT_KINDS,
    Organisation,
    Proeftuin,
    VisitReport,
)
from lerend_netwerk.recommendations.models import RECOMMENDATION_STATUSES, Recommendation
from lerend_netwerk.search.models import Abbreviation
from lerend_netwerk.themes.models import Theme
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

    @property
    def attribute(self) -> str:
        return self.attr or self.key

    def empty(self) -> Any:
        """The value an absent optional key stands for."""
        if self.type in (REFS, YEARS):
            return []
        return self.default


@dataclass(frozen=True)
class Kind:
    """A sub-directory of a content directory and the model its documents become."""

    name: str  # the directory, e.g. "sessions"
    label: str  # one document, for messages: "session"
    model: type
    fields: tuple[Field, ...]

    def field(self, key: str) -> Field | None:
        for field in self.fields:
            if field.key == key:
                return field
        return None

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(field.key for field in self.fields)


# Where each kind's documents live on the site: a slug that equals a fixed page under
# the same path (e.g. /sessies/nieuw) would never be reachable.
URL_PREFIXES = {
    "themes": "/themas",
    "proeftuinen": "/proeftuinen",
    "sessions": "/sessies",
    "practices": "/praktijken",
    "reports": "/verslagen",
    "recommendations": "/aanbevelingen",
}


def _status(default: str, choices: tuple[str, ...]) -> Field:
    return Field("status", CHOICE, default=default, choices=choices)


def _visibility(default: str = "public") -> Field:
    return Field("visibility", CHOICE, default=default, choices=VISIBILITIES)


def _themes() -> Field:
    return Field("themes", REFS, ref="themes")


def _published() -> Field:
    return Field("published", PUBLISHED, attr="published_at")


# In import order: a kind only refers to kinds before it. Within a kind, the required
# keys come first and the order is the order an export writes them in.
KINDS: tuple[Kind, ...] = (
    Kind("themes", "theme", Theme, (Field("title", TEXT, required=True),)),
    Kind(
        "organisations",
        "organisation",
        Organisation,
        (
            Field("title", TEXT, required=True),
            Field("type", CHOICE, required=True, choices=ORGANISATION_TYPES),
            Field("website", TEXT),
        ),
    ),
    Kind(
        "proeftuinen",
        "proeftuin",
        Proeftuin,
        (
            Field("title", TEXT, required=True),
            Field("level", CHOICE, required=True, choices=LEVELS),
            Field("organisations", REFS, ref="organisations"),
            Field("programme", TEXT),
            Field("academic_years", YEARS),
            _themes(),
        ),
    ),
    Kind(
        "sessions",
        "session",
        Meeting,
        (
            Field("title", TEXT, required=True),
            Field("kind", CHOICE, required=True, choices=MEETING_KINDS),
            Field("starts", DATETIME, required=True, attr="starts_at"),
            Field("ends", DATETIME, required=True, attr="ends_at"),
            Field("location", TEXT),
            Field("online_url", TEXT),
            # The session form's limit too.
            Field("capacity", INT, maximum=10_000),
            Field("registration_deadline", DATETIME),
            _themes(),
            Field("host", REF, ref="proeftuinen"),
            _status("scheduled", MEETING_STATUSES),
            _visibility(),
            # Beyond the contract's table: the verslag written after the session.
            Field("report", TEXT, default="", multiline=True),
            # The calendar identity (contract "Additions"): absent on import, an existing
            # session keeps its own and a new one gets a new UID; SEQUENCE never goes down.
            Field("uid", TEXT),
            Field("sequence", INT, default=0),
            # "Open voor externen": people without an account may register (contract).
            Field("guests", BOOL, default=False, attr="open_to_guests"),
            # Who reads the verslag: the network's members, or everybody.
            Field("report_visibility", CHOICE, default="members", choices=VISIBILITIES),
            _published(),
        ),
    ),
    Kind(
        "practices",
        "good practice",
        Practice,
        (
            Field("title", TEXT, required=True),
            Field("summary", TEXT, required=True, multiline=True),
            _themes(),
            Field("level", CHOICE, choices=LEVELS),
            Field("sector", TEXT),
            Field("proeftuin", REF, ref="proeftuinen"),
            _status("published", ("published", Practice.DRAFT)),
            _visibility(),
            _published(),
        ),
    ),
    Kind(
        "reports",
        "visit report",
        VisitReport,
        (
            Field("title", TEXT, required=True),
            Field("proeftuin", REF, required=True, ref="proeftuinen"),
            Field("visited", DATE, required=True),
            _status("published", ("published", VisitReport.DRAFT)),
            _visibility("members"),
            # A coordinators' visit (the default) or a proeftuin's project update.
            Field("kind", CHOICE, default="visit", choices=REPORT_KINDS),
            _published(),
        ),
    ),
    Kind(
        "recommendations",
        "policy recommendation",
        Recommendation,
        (
            Field("title", TEXT, required=True),
            Field("theme", REF, required=True, ref="themes"),
            Field("level", CHOICE, choices=LEVELS),
            _status("open", RECOMMENDATION_STATUSES),
            # Beyond the contract's table: why it was accepted or rejected, and
            # whether the thread is closed to replies.
            Field("status_reason", TEXT, default="", multiline=True),
            Field("closed", BOOL, default=False),
            _visibility(),
            # The proeftuinen the recommendation rests on (listed in the final report).
            Field("proeftuinen", REFS, ref="proeftuinen"),
            _published(),
        ),
    ),
    # What the search expands: "VDAB" also finds "Vlaamse Dienst voor Arbeidsbemiddeling".
    Kind(
        "abbreviations",
        "abbreviation",
        Abbreviation,
        (
            Field("title", TEXT, required=True),
            Field("meaning", TEXT, required=True),
        ),
    ),
)
KINDS_BY_NAME: dict[str, Kind] = {kind.name: kind for kind in KINDS}

URL_FIELDS = frozenset({"website", "online_url"})


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
        elif field.type == YEARS:
            value = list(value or [])
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
        elif field.type == YEARS:
            setattr(obj, field.attribute, list(value))
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
