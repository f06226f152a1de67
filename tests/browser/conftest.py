"""Browser fixtures: the real app behind a live HTTP server, driven by Debian's Chromium.

The server is the app as it runs in production (TESTING off, CSRF on, the strict CSP)
on 127.0.0.1 and a free port, in a background thread of the test process, with its
own SQLite file filled once per test session from the demo content in `content/`,
four known accounts and a search index built from the database. The browser tests run
once, on SQLite: they test what people see, not the database.

Chromium is Debian's (`apt-get install chromium`), never one Playwright downloads. When
it is missing every browser test is skipped with a message that says why.
"""

from __future__ import annotations

import os
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, got_request_exception
from werkzeug.serving import WSGIRequestHandler, make_server

ROOT = Path(__file__).resolve().parents[2]
CONTENT_DIR = ROOT / "content"
SCREENSHOT_DIR = ROOT / "artifacts" / "screenshots"
AXE_SCRIPT = Path(__file__).resolve().parent / "vendor" / "axe.min.js"

CHROMIUM = Path(os.environ.get("LN_CHROMIUM", "/usr/bin/chromium"))
# Without the background-networking flags Chromium phones home at start-up, which a
# closed network refuses; --no-sandbox because CI runs as root in a container.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Generous for a busy CI machine; a healthy page answers in well under a second.
TIMEOUT_MS = 15_000

PASSWORD = "Browsertest wachtwoord 2026"
USERS = {
    "coordinator": ("coordinator@browser.example", "Chris Coördinator", "coordinator"),
    "member": ("lid.an@browser.example", "An Lid", "member"),
    "member2": ("lid.bert@browser.example", "Bert Lid", "member"),
    "admin": ("admin@browser.example", "Ada Beheerder", "admin"),
}
DESKTOP = {"width": 1280, "height": 900}


@dataclass
class LiveServer:
    """The running app: its base URL, the Flask app (for the database) and its accounts."""

    url: str
    app: Flask
    errors: list[str] = field(default_factory=list)

    def email(self, key: str) -> str:
        return USERS[key][0]

    def name(self, key: str) -> str:
        return USERS[key][1]

    @contextmanager
    def database(self) -> Iterator[Any]:
        """The app's database session in an app context of its own; committed at the end."""
        from lerend_netwerk.extensions import db

        with self.app.app_context():
            try:
                yield db.session
                db.session.commit()
            finally:
                db.session.remove()


class _QuietHandler(WSGIRequestHandler):
    """Werkzeug's handler without a log line per request (Playwright makes many)."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


@pytest.fixture(scope="session")
def chromium_executable() -> Path:
    """Debian's Chromium, or a skip that says how to get it."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:  # pragma: no cover - the dev extras install it
        pytest.skip("Playwright for Python is not installed: pip install -e '.[dev]'")
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(
            f"Chromium not found at {CHROMIUM}: apt-get install chromium "
            "(the browser tests use Debian's Chromium, Playwright may not download one)"
        )
    return CHROMIUM


def _seed(app: Flask) -> None:
    """Demo content, the known accounts, and an upcoming intervision the journeys rely on."""
    from lerend_netwerk.agenda.models import Meeting
    from lerend_netwerk.auth.service import create_user
    from lerend_netwerk.content_io.service import import_directory
    from lerend_netwerk.extensions import db
    from lerend_netwerk.themes.models import Theme

    db.create_all()
    import_directory(CONTENT_DIR)
    for email, name, role in USERS.values():
        create_user(email=email, name=name, role=role, password=PASSWORD)
    theme = db.session.scalars(db.select(Theme).where(Theme.slug == "werkplekken")).one()
    # The demo content's dates are fixed; this intervision is always in the future, so the
    # first journey finds an upcoming one whatever the date of the run.
    starts = (datetime.now(UTC) + timedelta(days=9)).replace(
        hour=12, minute=30, second=0, microsecond=0
    )
    db.session.add(
        Meeting(
            slug="intervisie-werkplekken-browsertest",
            title="Intervisie: werkplekken delen tussen opleidingen",
            kind="intervisie",
            starts_at=starts,
            ends_at=starts + timedelta(hours=3),
            location="Hogeschool Leie, campus Gent",
            capacity=25,
            body="We leggen de werkplekpools van drie proeftuinen naast elkaar.",
            themes=[theme],
        )
    )
    db.session.commit()


@pytest.fixture(scope="session")
def live_server(chromium_executable: Path, tmp_path_factory) -> Iterator[LiveServer]:
    """The app on 127.0.0.1 and a free port, as in production, with the demo content."""
    from lerend_netwerk import create_app
    from lerend_netwerk.extensions import db
    from lerend_netwerk.search.service import reindex

    directory = tmp_path_factory.mktemp("browser")
    app = create_app(
        {
            "TESTING": False,
            "SECRET_KEY": "browser-test-secret-key",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory / 'browser.sqlite'}",
            "SEARCH_INDEX_DIR": str(directory / "search-index"),
            "FILES_ROOT": str(directory / "files"),
            "RATELIMIT_ENABLED": False,
            "LOG_LEVEL": "WARNING",
        }
    )
    with app.app_context():
        _seed(app)
        reindex(app)
        db.session.remove()

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    live = LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    # Feeds and mails build absolute links from SITE_URL.
    app.config["SITE_URL"] = live.url

    def record_error(sender: Flask, exception: BaseException, **extra: Any) -> None:
        live.errors.append("".join(traceback.format_exception(exception)))

    got_request_exception.connect(record_error, app, weak=False)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield live
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        got_request_exception.disconnect(record_error, app)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(autouse=True)
def _no_server_errors(live_server: LiveServer) -> Iterator[None]:
    """A test fails when the server raised while serving it (a 500 page looks like a page)."""
    before = len(live_server.errors)
    yield
    new = live_server.errors[before:]
    assert not new, "the server raised while serving this test:\n" + "\n".join(new)


@pytest.fixture(scope="module")
def browser(chromium_executable: Path) -> Iterator[Any]:
    """Headless Chromium, one per test module.

    Playwright's sync API keeps its event loop registered as running while it is
    started; ending it with the module keeps it away from the other test modules.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(chromium_executable), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class PageProblems:
    """What went wrong inside a page: script errors, console errors (how Chromium reports
    what the Content-Security-Policy refused) and sub-resources that did not load."""

    messages: list[str] = field(default_factory=list)

    def watch(self, page: Any) -> Any:
        page.on("pageerror", lambda error: self.messages.append(f"script error: {error}"))
        page.on("console", self._console)
        page.on("response", self._response)
        page.on("requestfailed", self._failed)
        return page

    def _console(self, message: Any) -> None:
        # A failed load is reported with its URL by _response.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.messages.append(f"console error: {message.text}")

    def _response(self, response: Any) -> None:
        # Pages may answer 4xx on purpose (a test of a 404); what a page pulls in may not.
        if response.status >= 400 and response.request.resource_type != "document":
            self.messages.append(f"{response.status} for {response.url}")

    def _failed(self, request: Any) -> None:
        # "net::ERR_ABORTED": the page moved on (a click, a download) before it arrived.
        if request.resource_type != "document" and "ERR_ABORTED" not in str(request.failure):
            self.messages.append(f"request failed: {request.url} ({request.failure})")


@pytest.fixture
def new_context(browser: Any, live_server: LiveServer) -> Iterator[Callable[..., Any]]:
    """Make browser contexts (separate cookie jars) on the live server; closed afterwards.

    Every page opened in them is watched: a script error or a console error (which is
    how Chromium reports what the Content-Security-Policy refused) fails the test.
    """
    contexts: list[Any] = []
    problems = PageProblems()

    def factory(**options: Any) -> Any:
        settings = {
            "base_url": live_server.url,
            "locale": "nl-BE",
            "timezone_id": "Europe/Brussels",
            "viewport": DESKTOP,
            "service_workers": "block",
        }
        settings.update(options)
        context = browser.new_context(**settings)
        context.set_default_timeout(TIMEOUT_MS)
        context.on("page", problems.watch)
        contexts.append(context)
        return context

    yield factory
    for context in contexts:
        context.close()
    assert not problems.messages, "problems inside the page:\n" + "\n".join(problems.messages)


@pytest.fixture
def page(new_context: Callable[..., Any]) -> Any:
    """A fresh page in a fresh context (a visitor who is not signed in)."""
    return new_context().new_page()


def sign_in(page: Any, live_server: LiveServer, who: str, next_path: str | None = None) -> None:
    """Sign in through the login form, as a person would."""
    path = "/login" + (f"?next={next_path}" if next_path else "")
    page.goto(path)
    page.get_by_label("E-mailadres").fill(live_server.email(who))
    page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Aanmelden").click()
    assert "/login" not in page.url, page.inner_text("main")


class RolePages:
    """One page per role (None: a visitor), signed in once and reused by a module's tests."""

    def __init__(self, browser: Any, live_server: LiveServer, **options: Any) -> None:
        self.browser = browser
        self.live_server = live_server
        self.options = {
            "base_url": live_server.url,
            "locale": "nl-BE",
            "timezone_id": "Europe/Brussels",
            "viewport": DESKTOP,
            **options,
        }
        self.contexts: dict[str | None, Any] = {}

    def page(self, who: str | None) -> Any:
        if who not in self.contexts:
            context = self.browser.new_context(**self.options)
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            if who:
                sign_in(page, self.live_server, who)
            self.contexts[who] = context
        return self.contexts[who].pages[0]

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()


@pytest.fixture
def signed_in(new_context: Callable[..., Any], live_server: LiveServer) -> Callable[..., Any]:
    """A page in a new context, signed in as one of the known accounts."""

    def factory(who: str, **options: Any) -> Any:
        page = new_context(**options).new_page()
        sign_in(page, live_server, who)
        return page

    return factory


def screenshot(page: Any, name: str) -> Path:
    """A full-page screenshot in artifacts/screenshots/ (kept by CI as an artefact)."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
