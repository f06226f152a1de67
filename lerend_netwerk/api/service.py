"""The read-only JSON API: public sessions as plain data, and registration counts.

`registration_counts(meeting_ids)` is the shared way to count seats: one grouped
query over Registration, usable by any feature that shows seats left.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lerend_netwerk.agenda.models import Meeting, Registration
from lerend_netwerk.calendar import links
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.timeutil import to_local
from lerend_netwerk.visibility import visible_clause


@dataclass(frozen=True)
class RegistrationCounts:
    """How many members hold a seat and how many wait for one."""

    confirmed: int = 0
    waitlisted: int = 0


def registration_counts(meeting_ids: Iterable[int]) -> dict[int, RegistrationCounts]:
    """Confirmed and waitlisted counts per session, in one grouped SQL query."""
    ids = list(meeting_ids)
    counts = {meeting_id: RegistrationCounts() for meeting_id in ids}
    if not ids:
        return counts
    rows = db.session.execute(
        select(Registration.meeting_id, Registration.status, func.count())
        .where(
            Registration.meeting_id.in_(ids),
            Registration.status.in_(("confirmed", "waitlisted")),
        )
        .group_by(Registration.meeting_id, Registration.status)
    ).all()
    confirmed = {m: n for m, status, n in rows if status == "confirmed"}
    waitlisted = {m: n for m, status, n in rows if status == "waitlisted"}
    for meeting_id in ids:
        counts[meeting_id] = RegistrationCounts(
            confirmed=confirmed.get(meeting_id, 0), waitlisted=waitlisted.get(meeting_id, 0)
        )
    return counts


def seats_left(capacity: int | None, confirmed: int) -> int | None:
    """Seats still free; None when the session has no limit."""
    if capacity is None:
        return None
    return max(capacity - confirmed, 0)


def _iso(value) -> str:
    return to_local(value).isoformat(timespec="seconds")


def _summary(meeting: Meeting, counts: RegistrationCounts) -> dict[str, Any]:
    # Never the online link: the API is public.
    return {
        "slug": meeting.slug,
        "title": meeting.title,
        "kind": meeting.kind,
        "starts": _iso(meeting.starts_at),
        "ends": _iso(meeting.ends_at),
        "location": meeting.location,
        "seats_left": seats_left(meeting.capacity, counts.confirmed),
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
    counts = registration_counts(m.id for m in meetings)
    return [_summary(meeting, counts[meeting.id]) for meeting in meetings]


def public_session(slug: str) -> dict[str, Any] | None:
    """One public session with its counts; None when unknown or members-only."""
    if not links.is_slug(slug):
        return None
    meeting = db.session.scalar(
        select(Meeting).where(Meeting.slug == slug, _public()).options(selectinload(Meeting.themes))
    )
    if meeting is None:
        return None
    counts = registration_counts([meeting.id])[meeting.id]
    data = _summary(meeting, counts)
    data.update(capacity=meeting.capacity, confirmed=counts.confirmed, waitlisted=counts.waitlisted)
    return data
