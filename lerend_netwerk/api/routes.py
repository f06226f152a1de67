"""The read-only JSON API (/api/v1): public sessions, public products and the OpenAPI
description.

Every answer under /api/ allows any origin: the data is public and read-only, and a
browser never sends cookies along with a request answered with `*`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, request, url_for

from lerend_netwerk.api import service
from lerend_netwerk.api.openapi import openapi_document
from lerend_netwerk.calendar import links
from lerend_netwerk.core.edge import bounded_int

bp = Blueprint("api", __name__, url_prefix="/api/v1")

SESSIONS_MAX_AGE = 60
OPENAPI_MAX_AGE = 3600


def _public(response: Response, max_age: int) -> Response:
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    return response


def _page_args() -> tuple[int, int]:
    page_number = request.args.get("page", 1, type=bounded_int)
    per_page = request.args.get("per_page", service.DEFAULT_PER_PAGE, type=bounded_int)
    return page_number, per_page


def _paged(endpoint: str, name: str, items: list, page: Any, **query: Any) -> Response:
    """A page of `items` under `name`, with the links of this, the first, the previous and
    the next page (keeping `query`) in the body and in a Link header."""

    def link(number: int) -> str:
        return links.site_url() + url_for(endpoint, page=number, per_page=page.per_page, **query)

    page_links = {"self": link(page.page), "first": link(1)}
    if page.page > 1:
        page_links["prev"] = link(page.page - 1)
    if page.has_next:
        page_links["next"] = link(page.page + 1)
    response = jsonify(
        {name: items, "page": page.page, "per_page": page.per_page, "links": page_links}
    )
    response.headers["Link"] = ", ".join(
        f'<{url}>; rel="{rel}"' for rel, url in page_links.items() if rel != "self"
    )
    return response


@bp.get("/sessions")
def sessions():
    """Upcoming public sessions of every network or of one (`network`), one page at a
    time (`page`, `per_page`), with links."""
    network = request.args.get("network") or None
    try:
        network_id = service.network_id_of(network)
    except service.UnknownNetwork:
        abort(404)
    page = service.upcoming_public_sessions(*_page_args(), network_id)
    return _public(
        _paged(".sessions", "sessions", page.sessions, page, network=network), SESSIONS_MAX_AGE
    )


@bp.get("/sessions/<slug>")
def session(slug: str):
    """One public session with its registration counts; 404 when not public."""
    data = service.public_session(slug)
    if data is None:
        abort(404)
    return _public(jsonify(data), SESSIONS_MAX_AGE)


@bp.get("/products")
def products():
    """Published public products (the productenmarkt), by title, one page at a time."""
    page = service.public_products(*_page_args())
    return _public(_paged(".products", "products", page.products, page), SESSIONS_MAX_AGE)


@bp.get("/products/<slug>")
def product(slug: str):
    """One published public product with its description; 404 otherwise."""
    data = service.public_product(slug)
    if data is None:
        abort(404)
    return _public(jsonify(data), SESSIONS_MAX_AGE)


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this API."""
    document = openapi_document(
        links.site_url(), current_app.config.get("SESSION_COOKIE_NAME", "session")
    )
    return _public(jsonify(document), OPENAPI_MAX_AGE)


@bp.after_app_request
def api_headers(response: Response) -> Response:
    """CORS for everything under /api/, and no shared caching unless a view allows it."""
    if request.path.startswith("/api/"):
        response.headers.setdefault("Access-Control-Allow-Origin", "*")
        if "Cache-Control" not in response.headers:
            response.cache_control.private = True
            response.cache_control.no_cache = True
    return response
