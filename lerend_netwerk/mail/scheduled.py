"""Mail that is due at a time rather than caused by a change: reminders here, the weekly
digest in `mail.digest`.

Both are idempotent: every mail carries a dedupe key ("reminder:<meeting>:<user>",
"digest:<user>:<ISO week>"), so running these from cron, from several workers, or twice
in a row queues each mail once.

Settings (app config, defaults below): MAIL_REMINDER_DAYS (2), MAIL_DIGEST_WEEKDAY
(0 = Monday), MAIL_DIGEST_HOUR (8, Brussels time), MAIL_DIGEST_UPCOMING_DAYS (21).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lerend_netwerk.agenda.models import Meeting, Registration
from lerend_netwerk.auth.models import User
from lerend_netwerk.calendar.links import session_url
from lerend_netwerk.config import setting
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.mail.messages import queue_rendered
from lerend_netwerk.mail.models import OutgoingMail
from lerend_netwerk.mail.tokens import unsubscribe_url
from lerend_netwerk.timeutil import nl_date
from lerend_netwerk.visibility import may_see_online_link


def _setting(name: str) -> int:
    return int(setting(current_app.config, name))


def unsubscribe_headers(user: User, purpose: str) -> dict[str, str]:
    """The List-Unsubscribe header of a reminder or digest."""
    return {"List-Unsubscribe": f"<{unsubscribe_url(user, purpose)}>"}


def queue_unsubscribable(
    user: User, subject: str, template: str, purpose: str, key: str, **context: Any
) -> bool:
    """Render and queue a mail the reader can unsubscribe from (`purpose`: "reminders",
    "digest"); False if a mail with this dedupe key was queued before."""
    return queue_rendered(
        user,
        subject,
        template,
        unsubscribe_url=unsubscribe_url(user, purpose),
        headers=unsubscribe_headers(user, purpose),
        dedupe_key=key,
        **context,
    )


def _existing_keys(keys: list[str]) -> set[str]:
    if not keys:
        return set()
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        found.update(
            db.session.scalars(
                select(OutgoingMail.dedupe_key).where(OutgoingMail.dedupe_key.in_(chunk))
            )
        )
    return found


def queue_due_reminders(now: datetime | None = None) -> int:
    """Queue a reminder for every confirmed registration of a session starting within two days.

    Only to members who want reminders, and not to those who were confirmed inside that
    window: their confirmation mail went out only just now.
    """
    now = now or utcnow()
    lead = timedelta(days=_setting("MAIL_REMINDER_DAYS"))
    registrations = list(
        db.session.scalars(
            select(Registration)
            .join(Registration.meeting)
            .join(Registration.user)
            .where(
                Registration.status == "confirmed",
                Meeting.status == "scheduled",
                Meeting.starts_at > now,
                Meeting.starts_at <= now + lead,
                User.active.is_(True),
                User.wants_reminders.is_(True),
            )
            .options(selectinload(Registration.meeting), selectinload(Registration.user))
            .order_by(Meeting.starts_at, Registration.id)
        )
    )
    due = [
        registration
        for registration in registrations
        if (registration.confirmed_at or registration.registered_at)
        < registration.meeting.starts_at - lead
    ]
    keys = {r.id: f"reminder:{r.meeting_id}:{r.user_id}" for r in due}
    existing = _existing_keys(list(keys.values()))
    queued = 0
    for registration in due:
        key = keys[registration.id]
        if key in existing:
            continue
        user, meeting = registration.user, registration.meeting
        queued += queue_unsubscribable(
            user,
            f"Herinnering: {meeting.title} op {nl_date(meeting.starts_at, 'EEEE d MMMM')}",
            "reminder",
            "reminders",
            key,
            meeting=meeting,
            meeting_url=session_url(meeting),
            show_online=may_see_online_link(user, registration.status),
        )
    return queued
