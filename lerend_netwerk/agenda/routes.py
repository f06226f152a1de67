"""The agenda: sessions, registration and waiting list, and the coordinators' pages."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from lerend_netwerk.access import coordinator_required, require_coordinator
from lerend_netwerk.agenda import service
from lerend_netwerk.agenda.forms import (
    CheckInForm,
    MeetingForm,
    RegistrationForm,
    ReportForm,
)
from lerend_netwerk.agenda.models import Meeting, Registration
from lerend_netwerk.core.edge import bounded_int
from lerend_netwerk.extensions import db, limiter
from lerend_netwerk.proeftuinen.models import LEVEL_LABELS
from lerend_netwerk.themes.service import related_on_themes
from lerend_netwerk.timeutil import nl_time
from lerend_netwerk.visibility import is_member

bp = Blueprint("agenda", __name__, template_folder="templates")


# --- access -----------------------------------------------------------------------------


def _coordinator_meeting(slug: str) -> Meeting:
    """The session for a coordinator page: 404 where hidden, login, then 403 for members."""
    meeting = service.get_visible_meeting(slug, current_user)
    require_coordinator()
    return meeting


def _member_meeting(slug: str) -> Meeting:
    """The session for a member action: 404 where hidden, else sign in first."""
    meeting = service.get_visible_meeting(slug, current_user)
    if not is_member(current_user):
        flash("Meld je aan om je in te schrijven.", "info")
        abort(redirect(url_for("auth.login", next=url_for("agenda.detail", slug=slug))))
    return meeting


def _registration_message(registration: Registration) -> tuple[str, str]:
    title = registration.meeting.title
    if registration.status == "confirmed":
        return f"Je bent ingeschreven voor “{title}”.", "success"
    return (
        f"“{title}” is volzet: je staat op de wachtlijst op plaats "
        f"{registration.waitlist_position}. Komt er een plaats vrij, dan word je "
        "automatisch ingeschreven.",
        "info",
    )


# --- everyone ---------------------------------------------------------------------------


@bp.get("/sessies")
def index():
    """The agenda: upcoming or past sessions, filtered by kind, theme and level."""
    filters = service.AgendaFilters.from_args(request.args)
    agenda = service.agenda_page(
        current_user, filters, request.args.get("page", 1, type=bounded_int)
    )
    return render_template("agenda/index.html", agenda=agenda, levels=LEVEL_LABELS)


@bp.get("/sessies/<slug>")
def detail(slug: str):
    """One session with its registration state for the visitor."""
    page = service.meeting_page(slug, current_user)
    # A visitor gets no form: its CSRF token would need a session cookie.
    form = None
    if current_user.is_authenticated:
        form = RegistrationForm(
            data={"remark": page.registration.remark if page.registration else ""}
        )
    related = related_on_themes(page.meeting.themes, current_user, exclude=page.meeting)
    return render_template(
        "agenda/detail.html", page=page, meeting=page.meeting, form=form, related=related
    )


def _registration_rate_limit() -> str:
    return current_app.config["REGISTRATION_RATE_LIMIT"]


def _member_or_address() -> str:
    """Limit per signed-in member; anonymous requests per client address."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"addr:{request.remote_addr}"


# One budget for registering and cancelling together.
registration_limit = limiter.shared_limit(
    _registration_rate_limit, scope="registration", key_func=_member_or_address
)


@bp.post("/sessies/<slug>/inschrijven")
@registration_limit
def register(slug: str):
    """Register the signed-in member: confirmed while seats are left, else waiting list."""
    meeting = _member_meeting(slug)
    form = RegistrationForm()
    if not form.validate():
        flash(" ".join(form.remark.errors), "error")
        return redirect(url_for("agenda.detail", slug=slug))
    try:
        registration = service.register(meeting, current_user, form.remark.data or "")
    except service.AgendaError as error:
        flash(str(error), "warning")
        return redirect(url_for("agenda.detail", slug=slug))
    db.session.commit()
    flash(*_registration_message(registration))
    return redirect(url_for("agenda.detail", slug=slug))


@bp.post("/sessies/<slug>/uitschrijven")
@registration_limit
def unregister(slug: str):
    """Cancel the signed-in member's place; the first on the waiting list moves up."""
    meeting = _member_meeting(slug)
    try:
        service.cancel(meeting, current_user)
    except service.AgendaError as error:
        flash(str(error), "warning")
        return redirect(url_for("agenda.detail", slug=slug))
    db.session.commit()
    flash(f"Je bent uitgeschreven voor “{meeting.title}”.", "success")
    return redirect(url_for("agenda.detail", slug=slug))


# --- coordinators -----------------------------------------------------------------------


@bp.route("/sessies/nieuw", methods=["GET", "POST"])
@coordinator_required
def create():
    """A coordinator adds a session."""
    form = MeetingForm(choices=service.meeting_choices())
    if form.validate_on_submit():
        try:
            meeting = service.create_meeting(form.values())
        except service.AgendaError as error:
            form.slug.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"De sessie “{meeting.title}” staat in de agenda.", "success")
            return redirect(url_for("agenda.detail", slug=meeting.slug))
    return render_template("agenda/form.html", form=form, meeting=None)


@bp.route("/sessies/<slug>/bewerken", methods=["GET", "POST"])
def edit(slug: str):
    """A coordinator changes a session; registrants hear about a new time or place."""
    meeting = _coordinator_meeting(slug)
    form = MeetingForm(
        choices=service.meeting_choices(), meeting=meeting, data=service.form_values(meeting)
    )
    if form.validate_on_submit():
        update = service.update_meeting(meeting, form.values())
        db.session.commit()
        flash("De sessie is bijgewerkt.", "success")
        if update.rescheduled:
            flash(
                "Titel, tijdstip of plaats veranderden: wie ingeschreven is, krijgt bericht.",
                "info",
            )
        if update.promoted:
            names = ", ".join(r.user.name for r in update.promoted)
            flash(f"Van de wachtlijst ingeschreven: {names}.", "info")
        if update.over_capacity:
            flash(
                f"Er zijn {update.over_capacity} bevestigde deelnemers meer dan plaatsen. "
                "Niemand werd uitgeschreven; nieuwe inschrijvingen komen op de wachtlijst.",
                "warning",
            )
        return redirect(url_for("agenda.detail", slug=meeting.slug))
    return render_template("agenda/form.html", form=form, meeting=meeting)


@bp.post("/sessies/<slug>/annuleren")
def cancel_meeting(slug: str):
    """A coordinator cancels a session, with an optional message to the registrants."""
    from lerend_netwerk.agenda import messaging
    from lerend_netwerk.agenda.tool_forms import CancelForm

    _coordinator_meeting(slug)
    form = CancelForm()
    if not form.validate():
        flash(" ".join(form.bericht.errors), "error")
        return redirect(url_for("agenda.detail", slug=slug))

    def cancel(meeting: Meeting, actor) -> Meeting:
        return messaging.cancel_with_message(meeting, actor, form.bericht.data or "")

    return _change_meeting_status(slug, cancel, "is geannuleerd")


@bp.post("/sessies/<slug>/heropnemen")
def reinstate_meeting(slug: str):
    """A coordinator takes a cancelled session up again."""
    return _change_meeting_status(slug, service.reinstate_meeting, "gaat toch door")


def _change_meeting_status(slug: str, change, outcome: str):
    """Cancel or reinstate as a coordinator; registrants hear of it through the signal."""
    meeting = _coordinator_meeting(slug)
    try:
        change(meeting, actor=current_user)
    except service.AgendaError as error:
        flash(str(error), "warning")
        return redirect(url_for("agenda.detail", slug=slug))
    db.session.commit()
    flash(f"“{meeting.title}” {outcome}. Wie ingeschreven is, krijgt bericht.", "success")
    return redirect(url_for("agenda.detail", slug=slug))


@bp.get("/sessies/<slug>/deelnemers")
def attendees(slug: str):
    """The attendee list with check-in, for coordinators."""
    meeting = _coordinator_meeting(slug)
    return render_template(
        "agenda/attendees.html",
        meeting=meeting,
        attendees=service.attendee_list(meeting),
        form=CheckInForm(),
    )


@bp.get("/sessies/<slug>/deelnemers.csv")
def attendees_csv(slug: str):
    """The attendee list as a CSV file that opens correctly in Excel."""
    meeting = _coordinator_meeting(slug)
    return Response(
        service.attendees_csv(meeting),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="deelnemers-{meeting.slug}.csv"',
            "Cache-Control": "no-store",
        },
    )


@bp.post("/sessies/<slug>/deelnemers/<int:registration_id>/aanwezig")
def check_in(slug: str, registration_id: int):
    """Mark a registrant present or not present."""
    meeting = _coordinator_meeting(slug)
    form = CheckInForm()
    form.validate()
    try:
        registration = service.set_check_in(meeting, registration_id, form.present())
    except service.AgendaError as error:
        flash(str(error), "warning")
    else:
        db.session.commit()
        if registration.checked_in_at:
            at = nl_time(registration.checked_in_at)
            flash(f"{registration.user.name} is aanwezig (sinds {at}).", "success")
        else:
            flash(f"{registration.user.name} staat niet meer als aanwezig.", "info")
    return redirect(url_for("agenda.attendees", slug=slug, _anchor=f"r{registration_id}"))


@bp.route("/sessies/<slug>/verslag/bewerken", methods=["GET", "POST"])
def edit_report(slug: str):
    """A coordinator writes the verslag of a session that has started."""
    meeting = _coordinator_meeting(slug)
    form = ReportForm(data={"report": meeting.report, "visibility": meeting.report_visibility})
    if form.validate_on_submit():
        try:
            service.save_report(meeting, form.report.data or "", form.visibility.data)
        except service.AgendaError as error:
            flash(str(error), "warning")
        else:
            db.session.commit()
            flash("Het verslag is bewaard.", "success")
            return redirect(url_for("agenda.detail", slug=slug, _anchor="verslag"))
    return render_template("agenda/report_form.html", form=form, meeting=meeting)
