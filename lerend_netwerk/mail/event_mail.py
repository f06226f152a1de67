"""Mail about sessions that a person, not a change, causes: a coordinator's message to the
registrants, and the evaluation questionnaire after a session. Queued on the agenda's and
the evaluations' signals, in the sender's transaction."""

from __future__ import annotations

from typing import Any

from lerend_netwerk.agenda.attendance import attendee_contact
from lerend_netwerk.calendar.links import session_url
from lerend_netwerk.mail.messages import render_mail
from lerend_netwerk.mail.outbox import queue_mail


def queue_meeting_message(message: Any, registrations: list[Any]) -> int:
    """One mail per registrant with the coordinator's text and the session's details."""
    meeting = message.meeting
    for registration in registrations:
        contact = attendee_contact(registration)
        text, html = render_mail(
            "meeting_message",
            recipient_name=contact.name,
            meeting=meeting,
            registration=registration,
            body=message.body,
            meeting_url=session_url(meeting),
            show_online=registration.status == "confirmed",
        )
        queue_mail(
            contact.recipient,
            f"{message.subject} — {meeting.title}",
            text,
            html=html,
            kind="meeting-message",
        )
    return len(registrations)


def queue_evaluation_mail(evaluation: Any, token: str) -> None:
    """The questionnaire's mail with the personal link (the token exists only here)."""
    from lerend_netwerk.evaluations.service import evaluation_url

    registration, meeting = evaluation.registration, evaluation.meeting
    contact = attendee_contact(registration)
    text, html = render_mail(
        "evaluation_request",
        recipient_name=contact.name,
        meeting=meeting,
        evaluation_url=evaluation_url(token),
        closes_at=evaluation.closes_at,
        meeting_url=session_url(meeting),
        # The session is over: its online link is no secret to those who took part.
        show_online=True,
    )
    queue_mail(
        contact.recipient,
        f"Hoe was “{meeting.title}”? Laat het ons weten",
        text,
        html=html,
        kind="evaluation",
        dedupe_key=f"evaluation:{registration.id}",
    )
