"""E-mail: queued with the change that causes it, delivered to a real SMTP server.

The SMTP server is aiosmtpd on 127.0.0.1; what arrives is parsed back with the standard
library's email package and the invites with icalendar.
"""

from __future__ import annotations

import email
import email.policy
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from icalendar import Calendar
from sqlalchemy import func, select, update

from conftest import csrf_token, free_port, login, post_form
from lerend_netwerk.agenda.models import Registration
from lerend_netwerk.calendar.ics import event_uid
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.mail.digest import digest_moment, queue_due_digests
from lerend_netwerk.mail.models import OutgoingMail
from lerend_netwerk.mail.outbox import queue_mail
from lerend_netwerk.mail.scheduled import queue_due_reminders
from lerend_netwerk.mail.sender import backoff, claim_next, send_due_mail
from lerend_netwerk.mail.tokens import unsubscribe_token
from lerend_netwerk.signals import meeting_changed, registration_changed
from tests.mailbox import rendered

SENDER = "Lerend netwerk duaal leren <noreply@lerend-netwerk.example>"

# --- a real SMTP server ------------------------------------------------------------------


class Collector:
    """aiosmtpd handler: keeps every envelope; refuses recipients in `refuse`."""

    def __init__(self) -> None:
        self.envelopes: list = []
        self.refuse: set[str] = set()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


class SMTPServer:
    """A real SMTP server on 127.0.0.1 that can be stopped and started on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.handler = Collector()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def envelopes(self) -> list:
        with self.handler.lock:
            return list(self.handler.envelopes)

    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(envelope.content, policy=email.policy.default)
            for envelope in self.envelopes
        ]

    def wait_for(self, count: int, seconds: float = 60) -> None:
        """Wait until `count` mails arrived (for the worker running in another process)."""
        deadline = time.monotonic() + seconds
        while len(self.envelopes) < count and time.monotonic() < deadline:
            time.sleep(0.05)


@pytest.fixture
def smtp() -> SMTPServer:
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def app_config(app_config, smtp):
    return {
        **app_config,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp.port,
        "MAIL_TIMEOUT": 10,
        "MAIL_DEFAULT_SENDER": SENDER,
    }


# --- helpers -----------------------------------------------------------------------------


def register(meeting, user, status="confirmed", **kw) -> Registration:
    registration = Registration(meeting_id=meeting.id, user_id=user.id, status=status, **kw)
    db.session.add(registration)
    db.session.flush()
    return registration


def mails(**where) -> list[OutgoingMail]:
    query = select(OutgoingMail).order_by(OutgoingMail.id)
    for name, value in where.items():
        query = query.where(getattr(OutgoingMail, name) == value)
    db.session.expire_all()
    return rendered(db.session.scalars(query))


def invite_of(message: EmailMessage) -> tuple[str, Calendar]:
    """The inline text/calendar part: its method parameter and the parsed calendar.

    The layout Outlook and Gmail expect: multipart/mixed > (multipart/alternative >
    text/plain, text/html, text/calendar; method=...) + the same calendar as invite.ics.
    """
    assert message.get_content_type() == "multipart/mixed"
    alternative, attached = message.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    types = [part.get_content_type() for part in alternative.get_payload()]
    assert types == ["text/plain", "text/html", "text/calendar"]
    inline = alternative.get_payload()[2]
    assert inline.get_content_disposition() is None
    assert attached.get_content_type() == "application/ics"
    assert attached.get_content_disposition() == "attachment"
    assert attached.get_filename() == "invite.ics"
    data = inline.get_payload(decode=True)
    assert attached.get_payload(decode=True) == data
    method = inline.get_param("method")
    calendar = Calendar.from_ical(data)
    assert calendar["METHOD"] == method
    return method, calendar


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def event_of(calendar: Calendar):
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    return events[0]


# --- registration mails ------------------------------------------------------------------


def test_confirmation_is_queued_with_the_change_and_arrives_with_an_invite(
    app, smtp, make_user, make_meeting
):
    user = make_user(name="Anke Peeters", email="anke@example.be")
    meeting = make_meeting(
        title="Intervisie <mentoren> & werkplek", location="Hogeschool Gent, lokaal 2.14"
    )
    registration = register(meeting, user)
    registration_changed.send(registration, change="confirmed")
    db.session.commit()

    [queued] = mails()
    assert (queued.status, queued.kind, queued.attempts) == ("queued", "registration-confirmed", 0)
    assert smtp.envelopes == []  # queued, not sent from inside the change

    report = send_due_mail()
    assert (report.sent, report.retrying, report.failed) == (1, 0, 0)
    [envelope] = smtp.envelopes
    assert envelope.mail_from == "noreply@lerend-netwerk.example"
    assert envelope.rcpt_tos == ["anke@example.be"]

    [message] = smtp.messages()
    assert message["From"] == SENDER
    assert message["To"].addresses[0].addr_spec == "anke@example.be"
    assert message["To"].addresses[0].display_name == "Anke Peeters"
    assert message["Subject"] == "Inschrijving bevestigd: Intervisie <mentoren> & werkplek"
    assert abs(parsedate_to_datetime(message["Date"]) - datetime.now(UTC)) < timedelta(hours=1)
    assert message["Message-ID"] == queued.message_id
    assert message["Message-ID"].endswith("@localhost>")
    assert message["List-Unsubscribe"] is None  # only reminders and digests have one

    assert message.get_content_type() == "multipart/mixed"
    body = message.get_payload()[0]
    assert body.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in body.get_payload()] == [
        "text/plain",
        "text/html",
        "text/calendar",
    ]
    text = text_of(message)
    assert "Beste Anke Peeters" in text
    assert "Je inschrijving is bevestigd" in text
    assert "Hogeschool Gent, lokaal 2.14" in text
    assert f"Meer info: http://localhost/sessies/{meeting.slug}\n\nIn de bijlage" in text
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Intervisie &lt;mentoren&gt; &amp; werkplek" in html
    assert "<mentoren>" not in html

    method, calendar = invite_of(message)
    assert method == "REQUEST"
    assert str(calendar["METHOD"]) == "REQUEST"
    event = event_of(calendar)
    assert str(event["UID"]) == event_uid(meeting)
    assert int(event["SEQUENCE"]) == meeting.sequence == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["ATTENDEE"]) == "mailto:anke@example.be"

    [sent] = mails()
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 1, "")
    assert sent.sent_at is not None and sent.claim_token is None


def stored_mails() -> list[OutgoingMail]:
    """The outbox rows as they are, without rendering what is still to render."""
    db.session.expire_all()
    return list(db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)))


def test_a_session_mail_is_rendered_by_the_sender_as_the_place_was_when_queued(
    app, smtp, make_user, make_meeting
):
    user = make_user(name="Anke Peeters", email="anke@example.be")
    meeting = make_meeting(title="Intervisie Gent", online_url="https://meet.example/gent")
    registration = register(meeting, user)
    registration_changed.send(registration, change="confirmed")
    db.session.commit()
    # The change writes only what the mail must say: no text, no invitation yet.
    [queued] = stored_mails()
    assert (queued.subject, queued.body_text, queued.attachments) == (
        "Inschrijving bevestigd: Intervisie Gent",
        "",
        [],
    )
    assert queued.to_render["status"] == "confirmed"
    # Cancelled before the sender came by: the first mail still confirms the place.
    registration = db.session.get(Registration, registration.id)
    registration.status, registration.sequence = "cancelled", 1
    db.session.flush()
    registration_changed.send(registration, change="cancelled")
    db.session.commit()

    smtp.stop()
    assert send_due_mail().retrying == 1  # the server is down: the round stops
    first, second = stored_mails()
    assert first.to_render is None and "Je inschrijving is bevestigd" in first.body_text
    assert second.to_render is not None  # not claimed yet
    invite = first.attachments[0]["data"]

    smtp.start()
    db.session.execute(update(OutgoingMail).values(next_attempt_at=utcnow()))
    db.session.commit()
    assert send_due_mail().sent == 2
    confirmed, cancelled = smtp.messages()
    method, calendar = invite_of(confirmed)
    event = event_of(calendar)
    assert (method, str(event["STATUS"])) == ("REQUEST", "CONFIRMED")
    assert event["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    assert "https://meet.example/gent" in text_of(confirmed)
    # The retry sent what was stored before the first attempt, DTSTAMP and all.
    assert stored_mails()[0].attachments[0]["data"] == invite
    method, calendar = invite_of(cancelled)
    assert method == "CANCEL"
    assert int(event_of(calendar)["SEQUENCE"]) > int(event["SEQUENCE"])
    assert "https://meet.example/gent" not in text_of(cancelled)


def test_a_session_mail_about_a_place_that_is_gone_fails_for_good(
    app, smtp, make_user, make_meeting, caplog
):
    registration = register(make_meeting(), make_user(email="weg@example.be"))
    registration_changed.send(registration, change="confirmed")
    db.session.commit()
    db.session.delete(db.session.get(Registration, registration.id))
    db.session.commit()

    with caplog.at_level(logging.WARNING, logger="lerend_netwerk.mail"):
        report = send_due_mail()
    assert (report.sent, report.failed) == (0, 1)
    [mail] = stored_mails()
    assert mail.status == "failed"
    assert "De inschrijving waarover deze mail gaat, bestaat niet meer." in mail.last_error
    assert smtp.envelopes == []
    assert "bestaat niet meer" in caplog.text


def test_mail_is_rolled_back_with_the_change_that_caused_it(app, make_user, make_meeting):
    registration = register(make_meeting(), make_user())
    registration_changed.send(registration, change="confirmed")
    assert len(mails()) == 1  # flushed inside the transaction ...
    db.session.rollback()
    assert mails() == []  # ... and gone with it


@pytest.mark.parametrize(
    "change, subject, method, status, phrase",
    [
        ("waitlisted", "Op de wachtlijst: ", "REQUEST", "TENTATIVE", "op plaats 2"),
        ("promoted", "Je hebt een plaats: ", "REQUEST", "CONFIRMED", "er is een plaats"),
        ("cancelled", "Uitschrijving bevestigd: ", "CANCEL", "CANCELLED", "uitgeschreven"),
    ],
)
def test_waiting_list_promotion_and_cancellation_mails(
    app, smtp, make_user, make_meeting, change, subject, method, status, phrase
):
    meeting = make_meeting(title="Netwerkmoment Brugge", capacity=1)
    register(meeting, make_user(), status="confirmed")
    first = register(
        meeting, make_user(), status="waitlisted", registered_at=utcnow() - timedelta(hours=2)
    )
    user = make_user(email="wacht@example.be")
    registration = register(
        meeting,
        user,
        status={"waitlisted": "waitlisted", "promoted": "confirmed"}.get(change, "cancelled"),
        registered_at=utcnow() - timedelta(hours=1),
    )
    assert first.id < registration.id
    registration_changed.send(registration, change=change)
    db.session.commit()

    assert send_due_mail().sent == 1
    [message] = smtp.messages()
    assert message["Subject"] == subject + "Netwerkmoment Brugge"
    assert phrase in text_of(message).lower()
    got_method, calendar = invite_of(message)
    assert got_method == method
    assert str(calendar["METHOD"]) == method
    event = event_of(calendar)
    assert str(event["UID"]) == event_uid(meeting)
    assert str(event["STATUS"]) == status
    assert str(event["ATTENDEE"]) == "mailto:wacht@example.be"
    if method == "REQUEST":
        expected = "TENTATIVE" if change == "waitlisted" else "ACCEPTED"
        assert event["ATTENDEE"].params["PARTSTAT"] == expected


def test_inactive_accounts_get_no_mail(app, make_user, make_meeting):
    registration = register(make_meeting(), make_user(active=False))
    registration_changed.send(registration, change="confirmed")
    db.session.commit()
    assert mails() == []


# --- sessions that move or are cancelled -------------------------------------------------


def test_rescheduled_session_mails_everyone_registered_once_per_version(
    app, smtp, make_user, make_meeting
):
    meeting = make_meeting(title="Kick-off duaal leren")
    confirmed = make_user(email="bevestigd@example.be")
    waiting = make_user(email="wachtend@example.be")
    gone = make_user(email="uitgeschreven@example.be")
    register(meeting, confirmed)
    register(meeting, waiting, status="waitlisted")
    register(meeting, gone, status="cancelled")
    db.session.commit()

    meeting.starts_at += timedelta(days=1)
    meeting.ends_at += timedelta(days=1)
    meeting.sequence += 1
    db.session.flush()
    meeting_changed.send(meeting, change="rescheduled")
    meeting_changed.send(meeting, change="rescheduled")  # the same version again: no new mail
    db.session.commit()
    assert len(mails()) == 2

    assert send_due_mail().sent == 2
    messages = {m["To"].addresses[0].addr_spec: m for m in smtp.messages()}
    assert set(messages) == {"bevestigd@example.be", "wachtend@example.be"}
    for message in messages.values():
        assert message["Subject"] == "Gewijzigd: Kick-off duaal leren"
        method, calendar = invite_of(message)
        event = event_of(calendar)
        assert method == "REQUEST"
        assert str(event["UID"]) == event_uid(meeting)
        assert int(event["SEQUENCE"]) == 1
        assert event.decoded("DTSTART") == meeting.starts_at.replace(microsecond=0)
    assert "op de wachtlijst staat" in text_of(messages["wachtend@example.be"])

    meeting.starts_at += timedelta(hours=2)
    meeting.ends_at += timedelta(hours=2)
    meeting.sequence += 1
    meeting_changed.send(meeting, change="rescheduled")
    db.session.commit()
    assert send_due_mail().sent == 2
    sequences = [int(event_of(invite_of(m)[1])["SEQUENCE"]) for m in smtp.messages()[2:]]
    assert sequences == [2, 2]


def test_cancelled_session_sends_method_cancel_to_everyone_registered(
    app, smtp, make_user, make_meeting
):
    meeting = make_meeting(title="Slotsessie")
    registrations = [register(meeting, make_user()), register(meeting, make_user(), "waitlisted")]
    db.session.commit()

    meeting.status = "cancelled"
    meeting.sequence += 1
    meeting_changed.send(meeting, change="cancelled")
    # Registrations cancelled along with the session get no mail of their own.
    registrations[0].status = "cancelled"
    registration_changed.send(registrations[0], change="cancelled")
    db.session.commit()

    assert send_due_mail().sent == 2
    for message in smtp.messages():
        assert message["Subject"] == "Geannuleerd: Slotsessie"
        assert "gaat helaas niet door" in text_of(message)
        method, calendar = invite_of(message)
        assert method == "CANCEL"
        assert str(calendar["METHOD"]) == "CANCEL"
        event = event_of(calendar)
        assert str(event["STATUS"]) == "CANCELLED"
        assert int(event["SEQUENCE"]) == 1
        assert str(event["UID"]) == event_uid(meeting)


# --- delivery: retries, failures, concurrency, crash recovery -----------------------------


def test_retry_after_the_server_was_down_delivers_exactly_once(app, smtp, make_user):
    user = make_user()
    queue_mail(user, "Onderwerp", "Tekst", kind="test")
    db.session.commit()
    smtp.stop()

    before = utcnow()
    report = send_due_mail()
    assert (report.sent, report.retrying) == (0, 1)
    [mail] = mails()
    assert mail.status == "queued"
    assert mail.attempts == 1
    assert mail.next_attempt_at >= before + timedelta(seconds=60)
    assert "ConnectionFailure" in mail.last_error

    smtp.start()
    assert send_due_mail().sent == 0  # not due yet: the backoff is respected
    assert smtp.envelopes == []

    db.session.execute(update(OutgoingMail).values(next_attempt_at=utcnow()))
    db.session.commit()
    assert send_due_mail().sent == 1
    assert send_due_mail().sent == 0
    assert len(smtp.envelopes) == 1
    [mail] = mails()
    assert (mail.status, mail.attempts) == ("sent", 2)


def test_an_outage_costs_one_attempt_not_the_whole_queue(app, smtp, make_user):
    for n in range(3):
        queue_mail(make_user(), f"Mail {n}", "Tekst", kind="test")
    db.session.commit()
    smtp.stop()
    send_due_mail()
    assert sorted(mail.attempts for mail in mails()) == [0, 0, 1]
    assert {mail.status for mail in mails()} == {"queued"}


def test_backoff_grows_exponentially_up_to_a_cap(app):
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert backoff(30) == timedelta(hours=6)


def test_gives_up_after_the_last_attempt_and_logs_it(app, smtp, make_user, caplog):
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    queue_mail(make_user(), "Onderwerp", "Tekst", kind="test")
    db.session.commit()
    smtp.stop()
    send_due_mail()
    db.session.execute(update(OutgoingMail).values(next_attempt_at=utcnow()))
    db.session.commit()
    with caplog.at_level(logging.ERROR, logger="lerend_netwerk.mail"):
        report = send_due_mail()
    assert report.failed == 1
    [mail] = mails()
    assert (mail.status, mail.attempts) == ("failed", 2)
    assert "failed for good after 2 attempt(s)" in caplog.text
    db.session.execute(update(OutgoingMail).values(next_attempt_at=utcnow()))
    db.session.commit()
    smtp.start()
    assert send_due_mail().sent == 0  # a failed mail stays failed (and stays in the table)


def test_a_refused_recipient_fails_for_good_and_the_rest_goes_out(app, smtp, make_user):
    smtp.handler.refuse.add("bestaat-niet@example.be")
    queue_mail("bestaat-niet@example.be", "Eerste", "Tekst", kind="test")
    queue_mail(make_user(email="ok@example.be"), "Tweede", "Tekst", kind="test")
    db.session.commit()
    report = send_due_mail()
    assert (report.sent, report.failed) == (1, 1)
    failed, sent = mails()
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert "550" in failed.last_error
    assert sent.status == "sent"
    assert [e.rcpt_tos for e in smtp.envelopes] == [["ok@example.be"]]


def test_a_claimed_mail_is_not_claimed_again(app, make_user):
    first = queue_mail(make_user(), "Een", "Tekst", kind="test")
    second = queue_mail(make_user(), "Twee", "Tekst", kind="test")
    db.session.commit()
    claimed = [claim_next(), claim_next(), claim_next()]
    assert [c[0].id for c in claimed[:2]] == [first.id, second.id]
    assert claimed[2] is None
    assert {mail.status for mail in mails()} == {"sending"}


def test_postgresql_sender_skips_a_row_another_sender_has_locked(app, make_user):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SELECT ... FOR UPDATE SKIP LOCKED is PostgreSQL's")
    first = queue_mail(make_user(), "Een", "Tekst", kind="test")
    second = queue_mail(make_user(), "Twee", "Tekst", kind="test")
    db.session.commit()
    with db.engine.connect() as other:
        other.execute(select(OutgoingMail.id).where(OutgoingMail.id == first.id).with_for_update())
        mail, _ = claim_next()
        assert mail.id == second.id
        assert claim_next() is None
        other.rollback()
    mail, _ = claim_next()
    assert mail.id == first.id


def test_two_concurrent_senders_never_send_a_mail_twice(app, smtp, make_user):
    user = make_user()
    for n in range(40):
        queue_mail(user, f"Mail {n}", "Tekst", kind="test")
    db.session.commit()
    reports = []
    errors = []

    def worker() -> None:
        try:
            with app.app_context():
                reports.append(send_due_mail())
        except Exception as error:  # pragma: no cover - shown by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(report.sent for report in reports) == 40
    ids = Counter(message["Message-ID"] for message in smtp.messages())
    assert len(ids) == 40 and set(ids.values()) == {1}
    assert {(mail.status, mail.attempts) for mail in mails()} == {("sent", 1)}


def test_a_mail_stuck_in_sending_after_a_crash_is_retried_after_the_timeout(app, smtp, make_user):
    stale = queue_mail(make_user(), "Na een crash", "Tekst", kind="test")
    fresh = queue_mail(make_user(), "Wordt nu verstuurd", "Tekst", kind="test")
    db.session.flush()
    db.session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.id == stale.id)
        .values(
            status="sending",
            attempts=1,
            claim_token="dead",
            claimed_at=utcnow() - timedelta(hours=1),
        )
    )
    db.session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.id == fresh.id)
        .values(status="sending", attempts=1, claim_token="alive", claimed_at=utcnow())
    )
    db.session.commit()
    assert send_due_mail().sent == 1
    [message] = smtp.messages()
    assert message["Subject"] == "Na een crash"
    assert message["Message-ID"] == stale.message_id  # the same identity as a first try
    stale_row, fresh_row = mails()
    assert (stale_row.status, stale_row.attempts) == ("sent", 2)
    assert (fresh_row.status, fresh_row.claim_token) == ("sending", "alive")


# --- the file backend and the command line ------------------------------------------------


def test_without_mail_server_mail_is_written_to_the_instance_folder(
    app, smtp, make_user, tmp_path, monkeypatch, caplog
):
    app.config["MAIL_SERVER"] = None
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    queue_mail(make_user(email="lokaal@example.be"), "Lokaal", "Alleen op schijf", kind="test")
    db.session.commit()
    with caplog.at_level(logging.INFO, logger="lerend_netwerk.mail"):
        assert send_due_mail().sent == 1
    [path] = (tmp_path / "mail").glob("*.eml")
    [mail] = mails()
    assert path.name.endswith(f"-{mail.id}.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert message["Subject"] == "Lokaal"
    assert message["To"].addresses[0].addr_spec == "lokaal@example.be"
    assert text_of(message).strip() == "Alleen op schijf"
    assert str(path) in caplog.text
    assert mail.status == "sent"
    assert smtp.envelopes == []


def test_mail_send_command_reports_and_fails_when_mail_stays_queued(app, smtp, runner, make_user):
    queue_mail(make_user(), "Via de commandolijn", "Tekst", kind="test")
    db.session.commit()
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "Sent 1, retrying later 0, failed 0." in result.output
    assert len(smtp.envelopes) == 1

    queue_mail(make_user(), "Server weg", "Tekst", kind="test")
    db.session.commit()
    smtp.stop()
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 1
    assert "Error: 1 mail(s) not sent" in result.output


def test_watch_mode_sends_queues_reminders_and_stops_on_sigterm(
    app, smtp, make_user, make_meeting, database_url, tmp_path
):
    queue_mail(make_user(), "Klaar om te vertrekken", "Tekst", kind="test")
    meeting = make_meeting(title="Intervisie morgen", starts_at=utcnow() + timedelta(days=1))
    register(meeting, make_user(), registered_at=utcnow() - timedelta(days=10))
    db.session.commit()
    env = {
        **os.environ,
        "FLASK_SQLALCHEMY_DATABASE_URI": database_url,
        "FLASK_SECRET_KEY": "test-secret",
        "FLASK_SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "FLASK_SITE_URL": "http://localhost",
        "FLASK_MAIL_SERVER": "127.0.0.1",
        "FLASK_MAIL_PORT": str(smtp.port),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from lerend_netwerk.cli import main; main()",
            "mail",
            "send",
            "--watch",
            "--interval",
            "0.2",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        smtp.wait_for(2)
        subjects = sorted(str(m["Subject"]) for m in smtp.messages())
        assert len(subjects) == 2, subjects
        assert subjects[0].startswith("Herinnering: Intervisie morgen op ")
        assert subjects[1] == "Klaar om te vertrekken"
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert "Stopped." in stdout
    assert len(smtp.envelopes) == 2
    assert {mail.status for mail in mails()} == {"sent"}


# --- reminders -----------------------------------------------------------------------------


def test_reminders_go_to_confirmed_members_who_want_them_once(
    app, smtp, runner, make_user, make_meeting
):
    soon = make_meeting(title="Inspiratiedag", starts_at=utcnow() + timedelta(days=1, hours=20))
    later = make_meeting(title="Later", starts_at=utcnow() + timedelta(days=5))
    off = make_meeting(title="Afgelast", starts_at=utcnow() + timedelta(days=1), status="cancelled")
    long_ago = utcnow() - timedelta(days=10)
    wants = make_user(email="wil@example.be")
    register(soon, wants, registered_at=long_ago)
    register(later, wants, registered_at=long_ago)
    register(off, wants, registered_at=long_ago)
    register(soon, make_user(wants_reminders=False), registered_at=long_ago)
    register(soon, make_user(), status="waitlisted", registered_at=long_ago)
    register(soon, make_user(), status="cancelled", registered_at=long_ago)
    register(soon, make_user(active=False), registered_at=long_ago)
    # Confirmed inside the window: the confirmation mail was the reminder.
    register(soon, make_user(), registered_at=utcnow(), confirmed_at=utcnow())
    db.session.commit()

    assert queue_due_reminders() == 1
    db.session.commit()
    assert queue_due_reminders() == 0
    result = runner.invoke(args=["mail", "reminders"])
    assert result.exit_code == 0 and "Queued 0 reminder(s)." in result.output
    [reminder] = mails(kind="reminder")
    assert reminder.dedupe_key == f"reminder:{soon.id}:{wants.id}"

    assert send_due_mail().sent == 1
    [message] = smtp.messages()
    assert message["To"].addresses[0].addr_spec == "wil@example.be"
    assert message["Subject"].startswith("Herinnering: Inspiratiedag op ")
    token = unsubscribe_token(wants, "reminders")
    assert message["List-Unsubscribe"].strip() == f"<http://localhost/afmelden/{token}>"
    text = text_of(message)
    assert f"http://localhost/afmelden/{token}" in text
    assert "Geen herinneringen meer ontvangen?" in text
    assert "http://localhost/account" in text
    html = message.get_body(preferencelist=("html",)).get_content()
    assert f'href="http://localhost/afmelden/{token}"' in html


def test_a_dedupe_key_is_queued_once(app, make_user):
    user = make_user()
    assert queue_mail(user, "Een", "x", kind="test", dedupe_key="uniek:1") is not None
    assert queue_mail(user, "Twee", "x", kind="test", dedupe_key="uniek:1") is None
    db.session.commit()
    assert [mail.subject for mail in mails()] == ["Een"]


# --- the weekly digest ----------------------------------------------------------------------


def test_digest_respects_visibility_and_never_shows_drafts(
    app, smtp, make_user, make_meeting, make_practice, make_report, make_recommendation
):
    from lerend_netwerk.recommendations.models import Post

    now = utcnow()
    moment = digest_moment(now)
    last_week = moment - timedelta(days=2)
    member = make_user(email="lid@example.be", wants_digest=True)
    coordinator = make_user("coordinator", email="coord@example.be", wants_digest=True)
    make_user(email="nee@example.be", wants_digest=False)
    make_user(email="weg@example.be", wants_digest=True, active=False)

    make_practice(title="Zonnebloem openbaar", published_at=last_week)
    make_practice(title="Klaproos voor leden", visibility="members", published_at=last_week)
    make_practice(title="Geheimwoord ontwerp", status="draft", published_at=last_week)
    make_practice(title="Oudnieuws", published_at=moment - timedelta(days=30))
    make_report(title="Korenbloem bezoek", published_at=last_week)
    make_report(title="Brandnetel klad", status="draft", published_at=last_week)
    thread = make_recommendation(title="Leervergoeding vereenvoudigen")
    db.session.add_all(
        [
            Post(recommendation=thread, stance="eens", body="Ja.", created_at=last_week),
            Post(recommendation=thread, stance="oneens", body="Nee.", created_at=last_week),
            Post(
                recommendation=thread,
                stance="eens",
                body="Weg.",
                created_at=last_week,
                hidden_at=now,
            ),
        ]
    )
    make_meeting(title="Madeliefje sessie", starts_at=now + timedelta(days=6))
    make_meeting(
        title="Vergeetmenietje leden", starts_at=now + timedelta(days=8), visibility="members"
    )
    make_meeting(title="Afgelast feest", starts_at=now + timedelta(days=3), status="cancelled")
    db.session.commit()

    assert queue_due_digests(now) == 2
    db.session.commit()
    assert queue_due_digests(now) == 0  # once a week
    assert send_due_mail().sent == 2
    messages = {m["To"].addresses[0].addr_spec: m for m in smtp.messages()}
    assert set(messages) == {"lid@example.be", "coord@example.be"}
    for address, message in messages.items():
        assert message["Subject"].startswith("Nieuws uit het lerend netwerk: week van ")
        text = text_of(message)
        html = message.get_body(preferencelist=("html",)).get_content()
        for body in (text, html):
            for word in (
                "Zonnebloem",
                "Klaproos",
                "Korenbloem",
                "Leervergoeding",
                "Madeliefje",
                "Vergeetmenietje",
            ):
                assert word in body, (address, word)
            for word in ("Geheimwoord", "Brandnetel", "Oudnieuws", "Afgelast"):
                assert word not in body, (address, word)
        assert "(2 reacties)" in text
        user = member if address == "lid@example.be" else coordinator
        token = unsubscribe_token(user, "digest")
        assert message["List-Unsubscribe"].strip() == f"<http://localhost/afmelden/{token}>"
        assert f"http://localhost/afmelden/{token}" in text
        assert "Geen wekelijks overzicht meer ontvangen?" in text
    [digest] = mails(recipient="lid@example.be")
    year, week, _ = moment.isocalendar()
    assert digest.dedupe_key == f"digest:{member.id}:{year}-W{week:02d}"


def test_digest_content_follows_the_readers_audience(app, make_user, make_practice):
    # A digest is built per audience: a member's digest includes members-only items,
    # which the public rule would leave out. Guard that the two differ as expected.
    from lerend_netwerk.mail.digest import build_digest

    now = utcnow()
    moment = digest_moment(now)
    make_practice(title="Leden", visibility="members", published_at=moment - timedelta(days=1))
    make_practice(title="Iedereen", published_at=moment - timedelta(days=1))
    member = make_user()
    assert {p.title for p in build_digest(member, now, moment).practices} == {"Leden", "Iedereen"}
    assert {p.title for p in build_digest(None, now, moment).practices} == {"Iedereen"}


def test_no_digest_when_there_is_no_news(app, make_user):
    make_user(wants_digest=True)
    assert queue_due_digests() == 0


def test_digest_moment_is_monday_morning_in_brussels(app):
    wednesday = datetime(2024, 3, 27, 12, 0, tzinfo=UTC)
    assert digest_moment(wednesday) == datetime(2024, 3, 25, 7, 0, tzinfo=UTC)  # 08:00 CET
    early_monday = datetime(2024, 4, 1, 5, 0, tzinfo=UTC)  # 07:00 CEST, before 08:00
    assert digest_moment(early_monday) == datetime(2024, 3, 25, 7, 0, tzinfo=UTC)
    assert digest_moment(datetime(2024, 4, 1, 6, 0, tzinfo=UTC)) == datetime(
        2024, 4, 1, 6, 0, tzinfo=UTC
    )


# --- unsubscribe links and preferences -----------------------------------------------------


@pytest.mark.parametrize(
    "purpose, field, other",
    [
        ("reminders", "wants_reminders", "wants_digest"),
        ("digest", "wants_digest", "wants_reminders"),
    ],
)
def test_unsubscribe_link_asks_then_turns_off_only_that_mail(
    app, client, make_user, purpose, field, other
):
    user = make_user(email="afmelden@example.be", wants_reminders=True, wants_digest=True)
    url = f"/afmelden/{unsubscribe_token(user, purpose)}"

    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "afmelden@example.be" in html and "Ja, meld me af" in html
    db.session.refresh(user)
    assert getattr(user, field) is True  # a GET (a mail scanner) changes nothing

    assert client.post(url).status_code == 400  # no CSRF token
    db.session.refresh(user)
    assert getattr(user, field) is True

    response = post_form(client, url)
    assert response.status_code == 200
    assert "Klaar" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert getattr(user, field) is False
    assert getattr(user, other) is True


def test_tampered_or_foreign_unsubscribe_tokens_are_not_found(app, client, make_user):
    from itsdangerous import URLSafeSerializer

    user = make_user(wants_reminders=True)
    token = unsubscribe_token(user, "reminders")
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    forged = URLSafeSerializer("another-secret", salt="mail-unsubscribe-reminders").dumps(user.id)
    other_salt = URLSafeSerializer("test-secret", salt="something-else").dumps(user.id)
    for bad in (tampered, forged, other_salt, "nonsense"):
        assert client.get(f"/afmelden/{bad}").status_code == 404
        token_value = csrf_token(client)
        assert client.post(f"/afmelden/{bad}", data={"csrf_token": token_value}).status_code == 404
    ghost = unsubscribe_token(type("Ghost", (), {"id": 999999})(), "reminders")
    assert client.get(f"/afmelden/{ghost}").status_code == 404
    db.session.refresh(user)
    assert user.wants_reminders is True


def test_account_page_shows_and_saves_the_preferences(app, client, make_user):
    user = make_user(wants_reminders=True, wants_digest=False)
    login(client, user)
    page = client.get("/account").get_data(as_text=True)
    assert 'id="voorkeuren"' in page
    assert '<label for="wants_reminders">' in page and '<label for="wants_digest">' in page
    assert 'name="wants_reminders" value="y" checked' in page

    response = post_form(client, "/account/voorkeuren", {"wants_digest": "y"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account#voorkeuren")
    db.session.refresh(user)
    assert (user.wants_reminders, user.wants_digest) == (False, True)
    page = client.get("/account").get_data(as_text=True)
    assert 'name="wants_digest" value="y" checked' in page
    assert "Je e-mailvoorkeuren zijn bewaard." in page


@pytest.mark.parametrize("who", ["anonymous", "no-csrf"])
def test_preferences_need_a_signed_in_member_and_csrf(app, client, make_user, who):
    user = make_user(wants_reminders=True, wants_digest=False)
    if who == "anonymous":
        response = post_form(client, "/account/voorkeuren", {"wants_digest": "y"})
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        login(client, user)
        response = client.post("/account/voorkeuren", data={"wants_digest": "y"})
        assert response.status_code == 400
    assert client.get("/account/voorkeuren").status_code == 405
    db.session.refresh(user)
    assert (user.wants_reminders, user.wants_digest) == (True, False)


def test_preferences_decide_who_gets_reminders_and_digests(
    app, make_user, make_meeting, make_practice
):
    meeting = make_meeting(starts_at=utcnow() + timedelta(days=1))
    yes = make_user(wants_reminders=True, wants_digest=True)
    no = make_user(wants_reminders=False, wants_digest=False)
    for user in (yes, no):
        register(meeting, user, registered_at=utcnow() - timedelta(days=7))
    make_practice(published_at=digest_moment(utcnow()) - timedelta(days=1))
    db.session.commit()
    queue_due_reminders()
    queue_due_digests()
    db.session.commit()
    assert {(m.kind, m.user_id) for m in mails()} == {("reminder", yes.id), ("digest", yes.id)}
    count = db.session.scalar(select(func.count()).select_from(OutgoingMail))
    assert count == 2


def test_the_mail_folder_is_relative_to_the_instance(app):
    from lerend_netwerk.mail.sender import FileBackend, make_backend

    app.config["MAIL_SERVER"] = None
    backend = make_backend()
    assert isinstance(backend, FileBackend)
    assert backend.directory == Path(app.instance_path) / "mail"


# --- end to end: the agenda's pages send the signals ---------------------------------------


def test_registering_moving_up_and_cancelling_through_the_site_mails_each_person(
    app, smtp, make_user, make_meeting
):
    meeting = make_meeting(title="Intervisie werkplekleren", capacity=1)
    anke = make_user(email="anke@example.be")
    bram = make_user(email="bram@example.be")
    coordinator = make_user("coordinator")
    clients = {}
    for user in (anke, bram, coordinator):
        clients[user.email] = app.test_client()
        login(clients[user.email], user)

    assert (
        post_form(clients["anke@example.be"], f"/sessies/{meeting.slug}/inschrijven").status_code
        == 302
    )
    assert (
        post_form(clients["bram@example.be"], f"/sessies/{meeting.slug}/inschrijven").status_code
        == 302
    )
    assert (
        post_form(clients["anke@example.be"], f"/sessies/{meeting.slug}/uitschrijven").status_code
        == 302
    )
    response = post_form(clients[coordinator.email], f"/sessies/{meeting.slug}/annuleren")
    assert response.status_code == 302
    assert smtp.envelopes == []  # the requests only queued

    assert send_due_mail().sent == 5
    received: dict[str, list[tuple[str, str, int]]] = {}
    for message in smtp.messages():
        method, calendar = invite_of(message)
        event = event_of(calendar)
        assert str(event["UID"]) == event_uid(meeting)
        received.setdefault(message["To"].addresses[0].addr_spec, []).append(
            (str(message["Subject"]).split(":")[0], method, int(event["SEQUENCE"]))
        )
    assert received == {
        # Each message to a member is ordered after the one before it (SEQUENCE).
        "anke@example.be": [
            ("Inschrijving bevestigd", "REQUEST", 0),
            ("Uitschrijving bevestigd", "CANCEL", 1),
        ],
        "bram@example.be": [
            ("Op de wachtlijst", "REQUEST", 0),
            ("Je hebt een plaats", "REQUEST", 1),
            ("Geannuleerd", "CANCEL", 2),
        ],
    }
    waitlisted = next(m for m in smtp.messages() if m["Subject"].startswith("Op de wachtlijst"))
    assert "op plaats 1" in text_of(waitlisted)


# --- TLS and authentication ------------------------------------------------------------------


@pytest.fixture
def certificate(tmp_path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (the openssl command line)."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


class Authenticator:
    def __init__(self) -> None:
        self.logins: list[tuple[bytes, bytes]] = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        self.logins.append((auth_data.login, auth_data.password))
        ok = (auth_data.login, auth_data.password) == (b"netwerk", b"geheim wachtwoord")
        return AuthResult(success=ok)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
@pytest.mark.parametrize("mode", ["starttls", "ssl"])
def test_tls_and_login_are_used_as_configured(app, make_user, certificate, mode):
    import ssl

    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    handler, authenticator = Collector(), Authenticator()
    port = free_port()
    options = {"tls_context": context, "require_starttls": True}
    if mode == "ssl":
        # aiosmtpd does not see implicit TLS as TLS for AUTH; the socket is encrypted anyway.
        options = {"ssl_context": context, "auth_require_tls": False}
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_required=True,
        **options,
    )
    controller.start()
    try:
        app.config.update(
            MAIL_PORT=port,
            MAIL_USE_TLS=mode == "starttls",
            MAIL_USE_SSL=mode == "ssl",
            MAIL_USERNAME="netwerk",
            MAIL_PASSWORD="geheim wachtwoord",
            MAIL_SSL_CAFILE=str(cert),
        )
        queue_mail(make_user(), "Versleuteld", "Tekst", kind="test")
        db.session.commit()
        assert send_due_mail().sent == 1
        assert len(handler.envelopes) == 1
        assert authenticator.logins == [(b"netwerk", b"geheim wachtwoord")]

        app.config["MAIL_PASSWORD"] = "fout"
        queue_mail(make_user(), "Verkeerd wachtwoord", "Tekst", kind="test")
        db.session.commit()
        report = send_due_mail()
        assert (report.sent, report.retrying) == (0, 1)
        assert len(handler.envelopes) == 1
        assert mails(subject="Verkeerd wachtwoord")[0].status == "queued"
    finally:
        controller.stop()


def test_an_untrusted_certificate_is_refused(app, make_user, certificate):
    import ssl

    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    handler = Collector()
    port = free_port()
    controller = Controller(
        handler, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True
    )
    controller.start()
    try:
        app.config.update(MAIL_PORT=port, MAIL_USE_TLS=True)  # no MAIL_SSL_CAFILE
        queue_mail(make_user(), "Niet vertrouwd", "Tekst", kind="test")
        db.session.commit()
        assert send_due_mail().retrying == 1
        assert handler.envelopes == []
        assert "CERTIFICATE_VERIFY_FAILED" in mails()[0].last_error
    finally:
        controller.stop()
