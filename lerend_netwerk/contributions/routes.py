"""Contributions on the template: sending input, "Mijn bijdragen", the review queue."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from lerend_netwerk.access import coordinator_required, member_required
from lerend_netwerk.contributions import service
from lerend_netwerk.contributions.forms import (
    FORMS,
    SECTION_HELP,
    AcceptForm,
    ContributionForm,
    DeclineForm,
    RequestChangesForm,
)
from lerend_netwerk.contributions.models import KIND_LABELS, KIND_SLUGS, Contribution
from lerend_netwerk.core.forms import Form
from lerend_netwerk.extensions import db

bp = Blueprint("contributions", __name__, template_folder="templates")


@bp.app_template_global("my_contributions")
def my_contributions_global(user) -> list[Contribution]:
    """For the account-page partial (contributions/_account_contributions.html)."""
    return service.my_contributions(user)


@bp.get("/bijdragen")
@member_required
def mine():
    """Mijn bijdragen: the member's contributions and their status."""
    return render_template(
        "contributions/mine.html",
        contributions=service.my_contributions(current_user),
        proeftuinen=service.contributable_proeftuinen(current_user),
        kind_slugs=KIND_SLUGS,
    )


@bp.get("/bijdragen/nieuw")
@member_required
def choose():
    """Pick the proeftuin and the kind of input to send."""
    return render_template(
        "contributions/choose.html",
        proeftuinen=service.contributable_proeftuinen(current_user),
        kind_slugs=KIND_SLUGS,
        kind_labels=KIND_LABELS,
    )


@bp.route("/bijdragen/nieuw/<kind>/<proeftuin>", methods=["GET", "POST"])
@member_required
def new(kind: str, proeftuin: str):
    """Send a good practice or a project update for one's own proeftuin."""
    kind_key = service.kind_from_slug(kind)
    target = service.proeftuin_for_contribution(proeftuin, current_user)
    form = FORMS[kind_key]()
    form.themes.choices = service.theme_choices()
    if not form.is_submitted():
        form.themes.data = [t.slug for t in target.themes]
    if form.validate_on_submit():
        contribution = service.submit_contribution(current_user, target, kind_key, _input(form))
        db.session.commit()
        flash("Bedankt! Je bijdrage is ingediend; de coördinatoren bekijken ze.", "success")
        return redirect(url_for("contributions.detail", contribution_id=contribution.id))
    return render_template(
        "contributions/form.html",
        form=form,
        kind=kind_key,
        kind_label=KIND_LABELS[kind_key],
        proeftuin=target,
        contribution=None,
        section_help=SECTION_HELP,
    ), (400 if form.is_submitted() else 200)


@bp.get("/bijdragen/<int:contribution_id>")
@member_required
def detail(contribution_id: int):
    """One contribution: for its author and for coordinators (with the review forms)."""
    contribution = service.get_contribution(contribution_id, current_user)
    return _detail(contribution)


@bp.route("/bijdragen/<int:contribution_id>/bewerken", methods=["GET", "POST"])
@member_required
def edit(contribution_id: int):
    """The author changes a contribution after coordinators asked for changes."""
    contribution = service.get_for_revision(contribution_id, current_user)
    form = FORMS[contribution.kind]()
    form.themes.choices = service.theme_choices()
    if not form.is_submitted():
        form.title.data = contribution.title
        form.summary.data = contribution.summary
        form.themes.data = [t.slug for t in contribution.themes]
        form.fill_sections(service.contribution_sections(contribution))
    if form.validate_on_submit():
        service.resubmit_contribution(contribution, _input(form))
        db.session.commit()
        flash("Je aangepaste bijdrage is opnieuw ingediend.", "success")
        return redirect(url_for("contributions.detail", contribution_id=contribution.id))
    form.submit.label.text = "Opnieuw insturen"
    return render_template(
        "contributions/form.html",
        form=form,
        kind=contribution.kind,
        kind_label=contribution.kind_label,
        proeftuin=contribution.proeftuin,
        contribution=contribution,
        section_help=SECTION_HELP,
    ), (400 if form.is_submitted() else 200)


@bp.get("/bijdragen/beoordelen")
@coordinator_required
def queue():
    """Coordinators: the contributions waiting for review."""
    return render_template("contributions/queue.html", **service.review_queue(current_user))


# The coordinators' review forms on a contribution's page, by prefix (the template's
# `<prefix>_form`).
_REVIEW_FORMS: dict[str, type[Form]] = {
    "changes": RequestChangesForm,
    "accept": AcceptForm,
    "decline": DeclineForm,
}


def _review_step(path: str, prefix: str, message: str):
    """A coordinators' review step, POSTed to /bijdragen/<id>/<path> with the form
    `_REVIEW_FORMS[prefix]`: the decorated function takes the step with the contribution
    and the valid form; then the step is committed and `message` shown on the queue. A form
    that does not validate shows the page again with its errors; a step the service
    refuses, the page with why."""

    def register(step: Callable[[Contribution, Any], None]):
        @wraps(step)
        def view(contribution_id: int):
            contribution = service.get_for_review(contribution_id, current_user)
            form = _REVIEW_FORMS[prefix](prefix=prefix)
            if not form.validate_on_submit():
                return _detail(contribution, invalid={prefix: form}, status=400)
            try:
                step(contribution, form)
            except service.ContributionError as error:
                db.session.rollback()
                flash(str(error), "error")
                return redirect(url_for("contributions.detail", contribution_id=contribution.id))
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("contributions.queue"))

        return bp.post(f"/bijdragen/<int:contribution_id>/{path}")(coordinator_required(view))

    return register


@_review_step(
    "wijzigingen-vragen", "changes", "De vraag om aanpassingen is bezorgd aan de indiener."
)
def request_changes(contribution: Contribution, form: RequestChangesForm) -> None:
    """Coordinators: send a contribution back with a comment."""
    service.request_changes(contribution, current_user, form.comment.data)


@_review_step("aanvaarden", "accept", "De bijdrage is aanvaard en gepubliceerd.")
def accept(contribution: Contribution, form: AcceptForm) -> None:
    """Coordinators: accept a contribution; it is published as a practice or report."""
    service.accept_contribution(
        contribution, current_user, visibility=form.visibility.data, slug=form.slug.data
    )


@_review_step("afwijzen", "decline", "De bijdrage is afgewezen.")
def decline(contribution: Contribution, form: DeclineForm) -> None:
    """Coordinators: decline a contribution with a reason."""
    service.decline_contribution(contribution, current_user, form.reason.data)


def _input(form: ContributionForm) -> service.ContributionInput:
    """The form's data as the service's input."""
    return service.ContributionInput(
        title=form.title.data,
        summary=form.summary.data or "",
        sections=form.section_values(),
        theme_slugs=list(form.themes.data or []),
    )


def _detail(
    contribution: Contribution, *, invalid: dict[str, Form] | None = None, status: int = 200
):
    """The contribution page, with the coordinators' review forms (`invalid`: the one that
    was sent and did not validate, by its prefix, shown with its errors)."""
    default_visibility = "public" if contribution.kind == "practice" else "members"
    forms = dict(invalid or {})
    for prefix, form_class in _REVIEW_FORMS.items():
        if prefix not in forms:
            defaults = {"visibility": default_visibility} if form_class is AcceptForm else {}
            forms[prefix] = form_class(prefix=prefix, **defaults)
    return render_template(
        "contributions/detail.html",
        contribution=contribution,
        sections=service.contribution_sections(contribution),
        **{f"{prefix}_form": form for prefix, form in forms.items()},
    ), status
