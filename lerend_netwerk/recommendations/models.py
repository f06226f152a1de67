"""Policy-recommendation threads, their replies, supports, follows, flags and edit history."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from lerend_netwerk.db import Base, SlugMixin, TimestampMixin, link_table, utcnow
from lerend_netwerk.networks.models import network_id_column

if TYPE_CHECKING:
    from lerend_netwerk.auth.models import User
    from lerend_netwerk.proeftuinen.models import Proeftuin
    from lerend_netwerk.themes.models import Theme

RECOMMENDATION_STATUSES = ("open", "in-bespreking", "aanvaard", "verworpen")
RECOMMENDATION_STATUS_LABELS = {
    "open": "Open",
    "in-bespreking": "In bespreking",
    "aanvaard": "Aanvaard",
    "verworpen": "Verworpen",
}
STANCES = ("eens", "oneens", "neutraal")
STANCE_LABELS = {"eens": "Eens", "oneens": "Oneens", "neutraal": "Neutraal"}
FLAG_REASONS = {
    "ongepast": "Ongepast of beledigend",
    "spam": "Spam of reclame",
    "naast-de-kwestie": "Hoort niet bij deze aanbeveling",
    "andere": "Andere reden",
}

# The proeftuinen whose experience a recommendation rests on.
recommendation_proeftuinen = link_table("recommendation_proeftuin", "recommendation", "proeftuin")


class Recommendation(SlugMixin, TimestampMixin, Base):
    """A thread that argues out one policy recommendation."""

    __tablename__ = "recommendation"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id", ondelete="RESTRICT"))
    level: Mapped[str | None] = mapped_column(String(30), index=True)
    status: Mapped[str] = mapped_column(String(20), default="open")
    status_reason: Mapped[str] = mapped_column(Text, default="")
    status_changed_at: Mapped[datetime | None]
    # When the thread was started (content key `published`): dates the indicators.
    published_at: Mapped[datetime | None]
    visibility: Mapped[str] = mapped_column(String(20), default="public")
    network_id: Mapped[int] = network_id_column()
    closed: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    theme: Mapped[Theme] = relationship()
    author: Mapped[User | None] = relationship()
    posts: Mapped[list[Post]] = relationship(
        back_populates="recommendation",
        order_by="[Post.created_at, Post.id]",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    proeftuinen: Mapped[list[Proeftuin]] = relationship(
        secondary=recommendation_proeftuinen, order_by="Proeftuin.title"
    )

    @property
    def status_label(self) -> str:
        return RECOMMENDATION_STATUS_LABELS.get(self.status, self.status)

    @property
    def level_label(self) -> str:
        from lerend_netwerk.proeftuinen.models import LEVEL_LABELS

        if not self.level:
            return "Alle niveaus"
        return LEVEL_LABELS.get(self.level, self.level)


class Post(TimestampMixin, Base):
    """A reply in a recommendation thread, with a stance."""

    # Its network is its recommendation's (networks.access).
    NETWORK_VIA = "recommendation"
    __tablename__ = "post"

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("post.id", ondelete="SET NULL"))
    stance: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    # Set when the author changed body or stance; the earlier versions are PostRevisions.
    edited_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]
    hidden_reason: Mapped[str] = mapped_column(Text, default="")
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # A coordinator chose this reply as one of the thread's main arguments for the report.
    key_argument: Mapped[bool] = mapped_column(default=False)

    recommendation: Mapped[Recommendation] = relationship(back_populates="posts")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    hidden_by: Mapped[User | None] = relationship(foreign_keys=[hidden_by_id])
    parent: Mapped[Post | None] = relationship(remote_side=[id])
    revisions: Mapped[list[PostRevision]] = relationship(
        back_populates="post",
        order_by="[PostRevision.created_at, PostRevision.id]",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    flags: Mapped[list[Flag]] = relationship(
        back_populates="post",
        order_by="[Flag.created_at, Flag.id]",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def stance_label(self) -> str:
        return STANCE_LABELS.get(self.stance, self.stance)


class MemberOnThread:
    """A row of one member on one thread, at most one per member and thread."""

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        return (UniqueConstraint("recommendation_id", "user_id"),)

    @declared_attr
    def recommendation(cls) -> Mapped[Recommendation]:
        return relationship()

    @declared_attr
    def user(cls) -> Mapped[User]:
        return relationship()


class Endorsement(MemberOnThread, Base):
    """A member's support for a proposal: at most one per member and thread."""

    __tablename__ = "endorsement"


class ThreadFollow(MemberOnThread, Base):
    """A member follows a thread; `last_seen_at` marks what is new on the next visit."""

    __tablename__ = "thread_follow"

    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class Flag(Base):
    """A member reports a reply to the moderators, once per reply."""

    __tablename__ = "flag"
    __table_args__ = (UniqueConstraint("post_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(30))
    details: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when a coordinator hid the reply or dismissed the flags: it leaves the queue.
    resolved_at: Mapped[datetime | None]

    post: Mapped[Post] = relationship(back_populates="flags")
    user: Mapped[User] = relationship()

    @property
    def reason_label(self) -> str:
        return FLAG_REASONS.get(self.reason, self.reason)


class PostRevision(Base):
    """An earlier version of a reply, kept when its author edits it."""

    __tablename__ = "post_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    stance: Mapped[str] = mapped_column(String(20))
    # When this version was written (the post's creation or its previous edit).
    written_at: Mapped[datetime]
    # When it was replaced by the edit.
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    post: Mapped[Post] = relationship(back_populates="revisions")
    editor: Mapped[User | None] = relationship()

    @property
    def stance_label(self) -> str:
        return STANCE_LABELS.get(self.stance, self.stance)


class FinalReport(TimestampMixin, Base):
    """The final report: one working version (frozen_at empty) and the frozen versions.

    A frozen version keeps the whole document in `snapshot`, so it reads the same however
    the threads change afterwards.
    """

    __tablename__ = "final_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    introduction: Mapped[str] = mapped_column(Text, default="")
    closing: Mapped[str] = mapped_column(Text, default="")
    # Thread ids in report order; None means the default (every candidate, per theme).
    selection: Mapped[list[int] | None] = mapped_column(JSON)
    frozen_at: Mapped[datetime | None]
    report_date: Mapped[date | None]
    label: Mapped[str] = mapped_column(String(200), default="")
    frozen_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    frozen_by: Mapped[User | None] = relationship()

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None
