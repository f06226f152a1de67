"""Themes that cut across sessions, proeftuinen, practices and recommendations."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lerend_netwerk.db import Base, SlugMixin, TimestampMixin
from lerend_netwerk.networks.models import network_id_column


class Theme(SlugMixin, TimestampMixin, Base):
    __tablename__ = "theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    # A network's own theme; None: shared by every network (most themes are).
    network_id: Mapped[int | None] = network_id_column(nullable=True)

    visibility = "public"
