"""The agenda: sessions, registration, waiting list."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from lerend_netwerk.agenda import service

bp = Blueprint("agenda", __name__, template_folder="templates")


@bp.get("/sessies")
def index():
    """Upcoming sessions."""
    return render_template("agenda/index.html", meetings=service.upcoming_meetings(current_user))
