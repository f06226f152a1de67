"""Send the outbox: claim due mails, deliver them over SMTP (or to files), retry with backoff.

Delivery guarantees
- Claiming is atomic: on PostgreSQL `SELECT ... FOR UPDATE SKIP LOCKED`, on SQLite a
  conditional `UPDATE ... WHERE status = 'queued'` inside a transaction that holds the
  write lock. Two senders never claim the same mail, so a mail is never sent twice.
- A failed attempt puts the mail back in the queue with exponential backoff
  (`MAIL_RETRY_BASE_SECONDS` * 2 ** (attempts - 1), at most `MAIL_RETRY_MAX_SECONDS`);
  after `MAIL_MAX_ATTEMPTS` attempts, or when the server refuses the recipient for good
  (5xx), the mail is marked `failed` and logged. Nothing is deleted.
- The one exception to exactly-once: a sender that crashes (or hangs) after handing a mail
  to the SMTP server but before recording it as sent leaves the mail in `sending`. After
  `MAIL_SENDING_TIMEOUT_SECONDS` another sender takes it over and sends it again, with the
  same Message-ID. So delivery is at-least-once for that crash case only.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
import ssl
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any, Protocol

from flask import current_app
from sqlalchemy import and_, or_, select, update

from lerend_netwerk.config import setting as config_setting
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.mail.models import OutgoingMail
from lerend_netwerk.mail.outbox import Attachment, MailGone, rendered_body
from lerend_netwerk.sqlite import begin_write_transaction

log = logging.getLogger("lerend_netwerk.mail")


def setting(name: str) -> Any:
    """A mail setting from the app config (defaults in lerend_netwerk.config)."""
    return config_setting(current_app.config, name)


class PermanentFailure(Exception):
    """The mail can never be delivered as it is (retrying will not help)."""


class ConnectionFailure(Exception):
    """The mail server could not be reached: stop this round, keep the rest queued."""


class Backend(Protocol):
    def send(self, message: EmailMessage, mail: OutgoingMail) -> None: ...

    def close(self) -> None: ...


class SMTPBackend:
    """smtplib, one connection reused for a round of mails (reconnects after an error)."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        host = self.config["MAIL_SERVER"]
        port = int(self.config.get("MAIL_PORT") or (465 if self.config.get("MAIL_USE_SSL") else 25))
        timeout = float(config_setting(self.config, "MAIL_TIMEOUT"))
        # MAIL_SSL_CAFILE: a private CA for an internal relay; the system's CAs otherwise.
        context = ssl.create_default_context(cafile=self.config.get("MAIL_SSL_CAFILE") or None)
        try:
            if self.config.get("MAIL_USE_SSL"):
                connection: smtplib.SMTP = smtplib.SMTP_SSL(
                    host, port, timeout=timeout, context=context
                )
            else:
                connection = smtplib.SMTP(host, port, timeout=timeout)
            connection.ehlo()
            if self.config.get("MAIL_USE_TLS") and not self.config.get("MAIL_USE_SSL"):
                connection.starttls(context=context)
                connection.ehlo()
            if self.config.get("MAIL_USERNAME"):
                connection.login(
                    self.config["MAIL_USERNAME"], self.config.get("MAIL_PASSWORD") or ""
                )
        except (OSError, smtplib.SMTPException) as error:
            raise ConnectionFailure(f"cannot connect to {host}:{port}: {error}") from error
        return connection

    def send(self, message: EmailMessage, mail: OutgoingMail) -> None:
        if self.connection is None:
            self.connection = self._connect()
        envelope_from = parseaddr(str(message["From"]))[1]
        try:
            self.connection.send_message(
                message, from_addr=envelope_from, to_addrs=[mail.recipient]
            )
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            if codes and all(500 <= code < 600 for code in codes):
                raise PermanentFailure(f"recipient refused: {error.recipients}") from error
            raise
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            self.close()
            raise ConnectionFailure(str(error) or type(error).__name__) from error

    def close(self) -> None:
        if self.connection is None:
            return
        connection, self.connection = self.connection, None
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException):
            connection.close()


class FileBackend:
    """Development without MAIL_SERVER: each mail becomes instance/mail/<timestamp>-<id>.eml."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def send(self, message: EmailMessage, mail: OutgoingMail) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%fZ")
        path = self.directory / f"{stamp}-{mail.id}.eml"
        path.write_bytes(message.as_bytes(policy=policy.SMTP))
        log.info(
            "Mail %s (%s) %r written to %s (no MAIL_SERVER set)",
            mail.id,
            mail.kind,
            mail.subject,
            path,
        )

    def close(self) -> None:
        pass


def make_backend() -> Backend:
    """SMTP when MAIL_SERVER is set, the instance folder otherwise."""
    config = current_app.config
    if config.get("MAIL_SERVER"):
        return SMTPBackend(dict(config))
    return FileBackend(Path(current_app.instance_path) / "mail")


# How the copy of an invitation attached as a file is labelled, as Gmail does: a
# text/calendar attachment would be a second invitation to some clients.
CALENDAR_FILE_TYPE = ("application", "ics")


def build_message(mail: OutgoingMail) -> EmailMessage:
    """The MIME message of a queued mail: text, optional HTML alternative, attachments.

    An invitation (an attachment marked `alternative`) is laid out as Outlook and Gmail
    expect it:

        multipart/mixed
          multipart/alternative
            text/plain
            text/html
            text/calendar; method=REQUEST (or CANCEL)
          application/ics; name="invite.ics" (the same calendar, as a file)
    """
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = Address(display_name=mail.recipient_name or "", addr_spec=mail.recipient)
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = mail.message_id
    message["Auto-Submitted"] = "auto-generated"
    for name, value in (mail.headers or {}).items():
        message[name] = value
    body = rendered_body(mail)
    message.set_content(body["body_text"])
    if body["body_html"]:
        message.add_alternative(body["body_html"], subtype="html")
    attachments = [Attachment.from_json(stored) for stored in body["attachments"] or []]
    for attachment in attachments:
        if attachment.alternative:
            _, subtype = attachment.content_type.split("/", 1)
            params = {k: v for k, v in attachment.params.items() if k != "charset"}
            message.add_alternative(
                attachment.data.decode("utf-8"), subtype=subtype, params=params or None
            )
    for attachment in attachments:
        if attachment.alternative:
            (maintype, subtype), params = CALENDAR_FILE_TYPE, {"name": attachment.filename}
        else:
            maintype, subtype = attachment.content_type.split("/", 1)
            params = attachment.params
        message.add_attachment(
            attachment.data,
            maintype=maintype,
            subtype=subtype,
            filename=attachment.filename,
            params=params or None,
        )
    return message


def _due(now: datetime):
    stale = now - timedelta(seconds=int(setting("MAIL_SENDING_TIMEOUT_SECONDS")))
    return or_(
        and_(OutgoingMail.status == "queued", OutgoingMail.next_attempt_at <= now),
        and_(OutgoingMail.status == "sending", OutgoingMail.claimed_at < stale),
    )


def claim_next(now: datetime | None = None) -> tuple[OutgoingMail, str] | None:
    """Claim the next due mail for this sender (committed), or None when none is due."""
    now = now or utcnow()
    session = db.session()
    token = secrets.token_hex(16)
    claim = (
        update(OutgoingMail)
        .values(
            status="sending",
            claimed_at=now,
            claim_token=token,
            attempts=OutgoingMail.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    order = (OutgoingMail.next_attempt_at, OutgoingMail.id)
    if session.get_bind().dialect.name == "postgresql":
        if session.in_transaction():
            session.commit()
        mail_id = session.scalar(
            select(OutgoingMail.id)
            .where(_due(now))
            .order_by(*order)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if mail_id is None:
            session.rollback()
            return None
        session.execute(claim.where(OutgoingMail.id == mail_id))
        session.commit()
    else:
        # The write lock is held from the first statement; the conditional UPDATE
        # makes the claim atomic on its own as well.
        begin_write_transaction(session)
        mail_id = session.scalar(select(OutgoingMail.id).where(_due(now)).order_by(*order).limit(1))
        if mail_id is None:
            session.rollback()
            return None
        result = session.execute(claim.where(OutgoingMail.id == mail_id, _due(now)))
        session.commit()
        if result.rowcount != 1:
            return None
    mail = session.scalars(
        select(OutgoingMail)
        .where(OutgoingMail.id == mail_id)
        .execution_options(populate_existing=True)
    ).one()
    return mail, token


def backoff(attempts: int) -> timedelta:
    """How long to wait after the given number of failed attempts."""
    base = int(setting("MAIL_RETRY_BASE_SECONDS"))
    cap = int(setting("MAIL_RETRY_MAX_SECONDS"))
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def _finish(mail_id: int, token: str, **values: Any) -> bool:
    """Record the outcome of a claim; False when another sender took the mail over."""
    return _update_claimed(mail_id, token, claimed_at=None, claim_token=None, **values)


def _update_claimed(mail_id: int, token: str, **values: Any) -> bool:
    """Write `values` to a mail this sender still holds the claim on, and commit."""
    session = db.session()
    begin_write_transaction(session)
    result = session.execute(
        update(OutgoingMail)
        .where(
            OutgoingMail.id == mail_id,
            OutgoingMail.status == "sending",
            OutgoingMail.claim_token == token,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount == 1


def _store_rendered(mail: OutgoingMail, token: str) -> None:
    """A mail queued with what to render gets its text, HTML and invitation now, stored
    before the first attempt: a retry sends the same message (the invitation's DTSTAMP
    included)."""
    if mail.to_render:
        # The commit expires `mail`: build_message reads it back as stored.
        _update_claimed(mail.id, token, to_render=None, **rendered_body(mail))


def _record_failure(mail: OutgoingMail, token: str, error: BaseException, permanent: bool) -> str:
    now = utcnow()
    reason = f"{type(error).__name__}: {error}"[:2000]
    if permanent or mail.attempts >= int(setting("MAIL_MAX_ATTEMPTS")):
        _finish(mail.id, token, status="failed", last_error=reason)
        log.error(
            "Mail %s (%s) failed for good after %s attempt(s): %s",
            mail.id,
            mail.kind,
            mail.attempts,
            reason,
        )
        return "failed"
    retry_at = now + backoff(mail.attempts)
    _finish(mail.id, token, status="queued", last_error=reason, next_attempt_at=retry_at)
    log.warning(
        "Mail %s (%s) not sent (attempt %s), retrying at %s: %s",
        mail.id,
        mail.kind,
        mail.attempts,
        retry_at.isoformat(timespec="seconds"),
        reason,
    )
    return "retrying"


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def send_due_mail(
    stop: threading.Event | None = None,
    backend: Backend | None = None,
    limit: int | None = None,
) -> SendReport:
    """Send every mail that is due now, one claim at a time, until none is left.

    When the server cannot be reached, the round stops after rescheduling that one mail,
    so an outage does not use up the attempts of the whole queue.
    """
    report = SendReport()
    backend = backend or make_backend()
    try:
        while not (stop and stop.is_set()) and (limit is None or report.sent < limit):
            claimed = claim_next()
            if claimed is None:
                break
            mail, token = claimed
            try:
                _store_rendered(mail, token)
                message = build_message(mail)
            except MailGone as error:
                log.warning("Mail %s (%s) not sent: %s", mail.id, mail.kind, error)
                report.failed += 1
                report.errors.append(str(error))
                _record_failure(mail, token, error, permanent=True)
                continue
            except Exception as error:  # corrupt stored data will not get better
                log.exception("Mail %s cannot be built", mail.id)
                report.failed += 1
                report.errors.append(str(error))
                _record_failure(mail, token, error, permanent=True)
                continue
            try:
                backend.send(message, mail)
            except PermanentFailure as error:
                report.errors.append(str(error))
                _record_failure(mail, token, error, permanent=True)
                report.failed += 1
            except ConnectionFailure as error:
                report.errors.append(str(error))
                outcome = _record_failure(mail, token, error, permanent=False)
                setattr(report, outcome, getattr(report, outcome) + 1)
                break
            except (smtplib.SMTPException, OSError) as error:
                report.errors.append(str(error))
                outcome = _record_failure(mail, token, error, permanent=False)
                setattr(report, outcome, getattr(report, outcome) + 1)
            else:
                if not _finish(mail.id, token, status="sent", sent_at=utcnow(), last_error=""):
                    log.warning("Mail %s was sent, but another sender had taken it over", mail.id)
                log.info("Mail %s (%s) sent", mail.id, mail.kind)
                report.sent += 1
    finally:
        backend.close()
    return report
