"""Guests and members on one session at once, against a real multi-worker gunicorn.

Runs on SQLite and PostgreSQL (the `database_url` fixture). Guests without an account
ask for a place while members register, then all guests confirm through their mailed
link at the same moment as some members cancel: nobody is overbooked, nobody holds two
places (one address is one person, also for a guest using a member's address).
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
from lerend_netwerk.mail.models import OutgoingMail

pytestmark = pytest.mark.slow

CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')
LINK_RE = re.compile(r"/inschrijving/[0-9]+\.[A-Za-z0-9_-]+")
MEMBERS = 12
GUESTS = 12
CAPACITY = 10
WORKERS = 4


@pytest.fixture
def server(app, database_url: str, tmp_path: Path) -> Iterator[str]:
    env = {"FLASK_SECRET_KEY": "guests-load-secret", "FLASK_RATELIMIT_ENABLED": "false"}
    with gunicorn_server(tmp_path, database_url, workers=WORKERS, env=env) as base:
        yield base


def _visitor(base: str, slug: str) -> tuple[requests.Session, str]:
    browser = requests.Session()
    token = CSRF_RE.search(browser.get(f"{base}/sessies/{slug}", timeout=30).text).group(1)
    return browser, token


def _all_at_once(jobs: list[tuple[requests.Session, str, dict]]) -> list[requests.Response]:
    barrier = threading.Barrier(len(jobs))

    def fire(job):
        browser, url, data = job
        barrier.wait(timeout=60)
        return browser.post(url, data=data, allow_redirects=False, timeout=90)

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(fire, jobs))


def _rows(meeting_id: int) -> list[Registration]:
    db.session.rollback()
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Registration)
            .where(Registration.meeting_id == meeting_id)
            .order_by(Registration.registered_at, Registration.id)
        )
    )


def _link(address: str) -> str:
    db.session.rollback()
    bodies = db.session.scalars(
        select(OutgoingMail.body_text).where(
            OutgoingMail.recipient == address, OutgoingMail.kind == "guest-confirm"
        )
    ).all()
    links = {LINK_RE.search(body).group(0) for body in bodies}
    assert len(links) == 1, (address, links)
    return links.pop()


def test_guests_and_members_at_once_never_overbook_or_hold_two_places(server, make_meeting):
    meeting = make_meeting(slug="slotsessie-druk", capacity=CAPACITY, open_to_guests=True)
    members = members_sharing_one_password(
        MEMBERS, email="lid{n:02d}@school.be", name="Lid {n:02d}"
    )
    slug = meeting.slug
    emails = [user.email for user in members]  # read here: the threads have no app context
    with ThreadPoolExecutor(max_workers=8) as pool:
        signed_in = list(pool.map(lambda email: signed_in_over_http(server, email), emails))
        visitors = list(pool.map(lambda _: _visitor(server, slug), range(GUESTS + 1)))

    register = f"{server}/sessies/{meeting.slug}/inschrijven"
    jobs = [(browser, register, {"csrf_token": token}) for browser, token in signed_in]
    guest_addresses = [f"gast{n:02d}@bedrijf.be" for n in range(GUESTS)]
    for (browser, token), address in zip(visitors, guest_addresses, strict=False):
        form = {"csrf_token": token, "name": address.split("@")[0], "email": address}
        jobs.append((browser, register, form))
    # A visitor types a member's address at the moment that member registers.
    browser, token = visitors[-1]
    jobs.append((browser, register, {"csrf_token": token, "name": "X", "email": members[0].email}))
    responses = _all_at_once(jobs)
    assert [r.status_code for r in responses] == [302] * MEMBERS + [200] * (GUESTS + 1)

    rows = _rows(meeting.id)
    by_key = [r.email_key for r in rows]
    assert len(by_key) == len(set(by_key)), "an address holds two places"
    assert sum(r.user_id is not None for r in rows) == MEMBERS
    confirmed = [r for r in rows if r.status == "confirmed"]
    held = [r for r in rows if r.status == "pending" and r.hold_expires_at is not None]
    assert len(confirmed) + len(held) <= CAPACITY
    assert len(held) <= CAPACITY // 4

    # Every guest confirms at once (two of them in two tabs), while three members cancel.
    jobs = []
    for (browser, _), address in zip(visitors, guest_addresses, strict=False):
        path = _link(address)
        token = CSRF_RE.search(browser.get(f"{server}{path}", timeout=30).text).group(1)
        jobs.append((browser, f"{server}{path}", {"csrf_token": token}))
    jobs += jobs[:2]
    unregister = f"{server}/sessies/{meeting.slug}/uitschrijven"
    seated_members = {r.user_id for r in confirmed if r.user_id}
    leaving = [
        pair for user, pair in zip(members, signed_in, strict=True) if user.id in seated_members
    ][:3]
    jobs += [(browser, unregister, {"csrf_token": token}) for browser, token in leaving]
    responses = _all_at_once(jobs)
    assert {r.status_code for r in responses} == {302}

    rows = _rows(meeting.id)
    by_key = [r.email_key for r in rows]
    assert len(by_key) == len(set(by_key)), "an address holds two places"
    statuses = [r.status for r in rows]
    assert statuses.count("confirmed") == CAPACITY, "seats left empty or overbooked"
    guests = [r for r in rows if r.user_id is None]
    assert len(guests) == GUESTS
    assert {r.status for r in guests} <= {"confirmed", "waitlisted"}
    assert statuses.count("cancelled") == 3
    assert statuses.count("pending") == 0
