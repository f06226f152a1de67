"""The audit log: who published, cancelled, hid or changed roles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text, event, insert
from sqlalchemy.orm import Mapped, mapped_column

from lerend_netwerk.db import Base, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # Kept as text so the log still reads after the account is deleted.
    actor_label: Mapped[str] = mapped_column(String(300), default="systeem")
    action: Mapped[str] = mapped_column(String(60), index=True)
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[int | None]
    target_label: Mapped[str] = mapped_column(String(300), default="")
    summary: Mapped[str] = mapped_column(Text, default="")


class DataVersion(Base):
    """One row whose value changes in every transaction that changes content.

    Read in O(1) by the page cache (`core/pagecache.py`): a cached page is keyed on it,
    so a change is visible on the next request in every worker and nothing is ever
    invalidated by hand.
    """

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
    # When it last changed: the Last-Modified of what is keyed on it.
    changed_at: Mapped[datetime | None]


@event.listens_for(DataVersion.__table__, "after_create")
def _seed_data_version(target, connection, **_kw) -> None:
    # The row exists from the start (the migration inserts it too), so writers only ever
    # update it and never race to create it.
    connection.execute(insert(target).values(id=1, value=1))
