"""The productenmarkt: what the proeftuinen made for others to use."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lerend_netwerk.db import Base, SlugMixin, TimestampMixin, link_table
from lerend_netwerk.networks.models import network_id_column

if TYPE_CHECKING:
    from lerend_netwerk.agenda.models import Meeting
    from lerend_netwerk.proeftuinen.models import Organisation, Proeftuin
    from lerend_netwerk.themes.models import Theme

# The kinds of product, with their labels (the content format's `kind`).
PRODUCT_KIND_LABELS = {
    "brochure": "Brochure",
    "toolkit": "Toolkit",
    "screeningsinstrument": "Screeningsinstrument",
    "film": "Film",
    "sjabloon": "Sjabloon",
    "handleiding": "Handleiding",
    "vormingspakket": "Vormingspakket",
    "website": "Website",
    "ander": "Ander product",
}
PRODUCT_KINDS = tuple(PRODUCT_KIND_LABELS)

product_themes = link_table("product_theme", "product", "theme")

# The sessions where a product was shown (a slotsessie's productenmarkt).
product_sessions = link_table("product_session", "product", "meeting")


class Product(SlugMixin, TimestampMixin, Base):
    """A product of a proeftuin (or of the network): a brochure, toolkit, film, …"""

    __tablename__ = "product"
    DRAFT = "draft"
    PUBLISHED = "published"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(30), index=True)
    level: Mapped[str | None] = mapped_column(String(30), index=True)
    link: Mapped[str | None] = mapped_column(String(500))
    proeftuin_id: Mapped[int | None] = mapped_column(
        ForeignKey("proeftuin.id", ondelete="SET NULL"), index=True
    )
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), default=PUBLISHED)
    visibility: Mapped[str] = mapped_column(String(20), default="public")
    network_id: Mapped[int] = network_id_column()
    published_at: Mapped[datetime | None]

    proeftuin: Mapped[Proeftuin | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    themes: Mapped[list[Theme]] = relationship(secondary=product_themes, order_by="Theme.title")
    sessions: Mapped[list[Meeting]] = relationship(
        secondary=product_sessions, order_by="Meeting.starts_at"
    )

    @property
    def kind_label(self) -> str:
        return PRODUCT_KIND_LABELS.get(self.kind, self.kind)

    @property
    def effective_level(self) -> str | None:
        """Its own level, or else its proeftuin's."""
        return self.level or (self.proeftuin.level if self.proeftuin else None)
