"""The read-only JSON API: public sessions as plain data (seats from the agenda)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lerend_netwerk.agenda.models import Meeting
from lerend_netwerk.agenda.service import Seats, seat_counts, seats
from lerend_netwerk.calendar import links
from lerend_netwerk.core.slugs import is_slug
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.timeutil import to_local
from lerend_netwerk.visibility import visible_clause


def _iso(value) -> str:
    return to_local(value).isoformat(timespec="seconds")


def _summary(meeting: Meeting, seats: Seats) -> dict[str, Any]:
    # Never the online link: the API is public.
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
        "url": links.session_url(meeting.slug),
        "ics": links.session_ics_url(meeting.slug),
    }


def _public() -> Any:
    return visible_clause(Meeting, None)


def upcoming_public_sessions() -> list[dict[str, Any]]:
    """Public sessions that have not ended, soonest first, as API objects."""
    meetings = list(
        db.session.scalars(
            select(Meeting)
            .where(_public(), Meeting.ends_at >= utcnow())
            .order_by(Meeting.starts_at, Meeting.id)
            .options(selectinload(Meeting.themes))
        )
    )
    counts = seat_counts(meetings)
    return [_summary(meeting, counts[meeting.id]) for meeting in meetings]


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
