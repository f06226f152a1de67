"""Pilot projects, organisations and visit reports."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from lerend_netwerk.access import coordinator_required
from lerend_netwerk.core.pagecache import cacheable
from lerend_netwerk.core.publication import add_publication_routes, save_from_form
from lerend_netwerk.networks.context import scope_network_id
from lerend_netwerk.proeftuinen import service
from lerend_netwerk.proeftuinen.forms import ReportForm
from lerend_netwerk.proeftuinen.models import LEVEL_LABELS, REPORT_SECTIONS, VisitReport
from lerend_netwerk.proeftuinen.sections import PREAMBLE

bp = Blueprint("proeftuinen", __name__, template_folder="templates")


@bp.get("/proeftuinen")
@cacheable
def index():
    """All proeftuinen, filterable by level, theme and organisation."""
    filters = {
        "level": request.args.get("niveau") or None,
        "theme": request.args.get("thema") or None,
        "organisation": request.args.get("organisatie") or None,
    }
    return render_template(
        "proeftuinen/index.html",
        proeftuinen=service.list_proeftuinen(**filters, network_id=scope_network_id(request.args)),
        filters=filters,
        levels=LEVEL_LABELS,
        themes=service.all_themes(),
        organisations=service.list_organisations(),
    )


@bp.get("/proeftuinen/<slug>")
@cacheable
def detail(slug: str):
    """One proeftuin with its organisations, themes and visit reports."""
    return render_template("proeftuinen/detail.html", **service.proeftuin_page(slug, current_user))


@bp.get("/organisaties")
@cacheable
def organisations():
    """The organisations in the network."""
    return render_template(
        "proeftuinen/organisations.html", organisations=service.list_organisations()
    )


@bp.get("/organisaties/<slug>")
@cacheable
def organisation(slug: str):
    """One organisation with its proeftuinen, their sessions and their practices."""
    return render_template(
        "proeftuinen/organisation.html", **service.organisation_page(slug, current_user)
    )


@bp.get("/verslagen/<slug>")
def report(slug: str):
    """One visit report, if the visitor may see it, section by section."""
    visit_report = service.get_visible_report(slug, current_user)
    return render_template(
        "proeftuinen/report.html",
        report=visit_report,
        sections=service.report_sections(visit_report),
        preamble_key=PREAMBLE,
    )


@bp.get("/verslagen/overzicht")
@coordinator_required
def overview():
    """Coordinators: per template section, what every proeftuin said, side by side."""
    data = service.report_overview(
        current_user,
        section=request.args.get("sectie") or None,
        level=request.args.get("niveau") or None,
        theme=request.args.get("thema") or None,
        year=request.args.get("jaar") or None,
    )
    return render_template("proeftuinen/overview.html", **data)


@bp.route("/verslagen/nieuw", methods=["GET", "POST"])
@coordinator_required
def new_report():
    """Coordinators: write a visit report on the template (saved as a draft)."""
    form = ReportForm(proeftuin=request.args.get("proeftuin"))
    return _report_form(form, None)


@bp.route("/verslagen/<slug>/bewerken", methods=["GET", "POST"])
@coordinator_required
def edit_report(slug: str):
    """Coordinators: change a visit report, draft or published."""
    visit_report = service.get_report_for_edit(slug, current_user)
    form = ReportForm(
        data={
            "title": visit_report.title,
            "slug": visit_report.slug,
            "proeftuin": visit_report.proeftuin.slug,
            "visited": visit_report.visited,
            "visibility": visit_report.visibility,
        }
    )
    if not form.is_submitted():
        form.fill_sections(service.report_sections(visit_report))
    return _report_form(form, visit_report)


def _report_form(form: ReportForm, visit_report: VisitReport | None):
    """Render, preview or save the report form (shared by new and edit)."""
    form.proeftuin.choices = [("", "Kies een proeftuin"), *service.proeftuin_choices(current_user)]
    preview = None
    status = 200
    if form.is_submitted() and form.preview.data:
        form.validate()
        preview = service.preview_body(form.section_values())
    elif form.validate_on_submit():
        data = service.ReportInput(
            title=form.title.data,
            slug=form.slug.data,
            proeftuin_slug=form.proeftuin.data,
            visited=form.visited.data,
            visibility=form.visibility.data,
            sections=form.section_values(),
        )
        saved = save_from_form(
            form,
            lambda: service.save_report(
                data, author=current_user, report=visit_report, publish=bool(form.publish.data)
            ),
            detail="proeftuinen.report",
            published="Het verslag is opgeslagen en gepubliceerd.",
            draft="Het verslag is opgeslagen als concept.",
        )
        if saved is not None:
            return saved
    if form.is_submitted() and preview is None:
        status = 400
    return render_template(
        "proeftuinen/report_form.html",
        form=form,
        report=visit_report,
        preview=preview,
        preamble_key=PREAMBLE,
        sections=REPORT_SECTIONS,
    ), status


add_publication_routes(
    bp,
    "/verslagen/<slug>",
    find=service.get_report_for_edit,
    publish=service.publish_report,
    unpublish=service.unpublish_report,
    detail="proeftuinen.report",
    noun="Het verslag",
    suffix="_report",
)
