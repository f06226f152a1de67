"""Themes: an entry into everything the network did on one subject."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from lerend_netwerk.core.pagecache import cacheable
from lerend_netwerk.themes import service

bp = Blueprint("themes", __name__, template_folder="templates")


@bp.get("/themas")
@cacheable
def index():
    """All themes."""
    return render_template("themes/index.html", themes=service.list_themes())


@bp.get("/themas/<slug>")
@cacheable
def detail(slug: str):
    """One theme with its sessions, proeftuinen, practices and threads."""
    return render_template("themes/detail.html", **service.theme_overview(slug, current_user))
