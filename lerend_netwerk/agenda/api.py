"""The sessions in the read-only JSON API (`/api/v1/sessions`): the upcoming public
sessions with their seats, as plain data, and their OpenAPI description."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lerend_netwerk.agenda.models import MEETING_KINDS, Meeting
from lerend_netwerk.agenda.service import Seats, seat_counts, seats
from lerend_netwerk.core.api import (
    DATETIME,
    DEFAULT_PER_PAGE,
    MAX_PER_PAGE,
    NOT_FOUND,
    SLUG_PARAMETER,
    json_response,
    list_schema,
    page_bounds,
    query_parameter,
)
from lerend_netwerk.core.content_types import ApiPage, ApiResource
from lerend_netwerk.core.slugs import SLUG_PATTERN, is_slug
from lerend_netwerk.core.templating import absolute_url
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.networks.context import network_info, network_slug, url_network
from lerend_netwerk.timeutil import to_local
from lerend_netwerk.visibility import visible_clause


def _iso(value) -> str:
    return to_local(value).isoformat(timespec="seconds")


def _summary(meeting: Meeting, seats: Seats) -> dict[str, Any]:
    # Never the online link: the API is public.
    network = url_network(meeting)
    return {
        "slug": meeting.slug,
        "title": meeting.title,
        "kind": meeting.kind,
        "starts": _iso(meeting.starts_at),
        "ends": _iso(meeting.ends_at),
        "location": meeting.location,
        "seats_left": seats.left,
        "status": meeting.status,
        "themes": [theme.slug for theme in meeting.themes],
        "network": network_slug(meeting),
        "url": absolute_url("agenda.detail", slug=meeting.slug, network=network),
        "ics": absolute_url("calendar.session_feed", slug=meeting.slug, network=network),
    }


class UnknownNetwork(LookupError):
    """`network=` names no network."""


def network_id_of(slug: str | None) -> int | None:
    """The id of the network `slug` (None: every network); UnknownNetwork otherwise."""
    if not slug:
        return None
    info = network_info(slug) if is_slug(slug) else None
    if info is None:
        raise UnknownNetwork(slug)
    return info.id


def _public() -> Any:
    return visible_clause(Meeting, None)


def upcoming_public_sessions(
    page: int = 1, per_page: int = DEFAULT_PER_PAGE, network_id: int | None = None
) -> ApiPage:
    """One page of the public sessions that have not ended, soonest first, as API objects
    (of every network, or of one).

    One row more than the page is read to know whether another page follows: no count
    over every upcoming session, so a page costs the same however many there are.
    """
    page, per_page = page_bounds(page, per_page)
    conditions = [_public(), Meeting.ends_at >= utcnow()]
    if network_id is not None:
        conditions.append(Meeting.network_id == network_id)
    meetings = list(
        db.session.scalars(
            select(Meeting)
            .where(*conditions)
            .order_by(Meeting.starts_at, Meeting.id)
            .offset((page - 1) * per_page)
            .limit(per_page + 1)
            .options(selectinload(Meeting.themes))
        )
    )
    has_next = len(meetings) > per_page
    meetings = meetings[:per_page]
    counts = seat_counts(meetings)
    return ApiPage(
        items=[_summary(meeting, counts[meeting.id]) for meeting in meetings],
        page=page,
        per_page=per_page,
        has_next=has_next,
    )


def public_session(slug: str) -> dict[str, Any] | None:
    """One public session with its counts; None when unknown or members-only."""
    if not is_slug(slug):
        return None
    meeting = db.session.scalar(
        select(Meeting).where(Meeting.slug == slug, _public()).options(selectinload(Meeting.themes))
    )
    if meeting is None:
        return None
    counts = seats(meeting)
    data = _summary(meeting, counts)
    data.update(capacity=meeting.capacity, confirmed=counts.confirmed, waitlisted=counts.waitlisted)
    return data


def _listing(page: int, per_page: int, args: Any) -> ApiPage:
    """`?network=<slug>`: only that network's sessions (an unknown one: UnknownNetwork)."""
    return upcoming_public_sessions(page, per_page, network_id_of(args.get("network") or None))


SCHEMAS: dict[str, Any] = {
    "SessionSummary": {
        "type": "object",
        "required": [
            "slug",
            "title",
            "kind",
            "starts",
            "ends",
            "location",
            "seats_left",
            "url",
            "ics",
        ],
        "properties": {
            "slug": {"type": "string", "pattern": SLUG_PATTERN},
            "title": {"type": "string"},
            "kind": {"type": "string", "enum": list(MEETING_KINDS)},
            "starts": DATETIME,
            "ends": DATETIME,
            "location": {"type": ["string", "null"]},
            "seats_left": {
                "type": ["integer", "null"],
                "minimum": 0,
                "description": (
                    "Seats still free (a guest's unconfirmed request holds one for a short "
                    "while); null when the session has no limit."
                ),
            },
            "status": {"type": "string", "enum": ["scheduled", "cancelled"]},
            "themes": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Slugs of the session's themes.",
            },
            "network": {
                "type": "string",
                "pattern": SLUG_PATTERN,
                "description": "Slug of the learning network the session belongs to.",
            },
            "url": {
                "type": "string",
                "format": "uri",
                "description": "The session's page, under its network's address.",
            },
            "ics": {
                "type": "string",
                "format": "uri",
                "description": "The session as an iCalendar file.",
            },
        },
    },
    "SessionDetail": {
        "allOf": [
            {"$ref": "#/components/schemas/SessionSummary"},
            {
                "type": "object",
                "required": ["capacity", "confirmed", "waitlisted", "status"],
                "properties": {
                    "capacity": {
                        "type": ["integer", "null"],
                        "minimum": 0,
                        "description": "null = unlimited.",
                    },
                    "confirmed": {
                        "type": "integer",
                        "minimum": 0,
                        "description": "Confirmed places, members and guests together.",
                    },
                    "waitlisted": {
                        "type": "integer",
                        "minimum": 0,
                        "description": "On the waiting list, members and guests together.",
                    },
                    "status": {"type": "string", "enum": ["scheduled", "cancelled"]},
                },
            },
        ]
    },
    "SessionList": list_schema("sessions", "SessionSummary"),
}

SESSIONS_API = ApiResource(
    name="sessions",
    item_name="session",
    listing=_listing,
    item=public_session,
    query=("network",),
    tag=("sessions", "Sessions of the network."),
    schemas=SCHEMAS,
    list_operation={
        "operationId": "listSessions",
        "summary": "Upcoming public sessions, soonest first, one page at a time.",
        "tags": ["sessions"],
        "parameters": [
            {
                "name": "page",
                "in": "query",
                "required": False,
                "description": "Page number, from 1.",
                "schema": {"type": "integer", "minimum": 1, "default": 1},
            },
            {
                "name": "per_page",
                "in": "query",
                "required": False,
                "description": f"Sessions per page (at most {MAX_PER_PAGE}).",
                "schema": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": MAX_PER_PAGE,
                    "default": DEFAULT_PER_PAGE,
                },
            },
            query_parameter(
                "network",
                "Only the sessions of this network (its slug); without it, every network's.",
                {"type": "string", "pattern": SLUG_PATTERN},
            ),
        ],
        "responses": {
            "200": json_response("SessionList", "The upcoming public sessions."),
            "404": json_response("Error", "No network with this slug."),
        },
    },
    item_operation={
        "operationId": "getSession",
        "summary": "One public session with its registration counts.",
        "tags": ["sessions"],
        "parameters": [SLUG_PARAMETER],
        "responses": {
            "200": json_response("SessionDetail", "The session."),
            "404": NOT_FOUND,
        },
    },
)
