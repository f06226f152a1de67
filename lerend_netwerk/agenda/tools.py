"""The coordinators' tools around a session (attendance list, mail to registrants,
duplicating) and the month view of the agenda."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from lerend_netwerk.agenda import attendance, messaging, planning, service
from lerend_netwerk.agenda.access import coordinator_meeting
from lerend_netwerk.agenda.tool_forms import DuplicateForm, MessageForm
from lerend_netwerk.core.downloads import attachment
from lerend_netwerk.extensions import db
from lerend_netwerk.proeftuinen.models import LEVEL_LABELS
from lerend_netwerk.timeutil import BRUSSELS, nl_date

bp = Blueprint("agenda_tools", __name__, template_folder="templates")


@bp.get("/sessies/maand")
def month_view():
    """The agenda as a month calendar (a list per week on a phone), filtered like the list."""
    filters = service.AgendaFilters.from_args(request.args)
    year, month_number = planning.parse_month(
        request.args.get("maand"), datetime.now(BRUSSELS).date()
    )
    view = planning.month_view(current_user, filters, year, month_number)
    return render_template(
        "agenda/month.html",
        month=view,
        levels=LEVEL_LABELS,
        month_title=nl_date(view.first_day, "MMMM y"),
    )


@bp.get("/sessies/<slug>/aanwezigheidslijst")
def attendance_sheet(slug: str):
    """The attendance list to print and have signed."""
    meeting = coordinator_meeting(slug)
    return attendance.render_sheet(meeting)


@bp.get("/sessies/<slug>/aanwezigheidslijst.pdf")
def attendance_pdf(slug: str):
    """The attendance list as a PDF, to archive with the project file."""
    meeting = coordinator_meeting(slug)
    return attachment(
        attendance.attendance_pdf(meeting),
        "application/pdf",
        f"aanwezigheidslijst-{meeting.slug}.pdf",
    )


@bp.route("/sessies/<slug>/bericht", methods=["GET", "POST"])
def message(slug: str):
    """Mail the registrants of a session; the history of what was sent."""
    meeting = coordinator_meeting(slug)
    form = MessageForm()
    if form.validate_on_submit():
        try:
            sent = messaging.send_message(
                meeting, current_user, form.audience.data, form.subject.data, form.body.data
            )
        except service.AgendaError as error:
            flash(str(error), "warning")
        else:
            db.session.commit()
            flash(
                f"Je bericht gaat naar {sent.recipients} "
                f"{'persoon' if sent.recipients == 1 else 'personen'}.",
                "success",
            )
            return redirect(url_for("agenda_tools.message", slug=slug))
    counts = {
        audience: len(messaging.recipients(meeting, audience))
        for audience in messaging.AUDIENCE_STATUSES
    }
    return render_template(
        "agenda/message.html",
        meeting=meeting,
        form=form,
        counts=counts,
        history=messaging.history(meeting),
    )


@bp.route("/sessies/<slug>/kopieren", methods=["GET", "POST"])
def duplicate(slug: str):
    """A new session like this one, on a new date."""
    meeting = coordinator_meeting(slug)
    form = DuplicateForm(
        data={"title": meeting.title, "starts_at": planning.default_copy_start(meeting)}
    )
    if form.validate_on_submit():
        try:
            copy = planning.duplicate_meeting(
                meeting, form.starts_at.data, form.title.data, form.slug.data
            )
        except service.AgendaError as error:
            form.slug.errors.append(str(error))
        else:
            db.session.commit()
            flash(
                f"De kopie “{copy.title}” staat in de agenda. Kijk ze na en pas aan waar nodig.",
                "success",
            )
            return redirect(url_for("agenda.detail", slug=copy.slug))
    return render_template("agenda/duplicate.html", meeting=meeting, form=form)
