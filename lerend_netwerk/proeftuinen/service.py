"""Pilot projects (proeftuinen) and organisations: listing and lookup."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lerend_netwerk.core.audit import record_audit
from lerend_netwerk.core.errors import FieldError, NotFoundError, one_or_not_found
from lerend_netwerk.core.publication import publish_document
from lerend_netwerk.core.slugs import chosen_slug
from lerend_netwerk.extensions import db
from lerend_netwerk.networks.access import (
    check_coordinates,
    coordinated_networks,
    network_column_in,
)
from lerend_netwerk.proeftuinen.access import can_contribute
from lerend_netwerk.proeftuinen.models import (
    LEVEL_LABELS,
    LEVELS,
    REPORT_SECTIONS,
    Organisation,
    Proeftuin,
    VisitReport,
)
from lerend_netwerk.proeftuinen.sections import (
    complete_sections,
    filled_sections,
    join_sections,
    split_sections,
)
from lerend_netwerk.themes.models import Theme
from lerend_netwerk.visibility import VISIBILITIES, can_coordinate, can_see, visible_clause

# Paths under /verslagen/ that are pages, not reports.
RESERVED_REPORT_SLUGS = frozenset({"nieuw", "overzicht"})


def list_proeftuinen(
    *,
    level: str | None = None,
    theme: str | None = None,
    organisation: str | None = None,
    network_id: int | None = None,
) -> list[Proeftuin]:
    """Proeftuinen, optionally filtered by level, theme slug, organisation slug and network."""
    query = (
        select(Proeftuin)
        .options(selectinload(Proeftuin.organisations), selectinload(Proeftuin.themes))
        .order_by(Proeftuin.level, Proeftuin.title)
    )
    if level in LEVELS:
        query = query.where(Proeftuin.level == level)
    if theme:
        query = query.where(Proeftuin.themes.any(Theme.slug == theme))
    if organisation:
        query = query.where(Proeftuin.organisations.any(Organisation.slug == organisation))
    if network_id is not None:
        query = query.where(Proeftuin.network_id == network_id)
    return list(db.session.scalars(query))


def get_proeftuin(slug: str) -> Proeftuin:
    """The proeftuin with this slug; 404 if unknown."""
    return one_or_not_found(select(Proeftuin).where(Proeftuin.slug == slug))


def visible_reports(proeftuin: Proeftuin, user: Any) -> list[VisitReport]:
    """The visit reports of a proeftuin that `user` may see, newest visit first."""
    query = (
        select(VisitReport)
        .where(VisitReport.proeftuin_id == proeftuin.id, visible_clause(VisitReport, user))
        .order_by(VisitReport.visited.desc())
    )
    return list(db.session.scalars(query))


def proeftuin_page(slug: str, user: Any) -> dict[str, Any]:
    """A proeftuin with the reports, sessions and practices `user` may see, and what `user`
    may do there."""
    proeftuin = get_proeftuin(slug)
    reports = visible_reports(proeftuin, user)
    return {
        "proeftuin": proeftuin,
        # The network's visits, and what the proeftuin itself reported.
        "reports": [report for report in reports if not report.is_update],
        "updates": [report for report in reports if report.is_update],
        "can_contribute": can_contribute(user, proeftuin),
        **_hosted([proeftuin.id], user),
        **_on_page(proeftuin, user),
    }


def _on_page(proeftuin: Proeftuin, user: Any) -> dict[str, list[Any]]:
    """What the proeftuin's own page lists besides (its contributions), from the content
    types."""
    from lerend_netwerk.core.content_types import content_types

    listing: dict[str, list[Any]] = {}
    for content_type in content_types.with_hook("proeftuin_page"):
        listing.update(content_type.proeftuin_page(proeftuin, user))
    return listing


def _hosted(ids: list[int], user: Any, past_limit: int | None = None) -> dict[str, list[Any]]:
    """What these proeftuinen host or made (sessions, practices), from the content types."""
    from lerend_netwerk.core.content_types import content_types

    listing: dict[str, list[Any]] = {}
    for content_type in content_types.with_hook("proeftuin_listing"):
        listing.update(content_type.proeftuin_listing(ids, user, past_limit))
    return listing


def organisation_page(slug: str, user: Any) -> dict[str, Any]:
    """An organisation with its proeftuinen, the sessions they host and their practices,
    as far as `user` may see them."""
    organisation = one_or_not_found(select(Organisation).where(Organisation.slug == slug))
    ids = [proeftuin.id for proeftuin in organisation.proeftuinen]
    return {
        "organisation": organisation,
        "proeftuinen": sorted(organisation.proeftuinen, key=lambda p: p.title.lower()),
        **_hosted(ids, user, past_limit=5),
    }


def list_organisations() -> list[Organisation]:
    """Every organisation, by type and title."""
    return list(
        db.session.scalars(select(Organisation).order_by(Organisation.type, Organisation.title))
    )


def all_themes() -> list[Theme]:
    """Every theme, by title."""
    return list(db.session.scalars(select(Theme).order_by(Theme.title)))


def get_visible_report(slug: str, user: Any) -> VisitReport:
    """The report with this slug if `user` may see it; 404 otherwise."""
    report = one_or_not_found(
        select(VisitReport)
        .where(VisitReport.slug == slug)
        .options(selectinload(VisitReport.proeftuin))
    )
    if not can_see(user, report):
        raise NotFoundError()
    return report


def report_sections(report: VisitReport) -> dict[str, str]:
    """The report's text per template section (PREAMBLE for an introduction)."""
    return split_sections(report.body)


class ReportError(FieldError):
    """A report that cannot be saved as asked."""


@dataclass
class ReportInput:
    """What a coordinator fills in for a visit report."""

    title: str
    proeftuin_slug: str
    visited: date
    visibility: str = "members"
    slug: str | None = None
    sections: dict[str, str] | None = None


def proeftuin_choices(user: Any) -> list[tuple[str, str]]:
    """(slug, title) of the proeftuinen of the networks `user` coordinates, for a select."""
    query = (
        select(Proeftuin)
        .where(network_column_in(Proeftuin, coordinated_networks(user)))
        .order_by(Proeftuin.title)
    )
    return [(p.slug, p.title) for p in db.session.scalars(query)]


def get_report_for_edit(slug: str, user: Any) -> VisitReport:
    """A report by slug, drafts included, for a coordinator of its network: 404 if
    unknown or hidden from `user`, 403 for coordinators of another network."""
    report = one_or_not_found(select(VisitReport).where(VisitReport.slug == slug))
    if not can_see(user, report):
        raise NotFoundError()
    check_coordinates(user, report)
    return report


def save_report(
    data: ReportInput, *, author: Any, report: VisitReport | None = None, publish: bool = False
) -> VisitReport:
    """Create (as a draft) or update a visit report from the form; publish it if asked."""
    proeftuin = db.session.scalar(select(Proeftuin).where(Proeftuin.slug == data.proeftuin_slug))
    if proeftuin is None:
        raise ReportError("proeftuin", "Kies een bestaande proeftuin.")
    if not can_coordinate(author, proeftuin):
        raise ReportError("proeftuin", "Kies een proeftuin van een netwerk dat je coördineert.")
    if data.visibility not in VISIBILITIES:
        raise ReportError("visibility", "Kies een geldige zichtbaarheid.")
    slug = chosen_slug(
        VisitReport,
        data.slug,
        current=report,
        title=data.title,
        reserved=RESERVED_REPORT_SLUGS,
        taken="Er bestaat al een verslag met deze korte naam.",
        error=ReportError,
    )

    body = join_sections(complete_sections(data.sections or {}))
    if report is None:
        report = VisitReport(status=VisitReport.DRAFT, author=author)
        db.session.add(report)
    report.slug = slug
    report.title = data.title.strip()
    report.proeftuin = proeftuin
    report.visited = data.visited
    report.visibility = data.visibility
    report.body = body
    if publish:
        publish_report(report, actor=author)
    db.session.flush()
    return report


def preview_body(sections: dict[str, str]) -> dict[str, str]:
    """The sections a report would show if saved with these texts."""
    return filled_sections(sections)


def publish_report(report: VisitReport, actor: Any = None) -> VisitReport:
    """Make a report visible to its audience: status published, published_at now."""
    return publish_document(report, actor, "report")


def unpublish_report(report: VisitReport, actor: Any = None) -> VisitReport:
    """Take a report back to draft: only coordinators see it again."""
    if report.status != VisitReport.DRAFT:
        record_audit(actor, "report.unpublished", report)
    report.status = VisitReport.DRAFT
    report.published_at = None
    db.session.flush()
    return report


def academic_year(day: date) -> str:
    """The academic year of a date: September to August, e.g. '2022-2023'."""
    start = day.year if day.month >= 9 else day.year - 1
    return f"{start}-{start + 1}"


def report_overview(
    user: Any,
    *,
    section: str | None = None,
    level: str | None = None,
    theme: str | None = None,
    year: str | None = None,
) -> dict[str, Any]:
    """Per template section, what each proeftuin's reports say, side by side."""
    query = (
        select(VisitReport)
        .join(VisitReport.proeftuin)
        .where(
            visible_clause(VisitReport, user),
            # The side-by-side overview is coordinators' data: their networks' reports.
            network_column_in(VisitReport, coordinated_networks(user)),
        )
        .options(selectinload(VisitReport.proeftuin).selectinload(Proeftuin.themes))
        .order_by(Proeftuin.level, Proeftuin.title, VisitReport.visited.desc(), VisitReport.id)
    )
    if level in LEVELS:
        query = query.where(Proeftuin.level == level)
    else:
        level = None
    if theme:
        query = query.where(Proeftuin.themes.any(Theme.slug == theme))
    all_reports = list(db.session.scalars(query))
    years = sorted({academic_year(r.visited) for r in all_reports}, reverse=True)
    reports = [r for r in all_reports if not year or academic_year(r.visited) == year]
    section = section if section in REPORT_SECTIONS else None
    parts = {r.id: split_sections(r.body) for r in reports}
    shown = [section] if section else list(REPORT_SECTIONS)
    return {
        "sections": [
            {
                "name": name,
                "entries": [{"report": r, "text": parts[r.id].get(name, "")} for r in reports],
                "filled": sum(1 for r in reports if parts[r.id].get(name)),
            }
            for name in shown
        ],
        "reports": reports,
        "filters": {"section": section, "level": level, "theme": theme, "year": year},
        "all_sections": REPORT_SECTIONS,
        "levels": LEVEL_LABELS,
        "themes": all_themes(),
        "years": years,
    }
