"""Fixtures: a fresh app per test on a real SQLite file and on the real PostgreSQL.

Every database-backed test runs once per database in LN_TEST_DATABASES
(default "sqlite,postgresql"). Each test run gets its own PostgreSQL database,
so parallel runs do not meet.
"""

from __future__ import annotations

import itertools
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from lerend_netwerk import create_app, register_content_types
from lerend_netwerk.extensions import db
from lerend_netwerk.networks.service import default_network

# What create_app registers, known to tests that use no app (parsing, the docs check)
# and to parametrisations made at collection.
register_content_types()

DATABASES = [
    name.strip()
    for name in os.environ.get("LN_TEST_DATABASES", "sqlite,postgresql").split(",")
    if name.strip()
]
POSTGRES_SERVER = os.environ.get("LN_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432")
PASSWORD = "correct horse battery"
CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')


def _admin_connection():
    import psycopg

    url = POSTGRES_SERVER.replace("postgresql+psycopg://", "postgresql://")
    return psycopg.connect(f"{url}/postgres", autocommit=True)


@pytest.fixture(scope="session", params=DATABASES)
def database_url(request, tmp_path_factory) -> Iterator[str]:
    """A database with the current schema, shared by the tests of one database kind."""
    kind = request.param
    if kind == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "test.sqlite"
        url = f"sqlite:///{path}"
        name = None
    elif kind == "postgresql":
        name = f"ln_test_{uuid.uuid4().hex[:12]}"
        with _admin_connection() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = f"{POSTGRES_SERVER}/{name}"
    else:
        raise pytest.UsageError(f"unknown database kind {kind!r} in LN_TEST_DATABASES")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    yield url
    if name:
        with _admin_connection() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _empty_all_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{table.name}"' for table in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    # Every database has its default network, as after `create_all` and the migrations.
    default_network()
    db.session.commit()


@pytest.fixture
def app_config(database_url: str, tmp_path: Path, tmp_path_factory) -> dict[str, Any]:
    """Configuration for the test app; override in a test module to change it."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SEARCH_INDEX_DIR": str(tmp_path / "search-index"),
        # Not under tmp_path, which tests use as a content directory.
        "FILES_ROOT": str(tmp_path_factory.mktemp("files")),
        "FEED_FILES_DIR": str(tmp_path_factory.mktemp("feeds")),
        "SITE_URL": "http://localhost",
        "SERVER_NAME": None,
        # All test requests come from 127.0.0.1; tests of the limits switch them on.
        "RATELIMIT_ENABLED": False,
    }


class FreshContextClient(FlaskClient):
    """Each request gets its own app context, as in production.

    The test itself runs inside an app context; without this, requests would share
    its `g` (the signed-in user) and its database session (stale identity map).
    """

    def open(self, *args, **kwargs):
        # What the test wrote is committed before the "browser" asks, and what the test
        # reads afterwards is loaded fresh.
        db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(app_config: dict[str, Any]) -> Iterator[Flask]:
    app = create_app(app_config)
    app.test_client_class = FreshContextClient
    with app.app_context():
        _empty_all_tables()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def make_app(app_config: dict[str, Any]) -> Iterator[Callable[..., Flask]]:
    """Another app on the test's database, with some settings changed: `make_app(**config)`.

    Its pooled connections are closed when the test ends (`engine.dispose()`); left open,
    the garbage collector would close them during a later test, with a ResourceWarning.
    """
    made: list[Flask] = []

    def factory(**changes: Any) -> Flask:
        other = create_app(dict(app_config, **changes))
        made.append(other)
        return other

    yield factory
    for other in made:
        with other.app_context():
            db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


def csrf_token(client: FlaskClient, path: str = "/") -> str:
    """The CSRF token of the client's session, read from a real page."""
    response = client.get(path)
    match = CSRF_RE.search(response.get_data(as_text=True))
    if match is None and path == "/":
        # A visitor's home page is served without a session: the sign-in page has one.
        response = client.get("/login")
        match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {path} ({response.status_code})"
    return match.group(1)


def post_form(client: FlaskClient, url: str, data: dict | None = None, **kwargs):
    """POST a form the way a browser does: with the session's CSRF token."""
    payload = dict(data or {})
    payload.setdefault("csrf_token", csrf_token(client))
    return client.post(url, data=payload, **kwargs)


def login(client: FlaskClient, user, password: str = PASSWORD):
    response = post_form(client, "/login", {"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


_counter = itertools.count(1)


def _next() -> int:
    return next(_counter)


@pytest.fixture
def make_user(app) -> Callable[..., Any]:
    from lerend_netwerk.auth.service import create_user

    def factory(role: str = "member", **kw):
        """An account; `network` (a Network) puts it there instead of the default network
        (as coordinator for role coordinator/admin)."""
        n = _next()
        network = kw.pop("network", None)
        user = create_user(
            email=kw.pop("email", f"user{n}@example.be"),
            name=kw.pop("name", f"Gebruiker {n}"),
            role=role,
            password=kw.pop("password", PASSWORD),
            network_id=network.id if network is not None else None,
        )
        for key, value in kw.items():
            setattr(user, key, value)
        db.session.commit()
        return user

    return factory


@pytest.fixture
def make_network(app) -> Callable[..., Any]:
    """A network besides the default one."""
    from lerend_netwerk.networks.models import Network

    def factory(**kw):
        n = _next()
        network = Network(
            slug=kw.pop("slug", f"netwerk-{n}"),
            title=kw.pop("title", f"Netwerk {n}"),
            levels=kw.pop("levels", ["secundair"]),
            position=kw.pop("position", n),
            **kw,
        )
        db.session.add(network)
        db.session.commit()
        return network

    return factory


@pytest.fixture
def make_theme(app) -> Callable[..., Any]:
    from lerend_netwerk.themes.models import Theme

    def factory(**kw):
        n = _next()
        theme = Theme(slug=kw.pop("slug", f"thema-{n}"), title=kw.pop("title", f"Thema {n}"), **kw)
        db.session.add(theme)
        db.session.commit()
        return theme

    return factory


@pytest.fixture
def make_organisation(app) -> Callable[..., Any]:
    from lerend_netwerk.proeftuinen.models import Organisation

    def factory(**kw):
        n = _next()
        org = Organisation(
            slug=kw.pop("slug", f"organisatie-{n}"),
            title=kw.pop("title", f"Hogeschool {n}"),
            type=kw.pop("type", "hogeschool"),
            **kw,
        )
        db.session.add(org)
        db.session.commit()
        return org

    return factory


@pytest.fixture
def make_proeftuin(app) -> Callable[..., Any]:
    from lerend_netwerk.proeftuinen.models import Proeftuin

    def factory(**kw):
        n = _next()
        proeftuin = Proeftuin(
            slug=kw.pop("slug", f"proeftuin-{n}"),
            title=kw.pop("title", f"Proeftuin {n}"),
            level=kw.pop("level", "hoger-onderwijs"),
            **kw,
        )
        db.session.add(proeftuin)
        db.session.commit()
        return proeftuin

    return factory


@pytest.fixture
def make_meeting(app) -> Callable[..., Any]:
    from lerend_netwerk.agenda.models import Meeting

    def factory(**kw):
        n = _next()
        starts = kw.pop("starts_at", datetime.now(UTC) + timedelta(days=14))
        meeting = Meeting(
            slug=kw.pop("slug", f"sessie-{n}"),
            title=kw.pop("title", f"Intervisie {n}"),
            kind=kw.pop("kind", "intervisie"),
            starts_at=starts,
            ends_at=kw.pop("ends_at", starts + timedelta(hours=3)),
            **kw,
        )
        db.session.add(meeting)
        db.session.commit()
        return meeting

    return factory


@pytest.fixture
def make_practice(app) -> Callable[..., Any]:
    from lerend_netwerk.practices.models import Practice

    def factory(**kw):
        n = _next()
        practice = Practice(
            slug=kw.pop("slug", f"praktijk-{n}"),
            title=kw.pop("title", f"Goede praktijk {n}"),
            summary=kw.pop("summary", "Een praktijk die werkt."),
            **kw,
        )
        db.session.add(practice)
        db.session.commit()
        return practice

    return factory


@pytest.fixture
def make_product(app) -> Callable[..., Any]:
    from lerend_netwerk.products.models import Product

    def factory(**kw):
        n = _next()
        product = Product(
            slug=kw.pop("slug", f"product-{n}"),
            title=kw.pop("title", f"Product {n}"),
            summary=kw.pop("summary", "Een product van een proeftuin."),
            kind=kw.pop("kind", "toolkit"),
            **kw,
        )
        db.session.add(product)
        db.session.commit()
        return product

    return factory


@pytest.fixture
def make_report(app, make_proeftuin) -> Callable[..., Any]:
    from lerend_netwerk.proeftuinen.models import VisitReport

    def factory(**kw):
        n = _next()
        # A report's network is its proeftuin's.
        network = {"network_id": kw.pop("network_id")} if "network_id" in kw else {}
        report = VisitReport(
            slug=kw.pop("slug", f"verslag-{n}"),
            title=kw.pop("title", f"Bezoekverslag {n}"),
            proeftuin=kw.pop("proeftuin", None) or make_proeftuin(**network),
            visited=kw.pop("visited", date(2022, 11, 14)),
            **kw,
        )
        db.session.add(report)
        db.session.commit()
        return report

    return factory


@pytest.fixture
def make_recommendation(app, make_theme) -> Callable[..., Any]:
    from lerend_netwerk.recommendations.models import Recommendation

    def factory(**kw):
        n = _next()
        rec = Recommendation(
            slug=kw.pop("slug", f"aanbeveling-{n}"),
            title=kw.pop("title", f"Aanbeveling {n}"),
            theme=kw.pop("theme", None) or make_theme(),
            **kw,
        )
        db.session.add(rec)
        db.session.commit()
        return rec

    return factory


def members_sharing_one_password(
    count: int, email: str = "lid{n:02d}@example.be", name: str = "Lid {n:02d}"
) -> list[Any]:
    """`count` members with PASSWORD and one shared hash (hashing each would only cost
    time); `email` and `name` are formatted with the member's number `n`."""
    from lerend_netwerk.auth.models import User

    template = User(email="template@example.be", name="Template")
    template.set_password(PASSWORD)
    users = [
        User(
            email=email.format(n=n),
            name=name.format(n=n),
            role="member",
            password_hash=template.password_hash,
        )
        for n in range(count)
    ]
    db.session.add_all(users)
    db.session.flush()
    from lerend_netwerk.networks.membership import join

    # Members of the default network, as every account made by create_user.
    for user in users:
        join(user)
    db.session.commit()
    return users


def signed_in_over_http(base: str, email: str) -> tuple[Any, str]:
    """A `requests` session signed in at a running server, with its CSRF token."""
    import requests

    browser = requests.Session()
    token = CSRF_RE.search(browser.get(f"{base}/login", timeout=30).text).group(1)
    response = browser.post(
        f"{base}/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
        timeout=60,
    )
    assert response.status_code == 302, response.text[:300]
    # Flask-WTF keeps one CSRF secret per session: the token stays valid after sign-in.
    token = CSRF_RE.search(browser.get(f"{base}/account", timeout=30).text).group(1)
    return browser, token


GUNICORN_CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn_server(
    tmp_path: Path,
    database_url: str,
    *,
    workers: int,
    env: dict[str, str] | None = None,
    args: tuple[str, ...] = (),
) -> Iterator[str]:
    """A real gunicorn with `workers` sync workers on the test database; yields its base
    URL once /healthz answers, and stops it (SIGINT, then kill) afterwards.

    It runs with the repository's gunicorn.conf.py (the production settings: the app
    preloaded in the master, the fork hooks); `args` override single settings.
    """
    import requests

    port = free_port()
    environment = {
        **os.environ,
        "FLASK_SECRET_KEY": "gunicorn-test-secret",
        "FLASK_SQLALCHEMY_DATABASE_URI": database_url,
        "FLASK_SEARCH_INDEX_DIR": str(tmp_path / "search-index"),
        **(env or {}),
    }
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                str(GUNICORN_CONF),
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "60",
                *args,
                "lerend_netwerk:create_app()",
            ],
            cwd=tmp_path,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            # A few seconds on a quiet machine; generous for a busy CI box.
            deadline = time.monotonic() + 90
            while True:
                if process.poll() is not None:
                    pytest.fail("gunicorn stopped:\n" + log_path.read_text())
                try:
                    if requests.get(f"{base}/healthz", timeout=10).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail("gunicorn did not answer /healthz in time")
                time.sleep(0.1)
            yield base
        finally:
            process.send_signal(signal.SIGINT)  # gunicorn: quick shutdown
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
