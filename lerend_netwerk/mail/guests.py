"""The mails only guests get: the confirmation link, their link again, and the notice
to an address that belongs to a member. Registration and session mails to guests are
the members' ones (mail/messages.py), with the guest's personal link added."""

from __future__ import annotations

from flask import current_app

from lerend_netwerk.agenda.models import Meeting, Registration
from lerend_netwerk.calendar.links import session_url
from lerend_netwerk.mail.messages import render_mail
from lerend_netwerk.mail.outbox import queue_mail


def queue_guest_confirmation(registration: Registration) -> None:
    """The double opt-in: a link that must be followed (and its form sent) to confirm."""
    from lerend_netwerk.agenda.guests import hold_minutes, personal_url

    meeting = registration.meeting
    held = registration.hold_expires_at is not None
    text, html = render_mail(
        "guest_confirm",
        guest_name=registration.guest_name,
        meeting=meeting,
        meeting_url=session_url(meeting),
        show_online=False,
        link=personal_url(registration),
        hours=current_app.config["GUEST_CONFIRM_HOURS"],
        hold_minutes=hold_minutes() if held else 0,
        hold_until=registration.hold_expires_at,
    )
    queue_mail(
        registration.recipient,
        f"Bevestig je inschrijving: {meeting.title}",
        text,
        html=html,
        kind="guest-confirm",
    )


def queue_guest_link(registration: Registration) -> None:
    """An address that is already registered asked again: its personal link again."""
    from lerend_netwerk.agenda.guests import personal_url

    meeting = registration.meeting
    text, _ = render_mail(
        "guest_link",
        guest_name=registration.guest_name,
        registration=registration,
        meeting=meeting,
        meeting_url=session_url(meeting),
        show_online=False,
        link=personal_url(registration),
    )
    queue_mail(
        registration.recipient,
        f"Je inschrijving: {meeting.title}",
        text,
        kind="guest-link",
    )


def queue_member_notice(meeting: Meeting, email: str) -> None:
    """A guest request with a member's address: sign in instead (the page said the same)."""
    text, _ = render_mail(
        "guest_member", meeting=meeting, meeting_url=session_url(meeting), show_online=False
    )
    queue_mail(email, f"Inschrijven voor {meeting.title}", text, kind="guest-member")
