"""The rules of the agenda: which sessions a user sees."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lerend_netwerk.agenda.models import Meeting, Registration
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.visibility import visible_clause


def upcoming_meetings(user: Any, limit: int | None = None) -> list[Meeting]:
    """Sessions that have not ended yet, soonest first, that `user` may see."""
    query = (
        select(Meeting)
        .where(Meeting.ends_at >= utcnow(), visible_clause(Meeting, user))
        .order_by(Meeting.starts_at)
        .options(selectinload(Meeting.themes))
    )
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def registrations_of(user: Any) -> list[Registration]:
    """The user's registrations that are not cancelled, soonest session first."""
    query = (
        select(Registration)
        .join(Registration.meeting)
        .where(Registration.user_id == user.id, Registration.status != "cancelled")
        .order_by(Meeting.starts_at)
    )
    return list(db.session.scalars(query))
