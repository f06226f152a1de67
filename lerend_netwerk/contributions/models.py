"""A participant's input on the template: a good practice or a project update.

Workflow: submitted -> changes_requested (coordinator comment) -> resubmitted
-> changes_requested ... -> accepted | declined. Accepting creates the published
document (a Practice or a VisitReport) and links it here.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lerend_netwerk.db import Base, TimestampMixin, link_table, utcnow
from lerend_netwerk.proeftuinen.models import REPORT_SECTIONS

if TYPE_CHECKING:
    from lerend_netwerk.auth.models import User
    from lerend_netwerk.practices.models import Practice
    from lerend_netwerk.proeftuinen.models import Proeftuin, VisitReport
    from lerend_netwerk.themes.models import Theme

KINDS = ("practice", "update")
KIND_LABELS = {"practice": "Goede praktijk", "update": "Projectupdate"}
# The URL word for each kind (/bijdragen/nieuw/<word>/<proeftuin>).
KIND_SLUGS = {"practice": "goede-praktijk", "update": "projectupdate"}

# The template of a good practice; a project update uses the visit-report template,
# so accepted updates line up with the coordinators' reports in the overview.
PRACTICE_SECTIONS = ("Aanpak", "Wat werkte", "Valkuilen", "Contact")
UPDATE_SECTIONS = REPORT_SECTIONS
SECTIONS = {"practice": PRACTICE_SECTIONS, "update": UPDATE_SECTIONS}

SUBMITTED = "submitted"
CHANGES_REQUESTED = "changes_requested"
RESUBMITTED = "resubmitted"
ACCEPTED = "accepted"
DECLINED = "declined"
STATUSES = (SUBMITTED, CHANGES_REQUESTED, RESUBMITTED, ACCEPTED, DECLINED)
OPEN_STATUSES = (SUBMITTED, RESUBMITTED)
STATUS_LABELS = {
    SUBMITTED: "Ingediend",
    CHANGES_REQUESTED: "Aanpassingen gevraagd",
    RESUBMITTED: "Opnieuw ingediend",
    ACCEPTED: "Aanvaard",
    DECLINED: "Afgewezen",
}

contribution_themes = link_table("contribution_theme", "contribution", "theme")


class Contribution(TimestampMixin, Base):
    """Input from a member of a proeftuin, reviewed by the coordinators."""

    # Its network is its proeftuin's (networks.access).
    NETWORK_VIA = "proeftuin"
    __tablename__ = "contribution"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    proeftuin_id: Mapped[int] = mapped_column(
        ForeignKey("proeftuin.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    # Markdown with the kind's template sections as `## ` headings (see SECTIONS).
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=SUBMITTED, index=True)
    # The coordinator's latest word: what to change, or why it was declined.
    review_comment: Mapped[str | None] = mapped_column(Text)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    resubmitted_at: Mapped[datetime | None]
    reviewed_at: Mapped[datetime | None]
    # The document an accepted contribution became.
    practice_id: Mapped[int | None] = mapped_column(ForeignKey("practice.id", ondelete="SET NULL"))
    report_id: Mapped[int | None] = mapped_column(
        ForeignKey("visit_report.id", ondelete="SET NULL")
    )

    proeftuin: Mapped[Proeftuin] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])
    themes: Mapped[list[Theme]] = relationship(
        secondary=contribution_themes, order_by="Theme.title"
    )
    practice: Mapped[Practice | None] = relationship()
    report: Mapped[VisitReport | None] = relationship()

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def kind_slug(self) -> str:
        return KIND_SLUGS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def sections(self) -> tuple[str, ...]:
        return SECTIONS.get(self.kind, ())

    @property
    def is_open(self) -> bool:
        """Waiting for a coordinator's review."""
        return self.status in OPEN_STATUSES

    @property
    def result(self) -> Practice | VisitReport | None:
        """The published document, once accepted."""
        return self.practice if self.kind == "practice" else self.report
