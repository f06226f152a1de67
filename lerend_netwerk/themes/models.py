"""Themes that cut across sessions, proeftuinen, practices and recommendations."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lerend_netwerk.db import Base, SlugMixin, TimestampMixin


class Theme(SlugMixin, TimestampMixin, Base):
    __tablename__ = "theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")

    visibility = "public"
