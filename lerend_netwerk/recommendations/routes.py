"""Policy-recommendation threads: thin views over the modules of `recommendations`."""

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
from flask_login import current_user

from lerend_netwerk.access import coordinator_required, member_required
from lerend_netwerk.core.downloads import attachment
from lerend_netwerk.core.edge import bounded_int
from lerend_netwerk.core.forms import Form
from lerend_netwerk.core.pagecache import cacheable
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import csrf, db
from lerend_netwerk.markdown import markdown_to_text
from lerend_netwerk.networks.context import scope_network_id
from lerend_netwerk.networks.service import network_choices
from lerend_netwerk.proeftuinen.models import LEVEL_LABELS
from lerend_netwerk.recommendations import (
    following,
    reading,
    replies,
    report,
    report_files,
    support,
    threads,
    workflow,
)
from lerend_netwerk.recommendations import moderation as moderating
from lerend_netwerk.recommendations.forms import (
    ActionForm,
    EditReplyForm,
    FlagForm,
    FreezeReportForm,
    HideForm,
    ReplyForm,
    StatusForm,
    ThreadForm,
)
from lerend_netwerk.recommendations.models import (
    RECOMMENDATION_STATUS_LABELS,
    STANCE_LABELS,
)
from lerend_netwerk.recommendations.threads import RecommendationError
from lerend_netwerk.timeutil import to_local

bp = Blueprint("recommendations", __name__, template_folder="templates")
bp.add_app_template_filter(markdown_to_text, "markdown_text")
bp.add_app_template_global(following.THREAD_MAIL_CHOICES, "thread_mail_choices")


def _thread_url(slug: str, post_id: int | None = None) -> str:
    """The thread page, at one reply (on the page that shows it) when given."""
    if not post_id:
        return url_for("recommendations.detail", slug=slug)
    page = threads.page_of_post(post_id, current_user)
    return url_for(
        "recommendations.detail",
        slug=slug,
        page=page if page > 1 else None,
        _anchor=f"reactie-{post_id}",
    )


def _back(slug: str, post_id: int | None = None) -> Response:
    """Back to the thread, or to the moderation queue when the form came from there."""
    if request.form.get("terug") == "moderatie":
        return redirect(url_for("recommendations.moderation"))
    return redirect(_thread_url(slug, post_id))


def _act(
    action: Callable[[], Any],
    message: Callable[[Any], str],
    back: Response,
    form: Form | None = None,
) -> Response:
    """A button's action (its `form`: a bare button's `ActionForm` unless given): commit
    and confirm it, or say why it could not be done."""
    if not (ActionForm() if form is None else form).validate_on_submit():
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


def _render_thread(page: reading.ThreadPage, reply_form: ReplyForm, status: int = 200):
    """The thread page with its reply form (fresh, or with the errors of a POST)."""
    # A visitor sees neither form: no CSRF token, so no session cookie.
    status_form = StatusForm(formdata=None, meta={"csrf": current_user.is_authenticated})
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
        edit_window_minutes=int(threads.edit_window().total_seconds() // 60),
    ), status


@bp.get("/aanbevelingen")
@cacheable
def index():
    """Threads the visitor may see, per theme, filterable by theme, level and status."""
    filters = {
        "theme": request.args.get("thema") or None,
        "level": request.args.get("niveau") or None,
        "status": request.args.get("status") or None,
    }
    return render_template(
        "recommendations/index.html",
        groups=reading.list_threads(
            current_user, **filters, network_id=scope_network_id(request.args)
        ),
        filters=filters,
        themes=reading.filter_themes(current_user),
        levels=LEVEL_LABELS,
        statuses=RECOMMENDATION_STATUS_LABELS,
    )


def _report_download(document: dict[str, Any], fmt: str, name: str) -> Response:
    """The report document as a Markdown, PDF or Word download."""
    if fmt == "pdf":
        data, content_type = report_files.to_pdf(document), "application/pdf"
    elif fmt == "docx":
        data = report_files.to_docx(document)
        content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    else:
        data, content_type = report.to_markdown(document), "text/markdown; charset=utf-8"
    return attachment(data, content_type, f"{name}.{fmt}", private=False)


def _render_report(document: dict[str, Any] | None, version: Any, download: Callable):
    form = FreezeReportForm(formdata=None)
    form.report_date.data = to_local(utcnow()).date()
    return render_template(
        "recommendations/final_report.html",
        document=document,
        document_toc=report_files.toc_items(document) if document else [],
        version=version,
        versions=report.frozen_versions(),
        is_coordinator=report.coordinates_report(current_user),
        freeze_form=form,
        headings=report.ARGUMENT_HEADINGS,
        annex_title=report_files.ANNEX_TITLE,
        link_threads=True,
        download=download,
    )


def _current_report() -> tuple[dict[str, Any] | None, Any]:
    """Coordinators get the working version; everyone else the latest frozen version."""
    if report.coordinates_report(current_user):
        return report.working_document(current_user), None
    versions = report.frozen_versions()
    if not versions:
        return None, None
    return report.for_viewer(versions[0].snapshot, current_user), versions[0]


@bp.get("/aanbevelingen/eindrapport")
def final_report():
    """The final report: the working version for coordinators, the latest frozen one else."""
    document, version = _current_report()
    return _render_report(
        document,
        version,
        lambda fmt: url_for(
            "recommendations.final_report_markdown"
            if fmt == "md"
            else "recommendations.final_report_download",
            **({} if fmt == "md" else {"fmt": fmt}),
        ),
    )


@bp.get("/aanbevelingen/eindrapport.md")
def final_report_markdown():
    """The same document as a Markdown download."""
    return final_report_download("md")


@bp.get("/aanbevelingen/eindrapport.<any(pdf, docx):fmt>")
def final_report_download(fmt: str):
    """The same document as a PDF or Word download."""
    document, _version = _current_report()
    if document is None:
        abort(404)
    return _report_download(document, fmt, "beleidsaanbevelingen")


@bp.route("/aanbevelingen/eindrapport/samenstellen", methods=["GET", "POST"])
@coordinator_required
def compose_report():
    """Coordinators choose the threads and their order, the introduction and the closing."""
    report.ensure_report_coordinator(current_user)
    draft = report.working_version()
    introduction = draft.introduction if draft else ""
    closing = draft.closing if draft else ""
    rows = report.selection_rows(draft)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        if not ActionForm().validate_on_submit():
            abort(400)
        introduction = request.form.get("introduction", "")
        closing = request.form.get("closing", "")
        chosen = [int(v) for v in request.form.getlist("kies") if v.isdigit()]
        order = {
            thread.id: request.form.get(f"volgorde-{thread.id}", type=int) or 10**6
            for thread, _ in rows
        }
        try:
            report.save_working_version(
                current_user,
                introduction=introduction,
                closing=closing,
                chosen=chosen,
                order=order,
            )
        except RecommendationError as error:
            errors[error.field or "general"] = str(error)
            status = 400
        else:
            db.session.commit()
            flash("Het eindrapport is bijgewerkt.", "success")
            return redirect(url_for("recommendations.final_report"))
    return render_template(
        "recommendations/compose_report.html",
        rows=rows,
        introduction=introduction,
        closing=closing,
        errors=errors,
    ), status


@bp.post("/aanbevelingen/eindrapport/vastleggen")
@coordinator_required
def freeze_report():
    """Coordinators freeze the working version with a date."""
    form = FreezeReportForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(url_for("recommendations.final_report"))
    try:
        version = report.freeze(
            current_user, report_date=form.report_date.data, label=form.label.data
        )
    except RecommendationError as error:
        flash(str(error), "error")
        return redirect(url_for("recommendations.final_report"))
    db.session.commit()
    flash(f"‘{version.label}’ is vastgelegd.", "success")
    return redirect(url_for("recommendations.report_version", version_id=version.id))


@bp.get("/aanbevelingen/eindrapport/versies/<int:version_id>")
def report_version(version_id: int):
    """A frozen version: it reads as it did on the day it was frozen."""
    version = report.get_version(version_id)
    document = report.for_viewer(version.snapshot, current_user)
    return _render_report(
        document,
        version,
        lambda fmt: url_for(
            "recommendations.report_version_download", version_id=version.id, fmt=fmt
        ),
    )


@bp.get("/aanbevelingen/eindrapport/versies/<int:version_id>.<any(md, pdf, docx):fmt>")
def report_version_download(version_id: int, fmt: str):
    """A frozen version as a Markdown, PDF or Word download."""
    version = report.get_version(version_id)
    document = report.for_viewer(version.snapshot, current_user)
    name = f"beleidsaanbevelingen-{version.report_date.isoformat()}"
    return _report_download(document, fmt, name)


@bp.post("/aanbevelingen/<slug>/reacties/<int:post_id>/kernargument")
@coordinator_required
def key_argument(slug: str, post_id: int):
    """Coordinators mark a reply as a key argument for the report, or unmark it."""
    chosen = request.form.get("kies") != "nee"
    return _act(
        lambda: report.set_key_argument(slug, post_id, current_user, chosen),
        lambda _: (
            "De reactie staat als kernargument in het eindrapport."
            if chosen
            else "De reactie is geen kernargument meer."
        ),
        redirect(_thread_url(slug, post_id)),
    )


@bp.get("/aanbevelingen/moderatie")
@coordinator_required
def moderation():
    """Coordinators: reported replies and hidden replies."""
    return render_template(
        "recommendations/moderation.html", queue=moderating.moderation_queue(current_user)
    )


@bp.route("/aanbevelingen/nieuw", methods=["GET", "POST"])
@coordinator_required
def create():
    """Coordinators open a new thread."""
    form = ThreadForm()
    form.network_id.choices = network_choices(current_user)
    if len(form.network_id.choices) < 2:
        del form.network_id
    return _thread_form(
        form,
        lambda data: workflow.create_thread(current_user, data),
        "De aanbeveling is aangemaakt.",
    )


def _thread_form(form: ThreadForm, save: Callable[[dict[str, Any]], Any], done: str, thread=None):
    """The thread form, new (`thread` None) or of `thread`: show it, or `save` its data,
    commit, confirm with `done` and go to the saved thread."""
    form.theme_id.choices = workflow.theme_choices()
    form.level.choices = workflow.level_choices()
    form.proeftuin_ids.choices = workflow.proeftuin_choices()
    if thread is not None and request.method == "GET":
        form.level.data = thread.level or ""
        form.proeftuin_ids.data = [p.id for p in thread.proeftuinen]
    if form.validate_on_submit():
        try:
            saved = save(form.data)
        except RecommendationError as error:
            if not _field_error(form, error):
                flash(str(error), "error")
        else:
            db.session.commit()
            flash(done, "success")
            return redirect(_thread_url(saved.slug))
    status = 400 if request.method == "POST" else 200
    return render_template("recommendations/thread_form.html", form=form, thread=thread), status


@bp.route("/aanbevelingen/ontvolgen/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed link is the proof; mail clients POST it without a form (RFC 8058)
def unfollow_link(token: str):
    """Stop following one thread from the link in a mail: confirm (GET), do it (POST)."""
    found = following.resolve_unfollow(token)
    if found is None:
        abort(404)
    user, thread = found
    done = False
    if request.method == "POST":
        following.unfollow(user, thread)
        db.session.commit()
        done = True
    return render_template("recommendations/unfollow.html", thread=thread, user=user, done=done)


@bp.get("/aanbevelingen/<slug>")
@cacheable
def detail(slug: str):
    """One thread: the proposal, the tally, the replies and the reply form."""
    page = reading.thread_page(slug, current_user, page=request.args.get("page", 1, type=int))
    form = ReplyForm(formdata=None, meta={"csrf": current_user.is_authenticated})
    answer = request.args.get("antwoord", type=bounded_int)
    if answer is not None and page.find(answer) is not None:
        form.parent_id.data = answer
    response = _render_thread(page, form)
    reading.record_visit(page, current_user)
    db.session.commit()
    return response


@bp.route("/aanbevelingen/<slug>/bewerken", methods=["GET", "POST"])
@coordinator_required
def edit(slug: str):
    """Coordinators edit a thread's title, address, theme, level, visibility and text."""
    thread = threads.get_thread(slug, current_user)
    threads.ensure_coordinates(current_user, thread)
    form = ThreadForm(obj=thread)
    del form.network_id
    return _thread_form(
        form,
        lambda data: workflow.update_thread(slug, current_user, data),
        "De aanbeveling is bijgewerkt.",
        thread,
    )


@bp.post("/aanbevelingen/<slug>/reacties")
@member_required
def reply(slug: str):
    """A member replies with a stance (contract: body, stance, csrf_token; parent_id)."""
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            post = replies.add_reply(
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
    return _render_thread(reading.thread_page(slug, current_user), form, 400)


@bp.route("/aanbevelingen/<slug>/reacties/<int:post_id>/bewerken", methods=["GET", "POST"])
@member_required
def edit_reply(slug: str, post_id: int):
    """The author edits a reply within the edit window."""
    return _reply_form(
        slug,
        post_id,
        find=replies.editable_post,
        make_form=lambda post: EditReplyForm(obj=post),
        save=lambda form: replies.edit_reply(
            slug, post_id, current_user, body=form.body.data, stance=form.stance.data
        ),
        done="Je reactie is bijgewerkt.",
        template="recommendations/edit_reply.html",
        context=lambda post: {"deadline": post.created_at + threads.edit_window()},
    )


@bp.get("/aanbevelingen/<slug>/reacties/<int:post_id>/geschiedenis")
@coordinator_required
def history(slug: str, post_id: int):
    """Coordinators: the earlier versions of a reply."""
    post, revisions = replies.post_history(slug, post_id, current_user)
    return render_template("recommendations/history.html", post=post, revisions=revisions)


@bp.route("/aanbevelingen/<slug>/reacties/<int:post_id>/melden", methods=["GET", "POST"])
@member_required
def flag(slug: str, post_id: int):
    """A member reports a reply to the moderators: the form, and sending it."""
    return _reply_form(
        slug,
        post_id,
        find=moderating.flaggable_post,
        make_form=lambda post: FlagForm(),
        save=lambda form: moderating.flag_post(
            slug, post_id, current_user, reason=form.reason.data, details=form.details.data
        ),
        done="Bedankt. De moderatoren bekijken je melding.",
        template="recommendations/flag.html",
    )


@bp.route("/aanbevelingen/<slug>/reacties/<int:post_id>/verbergen", methods=["GET", "POST"])
@coordinator_required
def hide(slug: str, post_id: int):
    """Coordinators hide a reply with a reason: the form, and hiding it."""
    return _reply_form(
        slug,
        post_id,
        find=moderating.hideable_post,
        make_form=lambda post: HideForm(),
        save=lambda form: moderating.hide_post(slug, post_id, current_user, form.reason.data),
        done="De reactie is verborgen.",
        template="recommendations/hide.html",
        back=lambda: _back(slug, post_id),
        from_queue="Geef een reden om de reactie te verbergen.",
    )


def _reply_form(
    slug: str,
    post_id: int,
    *,
    find: Callable[[str, int, Any], Any],
    make_form: Callable[[Any], Form],
    save: Callable[[Form], Any],
    done: str,
    template: str,
    context: Callable[[Any], dict[str, Any]] = lambda post: {},
    back: Callable[[], Response] | None = None,
    from_queue: str | None = None,
):
    """A form about one reply (edit, report, hide): the reply `find` returns for the
    reader, or why not; then the form, or `save` it, commit and confirm with `done`, and go
    `back` (default: to the reply in its thread). `from_queue`: what a form sent from the
    moderation queue that does not validate is told, there."""
    leave = back or (lambda: redirect(_thread_url(slug, post_id)))
    try:
        post = find(slug, post_id, current_user)
    except RecommendationError as error:
        flash(str(error), "error")
        return leave()
    form = make_form(post)
    if form.validate_on_submit():
        try:
            save(form)
        except RecommendationError as error:
            if not _field_error(form, error):
                flash(str(error), "error")
                return leave()
        else:
            db.session.commit()
            flash(done, "success")
            return leave()
    elif from_queue and request.method == "POST" and request.form.get("terug") == "moderatie":
        flash(from_queue, "error")
        return leave()
    status = 400 if request.method == "POST" else 200
    return render_template(template, form=form, post=post, **context(post)), status


@bp.post("/aanbevelingen/<slug>/reacties/<int:post_id>/tonen")
@coordinator_required
def unhide(slug: str, post_id: int):
    """Coordinators show a hidden reply again."""
    return _moderate(moderating.unhide_post, "De reactie is opnieuw zichtbaar.", slug, post_id)


@bp.post("/aanbevelingen/<slug>/reacties/<int:post_id>/verborgen-houden")
@coordinator_required
def keep_hidden(slug: str, post_id: int):
    """Coordinators agree with the reports on a reply that hid itself."""
    return _moderate(
        moderating.keep_hidden,
        "De reactie blijft verborgen; de meldingen zijn afgehandeld.",
        slug,
        post_id,
    )


@bp.post("/aanbevelingen/<slug>/reacties/<int:post_id>/meldingen-afhandelen")
@coordinator_required
def dismiss(slug: str, post_id: int):
    """Coordinators judge the reports on a reply unfounded."""
    return _moderate(
        moderating.dismiss_flags,
        "De meldingen zijn afgehandeld; de reactie blijft zichtbaar.",
        slug,
        post_id,
    )


def _moderate(
    action: Callable[[str, int, Any], Any], message: str, slug: str, post_id: int
) -> Response:
    """A coordinator's verdict on a reply, then back to the thread or the moderation queue."""
    return _act(
        lambda: action(slug, post_id, current_user), lambda _: message, _back(slug, post_id)
    )


@bp.post("/aanbevelingen/<slug>/steunen")
@member_required
def endorse(slug: str):
    """A member supports the proposal, or withdraws the support."""
    return _act(
        lambda: support.toggle_endorsement(slug, current_user),
        lambda supported: "Je steunt dit voorstel." if supported else "Je steun is ingetrokken.",
        redirect(_thread_url(slug)),
    )


@bp.post("/aanbevelingen/<slug>/volgen")
@member_required
def follow(slug: str):
    """A member follows or unfollows the thread."""
    return _act(
        lambda: support.toggle_follow(slug, current_user),
        lambda following: (
            "Je volgt deze aanbeveling: nieuwe reacties worden voor jou gemarkeerd en je "
            "krijgt er mail over zoals je koos bij je e-mailvoorkeuren."
            if following
            else "Je volgt deze aanbeveling niet meer."
        ),
        redirect(_thread_url(slug)),
    )


@bp.post("/aanbevelingen/<slug>/status")
@coordinator_required
def change_status(slug: str):
    """Coordinators move the thread along open → in bespreking → aanvaard/verworpen."""
    # Another network's thread is refused before its form is read.
    threads.ensure_coordinates(current_user, threads.get_thread(slug, current_user))
    form = StatusForm()
    form.status.choices = list(RECOMMENDATION_STATUS_LABELS.items())
    return _act(
        lambda: workflow.change_status(slug, current_user, form.status.data, form.reason.data),
        lambda thread: f"De status is nu ‘{thread.status_label}’.",
        redirect(_thread_url(slug)),
        form,
    )


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
        lambda: workflow.set_closed(slug, current_user, closed),
        lambda _: (
            "De draad is gesloten voor nieuwe reacties."
            if closed
            else "De draad is opnieuw open voor reacties."
        ),
        redirect(_thread_url(slug)),
    )
