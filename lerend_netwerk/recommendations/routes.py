"""Policy-recommendation threads."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select

from lerend_netwerk.extensions import db
from lerend_netwerk.recommendations.models import Recommendation
from lerend_netwerk.visibility import visible_clause

bp = Blueprint("recommendations", __name__, template_folder="templates")


@bp.get("/aanbevelingen")
def index():
    """All threads the visitor may see."""
    threads = db.session.scalars(
        select(Recommendation)
        .where(visible_clause(Recommendation, current_user))
        .order_by(Recommendation.title)
    )
    return render_template("recommendations/index.html", threads=list(threads))
