"""`lerend-netwerk guests cleanup`: the guests' scheduled job, also run by `mail send --watch`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from lerend_netwerk.extensions import db

guests_cli = AppGroup("guests", help="Guests without an account: expired holds, retention.")


@guests_cli.command("cleanup")
def cleanup() -> None:
    """Let expired seat holds go, delete unconfirmed requests whose link expired, and
    erase guests' personal data GUEST_RETENTION_MONTHS after their session."""
    from lerend_netwerk.agenda.guests import run_guest_jobs
    from lerend_netwerk.sqlite import begin_write_transaction

    begin_write_transaction(db.session)
    released, erased = run_guest_jobs()
    db.session.commit()
    click.echo(f"Released {released} request(s); erased the data of {erased} guest(s).")


def register_commands(app: Flask) -> None:
    app.cli.add_command(guests_cli)
