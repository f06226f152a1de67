"""The outbox of e-mail: one row per message, queued in the transaction that causes it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lerend_netwerk.db import Base, utcnow

MAIL_STATUSES = ("queued", "sending", "sent", "failed")


class OutgoingMail(Base):
    """One e-mail to one recipient, from queued over sending to sent (or failed)."""

    __tablename__ = "outgoing_mail"
    __table_args__ = (Index("ix_outgoing_mail_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    recipient_name: Mapped[str] = mapped_column(String(200), default="")
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    # [{"filename", "content_type", "data" (base64)}]
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # A mail about a session is queued with what it must say (the registration, the
    # change, and the registration's state at that moment) and rendered by the sender
    # before its first attempt (mail.messages.render_session_mail): the request that causes it only
    # writes this row. None once rendered, and for every other mail.
    to_render: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    # Extra headers, e.g. {"List-Unsubscribe": "<https://...>"}.
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # Fixed when queued, so that a retried message keeps its identity.
    message_id: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(40), index=True)
    # "reminder:<meeting_id>:<user_id>", "digest:<user_id>:<week>", ...: never queued twice.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)

    status: Mapped[str] = mapped_column(String(20), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when a sender claims the mail; a claim older than the timeout is taken over.
    claimed_at: Mapped[datetime | None]
    claim_token: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<OutgoingMail {self.id} {self.kind} {self.status}>"
