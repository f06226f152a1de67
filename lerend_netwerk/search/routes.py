"""Search pages: /zoeken and the JSON API's GET /api/v1/search."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request
from flask_login import current_user

from lerend_netwerk.core.pagecache import cacheable
from lerend_netwerk.search import service

bp = Blueprint("search", __name__, template_folder="templates")


@bp.get("/zoeken")
@cacheable
def results():
    """Search across everything the visitor may see (a GET form, no CSRF)."""
    return render_template(
        "search/results.html", results=service.search_from_args(request.args, current_user)
    )


@bp.get("/api/v1/search")
def api_search():
    """The contract's JSON search: {query, total, page, results, facets, suggestion}.

    Result links start with SITE_URL: the Host header is the client's to choose.
    """
    found = service.search_from_args(request.args, current_user)
    # Absolute URLs from SITE_URL, never from the request's Host header.
    return jsonify(found.as_json(current_app.config["SITE_URL"].rstrip("/")))
