"""One evaluation per attendee (registration) of a session that has ended."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lerend_netwerk.agenda.models import Meeting, Registration
from lerend_netwerk.db import Base, utcnow

SCORES = (1, 2, 3, 4, 5)


class Evaluation(Base):
    """The questionnaire sent to one attendee, and their answer once given.

    The personal link's token is stored only as its SHA-256 hash: the database alone
    does not let anyone answer in someone else's name.
    """

    # Its network is its meeting's (networks.access).
    NETWORK_VIA = "meeting"
    __tablename__ = "evaluation"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), unique=True
    )
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    closes_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    score: Mapped[int | None]
    useful: Mapped[str] = mapped_column(Text, default="")
    better: Mapped[str] = mapped_column(Text, default="")
    topics: Mapped[str] = mapped_column(Text, default="")

    registration: Mapped[Registration] = relationship()
    meeting: Mapped[Meeting] = relationship()

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    def is_open(self, now: datetime | None = None) -> bool:
        return (now or utcnow()) < self.closes_at
