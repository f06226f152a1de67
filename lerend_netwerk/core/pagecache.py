"""Render once per change: rendered pages keyed on the data version and their reader.

Every transaction that changes content bumps one counter row (`data_version`, see
`DataVersion`) just before it commits: a session listener watches what each flush
writes and every ORM insert/update/delete statement. A page is cached under

    (data version, time bucket, reader, path with query string)

so the next request after a change, in any worker, misses the cache and renders anew;
nothing is ever invalidated by hand. The time bucket (PAGE_CACHE_SECONDS) bounds how long
a page that depends on the clock (a session that has just started is no longer
"upcoming") is served.

The reader is "visitor" for everybody who is not signed in (one shared page, without a
CSRF token, `Cache-Control: public`). A signed-in member's page carries their name,
their registrations and their CSRF token, so it is cached for that signed-in browser
alone: the key names the user, the login session and the session's CSRF secret, and a
hit first checks, with one indexed read, that the login session is still live (signing
out, expiry or a deactivated account end it at once). Those pages stay
`private, no-store`. A request with a flash message waiting is never served from the
cache.

The store is per worker memory (an LRU bounded in bytes) unless PAGE_CACHE_REDIS_URL
points at a Redis server, which the workers then share. Cached pages carry an ETag; a
conditional GET with a matching If-None-Match gets a 304. A visitor's hit is answered
before Flask by core/pagefront.py, with the same key (`cache_key`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from sqlalchemy import Engine, event, inspect, update
from sqlalchemy.orm import ORMExecuteState, Session

from lerend_netwerk.config import DefaultConfig, setting
from lerend_netwerk.core.lru import ByteBudgetLRU
from lerend_netwerk.core.models import DataVersion
from lerend_netwerk.db import utcnow

log = logging.getLogger(__name__)

V = TypeVar("V", bound=Callable[..., Any])


def cacheable(view: V) -> V:
    """Mark a view whose answer depends only on the data, the clock, the address and its
    reader: the page cache may keep and serve it (its package says so, under its route)."""
    view.page_cacheable = True  # type: ignore[attr-defined]
    return view


def is_cacheable(endpoint: str | None) -> bool:
    view = current_app.view_functions.get(endpoint) if endpoint else None
    return bool(getattr(view, "page_cacheable", False))


CACHEABLE_TYPES = frozenset({"text/html", "application/json"})

# Tables whose rows no cacheable page shows: writing them does not change the version
# (a sign-in, a throttled attempt, a queued mail or a search outbox row).
UNVERSIONED_TABLES = frozenset(
    {
        "data_version",
        "login_session",
        "throttle_event",
        "outgoing_mail",
        "search_change",
        "account_token",
        "password_reset_request",
        "audit_event",
    }
)

# Columns no cacheable page shows, written as bookkeeping (a sign-in's time, listed only
# on the coordinators' account list, which is never cached): a change to these alone does
# not change the version, so a sign-in does not empty every worker's pages. A column
# that a cached page shows stays out, a signed-in reader's own pages included (the
# follower's `thread_follow.last_seen_at` marks their new replies).
UNVERSIONED_COLUMNS = frozenset({("user", "last_login_at")})

VERSION_ROW = 1
# The layout of a stored page (_pack): a new layout never reads an old one's entries.
FORMAT = "2"
_CHANGED = "data_version_changed"
DEFAULT_MAX_BYTES = DefaultConfig.PAGE_CACHE_MAX_BYTES


# --- the data version -------------------------------------------------------------


def install_listeners() -> None:
    """Listen on every ORM session (once per process)."""
    if event.contains(Session, "before_flush", _before_flush):
        return
    event.listen(Session, "before_flush", _before_flush)
    event.listen(Session, "do_orm_execute", _on_execute)
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_rollback", _forget)
    event.listen(Session, "after_soft_rollback", _forget_soft)


def _table_of(obj: Any) -> str | None:
    table = getattr(type(obj), "__table__", None)
    return getattr(table, "name", None)


def _versioned(table_name: str | None) -> bool:
    return table_name is not None and table_name not in UNVERSIONED_TABLES


def _versioned_column(table_name: str | None, column: Any) -> bool:
    name = column if isinstance(column, str) else getattr(column, "name", None)
    return (table_name, name) not in UNVERSIONED_COLUMNS


def _shown_change(obj: Any) -> bool:
    """Whether a changed object changes what a page may show: any attribute changed but
    the UNVERSIONED_COLUMNS (a relationship always counts)."""
    if not _versioned(_table_of(obj)):
        return False
    state = inspect(obj)
    for prop in state.mapper.attrs:
        if not state.attrs[prop.key].history.has_changes():
            continue
        columns = getattr(prop, "columns", None)
        if not columns or any(
            _versioned_column(getattr(getattr(column, "table", None), "name", None), column)
            for column in columns
        ):
            return True
    return False


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get(_CHANGED):
        return
    for obj in session.new:
        if _versioned(_table_of(obj)):
            session.info[_CHANGED] = True
            return
    for obj in session.deleted:
        if _versioned(_table_of(obj)):
            session.info[_CHANGED] = True
            return
    for obj in session.dirty:
        if _shown_change(obj):
            session.info[_CHANGED] = True
            return


def _on_execute(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    statement = state.statement
    table_name = getattr(getattr(statement, "table", None), "name", None)
    if not _versioned(table_name):
        return
    if state.is_update and not state.parameters:
        # An UPDATE … SET of bookkeeping columns alone (its SET clause read as SQLAlchemy
        # keeps it; anything else, a bulk update by primary key, say, counts).
        values = getattr(statement, "_values", None)
        if values and not any(_versioned_column(table_name, column) for column in values):
            return
    state.session.info[_CHANGED] = True


def _before_commit(session: Session) -> None:
    if session.new or session.dirty or session.deleted:
        # The commit would flush these after this hook: flush now to see them.
        session.flush()
    if not session.info.pop(_CHANGED, False):
        return
    if has_request_context():
        request.environ.pop(_VERSION_KEY, None)
    # Last statement of the transaction: the row lock is held only for the commit, after
    # every other lock the transaction takes (no lock-order deadlock with FOR UPDATE).
    connection = session.connection()
    result = connection.execute(
        update(DataVersion)
        .where(DataVersion.id == VERSION_ROW)
        .values(value=DataVersion.value + 1, changed_at=utcnow())
    )
    if result.rowcount == 0:
        # The row is missing (a database emptied by hand): start from the clock, so a
        # version never repeats one a worker may still have cached pages under. Two
        # writers may get here at once: whoever loses the insert bumps the winner's row.
        dialect_insert = _dialect_insert(connection.dialect.name)
        inserted = connection.execute(
            dialect_insert(DataVersion)
            .values(id=VERSION_ROW, value=time.time_ns() // 1000, changed_at=utcnow())
            .on_conflict_do_nothing()
        )
        if inserted.rowcount == 0:
            connection.execute(
                update(DataVersion)
                .where(DataVersion.id == VERSION_ROW)
                .values(value=DataVersion.value + 1, changed_at=utcnow())
            )


def _dialect_insert(dialect_name: str):
    if dialect_name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


def _forget(session: Session) -> None:
    session.info.pop(_CHANGED, None)


def _forget_soft(session: Session, previous_transaction: Any) -> None:
    if session.in_transaction() is False:
        session.info.pop(_CHANGED, None)


VERSION_SQL = "SELECT value, changed_at FROM data_version WHERE id = 1"
_VERSION_KEY = "lerend_netwerk.data_version"


# Idle connections kept per engine (a sync worker uses one; threads take turns).
MAX_IDLE_VERSION_CONNECTIONS = 4


class _VersionConnections:
    """Per engine and process: the idle DBAPI connections of the version reads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_engine: weakref.WeakKeyDictionary[Engine, tuple[int, list[Any]]] = (
            weakref.WeakKeyDictionary()
        )

    def idle(self, engine: Engine) -> list[Any]:
        """This process's idle list for `engine` (a forked child starts a new one)."""
        found = self.by_engine.get(engine)
        if found is not None and found[0] == os.getpid():
            return found[1]
        if found is not None:
            # The parent's, inherited through a fork: never used, never closed (closing
            # one would end the parent's session on the shared socket).
            _inherited.extend(found[1])
        idle: list[Any] = []
        self.by_engine[engine] = (os.getpid(), idle)
        if not event.contains(engine, "engine_disposed", _forget_version_connections):
            event.listen(engine, "engine_disposed", _forget_version_connections)
        weakref.finalize(engine, _close_all, idle, os.getpid())
        return idle


_version_connections = _VersionConnections()
_inherited: list[Any] = []


def _close_quietly(connection: Any) -> None:
    # Already gone (the server closed it): nothing left to free.
    with contextlib.suppress(Exception):
        connection.close()


def _close_all(idle: list[Any], owner_pid: int) -> None:
    if owner_pid != os.getpid():
        return  # a forked child's copy of its parent's list
    while idle:
        _close_quietly(idle.pop())


def _open_version_connection(engine: Engine) -> Any:
    """A connection taken out of the pool for good, reading each statement's own snapshot."""
    fairy = engine.raw_connection()
    fairy.detach()
    connection = fairy.dbapi_connection
    if engine.dialect.name == "sqlite":
        connection.isolation_level = None
    else:
        connection.autocommit = True
    return connection


def _forget_version_connections(engine: Engine) -> None:
    with _version_connections.lock:
        found = _version_connections.by_engine.pop(engine, None)
    if found is not None:
        _close_all(found[1], found[0])


def _take_connection(engine: Engine) -> Any:
    with _version_connections.lock:
        idle = _version_connections.idle(engine)
        if idle:
            return idle.pop()
    return _open_version_connection(engine)


def _give_back(engine: Engine, connection: Any) -> None:
    with _version_connections.lock:
        idle = _version_connections.idle(engine)
        if len(idle) < MAX_IDLE_VERSION_CONNECTIONS:
            idle.append(connection)
            return
    _close_quietly(connection)


def _read_row(engine: Engine, sql: str, parameters: tuple[Any, ...] = ()) -> Any:
    for attempt in (1, 2):
        connection = _take_connection(engine)
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(sql, parameters)
                row = cursor.fetchone()
            finally:
                cursor.close()
        except engine.dialect.loaded_dbapi.Error:
            # A connection the server closed (a restart, an idle timeout): once more on a
            # new one; a second failure is the database's and is raised.
            _close_quietly(connection)
            if attempt == 2:
                raise
            continue
        _give_back(engine, connection)
        return row
    return None


def read_row(sql: str, parameters: Sequence[Any] = ()) -> Any:
    """One row of a cheap read on the same connection as the version (`?` placeholders).

    For the checks a cache hit still has to make (is this login session live?).
    """
    from lerend_netwerk.extensions import db

    engine = db.engine
    if engine.dialect.paramstyle != "qmark":
        sql = sql.replace("?", "%s")
    return _read_row(engine, sql, tuple(parameters))


def read_version(engine: Engine) -> tuple[int, datetime | None]:
    """The data version and when it last changed, read now: one primary-key read."""
    row = _read_row(engine, VERSION_SQL)
    if row is None:
        return 0, None
    changed = row[1]
    if isinstance(changed, str):  # SQLite hands back the stored text
        changed = datetime.fromisoformat(changed)
    if changed is not None and changed.tzinfo is None:
        changed = changed.replace(tzinfo=UTC)
    return int(row[0]), changed


def version_and_time() -> tuple[int, datetime | None]:
    """The data version and when it last changed: one primary-key read.

    On connections kept for it (a few idle ones per engine and process) in autocommit
    mode, below the ORM on purpose: this runs before every cacheable page and feed, and a
    pool checkout, its ping and the rollback after cost several times the query. Read
    once per request (a commit in the request forgets it).
    """
    from lerend_netwerk.extensions import db

    in_request = has_request_context()
    if in_request:
        remembered = request.environ.get(_VERSION_KEY)
        if remembered is not None:
            return remembered
    else:
        pinned = getattr(_pinned, "version", None)
        if pinned is not None:
            return pinned
    found = read_version(db.engine)
    if in_request:
        request.environ[_VERSION_KEY] = found
    return found


_pinned = threading.local()


@contextlib.contextmanager
def pinned_version() -> Iterator[None]:
    """Outside a request, in this thread: the data version read once for the block.

    For work that only reads (a feed built in the background), which would otherwise
    read it again at every look-up that depends on it.
    """
    from lerend_netwerk.extensions import db

    before = getattr(_pinned, "version", None)
    _pinned.version = read_version(db.engine)
    try:
        yield
    finally:
        _pinned.version = before


def current_version() -> int:
    """The data version (see version_and_time)."""
    return version_and_time()[0]


# --- the stores -------------------------------------------------------------------


class MemoryStore:
    """A per-worker LRU of page bytes, bounded by their total size (one page at most an
    eighth of it)."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._entries: ByteBudgetLRU[bytes] = ByteBudgetLRU(max_bytes, largest=max_bytes // 8)

    def get(self, key: str) -> bytes | None:
        return self._entries.get(key)

    def set(self, key: str, data: bytes, ttl: int) -> None:
        # The key holds the data version and the time bucket: no expiry needed here.
        self._entries.put(key, data)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


class RedisStore:
    """The same, shared by every worker and host through Redis (entries expire)."""

    def __init__(self, url: str, prefix: str = "ln:page:") -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=0.5)
        self._prefix = prefix

    def get(self, key: str) -> bytes | None:
        try:
            return self._redis.get(self._prefix + key)
        except Exception:  # a cache that is down must not take the site with it
            log.warning("page cache: Redis unavailable", exc_info=True)
            return None

    def set(self, key: str, data: bytes, ttl: int) -> None:
        try:
            self._redis.set(self._prefix + key, data, ex=max(ttl, 1))
        except Exception:
            log.warning("page cache: Redis unavailable", exc_info=True)

    def clear(self) -> None:
        try:
            for name in self._redis.scan_iter(self._prefix + "*"):
                self._redis.delete(name)
        except Exception:
            log.warning("page cache: Redis unavailable", exc_info=True)


def page_store(app: Flask | None = None) -> MemoryStore | RedisStore:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    store = app.extensions.get("page_cache")
    if store is None:
        url = app.config.get("PAGE_CACHE_REDIS_URL")
        if url:
            store = RedisStore(url)
        else:
            store = MemoryStore(int(setting(app.config, "PAGE_CACHE_MAX_BYTES")))
        store = app.extensions.setdefault("page_cache", store)
    return store


# --- the request hooks ------------------------------------------------------------


# The view's own headers a cached page keeps (the API's Link, say); the rest are set on
# each answer or by the hooks after this one.
_NOT_KEPT = frozenset(
    {"content-type", "content-length", "etag", "cache-control", "x-page-cache", "set-cookie"}
)


@dataclass(frozen=True)
class CachedPage:
    content_type: str
    etag: str
    cache_control: str
    headers: list[tuple[str, str]]
    body: bytes


def _pack(page: CachedPage) -> bytes:
    head = "\n".join(
        (page.content_type, page.etag, page.cache_control, json.dumps(page.headers))
    ).encode()
    return head + b"\n" + page.body


def _unpack(data: bytes) -> CachedPage:
    content_type, etag, cache_control, headers, body = data.split(b"\n", 4)
    return CachedPage(
        content_type.decode(),
        etag.decode(),
        cache_control.decode(),
        [(name, value) for name, value in json.loads(headers)],
        body,
    )


VISITOR = "visitor"
# Set by the app factory: Flask-Login's id from the session → a key naming that signed-in
# browser while its login session is live, else None (auth.service.live_reader_key).
_SIGNED_IN_READER = "page_cache_signed_in_reader"


def reader_key() -> str | None:
    """Whom a cached page would be for: VISITOR, one signed-in browser, or None (render).

    Reading the signed session cookie is cheap; only a signed-in reader costs a read.
    """
    config = current_app.config
    cookies = request.cookies
    has_session = config["SESSION_COOKIE_NAME"] in cookies
    if has_session and "_flashes" in session:
        return None  # a message for this reader only, shown once
    user_value = session.get("_user_id") if has_session else None
    if user_value is None:
        if cookies.get(config.get("REMEMBER_COOKIE_NAME", "remember_token")):
            return None  # Flask-Login signs this browser in again from the cookie
        return VISITOR
    check: Callable[[str], str | None] | None = current_app.extensions.get(_SIGNED_IN_READER)
    identity = check(str(user_value)) if check is not None else None
    if identity is None:
        return None
    # The page holds CSRF tokens made from the session's secret: a new secret, a new page.
    secret = str(session.get(config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), ""))
    return f"reader:{identity}:{hashlib.sha256(secret.encode()).hexdigest()[:16]}"


def not_cacheable() -> None:
    """For a view: this response is this request's alone (it carries a form token, say)."""
    g.page_cache_candidate = False
    g.page_cache_reader = None


def _candidate() -> str | None:
    if not (
        request.method in ("GET", "HEAD")
        and is_cacheable(request.endpoint)
        and bool(setting(current_app.config, "PAGE_CACHE_ENABLED"))
    ):
        return None
    return reader_key()


def full_path(environ: dict) -> str:
    """The address a page is cached under: path and query string as the client sent them."""
    return (
        f"{environ.get('SCRIPT_NAME', '')}{environ.get('PATH_INFO', '')}"
        f"?{environ.get('QUERY_STRING', '')}"
    )


def cache_key(config: Any, version: int, reader: str, path: str, search: bool) -> str:
    """The key of a page: data version, time bucket, (for search) the index generation,
    the site's look, the reader and the address. Inside and outside a request alike."""
    seconds = max(int(config.get("PAGE_CACHE_SECONDS") or 60), 1)
    bucket = int(utcnow().timestamp()) // seconds
    extra = search_generation(config["SEARCH_INDEX_DIR"]) if search else ""
    # The look of the site comes from the config, which a running site does not change;
    # still, a page never outlives the stylesheet it names.
    look = f"{config['SITE_NAME']}|{config['SITE_STYLESHEET']}"
    raw = f"{FORMAT}|{version}|{bucket}|{extra}|{look}|{reader}|{path}"
    return hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()


def _key(reader: str) -> str:
    search = request.endpoint == SEARCH_ENDPOINT
    request.environ[SEARCH_KEY] = search
    return cache_key(
        current_app.config, current_version(), reader, full_path(request.environ), search
    )


SEARCH_ENDPOINT = "search.results"
# For the WSGI front (core/pagefront.py): whether this address's key holds the index
# generation, and whom the page was for.
SEARCH_KEY = "lerend_netwerk.page_cache_search"
READER_KEY = "lerend_netwerk.page_cache_reader"


def search_generation(index_dir: str) -> str:
    """The search index catches up after the commit: its generation is part of the key."""
    from lerend_netwerk.search.index import get_handle

    try:
        return str(get_handle(index_dir).open().latest_generation())
    except Exception:  # no index yet: the page says so, and is not worth caching apart
        return "none"


def _public_headers(response: Response) -> None:
    response.cache_control.public = True
    proxy_seconds = int(current_app.config.get("PAGE_PROXY_MAX_AGE") or 0)
    if proxy_seconds:
        response.cache_control.max_age = 0
        response.cache_control.s_maxage = proxy_seconds
    else:
        # A proxy may store the page but asks again each time (a 304 is cheap).
        response.cache_control.no_cache = True
    response.vary.add("Cookie")


def serve_cached() -> Response | None:
    reader = _candidate()
    if reader is None:
        return None
    g.page_cache_candidate = True
    g.page_cache_reader = reader
    request.environ[READER_KEY] = reader
    key = _key(reader)
    g.page_cache_key = key
    data = page_store().get(key)
    if data is None:
        return None
    page = _unpack(data)
    response = current_app.response_class(page.body, content_type=page.content_type)
    response.headers.extend(page.headers)
    response.set_etag(page.etag)
    if page.cache_control:
        response.headers["Cache-Control"] = page.cache_control
    else:
        _reader_headers(response, reader)
    response.headers["X-Page-Cache"] = "hit"
    return response.make_conditional(request)


def _reader_headers(response: Response, reader: str) -> None:
    """Caching headers for a page the view left to the cache: shared or this reader's."""
    if reader == VISITOR:
        _public_headers(response)
    else:
        _private_headers(response)


def _private_headers(response: Response) -> None:
    # A member's page may name them and their registrations: no shared or stored copy.
    response.cache_control.private = True
    response.cache_control.no_store = True
    response.vary.add("Cookie")


def store_and_mark(response: Response) -> Response:
    reader = g.get("page_cache_reader") if g.get("page_cache_candidate") else None
    if reader is None:
        # A redirect shows nothing; a page or an error page may name the reader.
        redirect = 300 <= response.status_code < 400
        if not redirect and response.mimetype == "text/html" and _signed_in():
            _private_headers(response)
        return response
    if response.headers.get("X-Page-Cache") == "hit":
        return response
    cacheable = (
        response.status_code == 200
        and response.mimetype in CACHEABLE_TYPES
        and not response.direct_passthrough
        and not response.is_streamed
        and "Set-Cookie" not in response.headers
        and not session.modified
    )
    if reader != VISITOR:
        # Whoever the view saw must be whom the key names (a session signed out meanwhile
        # renders an anonymous page, which is not this reader's).
        cacheable = cacheable and _signed_in()
    if not cacheable:
        if reader != VISITOR and response.mimetype == "text/html":
            _private_headers(response)
        return response
    body = response.get_data()
    etag = hashlib.sha256(body).hexdigest()[:32]
    seconds = max(int(current_app.config.get("PAGE_CACHE_SECONDS") or 60), 1)
    # A view that chose its own caching (the API's max-age) keeps it.
    cache_control = response.headers.get("Cache-Control", "")
    page_store().set(
        g.page_cache_key,
        _pack(
            CachedPage(
                response.content_type or "",
                etag,
                cache_control,
                [(k, v) for k, v in response.headers.items() if k.lower() not in _NOT_KEPT],
                body,
            )
        ),
        seconds,
    )
    response.set_etag(etag)
    if not cache_control:
        _reader_headers(response, reader)
    response.headers["X-Page-Cache"] = "miss"
    return response.make_conditional(request)


def same_for_every_cookie() -> None:
    """For a view: this answer is the same whoever asks, signed in or not (a public feed).

    It then carries no `Vary: Cookie`, so a shared cache keeps one copy for everybody
    rather than one per cookie.
    """
    g.page_same_for_every_cookie = True


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie sessions, which add `Vary: Cookie` to every answer whose
    request touched the session (Flask-Login does, after every request): not to one
    marked `same_for_every_cookie`, unless it sets a cookie (that answer is this
    browser's own)."""

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        super().save_session(app, session, response)
        if g.get("page_same_for_every_cookie") and "Set-Cookie" not in response.headers:
            # Set anew: HeaderSet.discard misses a name not written in lower case.
            response.vary = [name for name in response.vary if name.lower() != "cookie"]


def _signed_in() -> bool:
    config = current_app.config
    if config["SESSION_COOKIE_NAME"] not in request.cookies and not request.cookies.get(
        config.get("REMEMBER_COOKIE_NAME", "remember_token")
    ):
        return False  # no cookie, nobody signed in: no need to load a user
    from flask_login import current_user

    return bool(getattr(current_user, "is_authenticated", False))


def init_pagecache(app: Flask, signed_in_reader: Callable[[str], str | None] | None = None) -> None:
    """Serve and store cached pages; `signed_in_reader` names a live signed-in browser
    (without it, signed-in readers are never served from the cache)."""
    install_listeners()
    app.session_interface = SessionInterface()
    if signed_in_reader is not None:
        app.extensions[_SIGNED_IN_READER] = signed_in_reader
    app.before_request(serve_cached)
    app.after_request(store_and_mark)
    from lerend_netwerk.core.pagefront import init_pagefront

    init_pagefront(app)
