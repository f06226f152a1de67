"""`lerend-netwerk search reindex|sync`."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

search_cli = click.Group("search", help="The search index.")


@search_cli.command("reindex")
@with_appcontext
def reindex_command() -> None:
    """Rebuild the search index from the database."""
    from sqlalchemy.orm import Session

    from lerend_netwerk.extensions import db
    from lerend_netwerk.search.documents import count_documents
    from lerend_netwerk.search.service import reindex
    from lerend_netwerk.search.sync import IndexBusy

    app = current_app._get_current_object()
    with Session(db.engine) as session:
        total = count_documents(session)
    try:
        if sys.stdout.isatty():
            with click.progressbar(length=total, label="Indexeren") as bar:
                count = reindex(app, progress=bar.update)
        else:
            count = reindex(app)
    except IndexBusy as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    click.echo(f"Indexed {count} documents.")


@search_cli.command("sync")
@with_appcontext
def sync_command() -> None:
    """Apply the outbox: bring the search index up to date with the database."""
    from sqlalchemy.orm import Session

    from lerend_netwerk.extensions import db
    from lerend_netwerk.search.documents import search_files
    from lerend_netwerk.search.service import sync_index

    app = current_app._get_current_object()
    applied = documents = extracted = without_text = failed = 0
    while True:
        result = sync_index(app)
        applied += result.applied
        documents += result.documents
        if result.files is not None:
            extracted += result.files.extracted
            without_text += result.files.without_text
            failed += result.files.failed
        # Every file that waits is read now, a batch per pass.
        if result.locked or not result.files_waiting:
            break
    if result.locked:
        click.echo(
            f"Error: the search index stayed locked; {result.pending} changes wait "
            "in the outbox for the next sync",
            err=True,
        )
        sys.exit(1)
    click.echo(f"Applied {applied} changes ({documents} documents).")
    files = search_files()
    if files is not None:
        with Session(db.engine) as session:
            counts = files.counts(session)
        click.echo(
            f"Files read: {extracted} with text, {without_text} without, {failed} failed. "
            f"Files now: {counts['done']} searchable, {counts['none']} without text, "
            f"{counts['pending']} waiting, {counts['failed']} failed "
            "(see `lerend-netwerk search files`)."
        )


@search_cli.command("files")
@with_appcontext
def files_command() -> None:
    """List the attached files whose text is not searchable, and why."""
    from sqlalchemy.orm import Session

    from lerend_netwerk.extensions import db
    from lerend_netwerk.search.documents import search_files

    files = search_files()
    with Session(db.engine) as session:
        rows = files.problems(session) if files is not None else []
    if not rows:
        click.echo("Every attached file with text is searchable.")
    for row in rows:
        click.echo(row)


def register_commands(app: Flask) -> None:
    app.cli.add_command(search_cli)
