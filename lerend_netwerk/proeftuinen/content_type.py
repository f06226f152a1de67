"""Organisations, proeftuinen and visit reports as content types."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import selectinload

from lerend_netwerk.content_io import schema
from lerend_netwerk.content_io.schema import Field, Kind
from lerend_netwerk.core.content_types import ContentType, SearchIndexing, document_files
from lerend_netwerk.extensions import db
from lerend_netwerk.indicators.figures import Figure
from lerend_netwerk.indicators.sql import count_distinct_if, count_if
from lerend_netwerk.levels import LEVELS, level_label
from lerend_netwerk.markdown import markdown_to_text
from lerend_netwerk.proeftuinen.models import (
    ORGANISATION_TYPES,
    REPORT_KINDS,
    REPORT_SECTIONS,
    Organisation,
    Proeftuin,
    VisitReport,
)
from lerend_netwerk.search.documents import (
    SearchDocument,
    document_of,
    ids_with,
    related_by,
    theme_titles,
)
from lerend_netwerk.themes.models import Theme
from lerend_netwerk.visibility import can_coordinate, is_member, visible_clause

# --- organisations ----------------------------------------------------------------------


def build_organisation(organisation: Organisation) -> SearchDocument:
    """An organisation page (with its proeftuinen, their sessions and practices)."""
    return document_of(
        organisation,
        "organisation",
        markdown_to_text(organisation.body),
        keywords=[organisation.type_label],
    )


ORGANISATION = ContentType(
    name="organisation",
    model=Organisation,
    endpoint="proeftuinen.organisation",
    search=(
        SearchIndexing(
            "organisation",
            build_organisation,
            model=Organisation,
            label="Organisatie",
            names=("organisatie", "organisaties"),
        ),
    ),
    content=Kind(
        "organisations",
        "organisation",
        Organisation,
        (
            Field("title", schema.TEXT, required=True),
            Field("type", schema.CHOICE, required=True, choices=ORGANISATION_TYPES),
            Field("website", schema.TEXT, url=True),
        ),
    ),
)


# --- proeftuinen ------------------------------------------------------------------------


def build_proeftuin(proeftuin: Proeftuin) -> SearchDocument:
    """A pilot project with its organisations and themes."""
    return document_of(
        proeftuin,
        "proeftuin",
        markdown_to_text(proeftuin.body),
        keywords=[
            proeftuin.programme,
            level_label(proeftuin.level),
            *[org.title for org in proeftuin.organisations],
            *theme_titles(proeftuin.themes),
            *(proeftuin.academic_years or []),
        ],
        themes=proeftuin.themes,
        level=proeftuin.level,
    )


# A proeftuin shows the titles of its themes and organisations.
_proeftuin_related = related_by(
    ("proeftuin",),
    {
        Theme: ids_with(Proeftuin.themes),
        Organisation: ids_with(Proeftuin.organisations),
    },
)


def _proeftuin_listing(theme: Theme, user: Any) -> dict[str, list[Any]]:
    return {
        "proeftuinen": list(
            db.session.scalars(
                select(Proeftuin)
                .where(Proeftuin.themes.any(Theme.id == theme.id))
                .order_by(Proeftuin.title)
            )
        )
    }


PROEFTUIN = ContentType(
    name="proeftuin",
    model=Proeftuin,
    endpoint="proeftuinen.detail",
    menu=("proeftuinen.index", "Proeftuinen"),
    search=(
        SearchIndexing(
            "proeftuin",
            build_proeftuin,
            model=Proeftuin,
            label="Proeftuin",
            names=("proeftuin", "proeftuinen"),
            load_options=lambda: [
                selectinload(Proeftuin.themes),
                selectinload(Proeftuin.organisations),
            ],
            watches=(Theme, Organisation),
            related=_proeftuin_related,
        ),
    ),
    content=Kind(
        "proeftuinen",
        "proeftuin",
        Proeftuin,
        (
            Field("title", schema.TEXT, required=True),
            Field("level", schema.CHOICE, required=True, choices=LEVELS),
            schema.network_field(),
            Field("organisations", schema.REFS, ref="organisations"),
            Field("programme", schema.TEXT),
            Field("academic_years", schema.YEARS),
            schema.themes_field(),
        ),
    ),
    theme_listing=_proeftuin_listing,
)


# --- visit reports ----------------------------------------------------------------------


def build_report(report: VisitReport) -> SearchDocument:
    """A visit report, with the level and themes of its proeftuin."""
    proeftuin = report.proeftuin
    return document_of(
        report,
        "report",
        markdown_to_text(report.body),
        keywords=[proeftuin.title, *theme_titles(proeftuin.themes)],
        themes=proeftuin.themes,
        level=proeftuin.level,
    )


# A report shows its proeftuin's title and themes.
_report_related = related_by(
    ("report",),
    {
        Theme: lambda tid: select(VisitReport.id).where(
            VisitReport.proeftuin.has(Proeftuin.themes.any(Theme.id == tid))
        ),
        Proeftuin: ids_with(VisitReport.proeftuin_id),
    },
)


def _report_listing(theme: Theme, user: Any) -> dict[str, list[Any]]:
    # Visit reports carry no themes of their own: those of the proeftuinen on the theme.
    return {
        "reports": list(
            db.session.scalars(
                select(VisitReport)
                .where(
                    VisitReport.proeftuin.has(Proeftuin.themes.any(Theme.id == theme.id)),
                    visible_clause(VisitReport, user),
                )
                .order_by(VisitReport.visited.desc(), VisitReport.id)
            )
        )
    }


def _report_indicators(scope: Any) -> dict[str, int]:
    """Proeftuinen visited, visit reports and project updates published."""
    period = scope.period
    is_visit = VisitReport.kind != "update"
    visited_in = and_(
        is_visit, VisitReport.visited >= period.first_day, VisitReport.visited <= period.last_day
    )
    report_date = func.coalesce(VisitReport.published_at, VisitReport.created_at)
    report_published = and_(
        VisitReport.status == "published", report_date >= period.starts, report_date < period.ends
    )
    visits = (
        select(
            count_distinct_if(visited_in, VisitReport.proeftuin_id),
            count_if(and_(is_visit, report_published)),
            count_if(and_(~is_visit, report_published)),
        )
        .select_from(VisitReport)
        .join(Proeftuin, VisitReport.proeftuin_id == Proeftuin.id)
        .where(scope.visible(VisitReport))
    )
    if scope.level:
        visits = visits.where(Proeftuin.level == scope.level)
    if scope.network_id is not None:
        # A visit report belongs to its proeftuin's network.
        visits = visits.where(Proeftuin.network_id == scope.network_id)
    visited, reports, updates = db.session.execute(visits).one()
    return {
        "proeftuinen_visited": visited,
        "reports_published": reports,
        "updates_published": updates,
    }


def _report_personal_data(user: Any) -> dict[str, Any]:
    reports = db.session.scalars(
        select(VisitReport).where(VisitReport.author_id == user.id).order_by(VisitReport.id)
    ).all()
    return {
        "visit_reports": [
            {
                "slug": r.slug,
                "title": r.title,
                "proeftuin": r.proeftuin.slug,
                "visited": r.visited.isoformat(),
                "status": r.status,
                "body": r.body,
            }
            for r in reports
        ]
    }


def _may_manage_report_files(user: Any, report: VisitReport) -> bool:
    """Its network's coordinators, and the report's author (a project update's member)
    for its annexes."""
    if can_coordinate(user, report):
        return True
    return is_member(user) and report.author_id is not None and report.author_id == user.id


# Files on a visit report (annexes, photos): seen by whoever sees the report (members-only
# by default, drafts by coordinators).
REPORT_ATTACHMENTS = document_files(VisitReport, "report", _may_manage_report_files)


VISIT_REPORT = ContentType(
    name="report",
    model=VisitReport,
    endpoint="proeftuinen.report",
    search=(
        SearchIndexing(
            "report",
            build_report,
            model=VisitReport,
            label="Bezoekverslag",
            names=("verslag", "verslagen", "bezoekverslag", "bezoekverslagen"),
            load_options=lambda: [
                selectinload(VisitReport.proeftuin).selectinload(Proeftuin.themes)
            ],
            watches=(Theme, Proeftuin),
            related=_report_related,
        ),
    ),
    content=Kind(
        "reports",
        "visit report",
        VisitReport,
        (
            Field("title", schema.TEXT, required=True),
            Field("proeftuin", schema.REF, required=True, ref="proeftuinen"),
            Field("visited", schema.DATE, required=True),
            schema.status_field("published", ("published", VisitReport.DRAFT)),
            schema.visibility_field("members"),
            # A coordinators' visit (the default) or a proeftuin's project update.
            Field("kind", schema.CHOICE, default="visit", choices=REPORT_KINDS),
            schema.published_field(),
        ),
        body_sections=REPORT_SECTIONS,
        network_via="proeftuin",
    ),
    digest=lambda window: {"reports": window.published(VisitReport)},
    personal_data=_report_personal_data,
    indicators=_report_indicators,
    figures=(
        Figure(
            "proeftuinen_visited",
            "Proeftuinen bezocht",
            (
                "Verschillende proeftuinen met een bezoek (ook met een ontwerpverslag) in de "
                "periode; projectupdates zijn geen bezoek."
            ),
            order=200,
            output=True,
        ),
        Figure(
            "reports_published",
            "Bezoekverslagen gepubliceerd",
            "Bezoekverslagen gepubliceerd in de periode; ontwerpen tellen niet.",
            order=201,
            output=True,
        ),
        Figure(
            "updates_published",
            "Projectupdates gepubliceerd",
            "Projectupdates van proeftuinen, aanvaard en gepubliceerd in de periode.",
            order=202,
            output=True,
        ),
    ),
    theme_listing=_report_listing,
    attachments=REPORT_ATTACHMENTS,
)
