"""Sessions of the network (model `Meeting`) and registrations for them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lerend_netwerk.db import Base, SlugMixin, TimestampMixin, link_table, utcnow
from lerend_netwerk.networks.models import network_id_column

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
# "pending": a guest's request that waits for the confirmation link to be followed.
REGISTRATION_STATUSES = ("pending", "confirmed", "waitlisted", "cancelled")
REGISTRATION_STATUS_LABELS = {
    "pending": "Nog niet bevestigd",
    "confirmed": "Ingeschreven",
    "waitlisted": "Wachtlijst",
    "cancelled": "Uitgeschreven",
}
# A registration that holds (or waits for) a place.
ACTIVE_REGISTRATION_STATUSES = ("confirmed", "waitlisted")

meeting_themes = link_table("meeting_theme", "meeting", "theme")


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
    network_id: Mapped[int] = network_id_column()
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
    # "Open voor externen" (content key `guests`): people without an account may register.
    open_to_guests: Mapped[bool] = mapped_column(default=False, server_default="0")

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


@dataclass(frozen=True)
class GuestPerson:
    """A guest as mails and invitations address them (a User's `name`/`email`/`id`)."""

    name: str
    email: str
    id: None = None
    active: bool = True


class Registration(TimestampMixin, Base):
    """One person's place in a session: confirmed, on the waiting list, or cancelled.

    The person is a member (`user_id`) or a guest without an account (the `guest_*`
    columns), or a walk-in added at the door. `email_key` is the person's address,
    lower-case, for members and guests alike: one address holds one place per session.
    """

    # Its network is its meeting's (networks.access).
    NETWORK_VIA = "meeting"
    __tablename__ = "registration"
    __table_args__ = (
        UniqueConstraint("meeting_id", "user_id"),
        UniqueConstraint("meeting_id", "email_key"),
        Index("ix_registration_meeting_status", "meeting_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
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
    email_key: Mapped[str | None] = mapped_column(String(254))
    # Guests and walk-ins: who they are (erased after GUEST_RETENTION_MONTHS).
    guest_name: Mapped[str | None] = mapped_column(String(200))
    guest_email: Mapped[str | None] = mapped_column(String(254))
    guest_organisation: Mapped[str | None] = mapped_column(String(200))
    guest_function: Mapped[str | None] = mapped_column(String(200))
    # The personal link: a random nonce the link's secret is derived from (with the
    # app's SECRET_KEY) and the SHA-256 of that secret, compared in constant time.
    guest_token_nonce: Mapped[str | None] = mapped_column(String(64))
    guest_token_hash: Mapped[str | None] = mapped_column(String(64))
    # An unconfirmed request holds a seat until then (None: it holds none).
    hold_expires_at: Mapped[datetime | None]
    # When the guest followed the confirmation link.
    guest_confirmed_at: Mapped[datetime | None]
    # Added at the door by a coordinator, without registering beforehand.
    walk_in: Mapped[bool] = mapped_column(default=False, server_default="0")
    # The guest's personal data was erased (by them or after the retention period).
    erased_at: Mapped[datetime | None]

    meeting: Mapped[Meeting] = relationship(back_populates="registrations")
    user: Mapped[User | None] = relationship()

    # Not a column: the place on the waiting list (1 = next in line), filled in by
    # agenda.service where a page shows it.
    waitlist_position = None

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_REGISTRATION_STATUSES

    @property
    def is_guest(self) -> bool:
        """Not a member: a guest who registered, or a walk-in."""
        return self.user_id is None

    @property
    def person_name(self) -> str:
        if self.user is not None:
            return self.user.name
        if self.erased_at is not None:
            return "Gewiste gast"
        return self.guest_name or ""

    @property
    def person_email(self) -> str | None:
        if self.user is not None:
            return self.user.email
        return self.guest_email

    @property
    def person_organisation(self) -> str | None:
        if self.user is not None:
            return self.user.organisation.title if self.user.organisation else None
        return self.guest_organisation

    @property
    def person_function(self) -> str | None:
        if self.user is not None:
            return self.user.function_label or None
        return self.guest_function

    @property
    def recipient(self) -> Any:
        """Whom mail about this place goes to: the member, the guest, or None."""
        if self.user is not None:
            return self.user
        # Walk-ins came to the door; their address is for the coordinators' list only.
        if self.guest_email and self.erased_at is None and not self.walk_in:
            return GuestPerson(name=self.guest_name or "", email=self.guest_email)
        return None

    @property
    def itip_sequence(self) -> int:
        """The SEQUENCE of the session as this member's calendar knows it."""
        return (self.meeting.sequence or 0) + (self.sequence or 0)

    @property
    def status_label(self) -> str:
        return REGISTRATION_STATUS_LABELS.get(self.status, self.status)


@event.listens_for(Registration, "before_insert")
def _member_email_key(mapper: Any, connection: Any, target: Registration) -> None:
    """A member's place carries their address too, so the unique (meeting, address)
    constraint also keeps a guest from taking a second place with a member's address."""
    if target.email_key is None and (target.user_id is not None or target.user is not None):
        from lerend_netwerk.auth.models import User

        if target.user is not None:
            target.email_key = target.user.email.lower()
        else:
            email = connection.scalar(select(User.email).where(User.id == target.user_id))
            target.email_key = email.lower() if email else None


MESSAGE_AUDIENCES = ("confirmed", "waitlisted", "all")
MESSAGE_AUDIENCE_LABELS = {
    "confirmed": "Ingeschreven deelnemers",
    "waitlisted": "Wie op de wachtlijst staat",
    "all": "Ingeschreven deelnemers en wachtlijst",
}


class MeetingMessage(Base):
    """A mail a coordinator sent to a session's registrants (or with its cancellation):
    the session's history, kept for the coordinators."""

    NETWORK_VIA = "meeting"
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
