"""Listen to the features' domain events and queue the mails they call for.

Receivers run inside the sender's transaction (see lerend_netwerk.signals): the mail is
committed together with the registration or the change of the session, or not at all.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template, url_for

from lerend_netwerk.contributions.models import ACCEPTED, CHANGES_REQUESTED, DECLINED
from lerend_netwerk.signals import (
    account_mail,
    contribution_reviewed,
    evaluation_requested,
    guest_mail,
    meeting_changed,
    meeting_message,
    registration_changed,
    reply_hidden,
    reply_posted,
    thread_status_changed,
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


def on_guest_mail(sender: Any, **extra: Any) -> None:
    """guest_mail(meeting, kind=..., registration=..., email=...): the guest's mail."""
    from lerend_netwerk.mail import guests

    kind = extra["kind"]
    if kind == "confirm":
        guests.queue_guest_confirmation(extra["registration"])
    elif kind == "link":
        guests.queue_guest_link(extra["registration"])
    elif kind == "member":
        guests.queue_member_notice(sender, extra["email"])
    else:
        raise ValueError(f"unknown guest mail {kind!r}")


REVIEW_SUBJECTS = {
    ACCEPTED: "Je bijdrage is gepubliceerd: {title}",
    CHANGES_REQUESTED: "Aanpassing gevraagd voor je bijdrage: {title}",
    DECLINED: "Je bijdrage werd niet aanvaard: {title}",
}


def on_contribution_reviewed(contribution: Any, **_extra: Any) -> None:
    """contribution_reviewed(contribution): mail the author the outcome of the review step."""
    from lerend_netwerk.calendar.links import site_url
    from lerend_netwerk.mail.outbox import queue_mail

    author = contribution.author
    if author is None or not author.active:
        return
    base = site_url()
    published_url = None
    if contribution.practice is not None:
        published_url = base + url_for("practices.detail", slug=contribution.practice.slug)
    elif contribution.report is not None:
        published_url = base + url_for("proeftuinen.report", slug=contribution.report.slug)
    text = render_template(
        "contributions/mail/reviewed.txt",
        author=author,
        contribution=contribution,
        published_url=published_url,
        contribution_url=base + url_for("contributions.detail", contribution_id=contribution.id),
        site_url=base,
        site_name=current_app.config["SITE_NAME"],
    )
    subject = REVIEW_SUBJECTS[contribution.status].format(title=contribution.title)
    queue_mail(author, subject, text, kind=f"contribution-{contribution.status}")


def on_meeting_message(sender: Any, **extra: Any) -> None:
    """meeting_message(message, registrations=[...]): the coordinator's mail to each."""
    from lerend_netwerk.mail.event_mail import queue_meeting_message

    queue_meeting_message(sender, extra["registrations"])


def on_evaluation_requested(sender: Any, **extra: Any) -> None:
    """evaluation_requested(evaluation, token=...): the questionnaire's mail."""
    from lerend_netwerk.mail.event_mail import queue_evaluation_mail

    queue_evaluation_mail(sender, extra["token"])


def on_reply_posted(post: Any, **_extra: Any) -> None:
    """reply_posted(post): the followers who want every reply."""
    from lerend_netwerk.mail.threads import notify_reply

    notify_reply(post)


def on_thread_status_changed(thread: Any, **extra: Any) -> None:
    """thread_status_changed(thread, actor=...): the followers who want every change."""
    from lerend_netwerk.mail.threads import notify_status

    notify_status(thread, extra.get("actor"))


def on_reply_hidden(post: Any, **_extra: Any) -> None:
    """reply_hidden(post): its author hears that a coordinator will look at it."""
    from lerend_netwerk.mail.threads import tell_author_reply_hidden

    tell_author_reply_hidden(post)


def connect() -> None:
    """Subscribe to the signals (idempotent: blinker connects a receiver once).

    Called by the app factory; blinker keeps weak references, these are module-level.
    """
    registration_changed.connect(on_registration_changed)
    meeting_changed.connect(on_meeting_changed)
    account_mail.connect(on_account_mail)
    guest_mail.connect(on_guest_mail)
    contribution_reviewed.connect(on_contribution_reviewed)
    meeting_message.connect(on_meeting_message)
    evaluation_requested.connect(on_evaluation_requested)
    reply_posted.connect(on_reply_posted)
    thread_status_changed.connect(on_thread_status_changed)
    reply_hidden.connect(on_reply_hidden)
