"""Answers from members' calendars: iTIP REPLY messages read over IMAP.

With `MAIL_REPLY_ADDRESS` set (e.g. `agenda@lerend-netwerk.be`, a mailbox the platform
reads with the `IMAP_*` settings), every invitation names as ORGANIZER that address with
a tag for the member and the session: `agenda+<tag>@lerend-netwerk.be`. A calendar sends
its REPLY to the ORGANIZER and copies the ORGANIZER into it.

Authentication: the tag is an HMAC (SECRET_KEY) of the session's UID and the member's
address. A reply counts only when its ORGANIZER carries the tag that belongs to its
UID and its ATTENDEE, so nobody can cancel someone else's place by mailing a forged
reply: they would need the tag, which only the member's own invitations contain. The
From header is not trusted (anyone can write it).

What a reply does: DECLINED cancels the member's place (and moves up the waiting list,
with the usual mails); ACCEPTED and TENTATIVE change nothing. Every message read is
marked \\Seen, so the next run skips it; one that fails unexpectedly stays unseen and is
tried again.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import hashlib
import hmac
import imaplib
import logging
import ssl
from dataclasses import dataclass
from typing import Any

from flask import current_app
from icalendar import Calendar
from sqlalchemy import func, select

from lerend_netwerk.extensions import db

log = logging.getLogger("lerend_netwerk.mail")

TAG_CHARS = 20  # hex: 80 bits
CALENDAR_TYPES = ("text/calendar", "application/ics")


def reply_address() -> str | None:
    """The configured organizer address, or None when replies are not read."""
    value = (current_app.config.get("MAIL_REPLY_ADDRESS") or "").strip()
    return value or None


def reply_tag(uid: str, address: str) -> str:
    """The secret tag of one member's invitations for one session."""
    key = current_app.config["SECRET_KEY"].encode()
    message = f"itip-reply\0{uid}\0{address.strip().lower()}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:TAG_CHARS]


def organizer_for(meeting: Any, user: Any) -> str | None:
    """ "Site name <local+tag@domain>" for the member's invitations; None without replies."""
    base = reply_address()
    if base is None:
        return None
    local, _, domain = base.rpartition("@")
    name = current_app.config.get("SITE_NAME") or ""
    address = f"{local}+{reply_tag(meeting.uid, user.email)}@{domain}"
    return f"{name} <{address}>" if name else address


def _tag_of(organizer: str) -> str | None:
    address = organizer.removeprefix("mailto:").removeprefix("MAILTO:")
    local = address.rpartition("@")[0]
    return local.partition("+")[2] or None


@dataclass
class ReceiveReport:
    """What one run of `mail receive` did."""

    messages: int = 0
    cancelled: int = 0
    unchanged: int = 0
    refused: int = 0
    failed: int = 0

    def summary(self) -> str:
        return (
            f"{self.messages} message(s) read: {self.cancelled} place(s) cancelled, "
            f"{self.unchanged} answer(s) without change, {self.refused} refused, "
            f"{self.failed} failed"
        )


def _calendars(message: email.message.EmailMessage) -> list[Calendar]:
    found = []
    for part in message.walk():
        if part.get_content_type() not in CALENDAR_TYPES:
            continue
        data = part.get_payload(decode=True)
        try:
            found.append(Calendar.from_ical(data))
        except ValueError:
            log.warning("Reply with an unreadable calendar part ignored")
    return found


def handle_reply(calendar: Calendar, report: ReceiveReport) -> None:
    """Apply one iTIP REPLY (any other method is ignored); the caller commits."""
    from lerend_netwerk.agenda import registrations, service
    from lerend_netwerk.agenda.models import Meeting
    from lerend_netwerk.auth.models import User

    if str(calendar.get("METHOD", "")).upper() != "REPLY":
        return
    for event in calendar.walk("VEVENT"):
        uid = str(event.get("UID", ""))
        organizer = str(event.get("ORGANIZER", ""))
        attendees = event.get("ATTENDEE")
        if not isinstance(attendees, list):
            attendees = [attendees] if attendees is not None else []
        for attendee in attendees:
            address = str(attendee).removeprefix("mailto:").removeprefix("MAILTO:").lower()
            tag = _tag_of(organizer)
            expected = reply_tag(uid, address)
            if tag is None or not hmac.compare_digest(tag, expected):
                log.warning("Calendar reply refused: its tag does not match %s", address)
                report.refused += 1
                continue
            meeting = db.session.scalar(select(Meeting).where(Meeting.uid == uid))
            user = db.session.scalar(select(User).where(func.lower(User.email) == address))
            if meeting is None or user is None:
                report.refused += 1
                continue
            answer = str(attendee.params.get("PARTSTAT", "")).upper()
            if answer != "DECLINED":
                report.unchanged += 1
                continue
            registration = service.registration_of(meeting, user)
            if registration is None or not registration.is_active:
                report.unchanged += 1
                continue
            try:
                registrations.cancel(meeting, user)
            except service.AgendaError as error:
                log.info("Declined in the calendar but not cancelled (%s): %s", address, error)
                report.unchanged += 1
                continue
            log.info("Place of %s in %s cancelled by a calendar reply", address, meeting.slug)
            report.cancelled += 1


def _connect(config: dict[str, Any]) -> imaplib.IMAP4:
    host = config["IMAP_HOST"]
    security = (config.get("IMAP_SECURITY") or "ssl").lower()
    timeout = int(config.get("IMAP_TIMEOUT") or 30)
    context = ssl.create_default_context(cafile=config.get("IMAP_SSL_CAFILE") or None)
    if security == "ssl":
        port = int(config.get("IMAP_PORT") or 993)
        client: imaplib.IMAP4 = imaplib.IMAP4_SSL(host, port, ssl_context=context, timeout=timeout)
    else:
        port = int(config.get("IMAP_PORT") or 143)
        client = imaplib.IMAP4(host, port, timeout=timeout)
        if security == "starttls":
            client.starttls(ssl_context=context)
    client.login(config["IMAP_USERNAME"], config["IMAP_PASSWORD"])
    return client


def receive_replies() -> ReceiveReport:
    """Read the unseen mail of the reply mailbox and apply the iTIP replies in it."""
    from lerend_netwerk.sqlite import begin_write_transaction

    config = current_app.config
    report = ReceiveReport()
    client = _connect(config)
    try:
        status, _ = client.select(config.get("IMAP_MAILBOX") or "INBOX")
        if status != "OK":
            raise imaplib.IMAP4.error(f"cannot open mailbox {config.get('IMAP_MAILBOX')!r}")
        _, found = client.uid("SEARCH", None, "UNSEEN")
        for message_uid in (found[0] or b"").split():
            _, data = client.uid("FETCH", message_uid, "(BODY.PEEK[])")
            raw = next((item[1] for item in data if isinstance(item, tuple)), b"")
            message = email.message_from_bytes(raw, policy=email.policy.default)
            report.messages += 1
            try:
                begin_write_transaction(db.session)
                for calendar in _calendars(message):
                    handle_reply(calendar, report)
                db.session.commit()
            except Exception:
                db.session.rollback()
                log.exception("Calendar reply %s could not be handled", message_uid.decode())
                report.failed += 1
                continue
            client.uid("STORE", message_uid, "+FLAGS", r"(\Seen)")
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()
    return report
