"""Queued and sent mail, as far as account deletion is concerned."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete

from lerend_netwerk.core.content_types import ContentType
from lerend_netwerk.extensions import db
from lerend_netwerk.mail.models import OutgoingMail


def _delete_account(user: Any) -> None:
    # Queued and sent mails would keep the address around.
    db.session.execute(delete(OutgoingMail).where(OutgoingMail.user_id == user.id))


OUTGOING_MAIL = ContentType(
    name="outgoing_mail", model=OutgoingMail, delete_account=_delete_account
)
