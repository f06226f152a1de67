"""Stored files and the attachments that put them on a document.

A `FileBlob` is one stored content, identified by its SHA-256: a file uploaded twice is
stored once, and its text is extracted once. An `Attachment` is a named file on one
document (its parent: a content type of the registry and a row id), with every version it
had; the newest is the current one, older ones stay for coordinators.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lerend_netwerk.db import Base, TimestampMixin, utcnow


class FileBlob(Base):
    __tablename__ = "file_blob"

    # Text extraction states (the index sync extracts; the upload never waits for it).
    PENDING = "pending"
    DONE = "done"
    NO_TEXT = "none"  # a type without text (an image), or text refused (encrypted PDF)
    FAILED = "failed"  # retried by the sync until MAX_ATTEMPTS

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    # Decided from the content, never from the name.
    mimetype: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Images: their size in pixels, and the thumbnail (stored content, made on upload).
    width: Mapped[int | None]
    height: Mapped[int | None]
    thumbnail_sha256: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str | None] = mapped_column(Text)
    text_status: Mapped[str] = mapped_column(String(10), default=PENDING, index=True)
    text_attempts: Mapped[int] = mapped_column(default=0)
    text_error: Mapped[str | None] = mapped_column(String(500))
    # A failed extraction is tried again from this time on (files/text.py: backoff).
    text_retry_at: Mapped[datetime | None]


class Attachment(TimestampMixin, Base):
    __tablename__ = "attachment"
    __table_args__ = (Index("ix_attachment_parent", "parent_type", "parent_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The registry name of the parent's content type ("session", "practice", …) and its id.
    parent_type: Mapped[str] = mapped_column(String(40))
    parent_id: Mapped[int]
    # The safe display and download name (files/names.py), unique per parent.
    filename: Mapped[str] = mapped_column(String(160))
    position: Mapped[int] = mapped_column(default=0)
    blob_id: Mapped[int] = mapped_column(ForeignKey("file_blob.id"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )

    blob: Mapped[FileBlob] = relationship(lazy="joined")
    versions: Mapped[list[AttachmentVersion]] = relationship(
        back_populates="attachment",
        cascade="all, delete-orphan",
        order_by="AttachmentVersion.number.desc()",
    )


class AttachmentVersion(Base):
    """Every content an attachment had, the current one included (the highest number)."""

    __tablename__ = "attachment_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    attachment_id: Mapped[int] = mapped_column(
        ForeignKey("attachment.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(default=1)
    filename: Mapped[str] = mapped_column(String(160))
    blob_id: Mapped[int] = mapped_column(ForeignKey("file_blob.id"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    attachment: Mapped[Attachment] = relationship(back_populates="versions")
    blob: Mapped[FileBlob] = relationship(lazy="joined")
