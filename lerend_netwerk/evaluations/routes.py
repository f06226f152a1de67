"""The questionnaire behind the personal link, and the results for coordinators."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from lerend_netwerk.agenda.access import coordinator_meeting
from lerend_netwerk.core.downloads import attachment
from lerend_netwerk.evaluations import service
from lerend_netwerk.evaluations.forms import EvaluationForm
from lerend_netwerk.extensions import db

bp = Blueprint("evaluations", __name__, template_folder="templates")


@bp.route("/evaluatie/<token>", methods=["GET", "POST"])
def answer(token: str):
    """One attendee's questionnaire: answer, or change the answer while it is open."""
    evaluation = service.find_by_token(token)
    if evaluation is None:
        abort(404)
    is_open = evaluation.is_open()
    data = {}
    if evaluation.is_answered:
        data = {
            "score": str(evaluation.score),
            "useful": evaluation.useful,
            "better": evaluation.better,
            "topics": evaluation.topics,
        }
    form = EvaluationForm(data=data)
    if is_open and form.validate_on_submit():
        try:
            service.save_answer(evaluation, form.answer())
        except service.EvaluationError as error:
            flash(str(error), "warning")
        else:
            db.session.commit()
            flash("Bedankt! Je antwoord is bewaard.", "success")
            return redirect(url_for("evaluations.answer", token=token))
    elif not is_open and form.is_submitted():
        flash("Deze vragenlijst is afgesloten: je antwoord kan je niet meer wijzigen.", "warning")
    response = render_template(
        "evaluations/answer.html",
        evaluation=evaluation,
        meeting=evaluation.meeting,
        form=form,
        is_open=is_open,
    )
    # The link is personal: no caching, and no referrer that would carry it elsewhere.
    return response, 200, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@bp.get("/sessies/<slug>/evaluatie")
def results(slug: str):
    """The answers of a session's attendees: average, distribution, comments."""
    meeting = coordinator_meeting(slug)
    return render_template(
        "evaluations/results.html", meeting=meeting, results=service.results(meeting)
    )


@bp.get("/sessies/<slug>/evaluatie.csv")
def results_csv(slug: str):
    """The answers as a CSV file that opens correctly in Excel."""
    meeting = coordinator_meeting(slug)
    return attachment(service.results_csv(meeting), "text/csv", f"evaluatie-{meeting.slug}.csv")
