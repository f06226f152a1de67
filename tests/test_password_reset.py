"""A reset request does the same work for known and unknown addresses; the mail worker
turns it into a link for an active account only."""

from __future__ import annotations

import re

from sqlalchemy import event, func, select

from conftest import CSRF_RE
from lerend_netwerk.auth.models import AccountToken, PasswordResetRequest
from lerend_netwerk.auth.service import send_requested_resets
from lerend_netwerk.extensions import db
from lerend_netwerk.mail.models import OutgoingMail


def _statements_of_reset_request(app, email: str) -> list[str]:
    """The SQL statements (parameters left out) that one reset request executes."""
    browser = app.test_client()
    token = CSRF_RE.search(browser.get("/wachtwoord-vergeten").get_data(as_text=True))[1]
    seen: list[str] = []

    def record(_conn, _cursor, statement, _parameters, _context, _many):
        seen.append(re.sub(r"\s+", " ", statement))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = browser.post("/wachtwoord-vergeten", data={"email": email, "csrf_token": token})
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200
    return seen


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_known_and_unknown_addresses_run_the_same_statements(app, make_user):
    make_user(email="bekend@example.be")
    known = _statements_of_reset_request(app, "bekend@example.be")
    unknown = _statements_of_reset_request(app, "onbekend@example.be")
    assert known == unknown
    # Nothing in the request looks the account up: no token, no mail yet.
    assert not any('FROM "user"' in s or "FROM user" in s for s in known)
    assert _count(AccountToken) == 0 and _count(OutgoingMail) == 0
    assert _count(PasswordResetRequest) == 2


def test_the_mail_worker_sends_a_link_to_active_accounts_only(app, make_user):
    make_user(email="bekend@example.be")
    make_user(email="weg@example.be", active=False)
    for email in ("Bekend@Example.be", "onbekend@example.be", "weg@example.be"):
        _statements_of_reset_request(app, email)
    assert send_requested_resets() == 3
    mails = db.session.scalars(select(OutgoingMail)).all()
    assert [(m.recipient, m.kind) for m in mails] == [("bekend@example.be", "password-reset")]
    assert "/wachtwoord-herstellen/" in mails[0].body_text
    assert mails[0].body_text.count("http://localhost/wachtwoord-herstellen/") == 1
    assert _count(PasswordResetRequest) == 0
    assert send_requested_resets() == 0  # handled once


def test_mail_send_handles_the_queued_requests(app, runner, make_user):
    make_user(email="bekend@example.be")
    _statements_of_reset_request(app, "bekend@example.be")
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert _count(PasswordResetRequest) == 0
    [mail] = db.session.scalars(select(OutgoingMail)).all()
    assert mail.kind == "password-reset" and mail.status == "sent"
