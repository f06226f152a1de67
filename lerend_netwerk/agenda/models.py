"""Sessions of the network (model `Meeting`) and registrations for them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lerend_netwerk.db import Base, SlugMixin, TimestampMixin, utcnow

if TYPE_CHECKING:
    from lerend_netwerk.auth.models import User
    from lerend_netwerk.proeftuinen.models import Proeftuin
    from lerend_netwerk.themes.models import Theme

MEETING_KINDS = ("kick-off", "intervisie", "netwerkmoment", "inspiratie", "slotsessie", "webinar")
MEETING_KIND_LABELS = {
    "kick-off": "Kick-off",
    "intervisie": "Intervisie",
    "netwerkmoment": "Netwerkmoment",
    "inspiratie": "Inspiratie-event",
    "slotsessie": "Slotsessie",
    "webinar": "Webinar",
}
MEETING_STATUSES = ("scheduled", "cancelled")
REGISTRATION_STATUSES = ("confirmed", "waitlisted", "cancelled")
REGISTRATION_STATUS_LABELS = {
    "confirmed": "Ingeschreven",
    "waitlisted": "Wachtlijst",
    "cancelled": "Uitgeschreven",
}
# A registration that holds (or waits for) a place.
ACTIVE_REGISTRATION_STATUSES = ("confirmed", "waitlisted")

meeting_themes = Table(
    "meeting_theme",
    Base.metadata,
    Column("meeting_id", ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True),
)


def new_event_uid() -> str:
    """A new iCalendar UID: a random UUID (RFC 7986), tied to no row id or host name."""
    return str(uuid.uuid4())


class Meeting(SlugMixin, TimestampMixin, Base):
    """A session of the network: kick-off, intervisie, netwerkmoment, ..."""

    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    # The agenda filters upcoming and past sessions on it (and counts them).
    ends_at: Mapped[datetime] = mapped_column(index=True)
    location: Mapped[str | None] = mapped_column(String(300))
    online_url: Mapped[str | None] = mapped_column(String(500))
    capacity: Mapped[int | None]
    registration_deadline: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    visibility: Mapped[str] = mapped_column(String(20), default="public")
    host_id: Mapped[int | None] = mapped_column(ForeignKey("proeftuin.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text, default="")
    # The verslag written after the session; shared with the members of the network,
    # or with everybody when `report_visibility` is "public" (and the session is too).
    report: Mapped[str] = mapped_column(Text, default="")
    # iCalendar UID, assigned once and carried along by export and import, so that
    # calendars keep their events when the platform moves to another database.
    uid: Mapped[str] = mapped_column(String(255), unique=True, default=new_event_uid)
    report_visibility: Mapped[str] = mapped_column(String(20), default="members")
    # The publication date the pages, digest and indicators use (content key `published`).
    published_at: Mapped[datetime | None]
    # iCalendar SEQUENCE: grows on every change of title, time, place or status.
    sequence: Mapped[int] = mapped_column(default=0)

    host: Mapped[Proeftuin | None] = relationship()
    themes: Mapped[list[Theme]] = relationship(secondary=meeting_themes, order_by="Theme.title")
    registrations: Mapped[list[Registration]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def kind_label(self) -> str:
        return MEETING_KIND_LABELS.get(self.kind, self.kind)

    @property
    def is_cancelled(self) -> bool:
        return self.status == "cancelled"

    @property
    def has_started(self) -> bool:
        return self.starts_at <= utcnow()

    @property
    def is_past(self) -> bool:
        return self.ends_at < utcnow()

    @property
    def report_is_public(self) -> bool:
        """Whether everybody may read the verslag: both it and the session are public."""
        return self.report_visibility == "public" and self.visibility == "public"


class Registration(TimestampMixin, Base):
    """One member's place in a session: confirmed, on the waiting list, or cancelled."""

    __tablename__ = "registration"
    __table_args__ = (
        UniqueConstraint("meeting_id", "user_id"),
        Index("ix_registration_meeting_status", "meeting_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    remark: Mapped[str] = mapped_column(Text, default="")
    # Waiting-list order: the moment of (re-)registration.
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    checked_in_at: Mapped[datetime | None]
    # Changes of this member's own place (cancel, re-register, move up) since the
    # session's last SEQUENCE: what this member's iTIP messages and personal feed add
    # to meeting.sequence, so that each message is ordered after the one before it.
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")

    meeting: Mapped[Meeting] = relationship(back_populates="registrations")
    user: Mapped[User] = relationship()

    # Not a column: the place on the waiting list (1 = next in line), filled in by
    # agenda.service where a page shows it.
    waitlist_position = None

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_REGISTRATION_STATUSES

    @property
    def itip_sequence(self) -> int:
        """The SEQUENCE of the session as this member's calendar knows it."""
        return (self.meeting.sequence or 0) + (self.sequence or 0)

    @property
    def status_label(self) -> str:
        return REGISTRATION_STATUS_LABELS.get(self.status, self.status)


MESSAGE_AUDIENCES = ("confirmed", "waitlisted", "all")
MESSAGE_AUDIENCE_LABELS = {
    "confirmed": "Ingeschreven deelnemers",
    "waitlisted": "Wie op de wachtlijst staat",
    "all": "Ingeschreven deelnemers en wachtlijst",
}


class MeetingMessage(Base):
    """A mail a coordinator sent to a session's registrants (or with its cancellation):
    the session's history, kept for the coordinators."""

    __tablename__ = "meeting_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    # "message" (mailed on its own) or "cancellation" (sent with the cancellation).
    kind: Mapped[str] = mapped_column(String(20), default="message")
    audience: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    recipients: Mapped[int] = mapped_column(default=0)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # Kept as text so the history still reads after the account is deleted.
    author_label: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    meeting: Mapped[Meeting] = relationship()

    @property
    def audience_label(self) -> str:
        return MESSAGE_AUDIENCE_LABELS.get(self.audience, self.audience)
