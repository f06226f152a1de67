"""`lerend-netwerk mail receive`: calendar answers read from a real Dovecot over IMAP.

The fixture starts Debian's Dovecot with its own configuration in a temporary
directory, on a free port on 127.0.0.1. Replies are made the way a calendar makes them
from the invitation the member received: METHOD:REPLY, the ORGANIZER copied, the
member's ATTENDEE with the answer as PARTSTAT.
"""

from __future__ import annotations

import email
import email.policy
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from icalendar import Calendar, Event, vCalAddress
from sqlalchemy import select

from conftest import free_port
from lerend_netwerk.agenda import registrations as agenda_registrations
from lerend_netwerk.agenda.models import Registration
from lerend_netwerk.extensions import db
from lerend_netwerk.mail.models import OutgoingMail
from lerend_netwerk.mail.sender import build_message

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
MAILBOX_USER, MAILBOX_PASSWORD = "agenda", "geheim-wachtwoord-1234"
REPLY_ADDRESS = "agenda@lerend-netwerk.example"


class Dovecot:
    def __init__(self, port: int) -> None:
        self.port = port

    def client(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        client.login(MAILBOX_USER, MAILBOX_PASSWORD)
        client.select("INBOX")
        return client

    def deliver(self, message: EmailMessage) -> None:
        client = self.client()
        try:
            client.append("INBOX", None, None, message.as_bytes())
        finally:
            client.logout()

    def unseen(self) -> int:
        client = self.client()
        try:
            _, found = client.uid("SEARCH", None, "UNSEEN")
            return len((found[0] or b"").split())
        finally:
            client.logout()


@pytest.fixture
def dovecot():
    if not os.path.exists(DOVECOT):
        pytest.skip("Dovecot is not installed (Debian: apt-get install dovecot-imapd)")
    # Short paths: Dovecot's sockets live in base_dir and Unix socket paths are short.
    root = Path(tempfile.mkdtemp(prefix="ln-imap-", dir="/tmp"))
    root.chmod(0o755)
    if os.geteuid() == 0:
        internal, login_user = "dovecot", "dovenull"
    else:
        internal = login_user = pwd.getpwuid(os.geteuid()).pw_name
    account = pwd.getpwnam(internal)
    home = root / "home"
    home.mkdir()
    os.chown(home, account.pw_uid, account.pw_gid)
    (root / "users").write_text(f"{MAILBOX_USER}:{{PLAIN}}{MAILBOX_PASSWORD}\n")
    port = free_port()
    config = root / "dovecot.conf"
    config.write_text(
        f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
default_internal_user = {internal}
default_login_user = {login_user}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={account.pw_uid} gid={account.pw_gid} home={home}/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""
    )
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)])
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
                pytest.fail(f"Dovecot did not start: {log}")
            time.sleep(0.1)
        yield Dovecot(port)
    finally:
        process.terminate()
        process.wait(timeout=20)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def app_config(app_config, dovecot):
    return dict(
        app_config,
        MAIL_REPLY_ADDRESS=REPLY_ADDRESS,
        IMAP_HOST="127.0.0.1",
        IMAP_PORT=dovecot.port,
        IMAP_SECURITY="none",
        IMAP_USERNAME=MAILBOX_USER,
        IMAP_PASSWORD=MAILBOX_PASSWORD,
    )


def invitation_to(address: str) -> Calendar:
    """The last invitation queued for `address`, as the member's mail client got it."""
    db.session.flush()
    row = db.session.scalars(
        select(OutgoingMail)
        .where(OutgoingMail.recipient == address)
        .order_by(OutgoingMail.id.desc())
    ).first()
    message = email.message_from_bytes(build_message(row).as_bytes(), policy=email.policy.default)
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    return Calendar.from_ical(part.get_payload(decode=True))


def reply(invitation: Calendar, attendee: str, answer: str, sender: str) -> EmailMessage:
    """The REPLY a calendar sends for `invitation` (RFC 5546 3.2.3)."""
    (request,) = invitation.walk("VEVENT")
    calendar = Calendar()
    calendar.add("prodid", "-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "REPLY")
    event = Event()
    event.add("uid", str(request["UID"]))
    event.add("sequence", int(request["SEQUENCE"]))
    event.add("dtstamp", datetime.now(UTC))
    event["organizer"] = request["ORGANIZER"]
    address = vCalAddress(f"mailto:{attendee}")
    address.params["PARTSTAT"] = answer
    event.add("attendee", address)
    calendar.add_component(event)
    organizer = str(request["ORGANIZER"]).removeprefix("mailto:")
    message = EmailMessage()
    message["From"] = sender
    message["To"] = organizer
    message["Subject"] = f"{'Geweigerd' if answer == 'DECLINED' else 'Geaccepteerd'}: sessie"
    message.set_content("Antwoord van de agenda.")
    message.add_alternative(
        calendar.to_ical().decode(), subtype="calendar", params={"method": "REPLY"}
    )
    return message


def statuses(meeting) -> dict[str, str]:
    db.session.expire_all()
    rows = db.session.scalars(select(Registration).where(Registration.meeting_id == meeting.id))
    return {r.user.email: r.status for r in rows}


@pytest.fixture
def full_session(make_meeting, make_user):
    meeting = make_meeting(slug="vol", title="Volle sessie", capacity=1)
    anke = make_user(name="Anke", email="anke@example.be")
    bram = make_user(name="Bram", email="bram@example.be")
    agenda_registrations.register(meeting, anke)
    agenda_registrations.register(meeting, bram)
    db.session.commit()
    return meeting


def test_declining_in_the_calendar_cancels_the_place_and_moves_up_the_list(
    app, runner, dovecot, full_session
):
    invitation = invitation_to("anke@example.be")
    (event,) = invitation.walk("VEVENT")
    organizer = str(event["ORGANIZER"])
    assert organizer.startswith("mailto:agenda+") and organizer.endswith("@lerend-netwerk.example")
    assert event["ATTENDEE"].params["RSVP"] == "TRUE"
    dovecot.deliver(reply(invitation, "anke@example.be", "DECLINED", "anke@example.be"))

    result = runner.invoke(args=["mail", "receive"])
    assert result.exit_code == 0, result.output
    assert "1 message(s) read: 1 place(s) cancelled" in result.output
    assert statuses(full_session) == {
        "anke@example.be": "cancelled",
        "bram@example.be": "confirmed",
    }
    # The usual mails: Anke's cancellation, Bram's place.
    subjects = [
        (m.recipient, m.subject.split(":")[0])
        for m in db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id))
    ][-2:]
    assert subjects == [
        ("anke@example.be", "Uitschrijving bevestigd"),
        ("bram@example.be", "Je hebt een plaats"),
    ]
    # Read once: the next run finds nothing new.
    assert dovecot.unseen() == 0
    again = runner.invoke(args=["mail", "receive"])
    assert "0 message(s) read" in again.output


def test_accepting_changes_nothing(app, runner, dovecot, full_session):
    invitation = invitation_to("anke@example.be")
    dovecot.deliver(reply(invitation, "anke@example.be", "ACCEPTED", "anke@example.be"))
    dovecot.deliver(reply(invitation, "anke@example.be", "TENTATIVE", "anke@example.be"))
    result = runner.invoke(args=["mail", "receive"])
    assert "2 message(s) read: 0 place(s) cancelled, 2 answer(s) without change" in result.output
    assert statuses(full_session)["anke@example.be"] == "confirmed"


def test_a_forged_reply_cannot_cancel_someone_elses_place(app, runner, dovecot, full_session):
    # Bram has his own invitation and tag; he declines in Anke's name with it.
    brams = invitation_to("bram@example.be")
    dovecot.deliver(reply(brams, "anke@example.be", "DECLINED", "anke@example.be"))
    # And a reply to the plain address, without any tag.
    anke = invitation_to("anke@example.be")
    (event,) = anke.walk("VEVENT")
    event["organizer"] = vCalAddress(f"mailto:{REPLY_ADDRESS}")
    dovecot.deliver(reply(anke, "anke@example.be", "DECLINED", "anke@example.be"))
    result = runner.invoke(args=["mail", "receive"])
    assert "2 message(s) read: 0 place(s) cancelled, 0 answer(s) without change, 2 refused" in (
        result.output
    )
    assert statuses(full_session) == {
        "anke@example.be": "confirmed",
        "bram@example.be": "waitlisted",
    }


def test_without_reply_address_invitations_say_rsvp_false_and_receive_refuses(
    app, runner, full_session
):
    app.config["MAIL_REPLY_ADDRESS"] = ""
    agenda_registrations.cancel(full_session, db.session.scalar(select(Registration).limit(1)).user)
    db.session.commit()
    (event,) = invitation_to("bram@example.be").walk("VEVENT")
    assert str(event["ORGANIZER"]) == "mailto:noreply@lerend-netwerk.example"
    assert event["ATTENDEE"].params["RSVP"] == "FALSE"
    assert "bereikt ons niet" in str(event["DESCRIPTION"])
    result = runner.invoke(args=["mail", "receive"])
    assert result.exit_code == 1 and "set MAIL_REPLY_ADDRESS and IMAP_HOST" in result.output
