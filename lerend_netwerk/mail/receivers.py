"""Listen to the agenda's and the accounts' domain events and queue the mails they call for.

Receivers run inside the sender's transaction (see lerend_netwerk.signals): the mail is
committed together with the registration or the change of the session, or not at all.
"""

from __future__ import annotations

from typing import Any

from lerend_netwerk.signals import (
    account_mail,
    evaluation_requested,
    meeting_changed,
    meeting_message,
    registration_changed,
)


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


def on_account_mail(sender: Any, **extra: Any) -> None:
    """account_mail(user, subject=..., text=..., kind=...): queue it for the user."""
    from lerend_netwerk.mail.outbox import queue_mail

    queue_mail(sender, extra["subject"], extra["text"], kind=extra["kind"])


def on_meeting_message(sender: Any, **extra: Any) -> None:
    """meeting_message(message, registrations=[...]): the coordinator's mail to each."""
    from lerend_netwerk.mail.event_mail import queue_meeting_message

    queue_meeting_message(sender, extra["registrations"])


def on_evaluation_requested(sender: Any, **extra: Any) -> None:
    """evaluation_requested(evaluation, token=...): the questionnaire's mail."""
    from lerend_netwerk.mail.event_mail import queue_evaluation_mail

    queue_evaluation_mail(sender, extra["token"])


def connect() -> None:
    """Subscribe to the signals (idempotent: blinker connects a receiver once)."""
    registration_changed.connect(on_registration_changed)
    meeting_changed.connect(on_meeting_changed)
    account_mail.connect(on_account_mail)
    meeting_message.connect(on_meeting_message)
    evaluation_requested.connect(on_evaluation_requested)
