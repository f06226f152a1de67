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
    from lerend_netwerk.search.service import sync_index

    result = sync_index(current_app._get_current_object())
    if result.locked:
        click.echo(
            f"Error: the search index stayed locked; {result.pending} changes wait "
            "in the outbox for the next sync",
            err=True,
        )
        sys.exit(1)
    click.echo(f"Applied {result.applied} changes ({result.documents} documents).")


def register_commands(app: Flask) -> None:
    app.cli.add_command(search_cli)
