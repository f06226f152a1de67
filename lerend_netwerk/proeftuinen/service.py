"""Pilot projects (proeftuinen) and organisations: listing and lookup."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lerend_netwerk.extensions import db
from lerend_netwerk.proeftuinen.models import LEVELS, Organisation, Proeftuin, VisitReport
from lerend_netwerk.themes.models import Theme
from lerend_netwerk.visibility import visible_clause


def list_proeftuinen(
    *, level: str | None = None, theme: str | None = None, organisation: str | None = None
) -> list[Proeftuin]:
    """Proeftuinen, optionally filtered by level, theme slug and organisation slug."""
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
    return list(db.session.scalars(query))


def get_proeftuin(slug: str) -> Proeftuin:
    return db.one_or_404(select(Proeftuin).where(Proeftuin.slug == slug))


def visible_reports(proeftuin: Proeftuin, user: Any) -> list[VisitReport]:
    """The visit reports of a proeftuin that `user` may see, newest visit first."""
    query = (
        select(VisitReport)
        .where(VisitReport.proeftuin_id == proeftuin.id, visible_clause(VisitReport, user))
        .order_by(VisitReport.visited.desc())
    )
    return list(db.session.scalars(query))


def list_organisations() -> list[Organisation]:
    return list(
        db.session.scalars(select(Organisation).order_by(Organisation.type, Organisation.title))
    )


def all_themes() -> list[Theme]:
    return list(db.session.scalars(select(Theme).order_by(Theme.title)))


def get_visible_report(slug: str, user: Any) -> VisitReport:
    """The report with this slug if `user` may see it; 404 otherwise."""
    from flask import abort

    from lerend_netwerk.visibility import can_see

    report = db.one_or_404(select(VisitReport).where(VisitReport.slug == slug))
    if not can_see(user, report):
        abort(404)
    return report
