"""The read-only JSON API (/api/v1): each registered kind's part (its `ApiResource`:
the sessions, the products) and the OpenAPI description.

Every answer under /api/ allows any origin: the data is public and read-only, and a
browser never sends cookies along with a request answered with `*`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, request, url_for

from lerend_netwerk.api.openapi import API_ROOT, api_resources, openapi_document
from lerend_netwerk.calendar import links
from lerend_netwerk.core.api import DEFAULT_PER_PAGE
from lerend_netwerk.core.content_types import ApiResource
from lerend_netwerk.core.edge import bounded_int
from lerend_netwerk.core.pagecache import cacheable

OPENAPI_MAX_AGE = 3600


def _public(response: Response, max_age: int) -> Response:
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    return response


def _page_args() -> tuple[int, int]:
    page_number = request.args.get("page", 1, type=bounded_int)
    per_page = request.args.get("per_page", DEFAULT_PER_PAGE, type=bounded_int)
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


def _list_view(resource: ApiResource):
    def view():
        try:
            page = resource.listing(*_page_args(), request.args)
        except LookupError:
            abort(404)
        query = {key: request.args.get(key) or None for key in resource.query}
        return _public(
            _paged(f".{resource.name}", resource.name, page.items, page, **query),
            resource.max_age,
        )

    return cacheable(view)


def _item_view(resource: ApiResource):
    def view(slug: str):
        data = resource.item(slug)
        if data is None:
            abort(404)
        return _public(jsonify(data), resource.max_age)

    return cacheable(view)


def openapi():
    """The OpenAPI 3.1 description of this API."""
    document = openapi_document(
        links.site_url(), current_app.config.get("SESSION_COOKIE_NAME", "session")
    )
    return _public(jsonify(document), OPENAPI_MAX_AGE)


def api_headers(response: Response) -> Response:
    """CORS for everything under /api/, and no shared caching unless a view allows it."""
    if request.path.startswith("/api/"):
        response.headers.setdefault("Access-Control-Allow-Origin", "*")
        if "Cache-Control" not in response.headers:
            response.cache_control.private = True
            response.cache_control.no_cache = True
    return response


def blueprint() -> Blueprint:
    """The API's blueprint for one app: a list and an item route per registered kind with
    an `api` (`GET /api/v1/sessions`, endpoint `api.sessions`; `/sessions/<slug>`,
    `api.session`), and the OpenAPI description."""
    bp = Blueprint("api", __name__, url_prefix=API_ROOT)
    for resource in api_resources():
        bp.add_url_rule(f"/{resource.name}", resource.name, _list_view(resource), methods=["GET"])
        bp.add_url_rule(
            f"/{resource.name}/<slug>",
            resource.item_name,
            _item_view(resource),
            methods=["GET"],
        )
    bp.add_url_rule("/openapi.json", "openapi", openapi, methods=["GET"])
    bp.after_app_request(api_headers)
    return bp
