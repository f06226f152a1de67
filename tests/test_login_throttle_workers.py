"""The sign-in throttle holds across the workers of a real multi-worker gunicorn.

Each attempt is a new connection, so the workers share them out; the access log names
the worker (its pid) that answered each one.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from conftest import PASSWORD
from lerend_netwerk.auth.models import User
from lerend_netwerk.extensions import db

pytestmark = pytest.mark.slow

CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')
WORKERS = 4


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(app, database_url: str, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A gunicorn with several workers on the test database: (base URL, access log)."""
    port = _free_port()
    access_log = tmp_path / "access.log"
    env = {
        **os.environ,
        "FLASK_SECRET_KEY": "throttle-test-secret",
        "FLASK_SQLALCHEMY_DATABASE_URI": database_url,
        "FLASK_SEARCH_INDEX_DIR": str(tmp_path / "search-index"),
    }
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(WORKERS),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
            "--access-logfile",
            str(access_log),
            "--access-logformat",
            "%(p)s %(m)s %(U)s %(s)s",
            "lerend_netwerk:create_app()",
        ],
        cwd=tmp_path,  # not the repository: its gunicorn.conf.py is for production
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                pytest.fail("gunicorn stopped:\n" + (tmp_path / "gunicorn.log").read_text())
            try:
                if requests.get(f"{base}/healthz", timeout=10).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                pytest.fail("gunicorn did not answer /healthz in time")
            time.sleep(0.1)
        yield base, access_log
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


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
