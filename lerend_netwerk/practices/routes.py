"""The good-practice library."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from lerend_netwerk.practices import service

bp = Blueprint("practices", __name__, template_folder="templates")


@bp.get("/praktijken")
def index():
    """All practices the visitor may see."""
    return render_template(
        "practices/index.html", practices=service.latest_practices(current_user, limit=100)
    )
