"""Sign in and out, roles, CSRF and safe redirects."""

from __future__ import annotations

import pytest

from conftest import PASSWORD, csrf_token, login, post_form


def test_login_with_valid_password_signs_in(client, make_user):
    user = make_user(email="An.Peeters@Example.be")
    response = post_form(client, "/login", {"email": "an.peeters@example.be", "password": PASSWORD})
    assert response.status_code == 302
    page = client.get("/account").get_data(as_text=True)
    assert user.name in page


@pytest.mark.parametrize(
    "email,password", [("user@example.be", "wrong password!"), ("nobody@example.be", PASSWORD)]
)
def test_wrong_password_and_unknown_email_get_the_same_message(client, make_user, email, password):
    make_user(email="user@example.be")
    response = post_form(client, "/login", {"email": email, "password": password})
    assert response.status_code == 200
    assert "Onbekend e-mailadres of verkeerd wachtwoord." in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302


def test_inactive_account_cannot_sign_in(client, make_user):
    make_user(email="weg@example.be", active=False)
    response = post_form(client, "/login", {"email": "weg@example.be", "password": PASSWORD})
    assert "Onbekend e-mailadres" in response.get_data(as_text=True)


def test_login_without_csrf_token_is_refused(client, make_user):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/account").status_code == 302


def test_logout_is_post_only_and_needs_csrf(client, make_user):
    user = make_user()
    login(client, user)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/account").status_code == 200
    response = post_form(client, "/logout")
    assert response.status_code == 302
    assert client.get("/account").status_code == 302


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example"])
def test_login_never_redirects_off_site(client, make_user, target):
    user = make_user()
    token = csrf_token(client, "/login")
    response = client.post(
        f"/login?next={target}",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_follows_local_next(client, make_user):
    user = make_user()
    token = csrf_token(client, "/login")
    response = client.post(
        "/login?next=/proeftuinen",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/proeftuinen"


def test_passwords_are_hashed(app, make_user):
    user = make_user()
    assert user.password_hash and PASSWORD not in user.password_hash
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_password_change_ends_other_sessions(app, client, make_user):
    from lerend_netwerk.extensions import db

    user = make_user()
    login(client, user)
    assert client.get("/account").status_code == 200
    from lerend_netwerk.auth.service import change_password

    change_password(user, "a brand new password")
    db.session.commit()
    assert client.get("/account").status_code == 302


def test_account_requires_login(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
