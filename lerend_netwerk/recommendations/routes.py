"""Policy-recommendation threads: thin views over `recommendations.service`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from lerend_netwerk.access import coordinator_required
from lerend_netwerk.core.edge import bounded_int
from lerend_netwerk.core.forms import Form
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.proeftuinen.models import LEVEL_LABELS
from lerend_netwerk.recommendations import service
from lerend_netwerk.recommendations.forms import (
    ActionForm,
    EditReplyForm,
    FlagForm,
    HideForm,
    ReplyForm,
    StatusForm,
    ThreadForm,
)
from lerend_netwerk.recommendations.models import (
    RECOMMENDATION_STATUS_LABELS,
    STANCE_LABELS,
)
from lerend_netwerk.recommendations.service import RecommendationError

bp = Blueprint("recommendations", __name__, template_folder="templates")


def _thread_url(slug: str, post_id: int | None = None) -> str:
    """The thread page, at one reply when given."""
    anchor = f"reactie-{post_id}" if post_id else None
    return url_for("recommendations.detail", slug=slug, _anchor=anchor)


def _back(slug: str, post_id: int | None = None) -> Response:
    """Back to the thread, or to the moderation queue when the form came from there."""
    if request.form.get("terug") == "moderatie":
        return redirect(url_for("recommendations.moderation"))
    return redirect(_thread_url(slug, post_id))


def _act(action: Callable[[], Any], message: Callable[[Any], str], back: Response) -> Response:
    """A button's action: commit and confirm it, or say why it could not be done."""
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        outcome = action()
    except RecommendationError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(message(outcome), "success")
    return back


def _field_error(form: Form, error: RecommendationError) -> bool:
    """Put a service error on its form field; False when it belongs to no field."""
    if error.field and error.field in form:
        form[error.field].errors = [*form[error.field].errors, str(error)]
        return True
    return False


def _render_thread(page: service.ThreadPage, reply_form: ReplyForm, status: int = 200):
    """The thread page with its reply form (fresh, or with the errors of a POST)."""
    status_form = StatusForm(formdata=None)
    status_form.status.choices = [
        (value, RECOMMENDATION_STATUS_LABELS[value]) for value in page.transitions
    ]
    replying_to = page.find(reply_form.parent_id.data)
    if replying_to is not None and replying_to.is_hidden:
        replying_to = None
    return render_template(
        "recommendations/detail.html",
        page=page,
        thread=page.thread,
        reply_form=reply_form,
        replying_to=replying_to,
        status_form=status_form,
        stance_labels=STANCE_LABELS,
        edit_window_minutes=int(service.edit_window().total_seconds() // 60),
    ), status


@bp.get("/aanbevelingen")
def index():
    """Threads the visitor may see, per theme, filterable by theme, level and status."""
    filters = {
        "theme": request.args.get("thema") or None,
        "level": request.args.get("niveau") or None,
        "status": request.args.get("status") or None,
    }
    return render_template(
        "recommendations/index.html",
        groups=service.list_threads(current_user, **filters),
        filters=filters,
        themes=service.filter_themes(current_user),
        levels=LEVEL_LABELS,
        statuses=RECOMMENDATION_STATUS_LABELS,
    )


@bp.get("/aanbevelingen/eindrapport")
def final_report():
    """The accepted recommendations as a printable chapter of the final report."""
    return render_template(
        "recommendations/final_report.html",
        chapters=service.final_report(current_user),
        headings=service.ARGUMENT_HEADINGS,
        generated_at=utcnow(),
    )


@bp.get("/aanbevelingen/eindrapport.md")
def final_report_markdown():
    """The same chapter as a Markdown download."""
    text = service.final_report_markdown(current_user)
    return Response(
        text,
        content_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="beleidsaanbevelingen.md"'},
    )


@bp.get("/aanbevelingen/moderatie")
@coordinator_required
def moderation():
    """Coordinators: reported replies and hidden replies."""
    return render_template(
        "recommendations/moderation.html", queue=service.moderation_queue(current_user)
    )


@bp.route("/aanbevelingen/nieuw", methods=["GET", "POST"])
@coordinator_required
def create():
    """Coordinators open a new thread."""
    form = ThreadForm()
    form.theme_id.choices = service.theme_choices()
    form.level.choices = service.level_choices()
    if form.validate_on_submit():
        try:
            thread = service.create_thread(current_user, form.data)
        except RecommendationError as error:
            if not _field_error(form, error):
                flash(str(error), "error")
        else:
            db.session.commit()
            flash("De aanbeveling is aangemaakt.", "success")
            return redirect(_thread_url(thread.slug))
    status = 400 if request.method == "POST" else 200
    return render_template("recommendations/thread_form.html", form=form, thread=None), status


@bp.get("/aanbevelingen/<slug>")
def detail(slug: str):
    """One thread: the proposal, the tally, the replies and the reply form."""
    page = service.thread_page(slug, current_user)
    form = ReplyForm(formdata=None)
    answer = request.args.get("antwoord", type=bounded_int)
    if answer is not None and page.find(answer) is not None:
        form.parent_id.data = answer
    response = _render_thread(page, form)
    service.record_visit(page, current_user)
    db.session.commit()
    return response


@bp.route("/aanbevelingen/<slug>/bewerken", methods=["GET", "POST"])
@coordinator_required
def edit(slug: str):
    """Coordinators edit a thread's title, address, theme, level, visibility and text."""
    thread = service.get_thread(slug, current_user)
    form = ThreadForm(obj=thread)
    form.theme_id.choices = service.theme_choices()
    form.level.choices = service.level_choices()
    if request.method == "GET":
        form.level.data = thread.level or ""
    if form.validate_on_submit():
        try:
            thread = service.update_thread(slug, current_user, form.data)
        except RecommendationError as error:
            if not _field_error(form, error):
                flash(str(error), "error")
        else:
            db.session.commit()
            flash("De aanbeveling is bijgewerkt.", "success")
            return redirect(_thread_url(thread.slug))
    status = 400 if request.method == "POST" else 200
    return render_template("recommendations/thread_form.html", form=form, thread=thread), status


@bp.post("/aanbevelingen/<slug>/reacties")
@login_required
def reply(slug: str):
    """A member replies with a stance (contract: body, stance, csrf_token; parent_id)."""
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            post = service.add_reply(
                slug,
                current_user,
                body=form.body.data,
                stance=form.stance.data,
                parent_id=form.parent_id.data,
            )
        except RecommendationError as error:
            if not _field_error(form, error):
                flash(str(error), "error")
                return redirect(_thread_url(slug))
        else:
            db.session.commit()
            flash("Je reactie is geplaatst.", "success")
            return redirect(_thread_url(slug, post.id))
    return _render_thread(service.thread_page(slug, current_user), form, 400)


@bp.route("/aanbevelingen/<slug>/reacties/<int:post_id>/bewerken", methods=["GET", "POST"])
@login_required
def edit_reply(slug: str, post_id: int):
    """The author edits a reply within the edit window."""
    try:
        post = service.editable_post(slug, post_id, current_user)
    except RecommendationError as error:
        flash(str(error), "error")
        return redirect(_thread_url(slug, post_id))
    form = EditReplyForm(obj=post)
    if form.validate_on_submit():
        try:
            service.edit_reply(
                slug, post_id, current_user, body=form.body.data, stance=form.stance.data
            )
        except RecommendationError as error:
            if not _field_error(form, error):
                flash(str(error), "error")
                return redirect(_thread_url(slug, post_id))
        else:
            db.session.commit()
            flash("Je reactie is bijgewerkt.", "success")
            return redirect(_thread_url(slug, post_id))
    status = 400 if request.method == "POST" else 200
    deadline = post.created_at + service.edit_window()
    return render_template(
        "recommendations/edit_reply.html", form=form, post=post, deadline=deadline
    ), status


@bp.get("/aanbevelingen/<slug>/reacties/<int:post_id>/geschiedenis")
@coordinator_required
def history(slug: str, post_id: int):
    """Coordinators: the earlier versions of a reply."""
    post, revisions = service.post_history(slug, post_id, current_user)
    return render_template("recommendations/history.html", post=post, revisions=revisions)


@bp.route("/aanbevelingen/<slug>/reacties/<int:post_id>/melden", methods=["GET", "POST"])
@login_required
def flag(slug: str, post_id: int):
    """A member reports a reply to the moderators: the form, and sending it."""
    try:
        post = service.flaggable_post(slug, post_id, current_user)
    except RecommendationError as error:
        flash(str(error), "error")
        return redirect(_thread_url(slug, post_id))
    form = FlagForm()
    if form.validate_on_submit():
        try:
            service.flag_post(
                slug, post_id, current_user, reason=form.reason.data, details=form.details.data
            )
        except RecommendationError as error:
            if not _field_error(form, error):
                flash(str(error), "error")
                return redirect(_thread_url(slug, post_id))
        else:
            db.session.commit()
            flash("Bedankt. De moderatoren bekijken je melding.", "success")
            return redirect(_thread_url(slug, post_id))
    status = 400 if request.method == "POST" else 200
    return render_template("recommendations/flag.html", form=form, post=post), status


@bp.route("/aanbevelingen/<slug>/reacties/<int:post_id>/verbergen", methods=["GET", "POST"])
@coordinator_required
def hide(slug: str, post_id: int):
    """Coordinators hide a reply with a reason: the form, and hiding it."""
    try:
        post = service.hideable_post(slug, post_id, current_user)
    except RecommendationError as error:
        flash(str(error), "error")
        return _back(slug, post_id)
    form = HideForm()
    if form.validate_on_submit():
        try:
            service.hide_post(slug, post_id, current_user, form.reason.data)
        except RecommendationError as error:
            if not _field_error(form, error):
                flash(str(error), "error")
                return _back(slug, post_id)
        else:
            db.session.commit()
            flash("De reactie is verborgen.", "success")
            return _back(slug, post_id)
    elif request.method == "POST" and request.form.get("terug") == "moderatie":
        flash("Geef een reden om de reactie te verbergen.", "error")
        return _back(slug, post_id)
    status = 400 if request.method == "POST" else 200
    return render_template("recommendations/hide.html", form=form, post=post), status


@bp.post("/aanbevelingen/<slug>/reacties/<int:post_id>/tonen")
@coordinator_required
def unhide(slug: str, post_id: int):
    """Coordinators show a hidden reply again."""
    return _act(
        lambda: service.unhide_post(slug, post_id, current_user),
        lambda _: "De reactie is opnieuw zichtbaar.",
        _back(slug, post_id),
    )


@bp.post("/aanbevelingen/<slug>/reacties/<int:post_id>/meldingen-afhandelen")
@coordinator_required
def dismiss(slug: str, post_id: int):
    """Coordinators judge the reports on a reply unfounded."""
    return _act(
        lambda: service.dismiss_flags(slug, post_id, current_user),
        lambda _: "De meldingen zijn afgehandeld; de reactie blijft zichtbaar.",
        _back(slug, post_id),
    )


@bp.post("/aanbevelingen/<slug>/steunen")
@login_required
def endorse(slug: str):
    """A member supports the proposal, or withdraws the support."""
    return _act(
        lambda: service.toggle_endorsement(slug, current_user),
        lambda supported: "Je steunt dit voorstel." if supported else "Je steun is ingetrokken.",
        redirect(_thread_url(slug)),
    )


@bp.post("/aanbevelingen/<slug>/volgen")
@login_required
def follow(slug: str):
    """A member follows or unfollows the thread."""
    return _act(
        lambda: service.toggle_follow(slug, current_user),
        lambda following: (
            "Je volgt deze aanbeveling: nieuwe reacties worden voor jou gemarkeerd."
            if following
            else "Je volgt deze aanbeveling niet meer."
        ),
        redirect(_thread_url(slug)),
    )


@bp.post("/aanbevelingen/<slug>/status")
@coordinator_required
def change_status(slug: str):
    """Coordinators move the thread along open → in bespreking → aanvaard/verworpen."""
    form = StatusForm()
    form.status.choices = list(RECOMMENDATION_STATUS_LABELS.items())
    if not form.validate_on_submit():
        abort(400)
    try:
        thread = service.change_status(slug, current_user, form.status.data, form.reason.data)
    except RecommendationError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"De status is nu ‘{thread.status_label}’.", "success")
    return redirect(_thread_url(slug))


@bp.post("/aanbevelingen/<slug>/sluiten")
@coordinator_required
def close(slug: str):
    """Coordinators close the thread for new replies."""
    return _set_closed(slug, True)


@bp.post("/aanbevelingen/<slug>/heropenen")
@coordinator_required
def reopen(slug: str):
    """Coordinators reopen the thread for new replies."""
    return _set_closed(slug, False)


def _set_closed(slug: str, closed: bool) -> Response:
    """Close or reopen a thread for new replies, then back to it."""
    return _act(
        lambda: service.set_closed(slug, current_user, closed),
        lambda _: (
            "De draad is gesloten voor nieuwe reacties."
            if closed
            else "De draad is opnieuw open voor reacties."
        ),
        redirect(_thread_url(slug)),
    )
