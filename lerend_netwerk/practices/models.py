"""The good-practice library."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lerend_netwerk.db import Base, SlugMixin, TimestampMixin, link_table
from lerend_netwerk.networks.models import network_id_column

if TYPE_CHECKING:
    from lerend_netwerk.proeftuinen.models import Proeftuin
    from lerend_netwerk.themes.models import Theme

practice_themes = link_table("practice_theme", "practice", "theme")


class Practice(SlugMixin, TimestampMixin, Base):
    """A good practice worth copying."""

    __tablename__ = "practice"
    DRAFT = "draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, default="")
    level: Mapped[str | None] = mapped_column(String(30), index=True)
    sector: Mapped[str | None] = mapped_column(String(100))
    proeftuin_id: Mapped[int | None] = mapped_column(
        ForeignKey("proeftuin.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(20), default="published")
    visibility: Mapped[str] = mapped_column(String(20), default="public")
    network_id: Mapped[int] = network_id_column()
    published_at: Mapped[datetime | None]

    proeftuin: Mapped[Proeftuin | None] = relationship()
    themes: Mapped[list[Theme]] = relationship(secondary=practice_themes, order_by="Theme.title")
