"""Addresses that no mail can ever reach are refused at entry, in Dutch.

Non-ASCII before the @ needs SMTPUTF8 on every server on the way, the relay and the
recipient's; where one lacks it the mail fails for good, so such addresses are refused
rather than counted on. An internationalised domain is fine: it is stored in its ASCII
(IDNA) form, which every server accepts. The servers are real (aiosmtpd on 127.0.0.1).
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

import pytest
from sqlalchemy import func, select
from test_mail import SMTPServer

from conftest import PASSWORD, login, post_form
from lerend_netwerk.auth.models import User
from lerend_netwerk.auth.service import AccountError, create_user, email_problem
from lerend_netwerk.extensions import db
from lerend_netwerk.mail.models import OutgoingMail
from lerend_netwerk.mail.sender import send_due_mail

UNMAILABLE = ["jürgen@exämple.be", "chloé@example.be", "Zoë.Peeters@hogent.be"]


@pytest.fixture
def smtp():
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def app_config(app_config, smtp):
    return {**app_config, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port, "MAIL_TIMEOUT": 10}


def _users() -> int:
    return db.session.scalar(select(func.count(User.id)))


@pytest.mark.parametrize("address", UNMAILABLE)
def test_unmailable_addresses_get_a_dutch_reason(address):
    problem = email_problem(address)
    assert problem and "kunnen we niet mailen" in problem and "vóór de @" in problem


@pytest.mark.parametrize("address", ["an@example.be", "jan@exämple.be", "a+b@sub.example.be"])
def test_mailable_addresses_pass(address):
    assert email_problem(address) is None


@pytest.mark.parametrize("address", ["geen-adres", "a..b@example.be", "x@localhost"])
def test_malformed_addresses_are_refused(address):
    assert "geen geldig e-mailadres" in email_problem(address)


@pytest.mark.parametrize("address", UNMAILABLE)
def test_accounts_refuse_unmailable_addresses(app, address):
    with pytest.raises(AccountError, match="kunnen we niet mailen"):
        create_user(email=address, name="Iemand", password=PASSWORD)
    assert _users() == 0


def test_users_create_refuses_a_non_ascii_address_before_asking_a_password(runner):
    result = runner.invoke(
        args=["users", "create", "--email", "chloé@example.be", "--name", "Chloé"], input=""
    )
    assert result.exit_code == 1
    assert "kunnen we niet mailen" in result.stderr
    assert "Password" not in result.output
    assert _users() == 0


def test_invitations_refuse_unmailable_addresses_and_invite_the_rest(client, make_user):
    login(client, make_user("coordinator"))
    response = post_form(
        client,
        "/beheer/uitnodigen",
        {"addresses": "Jürgen <jürgen@exämple.be>\ngoed@example.be", "role": "member"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Geen geldig e-mailadres (1)" in page and "kunnen we niet mailen" in page
    emails = set(db.session.scalars(select(User.email)))
    assert "goed@example.be" in emails
    assert not any("rgen" in email for email in emails)


def test_an_internationalised_domain_is_stored_in_ascii_and_delivered(app, client, smtp):
    from lerend_netwerk.mail.outbox import queue_mail

    user = create_user(email="Jan@Exämple.be", name="Jan", password=PASSWORD)
    db.session.commit()
    assert user.email == "jan@xn--exmple-cua.be"
    # Signing in with the address as the member knows it works too.
    response = post_form(client, "/login", {"email": "jan@exämple.be", "password": PASSWORD})
    assert response.status_code == 302
    queue_mail(user, "Welkom", "Hallo Jan.", kind="test")
    db.session.commit()
    assert send_due_mail().sent == 1
    [envelope] = smtp.envelopes
    assert envelope.rcpt_tos == ["jan@xn--exmple-cua.be"]
    assert db.session.scalar(select(OutgoingMail.status)) == "sent"


def test_a_relay_without_smtputf8_cannot_take_accents_before_the_at():
    """Why such addresses are refused: without SMTPUTF8 the mail can never be sent."""
    from aiosmtpd.controller import Controller
    from test_mail import Collector, free_port

    handler = Collector()
    port = free_port()
    relay = Controller(handler, hostname="127.0.0.1", port=port, enable_SMTPUTF8=False)
    relay.start()
    try:
        message = EmailMessage()
        message["From"] = "noreply@lerend-netwerk.example"
        message["To"] = "chloé@example.be"
        message["Subject"] = "Test"
        message.set_content("Hallo.")
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as connection:
            connection.ehlo()
            assert not connection.has_extn("smtputf8")
            with pytest.raises(smtplib.SMTPNotSupportedError):
                connection.send_message(message)
    finally:
        relay.stop()
    assert handler.envelopes == []
