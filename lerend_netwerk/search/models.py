"""The search outbox: one row per change to a searchable document."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from lerend_netwerk.db import Base, utcnow


class SearchChange(Base):
    """A document that changed in the same transaction; the index applies it later.

    Rows are written by a session event (search.outbox) and read by sync_index(),
    which remembers the highest id it applied inside the index itself. The id never
    goes back (AUTOINCREMENT on SQLite, a sequence on PostgreSQL), so ids of pruned
    rows are not reused.
    """

    __tablename__ = "search_change"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    doc_type: Mapped[str] = mapped_column(String(20))
    doc_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<SearchChange {self.id} {self.doc_type}:{self.doc_id}>"
