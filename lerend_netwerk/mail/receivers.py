"""Listen to the agenda's domain events and queue the mails they call for.

Receivers run inside the sender's transaction (see lerend_netwerk.signals): the mail is
committed together with the registration or the change of the session, or not at all.
"""

from __future__ import annotations

from typing import Any

from lerend_netwerk.signals import meeting_changed, registration_changed


def on_registration_changed(sender: Any, **extra: Any) -> None:
    """registration_changed(registration, change=...): queue the mail for that change."""
    from lerend_netwerk.mail.messages import queue_registration_mail

    registration = extra.get("registration", sender)
    queue_registration_mail(registration, extra["change"])


def on_meeting_changed(sender: Any, **extra: Any) -> None:
    """meeting_changed(meeting, change=...): everyone registered gets the new invite or a CANCEL."""
    from lerend_netwerk.mail.messages import queue_meeting_mails

    meeting = extra.get("meeting", sender)
    queue_meeting_mails(meeting, extra["change"], message=extra.get("message") or "")


def connect() -> None:
    """Subscribe to the signals (idempotent: blinker connects a receiver once)."""
    registration_changed.connect(on_registration_changed)
    meeting_changed.connect(on_meeting_changed)
