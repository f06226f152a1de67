"""Security headers, cookies and the login rate limit."""

from __future__ import annotations

import pytest

from conftest import csrf_token
from lerend_netwerk import create_app
from lerend_netwerk.extensions import db, limiter


def test_every_page_sends_strict_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_pages_have_no_inline_script_or_style(client):
    page = client.get("/").get_data(as_text=True)
    assert "<script>" not in page and "<script " not in page.replace('<script src="', "")
    assert " style=" not in page


def test_session_cookie_is_httponly_samesite_and_secure_on_https(app_config):
    app = create_app(dict(app_config, SITE_URL="https://lerend-netwerk.example"))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    response = app.test_client().get("/login")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_static_files_are_cached(client):
    with client.get("/static/site.css") as response:
        assert response.status_code == 200
        assert "max-age=604800" in response.headers["Cache-Control"]


@pytest.mark.parametrize("storage", ["memory", "redis"])
def test_login_attempts_are_rate_limited(app_config, storage, caplog):
    config = dict(
        app_config,
        LOGIN_RATE_LIMIT="3 per minute",
        RATELIMIT_ENABLED=True,
    )
    if storage == "redis":
        redis = pytest.importorskip("redis")
        try:
            redis.Redis(host="127.0.0.1", port=6379).ping()
        except redis.exceptions.ConnectionError:
            pytest.fail("the Redis server at 127.0.0.1:6379 is not running")
        config["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:6379"
    app = create_app(config)
    with app.app_context():
        limiter.reset()  # counts from earlier tests on the same storage
    client = app.test_client()
    token = csrf_token(client, "/login")
    statuses = [
        client.post(
            "/login", data={"email": "x@example.be", "password": "nope", "csrf_token": token}
        ).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    assert "Te veel pogingen" in client.post("/login", data={"csrf_token": token}).get_data(
        as_text=True
    )
    assert "login failed for email#" in caplog.text
    assert "x@example.be" not in caplog.text
    with app.app_context():
        db.engine.dispose()
