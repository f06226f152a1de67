"""Pages rendered once per change: visitors share one page without a cookie (ETag/304);
a signed-in browser gets its own, never another reader's, and only while it is signed in."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import text

from conftest import CSRF_RE, gunicorn_server, login, post_form
from lerend_netwerk.auth.models import LoginSession
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db

ANONYMOUS_PAGES = [
    "/",
    "/sessies",
    "/praktijken",
    "/aanbevelingen",
    "/proeftuinen",
    "/themas",
    "/zoeken?q=mentor",
]


@pytest.fixture
def content(make_meeting, make_practice, make_recommendation):
    meeting = make_meeting(title="Openbare intervisie")
    practice = make_practice()
    recommendation = make_recommendation()
    return meeting, practice, recommendation


def test_anonymous_pages_set_no_cookie_and_are_served_from_the_cache(
    app, client, content, monkeypatch
):
    import lerend_netwerk.core.pagecache as pagecache
    from lerend_netwerk.search.service import sync_index

    # One time bucket for the whole test: a minute turning over between the two requests
    # of a page would start a new one (a miss that is right, but not this test's point).
    now = utcnow()
    monkeypatch.setattr(pagecache, "utcnow", lambda: now)
    meeting, practice, recommendation = content
    # The search page is keyed on the index generation too: let the index catch up first.
    sync_index(app)
    pages = [
        *ANONYMOUS_PAGES,
        f"/sessies/{meeting.slug}",
        f"/praktijken/{practice.slug}",
        f"/aanbevelingen/{recommendation.slug}",
    ]
    for path in pages:
        first = client.get(path)
        assert first.status_code == 200, path
        assert "Set-Cookie" not in first.headers, path
        assert 'name="csrf-token"' not in first.get_data(as_text=True), path
        assert first.headers["X-Page-Cache"] == "miss", path
        assert "public" in first.headers["Cache-Control"], path
        assert "Cookie" in first.headers["Vary"], path
        second = client.get(path)
        assert second.headers["X-Page-Cache"] == "hit", path
        assert "Set-Cookie" not in second.headers, path
        assert second.get_data() == first.get_data(), path


def test_html_pages_answer_304_to_their_etag(client, content):
    meeting, _, _ = content
    for path in ("/sessies", f"/sessies/{meeting.slug}", "/"):
        first = client.get(path)
        etag = first.headers["ETag"]
        assert etag
        # Once after rendering, once from the cache.
        for _ in range(2):
            again = client.get(path, headers={"If-None-Match": etag})
            assert again.status_code == 304, path
            assert again.get_data() == b""


def test_a_change_is_visible_on_the_next_request(client, content):
    meeting, _, _ = content
    assert "Openbare intervisie" in client.get("/sessies").get_data(as_text=True)
    etag = client.get("/sessies").headers["ETag"]
    meeting.title = "Herdoopte intervisie"
    db.session.commit()
    page = client.get("/sessies", headers={"If-None-Match": etag})
    assert page.status_code == 200
    assert "Herdoopte intervisie" in page.get_data(as_text=True)
    assert page.headers["X-Page-Cache"] == "miss"


def test_a_change_through_an_orm_statement_is_visible(client, content):
    from sqlalchemy import update

    from lerend_netwerk.agenda.models import Meeting

    meeting, _, _ = content
    client.get("/sessies")
    db.session.execute(update(Meeting).where(Meeting.id == meeting.id).values(title="Via SQL"))
    db.session.commit()
    assert "Via SQL" in client.get("/sessies").get_data(as_text=True)


def test_a_deleted_session_disappears(client, content):
    meeting, _, _ = content
    client.get("/sessies")
    db.session.delete(meeting)
    db.session.commit()
    assert "Openbare intervisie" not in client.get("/sessies").get_data(as_text=True)


def test_member_content_never_reaches_a_visitor(app, make_meeting, make_user):
    make_meeting(title="Enkel voor leden", visibility="members")
    make_meeting(title="Voor iedereen")
    member_client = app.test_client()
    sign_in(member_client, make_user())
    # The member first, then the visitor, then both again (the member's page from the
    # cache the second time, but never the visitor's).
    for cached in ("miss", "hit"):
        member_page = member_client.get("/sessies")
        assert "Enkel voor leden" in member_page.get_data(as_text=True)
        assert member_page.headers["X-Page-Cache"] == cached
        assert "private" in member_page.headers["Cache-Control"]
        assert "no-store" in member_page.headers["Cache-Control"]
        visitor_page = app.test_client().get("/sessies")
        assert "Voor iedereen" in visitor_page.get_data(as_text=True)
        assert "Enkel voor leden" not in visitor_page.get_data(as_text=True)


def test_a_visitors_cached_page_never_reaches_a_member(app, make_meeting, make_user):
    meeting = make_meeting(title="Enkel voor leden", visibility="members")
    visitor = app.test_client()
    assert visitor.get(f"/sessies/{meeting.slug}").status_code == 404
    assert "Enkel voor leden" not in visitor.get("/sessies").get_data(as_text=True)
    assert visitor.get("/sessies").headers["X-Page-Cache"] == "hit"
    member_client = app.test_client()
    login(member_client, make_user())
    assert "Enkel voor leden" in member_client.get("/sessies").get_data(as_text=True)
    assert member_client.get(f"/sessies/{meeting.slug}").status_code == 200


def test_coordinator_drafts_never_reach_a_member(app, make_practice, make_user):
    make_practice(title="Concept van de coördinator", status="draft")
    coordinator = app.test_client()
    login(coordinator, make_user(role="coordinator"))
    member = app.test_client()
    login(member, make_user())
    for _ in range(2):
        page = coordinator.get("/praktijken").get_data(as_text=True)
        assert "Concept van de coördinator" in page
        assert "Concept van de coördinator" not in member.get("/praktijken").get_data(as_text=True)
        visitor = app.test_client().get("/praktijken")
        assert "Concept van de coördinator" not in visitor.get_data(as_text=True)


def test_a_flash_message_is_never_hidden_by_a_cached_page(client, content):
    client.get("/sessies")
    assert client.get("/sessies").headers["X-Page-Cache"] == "hit"
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Een bericht voor deze bezoeker")]
    page = client.get("/sessies")
    assert "Een bericht voor deze bezoeker" in page.get_data(as_text=True)
    assert "X-Page-Cache" not in page.headers


def test_the_clock_moves_a_cached_page_on(app, client, make_meeting, monkeypatch):
    """A session that ends leaves the upcoming list without any write."""
    import lerend_netwerk.core.pagecache as pagecache

    now = utcnow()
    make_meeting(
        title="Bijna voorbij",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(minutes=5),
    )
    assert "Bijna voorbij" in client.get("/sessies").get_data(as_text=True)
    later = now + timedelta(minutes=10)
    monkeypatch.setattr(pagecache, "utcnow", lambda: later)
    monkeypatch.setattr("lerend_netwerk.agenda.service.utcnow", lambda: later)
    assert "Bijna voorbij" not in client.get("/sessies").get_data(as_text=True)


def test_the_cache_can_be_switched_off(app, client, content):
    app.config["PAGE_CACHE_ENABLED"] = False
    client.get("/sessies")
    assert "X-Page-Cache" not in client.get("/sessies").headers


@pytest.mark.slow
def test_a_change_is_visible_in_every_worker(app, database_url: str, tmp_path: Path, make_meeting):
    meeting = make_meeting(title="Eerste titel")
    with gunicorn_server(tmp_path, database_url, workers=2) as base:
        seen_hits = 0
        # Enough requests that both workers have the page in their cache.
        for _ in range(30):
            response = requests.get(f"{base}/sessies", timeout=30)
            assert "Eerste titel" in response.text
            assert "Set-Cookie" not in response.headers
            seen_hits += response.headers.get("X-Page-Cache") == "hit"
        assert seen_hits >= 20
        meeting.title = "Tweede titel"
        db.session.commit()
        for _ in range(30):
            response = requests.get(f"{base}/sessies", timeout=30)
            assert "Tweede titel" in response.text
            assert "Eerste titel" not in response.text


def test_search_results_follow_the_index(app, client, make_practice):
    """The index catches up after the commit: a cached search page does not hide that."""
    from lerend_netwerk.search.service import sync_index

    make_practice(title="Eerste praktijk", summary="Over werkplekleren.")
    sync_index(app)
    client.get("/zoeken?q=werkplekleren")
    assert client.get("/zoeken?q=werkplekleren").headers["X-Page-Cache"] == "hit"
    make_practice(title="Tweede praktijk", summary="Nog meer werkplekleren.")
    sync_index(app)
    page = client.get("/zoeken?q=werkplekleren").get_data(as_text=True)
    assert "Tweede praktijk" in page


def test_writers_that_find_the_version_row_missing_at_once_both_commit(app, database_url):
    """An emptied database: concurrent first writers must not collide on creating the row."""
    import threading

    from sqlalchemy import delete, select

    from lerend_netwerk.core.models import DataVersion
    from lerend_netwerk.themes.models import Theme

    db.session.execute(delete(DataVersion))
    db.session.commit()
    before_commit = threading.Barrier(2, timeout=10)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            with app.app_context():
                db.session.add(Theme(slug=f"gelijktijdig-{n}", title=f"Gelijktijdig {n}"))
                db.session.flush()
                if db.engine.dialect.name == "postgresql":
                    # SQLite serialises writers on its file lock: only PostgreSQL can race.
                    before_commit.wait()
                db.session.commit()
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert db.session.scalar(select(db.func.count()).select_from(Theme)) == 2
    assert db.session.scalar(select(db.func.count()).select_from(DataVersion)) == 1


# --- signed-in readers: a page per browser, only while it is signed in ---------------


def sign_in(client, user):
    """Sign in and read one page: the welcome message is shown once, never cached."""
    login(client, user)
    client.get("/account")


def test_one_members_cached_page_never_reaches_another(app, make_meeting, make_user):
    meeting = make_meeting(title="Intervisie mentoren", capacity=10)
    ann, bert = make_user(name="Ann Peeters"), make_user(name="Bert Claes")
    ann_client, bert_client = app.test_client(), app.test_client()
    sign_in(ann_client, ann)
    sign_in(bert_client, bert)
    post_form(ann_client, f"/sessies/{meeting.slug}/inschrijven", {"remark": ""})
    path = f"/sessies/{meeting.slug}"
    assert "X-Page-Cache" not in ann_client.get(path).headers  # with its flash message
    for cached in ("miss", "hit"):
        ann_page = ann_client.get(path)
        assert ann_page.headers["X-Page-Cache"] == cached
        assert "Ann Peeters" in ann_page.get_data(as_text=True)
        assert "Je bent ingeschreven." in ann_page.get_data(as_text=True)
    bert_page = bert_client.get(path)
    assert bert_page.headers["X-Page-Cache"] == "miss"
    text = bert_page.get_data(as_text=True)
    assert "Bert Claes" in text and "Ann Peeters" not in text
    assert "Je bent ingeschreven." not in text
    assert bert_client.get(path).headers["X-Page-Cache"] == "hit"


def test_a_coordinators_cached_page_never_reaches_a_member(app, make_practice, make_user):
    make_practice(title="Concept van de coördinator", status="draft")
    coordinator, member = app.test_client(), app.test_client()
    sign_in(coordinator, make_user(role="coordinator"))
    sign_in(member, make_user())
    for cached in ("miss", "hit"):
        page = coordinator.get("/praktijken")
        assert page.headers["X-Page-Cache"] == cached
        assert "Concept van de coördinator" in page.get_data(as_text=True)
    for cached in ("miss", "hit"):
        page = member.get("/praktijken")
        assert page.headers["X-Page-Cache"] == cached
        assert "Concept van de coördinator" not in page.get_data(as_text=True)


def test_signing_out_ends_the_cached_page_even_for_a_copied_cookie(app, make_user):
    member = make_user(name="Ann Peeters")
    client = app.test_client()
    sign_in(client, member)
    client.get("/sessies")
    assert client.get("/sessies").headers["X-Page-Cache"] == "hit"
    # A copy of the signed-in cookie, taken before signing out.
    copied = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    post_form(client, "/logout")
    assert "Ann Peeters" not in client.get("/sessies").get_data(as_text=True)
    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], copied)
    page = thief.get("/sessies")
    assert page.headers.get("X-Page-Cache") != "hit"
    assert "Ann Peeters" not in page.get_data(as_text=True)


def test_an_expired_login_session_is_not_served_its_cached_page(app, make_user):
    """login_session rows do not change the data version: the hit itself checks them."""
    member = make_user(name="Ann Peeters")
    client = app.test_client()
    sign_in(client, member)
    client.get("/sessies")
    assert client.get("/sessies").headers["X-Page-Cache"] == "hit"
    db.session.execute(
        LoginSession.__table__.update()
        .where(LoginSession.user_id == member.id)
        .values(expires_at=utcnow() - timedelta(minutes=1))
    )
    db.session.commit()
    page = client.get("/sessies")
    assert page.headers.get("X-Page-Cache") != "hit"
    assert "Ann Peeters" not in page.get_data(as_text=True)


def test_a_deactivated_account_is_not_served_its_cached_page(app, make_user):
    member = make_user(name="Ann Peeters")
    client = app.test_client()
    sign_in(client, member)
    client.get("/sessies")
    assert client.get("/sessies").headers["X-Page-Cache"] == "hit"
    member.active = False
    db.session.commit()
    assert "Ann Peeters" not in client.get("/sessies").get_data(as_text=True)


def test_the_form_token_in_a_members_cached_page_is_accepted(app, make_meeting, make_user):
    meeting = make_meeting(title="Intervisie mentoren")
    client = app.test_client()
    sign_in(client, make_user())
    path = f"/sessies/{meeting.slug}"
    client.get(path)
    cached = client.get(path)
    assert cached.headers["X-Page-Cache"] == "hit"
    token = CSRF_RE.search(cached.get_data(as_text=True)).group(1)
    response = client.post(f"{path}/inschrijven", data={"csrf_token": token, "remark": ""})
    assert response.status_code == 302
    page = client.get(path)
    assert page.headers.get("X-Page-Cache") != "hit"
    assert "Je bent ingeschreven." in page.get_data(as_text=True)


def test_a_member_sees_a_flash_message_after_a_cached_page(app, make_meeting, make_user):
    meeting = make_meeting(title="Intervisie mentoren")
    client = app.test_client()
    sign_in(client, make_user())
    path = f"/sessies/{meeting.slug}"
    client.get(path)
    assert client.get(path).headers["X-Page-Cache"] == "hit"
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Een bericht voor dit lid")]
    page = client.get(path)
    assert "Een bericht voor dit lid" in page.get_data(as_text=True)
    assert "X-Page-Cache" not in page.headers


def test_a_cached_page_costs_one_read_for_a_visitor_and_two_for_a_member(
    app, make_meeting, make_user, monkeypatch
):
    """No ORM statement on a hit: the version, and for a member whether they are signed in."""
    from sqlalchemy import event

    import lerend_netwerk.core.pagecache as pagecache

    meeting = make_meeting(title="Intervisie mentoren")
    path = f"/sessies/{meeting.slug}"
    reads: list[str] = []
    statements: list[str] = []
    real_read = pagecache._read_row

    def counted(engine, sql, parameters=()):
        reads.append(sql)
        return real_read(engine, sql, parameters)

    monkeypatch.setattr(pagecache, "_read_row", counted)
    event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    member = app.test_client()
    sign_in(member, make_user())
    for client, expected in ((app.test_client(), 1), (member, 2)):
        client.get(path)
        reads.clear()
        statements.clear()
        assert client.get(path).headers["X-Page-Cache"] == "hit"
        assert (len(reads), statements) == (expected, [])


@pytest.mark.slow
def test_a_members_cached_page_follows_changes_and_sign_out_in_every_worker(
    app, database_url: str, tmp_path: Path, make_meeting, make_user
):
    from conftest import PASSWORD

    meeting = make_meeting(title="Eerste titel", visibility="members")
    member = make_user(name="Ann Peeters")
    with gunicorn_server(tmp_path, database_url, workers=2) as base:
        browser = requests.Session()
        token = CSRF_RE.search(browser.get(f"{base}/login", timeout=30).text).group(1)
        signed_in = browser.post(
            f"{base}/login",
            data={"email": member.email, "password": PASSWORD, "csrf_token": token},
            allow_redirects=False,
            timeout=30,
        )
        assert signed_in.status_code == 302
        browser.get(f"{base}/account", timeout=30)  # the welcome message, once
        hits = 0
        for _ in range(30):
            response = browser.get(f"{base}/sessies", timeout=30)
            assert "Eerste titel" in response.text and "Ann Peeters" in response.text
            hits += response.headers.get("X-Page-Cache") == "hit"
        assert hits >= 20  # both workers serve it from their cache
        # This test's read snapshot predates the sign-in's write: start a new transaction.
        db.session.rollback()
        meeting.title = "Tweede titel"
        db.session.commit()
        for _ in range(10):
            response = browser.get(f"{base}/sessies", timeout=30)
            assert "Tweede titel" in response.text and "Eerste titel" not in response.text
        copied = dict(browser.cookies)
        token = CSRF_RE.search(browser.get(f"{base}/account", timeout=30).text).group(1)
        browser.post(f"{base}/logout", data={"csrf_token": token}, timeout=30)
        for _ in range(10):
            response = requests.get(f"{base}/sessies", cookies=copied, timeout=30)
            assert "Ann Peeters" not in response.text and "Tweede titel" not in response.text


# --- the version's own connection ----------------------------------------------------


def test_the_version_survives_a_database_that_closed_its_connection(client, content):
    """A server restart or an idle timeout ends the connection: the next read opens one."""
    meeting, _, _ = content
    client.get("/sessies")
    assert client.get("/sessies").headers["X-Page-Cache"] == "hit"
    if db.engine.dialect.name == "postgresql":
        db.session.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        db.session.commit()
    else:
        from lerend_netwerk.core import pagecache

        _pid, idle = pagecache._version_connections.by_engine[db.engine]
        for connection in idle:
            connection.close()
    meeting.title = "Nieuwe titel"
    db.session.commit()
    page = client.get("/sessies")
    assert page.status_code == 200
    assert "Nieuwe titel" in page.get_data(as_text=True)


def test_a_forked_worker_reads_the_version_on_a_connection_of_its_own(app, content):
    """With gunicorn's preload the workers fork from a process that may have read it."""
    from lerend_netwerk.core import pagecache

    with app.test_request_context():
        parent_version = pagecache.current_version()
    [parent_connection] = pagecache._version_connections.by_engine[db.engine][1]
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through its exit status
        status = 1
        try:
            with app.test_request_context():
                same = pagecache.current_version() == parent_version
            pid, idle = pagecache._version_connections.by_engine[db.engine]
            own = len(idle) == 1 and idle[0] is not parent_connection
            status = 0 if same and pid == os.getpid() and own else 2
        finally:
            os._exit(status)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    # The parent's connection still works: the child neither used nor closed it.
    with app.test_request_context():
        assert pagecache.current_version() == parent_version


# --- the front: a visitor's cached page before Flask ---------------------------------


def _headers(response, dated: bool = True) -> list[tuple[str, str]]:
    """The headers to compare: all but the clock's Date, which must be there."""
    assert "Date" in response.headers or response.status_code == 304 or not dated
    return sorted((k, v) for k, v in response.headers.items() if k != "Date")


def _without_front(app):
    """A client of the app below the front: every request runs through Flask."""
    from werkzeug.test import Client

    from lerend_netwerk.core.pagefront import PageFront

    assert isinstance(app.wsgi_app, PageFront)
    return Client(app.wsgi_app.wsgi_app, app.response_class)


def test_the_front_answers_exactly_as_flask_does(app, client, content, make_meeting):
    meeting, practice, recommendation = content
    paths = [
        *ANONYMOUS_PAGES,
        f"/sessies/{meeting.slug}",
        f"/praktijken/{practice.slug}",
        f"/aanbevelingen/{recommendation.slug}",
        "/api/v1/sessions",
        "/sessies?thema=onbekend&pagina=1",
    ]
    flask = _without_front(app)
    for path in paths:
        # Rendered and stored, its headers remembered (search: once the index caught up).
        client.get(path)
        client.get(path)
        through_flask = flask.get(path)
        front = client.get(path)
        assert through_flask.headers["X-Page-Cache"] == "hit", path
        assert front.status_code == through_flask.status_code == 200, path
        assert _headers(front) == _headers(through_flask), path
        assert front.get_data() == through_flask.get_data(), path
        etag = {"If-None-Match": front.headers["ETag"]}
        not_modified, flask_not_modified = (
            client.get(path, headers=etag),
            flask.get(path, headers=etag),
        )
        assert not_modified.status_code == flask_not_modified.status_code == 304, path
        assert _headers(not_modified) == _headers(flask_not_modified), path
        head, flask_head = client.head(path), flask.head(path)
        assert _headers(head) == _headers(flask_head), path
        assert head.get_data() == b"", path


def test_the_front_runs_no_flask_hook_and_no_query(app, client, content):
    from sqlalchemy import event

    hooks: list[str] = []
    statements: list[str] = []
    app.before_request(lambda: hooks.append("before"))
    event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    client.get("/sessies")
    hooks.clear()
    statements.clear()
    page = client.get("/sessies")
    assert page.headers["X-Page-Cache"] == "hit"
    assert (hooks, statements) == ([], [])


def test_the_front_leaves_signed_in_browsers_and_writes_to_flask(app, make_meeting, make_user):
    make_meeting(title="Enkel voor leden", visibility="members")
    visitor = app.test_client()
    visitor.get("/sessies")
    assert visitor.get("/sessies").headers["X-Page-Cache"] == "hit"
    member = app.test_client()
    sign_in(member, make_user(name="Ann Peeters"))
    page = member.get("/sessies").get_data(as_text=True)
    assert "Enkel voor leden" in page and "Ann Peeters" in page
    # A POST to a cached address is Flask's: here, 405 with Allow.
    assert visitor.post("/sessies").status_code == 405


def test_a_cached_page_keeps_the_headers_its_view_set(app, content):
    """The API's Link header (its pages) on a hit as on the first answer."""
    flask = _without_front(app)
    first = flask.get("/api/v1/sessions")
    again = flask.get("/api/v1/sessions")
    assert again.headers["X-Page-Cache"] == "hit"
    assert again.headers["Link"] == first.headers["Link"]
    assert 'rel="first"' in again.headers["Link"]


def test_the_front_answers_a_feeds_304_as_flask_does_until_the_data_changes(app, client, content):
    meeting, _, _ = content
    flask = _without_front(app)
    for path in ("/agenda.ics", "/agenda.ics?netwerk=alle"):
        first = client.get(path)
        assert first.status_code == 200
        etag = {"If-None-Match": first.headers["ETag"]}
        through_flask, front = flask.get(path, headers=etag), client.get(path, headers=etag)
        assert front.status_code == through_flask.status_code == 304
        assert _headers(front) == _headers(through_flask)
    # Without the tag, or with another, the feed itself (from Flask).
    assert client.get("/agenda.ics").status_code == 200
    assert client.get("/agenda.ics", headers={"If-None-Match": 'W/"anders"'}).status_code == 200
    meeting.title = "Nieuwe titel"
    db.session.commit()
    changed = client.get("/agenda.ics", headers=etag)
    assert changed.status_code == 200
    assert "Nieuwe titel" in changed.get_data(as_text=True)


def test_the_front_sends_a_feeds_file_as_flask_does_per_encoding_until_the_data_changes(
    app, client, content
):
    from sqlalchemy import event

    meeting, _, _ = content
    flask = _without_front(app)
    statements: list[str] = []
    hooks: list[str] = []
    app.before_request(lambda: hooks.append("before"))
    event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    for encoding in ({}, {"Accept-Encoding": "gzip"}):
        client.get("/agenda.ics", headers=encoding)  # Flask writes the file and sends it
        statements.clear()
        hooks.clear()
        front = client.get("/agenda.ics", headers=encoding)
        assert (hooks, statements) == ([], [])  # the version read on its own connection
        through_flask = flask.get("/agenda.ics", headers=encoding)
        assert front.status_code == through_flask.status_code == 200
        # A file's answer is dated by the server, as Flask's own (gunicorn adds Date).
        assert _headers(front, dated=False) == _headers(through_flask, dated=False)
        assert front.get_data() == through_flask.get_data()
        head = client.head("/agenda.ics", headers=encoding)
        assert head.status_code == 200 and head.get_data() == b""
    assert client.get("/agenda.ics").headers.get("Content-Encoding") is None
    assert (
        client.get("/agenda.ics", headers={"Accept-Encoding": "gzip"}).headers["Content-Encoding"]
        == "gzip"
    )
    meeting.title = "Nieuwe titel"
    db.session.commit()
    changed = client.get("/agenda.ics")
    assert "Nieuwe titel" in changed.get_data(as_text=True)
    again = client.get("/agenda.ics")
    assert again.headers["ETag"] == changed.headers["ETag"]
    assert "Nieuwe titel" in again.get_data(as_text=True)


def _vary(response) -> set[str]:
    return {name.strip() for name in response.headers.get("Vary", "").split(",") if name.strip()}


def test_the_public_feeds_do_not_vary_on_the_cookie_from_flask_or_the_front(
    app, client, content, make_network, make_theme
):
    """The same bytes for every reader: a shared cache keeps one copy, not one per cookie."""
    network, theme = make_network(), make_theme()
    hooks: list[str] = []
    app.before_request(lambda: hooks.append("before"))
    flask = _without_front(app)
    paths = (
        "/agenda.ics",
        f"/agenda.ics?thema={theme.slug}",
        f"/n/{network.slug}/agenda.ics",
        "/agenda.ics?netwerk=alle",
    )
    for path in paths:
        for encoding in ({}, {"Accept-Encoding": "gzip"}):
            first = client.get(path)
            first.close()
            conditional = {**encoding, "If-None-Match": first.headers["ETag"]}
            answers = {
                "flask 200": flask.get(path, headers=encoding),
                "flask 304": flask.get(path, headers=conditional),
            }
            # The front remembers Flask's 304 through it, then answers the next itself.
            client.get(path, headers=conditional)
            client.get(path, headers=encoding).close()  # the file written for this encoding
            hooks.clear()
            answers["front 304"] = client.get(path, headers=conditional)
            answers["front 200"] = client.get(path, headers=encoding)
            assert hooks == [], path
            for name, answer in answers.items():
                answer.close()  # a 200's body is the feed's open file
                assert answer.status_code == int(name[-3:]), (path, name)
                assert _vary(answer) == {"Accept-Encoding"}, (path, name)
                assert "public" in answer.headers["Cache-Control"], (path, name)


def test_a_signed_in_member_gets_the_visitors_feed_and_pages_still_vary(
    app, client, content, make_user
):
    """The public feed never looks at the reader: a member's answer is the visitor's, byte
    for byte and header for header. A page shows who reads it: it keeps Vary: Cookie."""
    member = app.test_client()
    user = make_user(name="Ann Peeters")
    sign_in(member, user)
    for encoding in ({}, {"Accept-Encoding": "gzip"}):
        theirs, visitors = (
            member.get("/agenda.ics", headers=encoding),
            client.get("/agenda.ics", headers=encoding),
        )
        assert theirs.get_data() == visitors.get_data()
        # Sent from the feed's file: the server adds the Date.
        assert _headers(theirs, dated=False) == _headers(visitors, dated=False)
        assert _vary(theirs) == {"Accept-Encoding"}
        conditional = {**encoding, "If-None-Match": theirs.headers["ETag"]}
        not_modified = member.get("/agenda.ics", headers=conditional)
        assert not_modified.status_code == 304
        assert _vary(not_modified) == {"Accept-Encoding"}
    # What does depend on the reader keeps saying so.
    personal = member.get(f"/agenda/persoonlijk/{user.calendar_token}.ics")
    assert "Cookie" in _vary(personal) and "private" in personal.headers["Cache-Control"]
    meeting, _, _ = content
    session_feed = member.get(f"/sessies/{meeting.slug}.ics")
    assert "Cookie" in _vary(session_feed)
    for reader in (client, client, member, member):  # a visitor's miss and hit (front)
        page = reader.get("/sessies")
        assert page.status_code == 200
        assert "Cookie" in _vary(page)
    assert "Ann Peeters" in member.get("/sessies").get_data(as_text=True)


def test_a_feed_answer_that_sets_a_cookie_still_varies_on_it(app, client, content):
    """Should anything write the session during a feed's request, the answer carries
    this browser's session cookie: it is this browser's own, not one for everybody."""
    from flask import session

    app.before_request(lambda: session.update(seen=True))
    answer = client.get("/agenda.ics")
    answer.close()
    assert answer.status_code == 200 and "Set-Cookie" in answer.headers
    assert "Cookie" in _vary(answer)


def _data_version() -> int:
    from lerend_netwerk.core import pagecache

    return pagecache.read_version(db.engine)[0]


def test_a_sign_in_keeps_the_data_version_and_the_visitors_pages(
    app, client, content, make_user, monkeypatch
):
    """It writes last_login_at, which no cached page shows (only the coordinators' account
    list, never cached): every worker's pages stay, for visitors and members alike."""
    import lerend_netwerk.core.pagecache as pagecache
    from lerend_netwerk.auth.models import User

    now = utcnow()
    monkeypatch.setattr(pagecache, "utcnow", lambda: now)
    user = make_user(name="Ann Peeters")
    assert client.get("/sessies").headers["X-Page-Cache"] == "miss"
    before = _data_version()
    member = app.test_client()
    login(member, user)
    db.session.expire_all()
    assert db.session.get(User, user.id).last_login_at is not None  # the sign-in wrote it
    assert _data_version() == before
    assert client.get("/sessies").headers["X-Page-Cache"] == "hit"
    # A column the pages do show still counts, alone or with the sign-in's.
    user = db.session.get(User, user.id)
    user.name = "Ann Janssens"
    db.session.commit()
    assert _data_version() == before + 1
    user.last_login_at, user.function = utcnow(), "mentor"
    db.session.commit()
    assert _data_version() == before + 2
    assert client.get("/sessies").headers["X-Page-Cache"] == "miss"


def test_only_bookkeeping_columns_leave_the_version_in_statements_and_relationships(
    app, make_user, make_theme
):
    from sqlalchemy import update

    from lerend_netwerk.auth.models import User

    user, theme = make_user(), make_theme()
    before = _data_version()
    db.session.execute(update(User).where(User.id == user.id).values(last_login_at=utcnow()))
    db.session.commit()
    assert _data_version() == before
    db.session.execute(update(User).where(User.id == user.id).values(name="Bert Claes"))
    db.session.commit()
    assert _data_version() == before + 1
    db.session.execute(
        update(User).where(User.id == user.id).values(last_login_at=utcnow(), active=False)
    )
    db.session.commit()
    assert _data_version() == before + 2
    # A relationship changes what pages show (a member's expertise): it counts.
    user = db.session.get(User, user.id)
    user.expertise.append(theme)
    db.session.commit()
    assert _data_version() == before + 3


def test_the_pages_the_cache_may_serve_are_the_ones_their_packages_mark(app):
    """Each package marks its cacheable views (`@cacheable`); a new one is a choice."""
    marked = {
        name for name, view in app.view_functions.items() if getattr(view, "page_cacheable", False)
    }
    assert marked == {
        "core.home",
        "core.privacy",
        "core.networks",
        "core.network_home",
        "agenda.index",
        "agenda.detail",
        "practices.index",
        "practices.detail",
        "products.index",
        "products.detail",
        "proeftuinen.index",
        "proeftuinen.detail",
        "proeftuinen.organisations",
        "proeftuinen.organisation",
        "recommendations.index",
        "recommendations.detail",
        "search.results",
        "themes.index",
        "themes.detail",
        "api.sessions",
        "api.session",
        "api.products",
        "api.product",
    }


def test_threads_take_turns_on_the_versions_connections(app, content, monkeypatch):
    """A threaded server (the development server: a thread per request) reuses them."""
    import threading

    from lerend_netwerk.core import pagecache

    opened: list[object] = []
    real_open = pagecache._open_version_connection

    def counted(engine):
        opened.append(engine)
        return real_open(engine)

    monkeypatch.setattr(pagecache, "_open_version_connection", counted)
    db.engine.dispose()  # none kept from before

    def read() -> None:
        with app.test_request_context():
            pagecache.current_version()

    for _ in range(8):
        thread = threading.Thread(target=read)
        thread.start()
        thread.join()
    assert len(opened) == 1
    assert len(pagecache._version_connections.by_engine[db.engine][1]) == 1
