"""Mail pages: unsubscribe from a link in a mail, and the preferences on the account page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from lerend_netwerk.access import member_required
from lerend_netwerk.extensions import db
from lerend_netwerk.mail import service
from lerend_netwerk.mail.forms import PreferencesForm, UnsubscribeForm
from lerend_netwerk.recommendations.following import set_thread_mail

bp = Blueprint("mail", __name__, template_folder="templates")


@bp.route("/afmelden/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """Confirm (GET) and carry out (POST) an unsubscribe link from a reminder or digest."""
    subscription = service.resolve_unsubscribe(token)
    if subscription is None:
        abort(404)
    form = UnsubscribeForm()
    done = False
    if form.validate_on_submit():
        service.unsubscribe(subscription)
        db.session.commit()
        done = True
    return render_template("mail/unsubscribe.html", form=form, subscription=subscription, done=done)


@bp.post("/account/voorkeuren")
@member_required
def preferences():
    """Save the mail preferences of the signed-in member."""
    form = PreferencesForm()
    if form.validate_on_submit():
        service.set_preferences(
            current_user,
            wants_reminders=form.wants_reminders.data,
            wants_digest=form.wants_digest.data,
        )
        if form.thread_mail.raw_data:  # older forms without the choice leave it alone
            set_thread_mail(current_user, form.thread_mail.data)
        db.session.commit()
        flash("Je e-mailvoorkeuren zijn bewaard.", "success")
    else:
        abort(400)
    return redirect(url_for("auth.account") + "#voorkeuren")
