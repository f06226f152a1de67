"""`lerend-netwerk files cleanup`: stored contents that nothing refers to any more."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

files_cli = click.Group("files", help="Attached files.")


@files_cli.command("cleanup")
@with_appcontext
def cleanup_command() -> None:
    """Delete stored files and file rows that no document refers to, older than an hour.

    What a removed file, an old version's content after its file was removed, or an
    upload that failed half-way left behind. Safe to run from cron at any time, also
    while the platform serves uploads.
    """
    from lerend_netwerk.extensions import db
    from lerend_netwerk.files.service import cleanup
    from lerend_netwerk.sqlite import begin_write_transaction

    begin_write_transaction(db.session)
    result = cleanup()
    db.session.commit()
    click.echo(
        f"Removed {result.rows} unused file row(s), {result.contents} stored content(s) "
        f"and {result.temporaries} interrupted upload(s)."
    )


def register_commands(app: Flask) -> None:
    app.cli.add_command(files_cli)
