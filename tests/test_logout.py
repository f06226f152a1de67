"""Signing out ends the session on the server: copied cookies stop working."""

from __future__ import annotations

from sqlalchemy import func, select

from conftest import PASSWORD, post_form
from lerend_netwerk.auth.models import LoginSession
from lerend_netwerk.extensions import db


def _sign_in(client, user, *, remember: bool = False):
    data = {"email": user.email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = post_form(client, "/login", data)
    assert response.status_code == 302
    return response


def _copy_cookies(source, target, names: tuple[str, ...] = ("session", "remember_token")):
    """What an attacker who copied the browser's cookies holds."""
    for name in names:
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(cookie.key, cookie.value, domain=cookie.domain)


def _sessions_of(user) -> int:
    return db.session.scalar(
        select(func.count(LoginSession.id)).where(LoginSession.user_id == user.id)
    )


def test_a_session_cookie_copied_before_logout_no_longer_opens_the_account(app, client, make_user):
    user = make_user()
    _sign_in(client, user)
    thief = app.test_client()
    _copy_cookies(client, thief, ("session",))
    assert thief.get("/account").status_code == 200
    assert post_form(client, "/logout").status_code == 302
    assert client.get("/account").status_code == 302
    response = thief.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _sessions_of(user) == 0


def test_a_remember_me_cookie_copied_before_logout_no_longer_signs_in(app, client, make_user):
    user = make_user()
    _sign_in(client, user, remember=True)
    assert client.get_cookie("remember_token") is not None
    thief = app.test_client()
    # Only the long-lived cookie: the browser was closed, the session cookie is gone.
    _copy_cookies(client, thief, ("remember_token",))
    assert thief.get("/account").status_code == 200
    post_form(client, "/logout")
    fresh_thief = app.test_client()
    _copy_cookies(thief, fresh_thief, ("remember_token",))
    assert fresh_thief.get("/account").status_code == 302
    # Nor does the copy that had already turned it into a session.
    assert thief.get("/account").status_code == 302


def test_logout_ends_only_this_browser(app, client, make_user):
    user = make_user()
    laptop, phone = client, app.test_client()
    _sign_in(laptop, user)
    _sign_in(phone, user)
    assert _sessions_of(user) == 2
    post_form(laptop, "/logout")
    assert phone.get("/account").status_code == 200
    assert _sessions_of(user) == 1


def test_sign_out_everywhere_ends_every_session(app, client, make_user):
    user, other = make_user(), make_user()
    laptop, phone, copied = client, app.test_client(), app.test_client()
    _sign_in(laptop, user, remember=True)
    _sign_in(phone, user, remember=True)
    _copy_cookies(phone, copied)
    others_browser = app.test_client()
    _sign_in(others_browser, other)
    page = laptop.get("/account").get_data(as_text=True)
    assert "Overal afmelden" in page and "aangemeld in 2 browsers" in page
    response = post_form(laptop, "/account/overal-afmelden")
    assert response.status_code == 302
    for browser in (laptop, phone, copied):
        assert browser.get("/account").status_code == 302
    assert _sessions_of(user) == 0
    # Another member is not signed out.
    assert others_browser.get("/account").status_code == 200


def test_sign_out_everywhere_needs_csrf_and_post(client, make_user):
    _sign_in(client, make_user())
    assert client.get("/account/overal-afmelden").status_code == 405
    assert client.post("/account/overal-afmelden").status_code == 400
    assert client.get("/account").status_code == 200


def test_password_change_keeps_this_browser_and_ends_the_others(app, client, make_user):
    user = make_user()
    other_device = app.test_client()
    _sign_in(client, user)
    _sign_in(other_device, user)
    new = "een gloednieuw wachtwoord"
    response = post_form(
        client,
        "/account/wachtwoord",
        {"current": PASSWORD, "password": new, "confirm": new},
    )
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert other_device.get("/account").status_code == 302
    assert _sessions_of(user) == 1


def test_an_expired_login_session_is_signed_out(client, make_user):
    user = make_user()
    _sign_in(client, user)
    record = db.session.scalar(select(LoginSession).where(LoginSession.user_id == user.id))
    record.expires_at = record.created_at
    db.session.commit()
    assert client.get("/account").status_code == 302
