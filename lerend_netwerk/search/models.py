"""The search outbox (one row per change to a searchable document) and the abbreviations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lerend_netwerk.db import Base, SlugMixin, TimestampMixin, utcnow


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


class Abbreviation(SlugMixin, TimestampMixin, Base):
    """An abbreviation members write (VDAB) and what it stands for, as the search expands it.

    Content: `content/abbreviations/<slug>.md`, imported and exported like the rest.
    """

    __tablename__ = "abbreviation"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(40))  # the abbreviation as written: "VDAB"
    meaning: Mapped[str] = mapped_column(String(300))  # "Vlaamse Dienst voor ..."
    body: Mapped[str] = mapped_column(Text, default="")

    def __repr__(self) -> str:
        return f"<Abbreviation {self.title}>"
