"""Policy-recommendation threads and their replies."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lerend_netwerk.db import Base, SlugMixin, TimestampMixin

if TYPE_CHECKING:
    from lerend_netwerk.auth.models import User
    from lerend_netwerk.themes.models import Theme

RECOMMENDATION_STATUSES = ("open", "in-bespreking", "aanvaard", "verworpen")
RECOMMENDATION_STATUS_LABELS = {
    "open": "Open",
    "in-bespreking": "In bespreking",
    "aanvaard": "Aanvaard",
    "verworpen": "Verworpen",
}
STANCES = ("eens", "oneens", "neutraal")


class Recommendation(SlugMixin, TimestampMixin, Base):
    """A thread that argues out one policy recommendation."""

    __tablename__ = "recommendation"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id", ondelete="RESTRICT"))
    level: Mapped[str | None] = mapped_column(String(30), index=True)
    status: Mapped[str] = mapped_column(String(20), default="open")
    status_reason: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[str] = mapped_column(String(20), default="public")
    closed: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    theme: Mapped[Theme] = relationship()
    author: Mapped[User | None] = relationship()
    posts: Mapped[list[Post]] = relationship(
        back_populates="recommendation",
        order_by="Post.created_at",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def status_label(self) -> str:
        return RECOMMENDATION_STATUS_LABELS.get(self.status, self.status)


class Post(TimestampMixin, Base):
    """A reply in a recommendation thread, with a stance."""

    __tablename__ = "post"

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("post.id", ondelete="SET NULL"))
    stance: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    hidden_at: Mapped[datetime | None]
    hidden_reason: Mapped[str] = mapped_column(Text, default="")

    recommendation: Mapped[Recommendation] = relationship(back_populates="posts")
    author: Mapped[User | None] = relationship()
    parent: Mapped[Post | None] = relationship(remote_side=[id])
