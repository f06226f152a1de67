"""Coordinators' mail to a session's registrants, and the session's history of it.

Each mail goes through the outbox, one per registrant (queued by mail/receivers.py on the
`meeting_message` signal); the text is kept as a
MeetingMessage so coordinators see later what was sent, when, by whom and to how many.
A message that comes with a cancellation goes out in the cancellation mail itself.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lerend_netwerk.agenda import service
from lerend_netwerk.agenda.attendance import may_receive_mail
from lerend_netwerk.agenda.models import (
    MESSAGE_AUDIENCES,
    Meeting,
    MeetingMessage,
    Registration,
)
from lerend_netwerk.extensions import db
from lerend_netwerk.signals import meeting_message

AUDIENCE_STATUSES = {
    "confirmed": ("confirmed",),
    "waitlisted": ("waitlisted",),
    "all": ("confirmed", "waitlisted"),
}


def recipients(meeting: Meeting, audience: str) -> list[Registration]:
    """The registrations a message to `audience` reaches (those mail can go to)."""
    registrations = db.session.scalars(
        select(Registration)
        .where(
            Registration.meeting_id == meeting.id,
            Registration.status.in_(AUDIENCE_STATUSES[audience]),
        )
        .options(selectinload(Registration.user))
        .order_by(Registration.id)
    )
    return [r for r in registrations if may_receive_mail(r)]


def _author(actor: Any) -> tuple[int | None, str]:
    if getattr(actor, "is_authenticated", False):
        return actor.id, f"{actor.name} <{actor.email}>"
    return None, "systeem"


def send_message(
    meeting: Meeting, actor: Any, audience: str, subject: str, body: str
) -> MeetingMessage:
    """Mail everyone in `audience` about `meeting` and keep the text on its history."""
    if audience not in MESSAGE_AUDIENCES:
        raise service.AgendaError("Kies wie het bericht krijgt.")
    subject, body = (subject or "").strip(), (body or "").strip()
    if not subject or not body:
        raise service.AgendaError("Geef een onderwerp en een bericht.")
    if meeting.is_cancelled:
        raise service.AgendaError(
            "Deze sessie is geannuleerd: wie ingeschreven was, kreeg al bericht."
        )
    reached = recipients(meeting, audience)
    if not reached:
        raise service.AgendaError("Niemand om te mailen: er staat nog niemand op deze lijst.")
    author_id, author_label = _author(actor)
    message = MeetingMessage(
        meeting_id=meeting.id,
        kind="message",
        audience=audience,
        subject=subject,
        body=body,
        recipients=len(reached),
        author_id=author_id,
        author_label=author_label,
    )
    db.session.add(message)
    db.session.flush()
    # mail/receivers.py queues one mail per registrant, in this transaction.
    meeting_message.send(message, registrations=reached)
    return message


def cancel_with_message(meeting: Meeting, actor: Any, message: str = "") -> Meeting:
    """Cancel a session; a message from the coordinator travels in the cancellation mail."""
    message = (message or "").strip()
    # Who hears of the cancellation: counted before, while the registrations still hold.
    reached = len(recipients(meeting, "all"))
    meeting = service.cancel_meeting(meeting, actor=actor, message=message)
    if message:
        author_id, author_label = _author(actor)
        db.session.add(
            MeetingMessage(
                meeting_id=meeting.id,
                kind="cancellation",
                audience="all",
                subject=f"Geannuleerd: {meeting.title}",
                body=message,
                recipients=reached,
                author_id=author_id,
                author_label=author_label,
            )
        )
        db.session.flush()
    return meeting


def history(meeting: Meeting) -> list[MeetingMessage]:
    """The messages sent about a session, newest first."""
    return list(
        db.session.scalars(
            select(MeetingMessage)
            .where(MeetingMessage.meeting_id == meeting.id)
            .order_by(MeetingMessage.created_at.desc(), MeetingMessage.id.desc())
        )
    )
