"""Security headers, cookies and the registration rate limit (sign-in: test_login_throttle)."""

from __future__ import annotations

from conftest import FreshContextClient, login, post_form
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


def test_session_cookie_is_httponly_samesite_and_secure_on_https(make_app):
    app = make_app(SITE_URL="https://lerend-netwerk.example")
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


def test_registration_is_rate_limited_per_member(app, app_config, make_user, make_meeting):
    make_meeting(slug="druk", capacity=None)
    members = [make_user(), make_user()]
    limited = create_app(
        dict(app_config, RATELIMIT_ENABLED=True, REGISTRATION_RATE_LIMIT="3 per minute")
    )
    limited.test_client_class = FreshContextClient
    with limited.app_context():
        limiter.reset()
    first, second = limited.test_client(), limited.test_client()
    login(first, members[0])
    login(second, members[1])
    statuses = [
        post_form(first, f"/sessies/druk/{action}").status_code
        for action in ("inschrijven", "uitschrijven", "inschrijven", "uitschrijven")
    ]
    assert statuses == [302, 302, 302, 429]
    # Another member is not held back by the first one's limit.
    assert post_form(second, "/sessies/druk/inschrijven").status_code == 302
    with limited.app_context():
        db.engine.dispose()


def test_unexpected_errors_get_a_dutch_page_without_a_trace(make_app):
    app = make_app(TESTING=False, PROPAGATE_EXCEPTIONS=False)

    @app.get("/kapot")
    def broken():
        raise RuntimeError("geheime interne details")

    response = app.test_client().get("/kapot")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Er ging iets mis" in page
    assert "geheime interne details" not in page and "Traceback" not in page


def test_oversized_requests_are_refused(client):
    response = client.post("/login", data={"email": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413
    assert "Te groot" in response.get_data(as_text=True)
