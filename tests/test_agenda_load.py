"""Capacity under load: many registrations at once against a real multi-worker gunicorn.

Runs on SQLite and on PostgreSQL (the `database_url` fixture). The server is a separate
process group of 4 sync workers; the clients are real HTTP sessions with cookies and
CSRF tokens, released together by a barrier.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from conftest import gunicorn_server, members_sharing_one_password, signed_in_over_http
from lerend_netwerk.agenda.models import Registration
from lerend_netwerk.extensions import db

pytestmark = pytest.mark.slow

CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')
USERS = 30
CAPACITY = 10
DOUBLE_CLICKERS = 5
WORKERS = 4


@pytest.fixture
def server(app, database_url: str, tmp_path: Path) -> Iterator[str]:
    """A gunicorn with several workers on the test database; yields its base URL."""
    # 30 sign-ins from one address in a few seconds are the point here.
    env = {"FLASK_SECRET_KEY": "load-test-secret", "FLASK_RATELIMIT_ENABLED": "false"}
    with gunicorn_server(tmp_path, database_url, workers=WORKERS, env=env) as base:
        yield base


def _all_at_once(jobs: list[tuple[requests.Session, str, str]]) -> list[requests.Response]:
    """POST every (session, url, token) at the same moment, one thread each."""
    barrier = threading.Barrier(len(jobs))

    def fire(job):
        browser, url, token = job
        barrier.wait(timeout=30)
        return browser.post(url, data={"csrf_token": token}, allow_redirects=False, timeout=60)

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(fire, jobs))


def _registrations(meeting_id: int) -> list[Registration]:
    db.session.rollback()  # a fresh snapshot: the server wrote in the meantime
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Registration)
            .where(Registration.meeting_id == meeting_id)
            .order_by(Registration.registered_at, Registration.id)
        )
    )


def test_concurrent_registrations_never_overbook(server, make_meeting):
    meeting = make_meeting(slug="drukke-intervisie", capacity=CAPACITY)
    users = members_sharing_one_password(
        USERS, email="deelnemer{n:02d}@example.be", name="Deelnemer {n:02d}"
    )
    by_id = {user.id: user for user in users}

    with ThreadPoolExecutor(max_workers=8) as pool:
        browsers = list(pool.map(lambda user: signed_in_over_http(server, user.email), users))

    register_url = f"{server}/sessies/{meeting.slug}/inschrijven"
    jobs = [(browser, register_url, token) for browser, token in browsers]
    # Double clicks: a second tab of the same member posts at the same moment.
    for browser, token in browsers[:DOUBLE_CLICKERS]:
        twin = requests.Session()
        twin.cookies.update(browser.cookies)
        jobs.append((twin, register_url, token))
    responses = _all_at_once(jobs)
    assert [r.status_code for r in responses] == [302] * len(jobs)
    assert {r.headers["Location"] for r in responses} == {f"/sessies/{meeting.slug}"}

    rows = _registrations(meeting.id)
    assert len(rows) == USERS
    assert len({row.user_id for row in rows}) == USERS, "somebody is registered twice"
    confirmed = [row for row in rows if row.status == "confirmed"]
    waitlist = [row for row in rows if row.status == "waitlisted"]
    assert len(confirmed) == CAPACITY
    assert len(waitlist) == USERS - CAPACITY
    # First come, first served: every confirmed place was decided before any wait.
    assert max(r.registered_at for r in confirmed) <= min(r.registered_at for r in waitlist)

    # Some confirmed members and the last two on the waiting list cancel at once.
    leaving_confirmed = [row.user_id for row in confirmed[:3]]
    leaving_waiting = [row.user_id for row in waitlist[-2:]]
    sessions_by_user = {user.id: pair for user, pair in zip(users, browsers, strict=True)}
    cancel_url = f"{server}/sessies/{meeting.slug}/uitschrijven"
    cancels = [
        (sessions_by_user[user_id][0], cancel_url, sessions_by_user[user_id][1])
        for user_id in leaving_confirmed + leaving_waiting
    ]
    responses = _all_at_once(cancels)
    assert [r.status_code for r in responses] == [302] * len(cancels)

    after = {row.user_id: row.status for row in _registrations(meeting.id)}
    assert len(after) == USERS
    assert sum(status == "confirmed" for status in after.values()) == CAPACITY
    for user_id in leaving_confirmed + leaving_waiting:
        assert after[user_id] == "cancelled", by_id[user_id].name
    # The first three on the waiting list moved up, in order; the others kept their turn.
    original_waitlist = [row.user_id for row in waitlist]
    for user_id in original_waitlist[:3]:
        assert after[user_id] == "confirmed", by_id[user_id].name
    rows = _registrations(meeting.id)
    still_waiting = [row.user_id for row in rows if row.status == "waitlisted"]
    assert still_waiting == original_waitlist[3:-2]

    # The member now first in line sees it on the session page.
    browser, _ = sessions_by_user[still_waiting[0]]
    page = browser.get(f"{server}/sessies/{meeting.slug}", timeout=30).text
    assert "Je staat op de wachtlijst, op plaats 1." in page
