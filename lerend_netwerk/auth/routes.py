"""Sign in and out, passwords, invitations, and the member's own account page."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from lerend_netwerk.access import member_required
from lerend_netwerk.auth import service, throttle
from lerend_netwerk.auth.forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    DeleteAccountForm,
    ForgotPasswordForm,
    LoginForm,
    NewPasswordForm,
    ProfileForm,
)
from lerend_netwerk.core.downloads import attachment
from lerend_netwerk.extensions import db, login_manager
from lerend_netwerk.signals import account_activated
from lerend_netwerk.themes.models import Theme

bp = Blueprint("auth", __name__, template_folder="templates")

login_manager.user_loader(service.load_user)


def safe_next(target: str | None, fallback: str) -> str:
    """Only a local path may be a redirect target."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target:
        return fallback
    return target


def sign_in(user, *, remember: bool = False) -> None:
    """Start a server-side login session and hand its cookies to the browser."""
    service.start_login_session(user, remember=remember)
    login_user(user, remember=remember)


def _refused(template: str, form, result: throttle.Attempt):
    """429 with the form and a Dutch explanation; logged for lock-out monitors."""
    throttle.log_refusal(result)
    response = current_app.make_response(
        (render_template(template, form=form, refusal=result.message), 429)
    )
    response.headers["Retry-After"] = str(result.retry_after)
    return response


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with e-mail and password; failures are throttled per account and address."""
    if current_user.is_authenticated:
        return redirect(url_for("auth.account"))
    form = LoginForm()
    if form.validate_on_submit():
        account = throttle.account_key(form.email.data)
        result = throttle.attempt(
            [
                (throttle.LOGIN_ACCOUNT, account),
                (throttle.LOGIN_ADDRESS, throttle.client_address()),
            ]
        )
        if not result.allowed:
            return _refused("auth/login.html", form, result)
        user = service.authenticate(form.email.data, form.password.data)
        if user is not None:
            throttle.forget(result)
            throttle.clear(throttle.LOGIN_ACCOUNT, account)
            sign_in(user, remember=form.remember.data)
            db.session.commit()
            flash(f"Welkom, {user.name}.", "success")
            return redirect(safe_next(request.args.get("next"), url_for("core.home")))
        current_app.logger.warning(
            "login failed for %s from %s",
            service.email_fingerprint(form.email.data),
            request.remote_addr,
        )
        form.password.errors.append("Onbekend e-mailadres of verkeerd wachtwoord.")
        status = 200
    else:
        status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@member_required
def logout():
    """Sign out: this browser's login session ends on the server too."""
    service.end_login_session(current_user._get_current_object())
    db.session.commit()
    logout_user()
    flash("Je bent afgemeld.", "info")
    return redirect(url_for("core.home"))


@bp.post("/account/overal-afmelden")
@member_required
def logout_everywhere():
    """End every login session of the member, on all devices, this one included."""
    count = service.end_all_login_sessions(current_user._get_current_object())
    db.session.commit()
    logout_user()
    flash(
        f"Je bent overal afgemeld ({count} sessie{'s' if count != 1 else ''}).",
        "info",
    )
    return redirect(url_for("core.home"))


@bp.route("/wachtwoord-vergeten", methods=["GET", "POST"])
def forgot_password():
    """Ask for a reset link; the answer is the same whether or not the address exists."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        result = throttle.attempt(
            [
                (throttle.RESET_ACCOUNT, throttle.account_key(form.email.data)),
                (throttle.RESET_ADDRESS, throttle.client_address()),
            ]
        )
        if not result.allowed:
            return _refused("auth/forgot_password.html", form, result)
        service.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("auth/reset_sent.html")
    return render_template("auth/forgot_password.html", form=form)


def _link_record(token: str, purpose: str):
    """The live token of a single-use link ("reset", "invite"); one that is unknown, used
    or expired ends the request with the "link no longer valid" page (404)."""
    record = service.valid_token(token, purpose)
    if record is None:
        abort(make_response(render_template("auth/link_invalid.html"), 404))
    return record


@bp.route("/wachtwoord-herstellen/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password through a single-use reset link."""
    record = _link_record(token, "reset")
    form = NewPasswordForm(email=record.user.email)
    if form.validate_on_submit():
        service.use_token(record, form.password.data)
        db.session.commit()
        logout_user()
        flash("Je wachtwoord is gewijzigd. Meld je aan met je nieuwe wachtwoord.", "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)


@bp.route("/uitnodiging/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """Accept an invitation: confirm the name and choose a password."""
    record = _link_record(token, "invite")
    form = AcceptInvitationForm(email=record.user.email)
    if request.method == "GET":
        form.name.data = record.user.name
    if form.validate_on_submit():
        user = service.use_token(record, form.password.data, name=form.name.data)
        # Places taken as a guest with this address become the member's (agenda).
        account_activated.send(user)
        sign_in(user)
        db.session.commit()
        flash("Welkom in het lerend netwerk! Vul gerust je profiel aan.", "success")
        return redirect(url_for("auth.profile"))
    return render_template("auth/accept_invitation.html", form=form, invited=record.user)


@bp.get("/account")
@member_required
def account():
    """The member's own page: registrations, personal calendar link, preferences."""
    from lerend_netwerk.core.content_types import content_types

    # Registrations and followed threads, from the content types that have them.
    listing: dict = {}
    for content_type in content_types.with_hook("account_listing"):
        listing.update(content_type.account_listing(current_user))
    return render_template(
        "auth/account.html",
        **listing,
        login_sessions=service.count_login_sessions(current_user),
    )


@bp.route("/account/profiel", methods=["GET", "POST"])
@member_required
def profile():
    """Edit the profile that other members see in the directory."""
    user = current_user._get_current_object()
    form = ProfileForm(obj=user)
    themes = db.session.scalars(select(Theme).order_by(Theme.title)).all()
    form.expertise.choices = [(theme.id, theme.title) for theme in themes]
    if request.method == "GET":
        form.expertise.data = [theme.id for theme in user.expertise]
    if form.validate_on_submit():
        service.update_profile(
            user,
            expertise=[theme for theme in themes if theme.id in set(form.expertise.data or [])],
            **{name: form[name].data for name in service.PROFILE_FIELDS},
        )
        db.session.commit()
        flash("Je profiel is bewaard.", "success")
        return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form)


@bp.route("/account/wachtwoord", methods=["GET", "POST"])
@member_required
def change_password():
    """Change the password; other sessions of this account end."""
    user = current_user._get_current_object()
    form = ChangePasswordForm(email=user.email)
    if form.validate_on_submit():
        if not user.check_password(form.current.data):
            form.current.errors.append("Dit is niet je huidige wachtwoord.")
        else:
            remember = service.current_session_remembers(user)
            service.change_password(user, form.password.data)  # ends every session
            sign_in(user, remember=remember)  # this browser continues in a new one
            db.session.commit()
            flash("Je wachtwoord is gewijzigd. Andere sessies zijn afgemeld.", "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/change_password.html", form=form)


@bp.get("/account/gegevens.json")
@member_required
def export_data():
    """Download all personal data the platform holds about the member (GDPR)."""
    data = service.export_personal_data(current_user)
    body = json.dumps(data, ensure_ascii=False, indent=2)
    # Personal data: no browser or proxy may keep a copy.
    return attachment(body, "application/json", "mijn-gegevens.json")


@bp.route("/account/verwijderen", methods=["GET", "POST"])
@member_required
def delete_account():
    """Delete one's own account after confirming with the password."""
    user = current_user._get_current_object()
    form = DeleteAccountForm()
    if form.validate_on_submit():
        if not user.check_password(form.password.data):
            form.password.errors.append("Verkeerd wachtwoord.")
        else:
            logout_user()
            service.delete_account(user)
            db.session.commit()
            flash("Je account is verwijderd.", "info")
            return redirect(url_for("core.home"))
    return render_template("auth/delete_account.html", form=form)
