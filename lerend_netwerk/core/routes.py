"""Home page, health check and static information pages."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template
from flask_login import current_user

from lerend_netwerk.core import service

bp = Blueprint("core", __name__, template_folder="templates")


@bp.get("/")
def home():
    """The front page: what's next, what's new."""
    return render_template("core/home.html", **service.home_overview(current_user))


@bp.get("/privacy")
def privacy():
    """What the platform keeps about members, and why."""
    return render_template("core/privacy.html")


@bp.get("/healthz")
def healthz():
    """Database and search index usable: 200; otherwise 503 with the reason."""
    report = service.health_report(current_app)
    return jsonify(report), 200 if report["status"] == "ok" else 503
