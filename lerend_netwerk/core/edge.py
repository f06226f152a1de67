"""Checks at the edge, before any view: what no route should have to handle itself.

- NUL characters: PostgreSQL cannot store them in text and the platform has no use for
  them, so a request with a NUL in its query string, form or JSON is refused (400), and
  one with a NUL in its path is not found (404), before a view or the database sees it.
- Whole numbers from outside: ids in paths and numbers in query strings are bounded to
  what an INTEGER column holds, so a huge number is "not found", never an overflow.
- A request body without Content-Length (chunked) is read up to MAX_CONTENT_LENGTH and
  refused with 413 beyond it, just like one that announces its length.
- Upload views (`@large_body("FILES_MAX_REQUEST_BYTES")`) take bodies up to that setting
  instead of MAX_CONTENT_LENGTH; every other route keeps the small limit.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import Flask, current_app, request
from werkzeug.exceptions import BadRequest, HTTPException, NotFound, RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

from lerend_netwerk import config

# The largest value of a 32-bit signed INTEGER column (ids, counts, page numbers).
MAX_INT = 2**31 - 1

NUL_MESSAGE = "Je aanvraag bevat een ongeldig teken (NUL). Verwijder het en probeer opnieuw."


class NulInRequest(BadRequest):
    description = NUL_MESSAGE


def bounded_int(value: str) -> int:
    """`type=` for request.args.get: a whole number between 0 and MAX_INT, else ValueError."""
    text = value.strip()
    if not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_INT)):
        raise ValueError(value)
    number = int(text)
    if number > MAX_INT:
        raise ValueError(value)
    return number


class BoundedIntegerConverter(IntegerConverter):
    """`<int:…>` in routes: numbers beyond MAX_INT do not match, so the answer is 404."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_INT)
        super().__init__(map, *args, **kwargs)


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def _any_nul(values: Iterable[str]) -> bool:
    return any("\x00" in value for value in values)


_TOO_LARGE = "lerend_netwerk.body_too_large"
_BODY_LIMIT = "body_limit_setting"

V = TypeVar("V", bound=Callable[..., Any])


def large_body(setting_name: str) -> Callable[[V], V]:
    """Mark an upload view: its request body may be as large as the setting `setting_name`
    (a config.py name) instead of MAX_CONTENT_LENGTH."""

    def mark(view: V) -> V:
        setattr(view, _BODY_LIMIT, setting_name)
        return view

    return mark


def body_limit(flask_app: Flask, endpoint: str | None) -> int | None:
    """The most bytes a request to `endpoint` may send."""
    view = flask_app.view_functions.get(endpoint) if endpoint else None
    name = getattr(view, _BODY_LIMIT, None)
    if name:
        return config.setting(flask_app.config, name)
    return flask_app.config.get("MAX_CONTENT_LENGTH")


def check_request() -> None:
    """before_request: a chunked body over the limit is a 413, a NUL anywhere a 400."""
    if request.environ.get(_TOO_LARGE):
        raise RequestEntityTooLarge()
    limit = body_limit(current_app, request.endpoint)  # type: ignore[arg-type]
    if limit != current_app.config.get("MAX_CONTENT_LENGTH"):
        request.max_content_length = limit
    if "\x00" in request.path:
        # No page has a NUL in its address.
        raise NotFound()
    if "%00" in request.query_string.decode("latin-1"):
        raise NulInRequest()
    if _any_nul(request.args.keys()) or _any_nul(request.args.values()):
        raise NulInRequest()
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if request.is_json:
            if _has_nul(request.get_json(silent=True)):
                raise NulInRequest()
        elif _any_nul(request.form.keys()) or _any_nul(request.form.values()):
            raise NulInRequest()


class ChunkedBodyLimit:
    """WSGI middleware: a body without Content-Length is buffered up to the limit, or 413."""

    def __init__(self, app: Any, flask_app: Flask) -> None:
        self.app = app
        self.flask_app = flask_app

    def __call__(self, environ: dict, start_response: Any) -> Iterable[bytes]:
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        # Only a chunked body needs its route's limit here (matching the URL costs).
        limit = body_limit(self.flask_app, self._endpoint(environ)) if chunked else None
        if limit and not environ.get("CONTENT_LENGTH"):
            body = environ["wsgi.input"].read(limit + 1)
            if len(body) > limit:
                # Refused by check_request, inside the app, so the answer is the Dutch page.
                environ[_TOO_LARGE] = True
                body = b""
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            environ.pop("wsgi.input_terminated", None)
        return self.app(environ, start_response)

    def _endpoint(self, environ: dict) -> str | None:
        try:
            endpoint, _ = self.flask_app.url_map.bind_to_environ(environ).match()
        except HTTPException:
            return None
        return endpoint if isinstance(endpoint, str) else None


def init_edge(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.before_request(check_request)

    from lerend_netwerk.core.errors import render_error

    app.register_error_handler(NulInRequest, lambda error: render_error(400, NUL_MESSAGE))
    app.wsgi_app = ChunkedBodyLimit(app.wsgi_app, app)  # type: ignore[method-assign]
