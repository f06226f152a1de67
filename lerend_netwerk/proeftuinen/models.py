"""Organisations, pilot projects (proeftuinen) and visit reports."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lerend_netwerk.auth.models import proeftuin_members
from lerend_netwerk.db import Base, SlugMixin, TimestampMixin, link_table
from lerend_netwerk.levels import LEVEL_LABELS, LEVELS  # noqa: F401  (re-exported)
from lerend_netwerk.networks.models import network_id_column

if TYPE_CHECKING:
    from lerend_netwerk.auth.models import User
    from lerend_netwerk.themes.models import Theme

ORGANISATION_TYPES = ("hogeschool", "universiteit", "cvo", "school", "onderneming", "partner")
ORGANISATION_TYPE_LABELS = {
    "hogeschool": "Hogeschool",
    "universiteit": "Universiteit",
    "cvo": "Centrum voor volwassenenonderwijs",
    "school": "Secundaire school",
    "onderneming": "Onderneming",
    "partner": "Partner",
}
# A coordinators' visit, or a proeftuin's own project update accepted by them.
REPORT_KINDS = ("visit", "update")
REPORT_KIND_LABELS = {"visit": "Bezoekverslag", "update": "Projectupdate"}
REPORT_SECTIONS = (
    "Doelstellingen",
    "Sterke punten",
    "Uitdagingen",
    "Observaties",
    "Aanbevelingen",
    "Toekomstperspectieven",
    "Thema's voor intervisie",
    "Perceptie regelgeving",
)

proeftuin_organisations = link_table("proeftuin_organisation", "proeftuin", "organisation")
proeftuin_themes = link_table("proeftuin_theme", "proeftuin", "theme")


class Organisation(SlugMixin, TimestampMixin, Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(20))
    website: Mapped[str | None] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text, default="")

    proeftuinen: Mapped[list[Proeftuin]] = relationship(
        secondary=proeftuin_organisations, back_populates="organisations"
    )

    @property
    def type_label(self) -> str:
        return ORGANISATION_TYPE_LABELS.get(self.type, self.type)


class Proeftuin(SlugMixin, TimestampMixin, Base):
    __tablename__ = "proeftuin"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(30), index=True)
    programme: Mapped[str | None] = mapped_column(String(200))
    academic_years: Mapped[list[str]] = mapped_column(JSON, default=list)
    body: Mapped[str] = mapped_column(Text, default="")
    network_id: Mapped[int] = network_id_column()

    organisations: Mapped[list[Organisation]] = relationship(
        secondary=proeftuin_organisations,
        back_populates="proeftuinen",
        order_by="Organisation.title",
    )
    themes: Mapped[list[Theme]] = relationship(secondary=proeftuin_themes, order_by="Theme.title")
    members: Mapped[list[User]] = relationship(
        secondary=proeftuin_members, back_populates="proeftuinen"
    )
    reports: Mapped[list[VisitReport]] = relationship(
        back_populates="proeftuin", order_by="VisitReport.visited.desc()"
    )

    visibility = "public"

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS.get(self.level, self.level)


class VisitReport(SlugMixin, TimestampMixin, Base):
    """A coordinators' visit report on the network's fixed template."""

    # Its network is its proeftuin's (networks.access).
    NETWORK_VIA = "proeftuin"
    __tablename__ = "visit_report"
    DRAFT = "draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    proeftuin_id: Mapped[int] = mapped_column(ForeignKey("proeftuin.id", ondelete="CASCADE"))
    visited: Mapped[date]
    kind: Mapped[str] = mapped_column(String(20), default="visit")
    status: Mapped[str] = mapped_column(String(20), default="published")
    visibility: Mapped[str] = mapped_column(String(20), default="members")
    body: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None]

    proeftuin: Mapped[Proeftuin] = relationship(back_populates="reports")
    author: Mapped[User | None] = relationship()

    @property
    def is_update(self) -> bool:
        return self.kind == "update"

    @property
    def kind_label(self) -> str:
        return REPORT_KIND_LABELS.get(self.kind, self.kind)
