"""The front of the page cache: a visitor's cached page answered before Flask runs.

A visitor's page that the page cache holds (core/pagecache.py) costs, through Flask, the
request context, a dozen hooks and the response object: several times the read of the
data version that decides whether the page is still current. This WSGI middleware answers
such a request itself, with the same key, the same bytes and the same headers:

- only GET and HEAD without the session or remember-me cookie (visitors; a signed-in
  browser, a flash message waiting and every other request go to Flask);
- only for an address Flask served to a visitor from or into the cache before: it
  remembers that response's headers (the security headers, Vary, Cache-Control, CORS …),
  so what the hooks add is never written twice;
- the key is computed as pagecache.cache_key does in a request: data version (one read
  on the version's own connection), time bucket, index generation for search, look,
  reader "visitor" and address. A page missing from the store goes to Flask, which
  renders and stores it.

An If-None-Match that matches gets a 304, HEAD the headers alone, as Flask answers them.

A view whose answer to a visitor stays the same while the data version and the day do
(the public calendar feeds) says so with `current_while(version, day)`; once Flask answered a
conditional GET for that address with a 304, the next ones with that entity tag get the
same 304 here, after the same one read. When such a view sends its body from a file
(`serve_file_while(path)`), the front sends the same file with the same headers to the
next visitors who accept the same encoding, while the file is there.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from flask import Flask, request
from werkzeug.http import (
    http_date,
    parse_accept_header,
    parse_etags,
    remove_entity_headers,
    unquote_etag,
)

from lerend_netwerk.config import setting
from lerend_netwerk.core import pagecache

# Addresses whose headers are remembered, per worker (a few hundred bytes each).
MAX_ADDRESSES = 4096
# What the front sets from the stored page itself.
_ENTITY = frozenset({"content-type", "content-length", "etag", "x-page-cache", "date"})

Headers = list[tuple[str, str]]
_CURRENT_WHILE = "lerend_netwerk.current_while"
_BODY_FILE = "lerend_netwerk.body_file"
FILE_CHUNK = 64 * 1024


def serve_file_while(path: str) -> None:
    """For a view under `current_while`: its body is the file at `path`, which stays as it
    is while it exists (a newer version is written to another file)."""
    request.environ[_BODY_FILE] = path


def current_while(version: int, day: str) -> None:
    """For a view: this answer to a visitor holds while the data version is `version` and
    the day (UTC, ISO) is `day`; the front may answer its conditional GETs."""
    request.environ[_CURRENT_WHILE] = (version, day)


@dataclass(frozen=True)
class _Page:
    """A cached page's address: whether its key holds the search generation; headers."""

    search: bool
    headers: Headers


@dataclass(frozen=True)
class _Validated:
    """An answer current while (version, day) holds: its entity tag and its 304's headers."""

    version: int
    day: str
    etag: str
    headers: Headers


@dataclass(frozen=True)
class _FileBody:
    """A full answer current while (version, day) holds: its headers and its body's file."""

    version: int
    day: str
    path: str
    headers: Headers


class PageFront:
    """WSGI middleware: cached pages for visitors, before Flask (see the module)."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], flask_app: Flask) -> None:
        self.wsgi_app = wsgi_app
        self.flask_app = flask_app
        # address -> what Flask answered there to a visitor, least recent first
        self._addresses: OrderedDict[str, _Page | _Validated | _FileBody] = OrderedDict()
        self._lock = threading.Lock()
        self._engine: Any = None

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD") or self._signed_in(environ):
            return self.wsgi_app(environ, start_response)
        address = pagecache.full_path(environ)
        known = self._addresses.get(address)
        if known is not None:
            if isinstance(known, _Page):
                answer = self._answer(environ, address, known)
            else:
                answer = self._not_modified(environ, address, known)
            if answer is not None:
                status, headers, body = answer
                start_response(status, headers)
                return [body]
        file_address = _file_address(environ, address)
        served = self._addresses.get(file_address)
        if isinstance(served, _FileBody):
            sent = self._from_file(environ, start_response, file_address, served)
            if sent is not None:
                return sent
        return self.wsgi_app(environ, self._recording(environ, address, start_response))

    def _signed_in(self, environ: dict) -> bool:
        cookie = environ.get("HTTP_COOKIE")
        if not cookie:
            return False
        config = self.flask_app.config
        names = (
            config["SESSION_COOKIE_NAME"],
            config.get("REMEMBER_COOKIE_NAME", "remember_token"),
        )
        # A cookie of this site (or one whose name merely contains it): Flask decides.
        return any(f"{name}=" in cookie for name in names)

    def _version(self) -> int | None:
        try:
            return pagecache.read_version(self._database())[0]
        except Exception:  # the database is down, say: Flask answers with its error page
            return None

    def _touch(self, address: str) -> None:
        with self._lock:
            if address in self._addresses:
                self._addresses.move_to_end(address)

    def _answer(
        self, environ: dict, address: str, known: _Page
    ) -> tuple[str, Headers, bytes] | None:
        config = self.flask_app.config
        if not setting(config, "PAGE_CACHE_ENABLED"):
            return None
        version = self._version()
        if version is None:
            return None
        try:
            key = pagecache.cache_key(config, version, pagecache.VISITOR, address, known.search)
            data = pagecache.page_store(self.flask_app).get(key)
        except Exception:  # a store that is down: Flask renders
            return None
        if data is None:
            return None
        page = pagecache._unpack(data)
        etag, body = page.etag, page.body
        self._touch(address)
        answer = [
            ("Content-Type", page.content_type),
            ("Content-Length", str(len(body))),
            ("ETag", f'"{etag}"'),
            *known.headers,
            ("X-Page-Cache", "hit"),
            ("Date", http_date()),  # as Flask's make_conditional adds
        ]
        if parse_etags(environ.get("HTTP_IF_NONE_MATCH")).contains_weak(etag):
            remove_entity_headers(answer)
            return "304 NOT MODIFIED", answer, b""
        return "200 OK", answer, b"" if environ["REQUEST_METHOD"] == "HEAD" else body

    def _not_modified(
        self, environ: dict, address: str, known: _Validated
    ) -> tuple[str, Headers, bytes] | None:
        if not parse_etags(environ.get("HTTP_IF_NONE_MATCH")).contains_weak(known.etag):
            return None  # a full answer: Flask sends it (from its own cache)
        if not self._still_current(known):
            return None
        self._touch(address)
        return "304 NOT MODIFIED", list(known.headers), b""

    def _still_current(self, known: _Validated | _FileBody) -> bool:
        """Whether the data version and the day are still those the answer was made at."""
        return (self._version(), pagecache.utcnow().date().isoformat()) == (
            known.version,
            known.day,
        )

    def _from_file(
        self, environ: dict, start_response: Callable, address: str, known: _FileBody
    ) -> Iterable[bytes] | None:
        if environ.get("HTTP_IF_NONE_MATCH") or environ.get("HTTP_IF_MODIFIED_SINCE"):
            return None  # conditional: a 304 (above) or Flask decides
        if not self._still_current(known):
            return None
        try:
            body = open(known.path, "rb")  # noqa: SIM115 - the server closes it when sent
        except OSError:  # a newer version replaced it: Flask writes and sends that one
            return None
        self._touch(address)
        start_response("200 OK", list(known.headers))
        if environ["REQUEST_METHOD"] == "HEAD":
            body.close()
            return []
        return file_body(environ, body)

    def _database(self) -> Any:
        if self._engine is None:
            from lerend_netwerk.extensions import db

            with self.flask_app.app_context():
                self._engine = db.engine
        return self._engine

    def _recording(self, environ: dict, address: str, start_response: Callable) -> Callable:
        """start_response that remembers the headers of a visitor's cached page."""

        def recording(status: str, headers: Headers, exc_info: Any = None) -> Any:
            names = {name.lower() for name, _ in headers}
            if "set-cookie" not in names:
                if (
                    status.startswith("200")
                    and environ.get(pagecache.READER_KEY) == pagecache.VISITOR
                    and "x-page-cache" in names
                ):
                    self._remember(environ, address, headers)
                elif status.startswith("304") and _CURRENT_WHILE in environ:
                    # Flask's own 304, headers and all: the front repeats exactly that.
                    self._remember_validated(environ, address, headers)
                elif status.startswith("200") and _BODY_FILE in environ:
                    self._remember_file(environ, address, headers)
            return start_response(status, headers, exc_info)

        return recording

    def _remember(self, environ: dict, address: str, headers: Headers) -> None:
        kept = [(name, value) for name, value in headers if name.lower() not in _ENTITY]
        self._keep(address, _Page(bool(environ.get(pagecache.SEARCH_KEY)), kept))

    def _remember_validated(self, environ: dict, address: str, headers: Headers) -> None:
        tags = [value for name, value in headers if name.lower() == "etag"]
        if not tags:
            return
        etag, _weak = unquote_etag(tags[0])
        if not etag:
            return
        version, day = environ[_CURRENT_WHILE]
        self._keep(address, _Validated(int(version), str(day), etag, list(headers)))

    def _remember_file(self, environ: dict, address: str, headers: Headers) -> None:
        if _CURRENT_WHILE not in environ or environ["REQUEST_METHOD"] != "GET":
            return
        version, day = environ[_CURRENT_WHILE]
        body = _FileBody(int(version), str(day), environ[_BODY_FILE], list(headers))
        self._keep(_file_address(environ, address), body)

    def _keep(self, address: str, known: _Page | _Validated | _FileBody) -> None:
        with self._lock:
            self._addresses[address] = known
            self._addresses.move_to_end(address)
            while len(self._addresses) > MAX_ADDRESSES:
                self._addresses.popitem(last=False)


def file_body(environ: dict, handle: BinaryIO) -> Iterable[bytes]:
    """A WSGI body sent from an open file: with the server's file wrapper (sendfile under
    gunicorn), else in chunks; the file is closed when the server closes the body."""
    wrapper = environ.get("wsgi.file_wrapper")
    if wrapper is not None:
        return wrapper(handle, FILE_CHUNK)
    return _Chunks(handle)


class _Chunks:
    """A file's bytes in chunks; the file is closed once read to its end, or when the
    server closes the body (a HEAD, a client gone)."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle

    def __iter__(self) -> Iterator[bytes]:
        with self.handle:
            while chunk := self.handle.read(FILE_CHUNK):
                yield chunk

    def close(self) -> None:
        self.handle.close()


def _file_address(environ: dict, address: str) -> str:
    """A file body is kept per address and encoding (the answer varies on Accept-Encoding)."""
    gzip = parse_accept_header(environ.get("HTTP_ACCEPT_ENCODING"))["gzip"] > 0
    return f"{address} {'gzip' if gzip else 'identity'}"


def init_pagefront(app: Flask) -> None:
    """Outermost: a visitor's cached page never reaches the other middleware or Flask."""
    app.wsgi_app = PageFront(app.wsgi_app, app)  # type: ignore[method-assign]
