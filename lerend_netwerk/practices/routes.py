"""The good-practice library."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from lerend_netwerk.core.pagecache import cacheable
from lerend_netwerk.practices import service

bp = Blueprint("practices", __name__, template_folder="templates")


@bp.get("/praktijken")
@cacheable
def index():
    """The practices the visitor may see, filtered by theme, level, sector and proeftuin."""
    return render_template("practices/index.html", **service.library(current_user, request.args))


@bp.get("/praktijken/<slug>")
@cacheable
def detail(slug: str):
    """One practice: themes, level, sector, proeftuin, contact and related practices."""
    return render_template("practices/detail.html", **service.practice_page(slug, current_user))
