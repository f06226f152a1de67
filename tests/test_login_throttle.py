"""Sign-in and reset throttling: failures count, per account and per address, in the
database that every worker and host shares; successful sign-ins are never held back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from conftest import CSRF_RE, PASSWORD, members_sharing_one_password
from lerend_netwerk.auth.models import PasswordResetRequest, ThrottleEvent
from lerend_netwerk.extensions import db

LOCKED_ACCOUNT = "Er is te vaak een verkeerd wachtwoord ingegeven voor dit e-mailadres"
LOCKED_NETWORK = "Vanaf jouw netwerk is te vaak een verkeerd wachtwoord ingegeven"


def _sign_in(app, email: str, password: str, address: str = "127.0.0.1"):
    """A fresh browser at `address` posts the sign-in form."""
    browser = app.test_client()
    environ = {"REMOTE_ADDR": address}
    page = browser.get("/login", environ_base=environ).get_data(as_text=True)
    token = CSRF_RE.search(page)[1]
    return browser.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base=environ,
    )


def _age_throttle_rows(minutes: int) -> None:
    for event in db.session.scalars(select(ThrottleEvent)):
        event.created_at -= timedelta(minutes=minutes)
    db.session.commit()


def test_sixty_members_behind_one_address_sign_in_within_a_minute(app):
    members = members_sharing_one_password(60)
    # A room with typos: a wrong password now and then from the same address.
    for member in members[:20]:
        assert _sign_in(app, member.email, "verkeerd wachtwoord").status_code == 200
    statuses = [_sign_in(app, member.email, PASSWORD).status_code for member in members]
    assert statuses == [302] * 60


def test_eleven_wrong_passwords_from_any_addresses_lock_the_account(app, make_user, caplog):
    user = make_user(email="doelwit@example.be")
    for n in range(10):
        response = _sign_in(app, user.email, f"gok nummer {n}", address=f"10.0.{n}.1")
        assert response.status_code == 200
        assert "Onbekend e-mailadres of verkeerd wachtwoord." in response.get_data(as_text=True)
    eleventh = _sign_in(app, user.email, "gok nummer 11", address="192.0.2.7")
    assert eleventh.status_code == 429
    assert LOCKED_ACCOUNT in eleventh.get_data(as_text=True)
    assert 0 < int(eleventh.headers["Retry-After"]) <= 15 * 60
    # The right password does not get through either while the account is locked.
    correct = _sign_in(app, user.email, PASSWORD, address="198.51.100.3")
    assert correct.status_code == 429
    assert LOCKED_ACCOUNT in correct.get_data(as_text=True)
    assert "rate limit exceeded on POST /login from 198.51.100.3" in caplog.text
    assert user.email not in caplog.text
    # Other accounts on the same addresses are not affected.
    other = make_user()
    assert _sign_in(app, other.email, PASSWORD, address="192.0.2.7").status_code == 302
    # Once the window has passed, the owner signs in.
    _age_throttle_rows(16)
    assert _sign_in(app, user.email, PASSWORD, address="198.51.100.3").status_code == 302


def test_unknown_addresses_are_locked_the_same_way(app):
    statuses = [_sign_in(app, "niemand@example.be", "x" * 12).status_code for _ in range(11)]
    assert statuses == [200] * 10 + [429]


def test_a_successful_sign_in_clears_the_account_failures(app, make_user):
    user = make_user()
    for _ in range(9):
        assert _sign_in(app, user.email, "verkeerd wachtwoord").status_code == 200
    assert _sign_in(app, user.email, PASSWORD).status_code == 302
    statuses = [_sign_in(app, user.email, "verkeerd wachtwoord").status_code for _ in range(10)]
    assert statuses == [200] * 10
    # The success took its own rows back and cleared the account's, not the address's.
    counts = dict(
        db.session.execute(
            select(ThrottleEvent.scope, func.count(ThrottleEvent.id)).group_by(ThrottleEvent.scope)
        ).all()
    )
    assert counts == {"login-account": 10, "login-address": 19}


class TestSmallAddressBudget:
    @pytest.fixture
    def app_config(self, app_config):
        return dict(app_config, LOGIN_FAILURES_PER_ADDRESS="5 per 15 minutes")

    def test_many_failures_from_one_address_are_refused(self, app, make_user):
        users = [make_user() for _ in range(6)]
        statuses = [_sign_in(app, u.email, "verkeerd wachtwoord").status_code for u in users]
        assert statuses == [200] * 5 + [429]
        refused = _sign_in(app, users[0].email, PASSWORD)
        assert refused.status_code == 429
        assert LOCKED_NETWORK in refused.get_data(as_text=True)
        # Another address is not held back by this one.
        assert _sign_in(app, users[0].email, PASSWORD, address="10.9.9.9").status_code == 302


def test_reset_requests_are_throttled_per_account(app, make_user, caplog):
    user = make_user()
    browser = app.test_client()
    token = CSRF_RE.search(browser.get("/wachtwoord-vergeten").get_data(as_text=True))[1]
    statuses = []
    for n in range(6):
        response = browser.post(
            "/wachtwoord-vergeten",
            data={"email": user.email, "csrf_token": token},
            environ_base={"REMOTE_ADDR": f"10.1.{n}.1"},
        )
        statuses.append(response.status_code)
    assert statuses == [200] * 5 + [429]
    assert "Je vroeg te vaak een nieuwe link aan." in response.get_data(as_text=True)
    assert "rate limit exceeded on POST /wachtwoord-vergeten from 10.1.5.1" in caplog.text
    assert db.session.scalar(select(func.count(PasswordResetRequest.id))) == 5


def test_the_refusal_says_how_long_to_wait():
    from lerend_netwerk.auth.throttle import LOGIN_ADDRESS, RESET_ACCOUNT, Attempt

    assert "over 1 minuut opnieuw" in Attempt(False, [], LOGIN_ADDRESS, 30).message
    assert "over 15 minuten opnieuw" in Attempt(False, [], RESET_ACCOUNT, 14 * 60 + 1).message


def test_no_attempt_is_kept_beyond_its_window_even_without_traffic(app, make_user):
    from lerend_netwerk.auth.service import send_requested_resets

    user = make_user()
    assert _sign_in(app, user.email, "verkeerd wachtwoord").status_code == 200
    _age_throttle_rows(14)
    assert _sign_in(app, user.email, "verkeerd wachtwoord").status_code == 200
    _age_throttle_rows(2)  # the first failure is now 16 minutes old, the second 2
    send_requested_resets()  # what every `mail send` round runs
    ages = sorted(e.created_at for e in db.session.scalars(select(ThrottleEvent)))
    assert len(ages) == 2  # the second failure, per account and per address
