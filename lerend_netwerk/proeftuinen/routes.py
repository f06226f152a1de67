"""Pilot projects and organisations."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from lerend_netwerk.proeftuinen import service
from lerend_netwerk.proeftuinen.models import LEVEL_LABELS

bp = Blueprint("proeftuinen", __name__, template_folder="templates")


@bp.get("/proeftuinen")
def index():
    """All proeftuinen, filterable by level, theme and organisation."""
    filters = {
        "level": request.args.get("niveau") or None,
        "theme": request.args.get("thema") or None,
        "organisation": request.args.get("organisatie") or None,
    }
    return render_template(
        "proeftuinen/index.html",
        proeftuinen=service.list_proeftuinen(**filters),
        filters=filters,
        levels=LEVEL_LABELS,
        themes=service.all_themes(),
        organisations=service.list_organisations(),
    )


@bp.get("/proeftuinen/<slug>")
def detail(slug: str):
    """One proeftuin with its organisations, themes and visit reports."""
    proeftuin = service.get_proeftuin(slug)
    return render_template(
        "proeftuinen/detail.html",
        proeftuin=proeftuin,
        reports=service.visible_reports(proeftuin, current_user),
    )


@bp.get("/organisaties")
def organisations():
    """The organisations in the network."""
    return render_template(
        "proeftuinen/organisations.html", organisations=service.list_organisations()
    )


@bp.get("/verslagen/<slug>")
def report(slug: str):
    """One visit report, if the visitor may see it."""
    return render_template(
        "proeftuinen/report.html", report=service.get_visible_report(slug, current_user)
    )
