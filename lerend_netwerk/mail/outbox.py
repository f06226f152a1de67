"""Queue a mail: a row in the outbox, in the same transaction as the change that causes it."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from email.utils import make_msgid
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.mail.models import OutgoingMail


@dataclass(frozen=True)
class Attachment:
    """A file attached to a mail; `params` end up in its Content-Type (e.g. method=REQUEST).

    With `alternative`, the file is also a third rendering of the mail beside the text
    and the HTML (multipart/alternative): how an iTIP invitation must travel for
    Outlook and Gmail to show it as one, with its answer buttons.
    """

    filename: str
    content_type: str
    data: bytes
    params: dict[str, str] = field(default_factory=dict)
    alternative: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "content_type": self.content_type,
            "params": dict(self.params),
            "data": base64.b64encode(self.data).decode("ascii"),
            "alternative": self.alternative,
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Attachment:
        return cls(
            filename=value["filename"],
            content_type=value["content_type"],
            data=base64.b64decode(value["data"]),
            params=dict(value.get("params") or {}),
            alternative=bool(value.get("alternative", False)),
        )


# The kinds of mail queued with what to render instead of their text (OutgoingMail.to_render).
SESSION_MAIL = "session"


class MailGone(Exception):
    """What a queued mail was about is gone, so it cannot be rendered: never retried."""


def _renderer(spec: dict[str, Any]):
    from lerend_netwerk.mail.messages import render_session_mail

    renderers = {SESSION_MAIL: render_session_mail}
    try:
        return renderers[spec["mail"]]
    except KeyError:
        raise MailGone(f"onbekend soort mail om op te maken: {spec.get('mail')!r}") from None


def rendered_body(mail: OutgoingMail) -> dict[str, Any]:
    """Text, HTML and attachments of `mail`: rendered now when it was queued with what
    to render (nothing is written), else as stored."""
    if mail.to_render:
        return _renderer(mail.to_render)(mail.to_render)
    return {
        "body_text": mail.body_text,
        "body_html": mail.body_html,
        "attachments": mail.attachments,
    }


def new_message_id() -> str:
    """A Message-ID in the site's own domain, fixed when the mail is queued."""
    host = urlsplit(current_app.config.get("SITE_URL") or "").hostname or "lerend-netwerk.local"
    return make_msgid(domain=host)


def queue_mail(
    recipient: Any,
    subject: str,
    text: str,
    *,
    kind: str,
    html: str | None = None,
    attachments: list[Attachment] | tuple[Attachment, ...] = (),
    headers: dict[str, str] | None = None,
    dedupe_key: str | None = None,
    to_render: dict[str, Any] | None = None,
) -> OutgoingMail | None:
    """Put a mail in the outbox (flush only: it commits with the caller's transaction).

    `recipient` is a User or an e-mail address. With a `dedupe_key`, a second mail with the
    same key is not queued (the database's unique constraint decides, also between
    concurrent transactions) and None is returned. With `to_render`, `text` may be
    empty: the sender renders the body before sending (rendered_body).
    """
    if isinstance(recipient, str):
        address, name, user_id = recipient, "", None
    else:
        address, name, user_id = recipient.email, recipient.name or "", recipient.id
    values: dict[str, Any] = {
        "recipient": address,
        "recipient_name": name,
        "user_id": user_id,
        "subject": subject,
        "body_text": text,
        "body_html": html,
        "attachments": [attachment.to_json() for attachment in attachments],
        "headers": dict(headers or {}),
        "message_id": new_message_id(),
        "kind": kind,
        "dedupe_key": dedupe_key,
        "to_render": to_render,
        "status": "queued",
        "attempts": 0,
        "next_attempt_at": utcnow(),
        "created_at": utcnow(),
    }
    if dedupe_key is None:
        mail = OutgoingMail(**values)
        db.session.add(mail)
        db.session.flush()
        return mail
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(OutgoingMail)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(OutgoingMail.id)
    )
    new_id = db.session.scalar(statement)
    if new_id is None:
        return None
    return db.session.get(OutgoingMail, new_id)
