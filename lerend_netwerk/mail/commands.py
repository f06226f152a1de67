"""`lerend-netwerk mail send [--watch]`, `mail reminders`, `mail digest`, `mail receive`."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from lerend_netwerk.extensions import db

log = logging.getLogger("lerend_netwerk.mail")

mail_cli = AppGroup("mail", help="Outgoing mail: send the queue, reminders, weekly digest.")


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM and SIGINT end the watch loop after the mail being sent now."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _handler(signum, _frame) -> None:
        log.info("Signal %s received: stopping after the current mail", signum)
        stop.set()

    previous = {sig: signal.signal(sig, _handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _log_to_console() -> None:
    """Show the mail worker's INFO lines (sent, written to a file, retrying) on stderr."""
    current_app.logger  # noqa: B018  (installs Flask's handler on the package logger)
    if log.level == logging.NOTSET:
        log.setLevel(logging.INFO)


def queue_scheduled_mail() -> tuple[int, int]:
    """Queue reminders and digests that are due now, and run the guests' job (expired
    holds move the waiting list up; retention); commit. Returns (reminders, digests)."""
    from lerend_netwerk.agenda.guests import run_guest_jobs
    from lerend_netwerk.evaluations.service import queue_due_evaluations
    from lerend_netwerk.mail.digest import queue_due_digests
    from lerend_netwerk.mail.scheduled import queue_due_reminders
    from lerend_netwerk.mail.threads import queue_due_thread_overviews
    from lerend_netwerk.sqlite import begin_write_transaction

    try:
        begin_write_transaction(db.session)
        # The questionnaires after a session count as reminders.
        reminders = queue_due_reminders() + queue_due_evaluations()
        # The daily and weekly overviews of followed threads count as digests.
        digests = queue_due_digests() + queue_due_thread_overviews()
        run_guest_jobs()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return reminders, digests


@mail_cli.command("send")
@click.option("--watch", is_flag=True, help="Keep running and send new mail as it is queued.")
@click.option(
    "--interval",
    type=float,
    default=None,
    help="Seconds between two rounds with --watch (default MAIL_WATCH_INTERVAL, 30).",
)
def send(watch: bool, interval: float | None) -> None:
    """Send the queued mail that is due (once, or keep running with --watch)."""
    from lerend_netwerk.auth.service import send_requested_resets
    from lerend_netwerk.mail.sender import send_due_mail, setting

    _log_to_console()
    if not watch:
        send_requested_resets()
        report = send_due_mail()
        click.echo(f"Sent {report.sent}, retrying later {report.retrying}, failed {report.failed}.")
        if report.retrying or report.failed:
            _fail(f"{report.retrying + report.failed} mail(s) not sent: {report.errors[-1]}")
        return

    stop = threading.Event()
    pause = float(interval if interval is not None else setting("MAIL_WATCH_INTERVAL"))
    click.echo(f"Watching the mail queue every {pause:g} s (SIGTERM or Ctrl+C stops).")
    with _stop_on_signals(stop):
        while not stop.is_set():
            try:
                send_requested_resets()
                reminders, digests = queue_scheduled_mail()
                if reminders or digests:
                    log.info("Queued %s reminder(s) and %s digest(s)", reminders, digests)
                report = send_due_mail(stop=stop)
                if report.sent or report.retrying or report.failed:
                    click.echo(
                        f"Sent {report.sent}, retrying later {report.retrying}, "
                        f"failed {report.failed}."
                    )
            except Exception:
                # A database hiccup must not end the worker: log it and try again later.
                db.session.rollback()
                log.exception("Mail round failed; trying again in %g s", pause)
            finally:
                db.session.remove()
            stop.wait(pause)
    click.echo("Stopped.")


@mail_cli.command("reminders")
def reminders() -> None:
    """Queue the reminders for sessions that start within two days."""
    from lerend_netwerk.mail.scheduled import queue_due_reminders

    _queue_due("reminder", queue_due_reminders)


@mail_cli.command("evaluations")
def evaluations() -> None:
    """Queue the questionnaires for sessions that have just ended."""
    from lerend_netwerk.evaluations.service import queue_due_evaluations

    _queue_due("evaluation", queue_due_evaluations)


@mail_cli.command("digest")
def digest() -> None:
    """Queue this week's digest and the due overviews of followed threads."""
    from lerend_netwerk.mail.digest import queue_due_digests
    from lerend_netwerk.mail.threads import queue_due_thread_overviews

    _queue_due("digest", queue_due_digests, queue_due_thread_overviews)


def _queue_due(what: str, *queuers: Callable[[], int]) -> None:
    """Queue the mails that are due (each of `queuers` in turn, in one write
    transaction), commit, and say how many `what`s."""
    from lerend_netwerk.sqlite import begin_write_transaction

    begin_write_transaction(db.session)
    count = sum(queue() for queue in queuers)
    db.session.commit()
    click.echo(f"Queued {count} {what}(s).")


@mail_cli.command("receive")
def receive() -> None:
    """Read calendar answers (iTIP REPLY) from the IMAP mailbox; DECLINED cancels the place."""
    import imaplib

    from lerend_netwerk.mail.replies import receive_replies, reply_address

    _log_to_console()
    if not reply_address() or not current_app.config.get("IMAP_HOST"):
        _fail("set MAIL_REPLY_ADDRESS and IMAP_HOST (with IMAP_USERNAME, IMAP_PASSWORD) first")
    try:
        report = receive_replies()
    except (imaplib.IMAP4.error, OSError) as error:
        _fail(f"cannot read the mailbox at {current_app.config['IMAP_HOST']}: {error}")
    click.echo(report.summary())
    if report.failed:
        sys.exit(1)


def register_commands(app: Flask) -> None:
    app.cli.add_command(mail_cli)
