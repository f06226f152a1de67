"""The sign-in throttle holds across the workers of a real multi-worker gunicorn.

Each attempt is a new connection, so the workers share them out; the access log names
the worker (its pid) that answered each one.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from conftest import PASSWORD, gunicorn_server
from lerend_netwerk.auth.models import User
from lerend_netwerk.extensions import db

pytestmark = pytest.mark.slow

CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')
WORKERS = 4


@pytest.fixture
def server(app, database_url: str, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A gunicorn with several workers on the test database: (base URL, access log)."""
    access_log = tmp_path / "access.log"
    args = ("--access-logfile", str(access_log), "--access-logformat", "%(p)s %(m)s %(U)s %(s)s")
    env = {"FLASK_SECRET_KEY": "throttle-test-secret"}
    with gunicorn_server(tmp_path, database_url, workers=WORKERS, env=env, args=args) as base:
        yield base, access_log


def _member(email: str) -> User:
    user = User(email=email, name=email.split("@")[0])
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.commit()
    return user


def _attempt(base: str, email: str, password: str) -> requests.Response:
    """A new browser on a new connection: fetch the form, post it."""
    with requests.Session() as browser:
        browser.headers["Connection"] = "close"
        token = CSRF_RE.search(browser.get(f"{base}/login", timeout=30).text)[1]
        return browser.post(
            f"{base}/login",
            data={"email": email, "password": password, "csrf_token": token},
            allow_redirects=False,
            timeout=60,
        )


def _login_workers(access_log: Path) -> set[str]:
    time.sleep(0.5)  # gunicorn writes the access line after the response
    lines = access_log.read_text().splitlines()
    return {line.split()[0] for line in lines if " POST /login " in f" {line} "}


def test_eleventh_wrong_password_is_refused_whichever_worker_answers(server):
    base, access_log = server
    user = _member("doelwit@example.be")
    statuses = [_attempt(base, user.email, f"gok nummer {n}").status_code for n in range(11)]
    assert statuses == [200] * 10 + [429]
    locked = _attempt(base, user.email, PASSWORD)
    assert locked.status_code == 429
    assert "te vaak een verkeerd wachtwoord" in locked.text
    # With per-process counters each worker would have allowed ten of its own.
    assert len(_login_workers(access_log)) >= 2


def test_a_parallel_burst_gets_no_more_than_the_budget_through(server):
    base, access_log = server
    email = _member("burst@example.be").email
    barrier = threading.Barrier(30)

    def fire(n: int) -> int:
        with requests.Session() as browser:
            browser.headers["Connection"] = "close"
            token = CSRF_RE.search(browser.get(f"{base}/login", timeout=30).text)[1]
            barrier.wait(timeout=60)
            return browser.post(
                f"{base}/login",
                data={"email": email, "password": f"gok {n}", "csrf_token": token},
                allow_redirects=False,
                timeout=60,
            ).status_code

    with ThreadPoolExecutor(max_workers=30) as pool:
        statuses = list(pool.map(fire, range(30)))
    assert set(statuses) <= {200, 429}
    assert statuses.count(200) <= 10
    assert _attempt(base, email, PASSWORD).status_code == 429
    assert len(_login_workers(access_log)) >= 2
