"""The agenda: sessions, registration and waiting list, and the coordinators' pages."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from lerend_netwerk.access import coordinator_required
from lerend_netwerk.agenda import guests, meetings, registrations, roster, service
from lerend_netwerk.agenda.access import coordinator_meeting
from lerend_netwerk.agenda.forms import (
    CheckInForm,
    GuestConfirmForm,
    GuestRegistrationForm,
    MeetingForm,
    RegistrationForm,
    ReportForm,
    WalkInForm,
)
from lerend_netwerk.agenda.models import Meeting, Registration
from lerend_netwerk.auth import throttle
from lerend_netwerk.core.downloads import attachment
from lerend_netwerk.core.edge import bounded_int
from lerend_netwerk.core.pagecache import cacheable, not_cacheable
from lerend_netwerk.extensions import db, limiter
from lerend_netwerk.networks.service import network_choices, network_for_new_content
from lerend_netwerk.proeftuinen.models import LEVEL_LABELS
from lerend_netwerk.themes.service import related_on_themes
from lerend_netwerk.timeutil import nl_time
from lerend_netwerk.visibility import is_member

bp = Blueprint("agenda", __name__, template_folder="templates")


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
@cacheable
def index():
    """The agenda: upcoming or past sessions, filtered by kind, theme and level."""
    filters = service.AgendaFilters.from_args(request.args)
    agenda = service.agenda_page(
        current_user, filters, request.args.get("page", 1, type=bounded_int)
    )
    return render_template("agenda/index.html", agenda=agenda, levels=LEVEL_LABELS)


@bp.get("/sessies/<slug>")
@cacheable
def detail(slug: str):
    """One session with its registration state for the visitor."""
    page = service.meeting_page(slug, current_user)
    # A visitor gets no member form: its CSRF token would need a session cookie.
    form = None
    if current_user.is_authenticated:
        form = RegistrationForm(
            data={"remark": page.registration.remark if page.registration else ""}
        )
    return _detail_page(page, form)


def _detail_page(page: service.MeetingPage, form, guest_form=None, status: int = 200):
    if guest_form is None and page.meeting.open_to_guests and not current_user.is_authenticated:
        guest_form = GuestRegistrationForm(formdata=None)
    if guest_form is not None:
        # The guest form carries this visitor's CSRF token: never a shared cached page.
        not_cacheable()
    related = related_on_themes(page.meeting.themes, current_user, exclude=page.meeting)
    html = render_template(
        "agenda/detail.html",
        page=page,
        meeting=page.meeting,
        form=form,
        guest_form=guest_form,
        related=related,
        retention_months=current_app.config["GUEST_RETENTION_MONTHS"],
    )
    headers = {"Cache-Control": "private, no-store"} if guest_form is not None else {}
    return html, status, headers


def _registration_rate_limit() -> str:
    return current_app.config["REGISTRATION_RATE_LIMIT"]


def _member_or_address() -> str:
    """Limit per signed-in member; anonymous requests per client address."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"addr:{request.remote_addr}"


# One budget for registering and cancelling together. Guests' requests are counted in
# the database instead (GUEST_REQUESTS_PER_*), the same for every worker.
registration_limit = limiter.shared_limit(
    _registration_rate_limit,
    scope="registration",
    key_func=_member_or_address,
    exempt_when=lambda: not current_user.is_authenticated,
)


@bp.post("/sessies/<slug>/inschrijven")
@registration_limit
def register(slug: str):
    """Register the signed-in member: confirmed while seats are left, else waiting list.

    A visitor without an account may ask for a place in a session open to guests.
    """
    if not current_user.is_authenticated:
        meeting = service.get_visible_meeting(slug, current_user)
        if meeting.open_to_guests:
            return _guest_request(meeting)
    meeting = _member_meeting(slug)
    form = RegistrationForm()
    if not form.validate():
        flash(" ".join(form.remark.errors), "error")
        return redirect(url_for("agenda.detail", slug=slug))
    return _take_step(
        lambda: registrations.register(meeting, current_user, form.remark.data or ""),
        _registration_message,
        url_for("agenda.detail", slug=slug),
    )


@bp.post("/sessies/<slug>/uitschrijven")
@registration_limit
def unregister(slug: str):
    """Cancel the signed-in member's place; the first on the waiting list moves up."""
    meeting = _member_meeting(slug)
    return _take_step(
        lambda: registrations.cancel(meeting, current_user),
        lambda _: (f"Je bent uitgeschreven voor “{meeting.title}”.", "success"),
        url_for("agenda.detail", slug=slug),
    )


def _take_step(step, done, back: str):
    """Take a step of the agenda's rules, then go to `back`: the AgendaError it raises is
    shown as a warning; otherwise the step is committed and `done(result)`, a (message,
    category), shown: worded before the commit, which would expire what it says."""
    try:
        result = step()
    except service.AgendaError as error:
        flash(str(error), "warning")
        return redirect(back)
    message = done(result)
    db.session.commit()
    flash(*message)
    return redirect(back)


# --- guests -----------------------------------------------------------------------------


def _guest_request(meeting: Meeting):
    """A visitor's request for a place: the same answer whatever the address is."""
    form = GuestRegistrationForm()
    if not form.validate():
        page = service.meeting_page(meeting.slug, current_user)
        return _detail_page(page, RegistrationForm(formdata=None), guest_form=form, status=400)
    if form.is_bot:
        current_app.logger.info("guest request with the honeypot filled in ignored")
        return _guest_requested(meeting, form.email.data)
    result = throttle.attempt(
        [
            (throttle.GUEST_EMAIL, throttle.account_key(form.email.data)),
            (throttle.GUEST_ADDRESS, throttle.client_address()),
        ]
    )
    if not result.allowed:
        throttle.log_refusal(result)
        response = current_app.make_response(
            (
                render_template(
                    "agenda/guest_refused.html", meeting=meeting, refusal=result.message
                ),
                429,
            )
        )
        response.headers["Retry-After"] = str(result.retry_after)
        return response
    details = guests.GuestDetails(
        name=form.name.data,
        email=form.email.data,
        organisation=form.organisation.data or "",
        function=form.function.data or "",
        remark=form.remark.data or "",
    )
    try:
        guests.request_place(meeting, details)
    except service.AgendaError as error:
        db.session.rollback()
        flash(str(error), "warning")
        return redirect(url_for("agenda.detail", slug=meeting.slug))
    db.session.commit()
    return _guest_requested(meeting, form.email.data)


def _guest_requested(meeting: Meeting, email: str):
    return render_template("agenda/guest_requested.html", meeting=meeting, email=email)


def _guest_registration(token: str) -> Registration:
    registration = guests.find_by_token(token)
    if registration is None:
        abort(404)
    return registration


@bp.route("/inschrijving/<token>", methods=["GET", "POST"])
def guest_registration(token: str):
    """A guest's personal page: confirm the request, see the place, cancel or erase."""
    registration = _guest_registration(token)
    form = GuestConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            registration = guests.confirm(registration)
        except service.AgendaError as error:
            flash(str(error), "warning")
        else:
            db.session.commit()
            if registration.is_active:
                flash(*_registration_message(registration))
        return redirect(url_for("agenda.guest_registration", token=token))
    service.waitlist_position(registration)
    meeting = registration.meeting
    return render_template(
        "agenda/guest_registration.html",
        registration=registration,
        meeting=meeting,
        token=token,
        form=form,
        closed_reason=service.registration_closed_reason(meeting),
        show_online=registration.status == "confirmed",
    ), {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@bp.post("/inschrijving/<token>/uitschrijven")
def guest_cancel(token: str):
    """The guest cancels their place; the first on the waiting list moves up."""
    registration = _guest_registration(token)
    GuestConfirmForm().validate()
    title = registration.meeting.title
    return _take_step(
        lambda: guests.cancel(registration),
        lambda _: (f"Je bent uitgeschreven voor “{title}”.", "success"),
        url_for("agenda.guest_registration", token=token),
    )


@bp.post("/inschrijving/<token>/wissen")
def guest_erase(token: str):
    """The guest erases their registration and personal data."""
    registration = _guest_registration(token)
    meeting = registration.meeting
    guests.erase(registration)
    db.session.commit()
    return render_template("agenda/guest_erased.html", meeting=meeting)


# --- coordinators -----------------------------------------------------------------------


@bp.route("/sessies/nieuw", methods=["GET", "POST"])
@coordinator_required
def create():
    """A coordinator adds a session."""
    form = MeetingForm(choices=meetings.meeting_choices(), networks=network_choices(current_user))
    if form.validate_on_submit():
        values = form.values()
        try:
            meeting = meetings.create_meeting(
                values, network_for_new_content(current_user, values.network_id)
            )
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
    meeting = coordinator_meeting(slug)
    form = MeetingForm(
        choices=meetings.meeting_choices(), meeting=meeting, data=meetings.form_values(meeting)
    )
    if form.validate_on_submit():
        update = meetings.update_meeting(meeting, form.values())
        db.session.commit()
        flash("De sessie is bijgewerkt.", "success")
        if update.rescheduled:
            flash(
                "Titel, tijdstip of plaats veranderden: wie ingeschreven is, krijgt bericht.",
                "info",
            )
        if update.promoted:
            names = ", ".join(r.person_name for r in update.promoted)
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

    coordinator_meeting(slug)
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
    return _change_meeting_status(slug, meetings.reinstate_meeting, "gaat toch door")


def _change_meeting_status(slug: str, change, outcome: str):
    """Cancel or reinstate as a coordinator; registrants hear of it through the signal."""
    meeting = coordinator_meeting(slug)
    message = f"“{meeting.title}” {outcome}. Wie ingeschreven is, krijgt bericht."
    return _take_step(
        lambda: change(meeting, actor=current_user),
        lambda _: (message, "success"),
        url_for("agenda.detail", slug=slug),
    )


@bp.get("/sessies/<slug>/deelnemers")
def attendees(slug: str):
    """The attendee list with check-in, for coordinators."""
    meeting = coordinator_meeting(slug)
    return render_template(
        "agenda/attendees.html",
        meeting=meeting,
        attendees=roster.attendee_list(meeting),
        form=CheckInForm(),
        walk_in_form=WalkInForm(formdata=None),
        person_kind=roster.person_kind,
    )


@bp.get("/sessies/<slug>/deelnemers.csv")
def attendees_csv(slug: str):
    """The attendee list as a CSV file that opens correctly in Excel."""
    meeting = coordinator_meeting(slug)
    return attachment(roster.attendees_csv(meeting), "text/csv", f"deelnemers-{meeting.slug}.csv")


@bp.post("/sessies/<slug>/deelnemers/<int:registration_id>/aanwezig")
def check_in(slug: str, registration_id: int):
    """Mark a registrant present or not present."""
    meeting = coordinator_meeting(slug)
    form = CheckInForm()
    form.validate()
    try:
        registration = roster.set_check_in(meeting, registration_id, form.present())
    except service.AgendaError as error:
        flash(str(error), "warning")
    else:
        db.session.commit()
        if registration.checked_in_at:
            at = nl_time(registration.checked_in_at)
            flash(f"{registration.person_name} is aanwezig (sinds {at}).", "success")
        else:
            flash(f"{registration.person_name} staat niet meer als aanwezig.", "info")
    return redirect(url_for("agenda.attendees", slug=slug, _anchor=f"r{registration_id}"))


@bp.post("/sessies/<slug>/deelnemers/ter-plaatse")
def add_walk_in(slug: str):
    """Add someone at the door who did not register: present, counted as attended."""
    meeting = coordinator_meeting(slug)
    form = WalkInForm()
    if not form.validate():
        flash(" ".join(error for errors in form.errors.values() for error in errors), "error")
        return redirect(url_for("agenda.attendees", slug=slug, _anchor="ter-plaatse"))
    return _take_step(
        lambda: roster.add_walk_in(
            meeting, form.name.data, form.organisation.data or "", form.email.data or ""
        ),
        lambda registration: (f"{registration.person_name} is toegevoegd en aanwezig.", "success"),
        url_for("agenda.attendees", slug=slug, _anchor="ter-plaatse"),
    )


@bp.route("/sessies/<slug>/verslag/bewerken", methods=["GET", "POST"])
def edit_report(slug: str):
    """A coordinator writes the verslag of a session that has started."""
    meeting = coordinator_meeting(slug)
    form = ReportForm(data={"report": meeting.report, "visibility": meeting.report_visibility})
    if form.validate_on_submit():
        try:
            meetings.save_report(meeting, form.report.data or "", form.visibility.data)
        except service.AgendaError as error:
            flash(str(error), "warning")
        else:
            db.session.commit()
            flash("Het verslag is bewaard.", "success")
            return redirect(url_for("agenda.detail", slug=slug, _anchor="verslag"))
    return render_template("agenda/report_form.html", form=form, meeting=meeting)
