"""Sign in, sign out, and the member's own account page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from lerend_netwerk.auth import service
from lerend_netwerk.auth.forms import LoginForm
from lerend_netwerk.extensions import db, limiter, login_manager

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


def _login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"])
def login():
    """Sign in with e-mail and password."""
    if current_user.is_authenticated:
        return redirect(url_for("auth.account"))
    form = LoginForm()
    if form.validate_on_submit():
        user = service.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
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
@login_required
def logout():
    """Sign out."""
    logout_user()
    flash("Je bent afgemeld.", "info")
    return redirect(url_for("core.home"))


@bp.get("/account")
@login_required
def account():
    """The member's own page: registrations, personal calendar link, preferences."""
    from lerend_netwerk.agenda.service import registrations_of

    return render_template("auth/account.html", registrations=registrations_of(current_user))
