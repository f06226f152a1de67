"""`lerend-netwerk content import DIR [--dry-run]` and
`lerend-netwerk content export [--network SLUG] DIR`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from lerend_netwerk.cli import fail

content_cli = click.Group("content", help="Import and export content directories.")


def _terminal_progress():
    """A progress bar on stderr when it is a terminal; None (quiet) otherwise."""
    if not sys.stderr.isatty():
        return None

    def progress(items, label):
        return click.progressbar(items, label=label, file=sys.stderr)

    return progress


@content_cli.command("import")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and report what would change; write nothing.")
@with_appcontext
def import_command(directory: Path, dry_run: bool) -> None:
    """Import a content directory: all files are checked first, then all are imported."""
    from lerend_netwerk.content_io.service import ContentError, import_directory
    from lerend_netwerk.extensions import db
    from lerend_netwerk.sqlite import begin_write_transaction

    if not directory.is_dir():
        fail(f"{directory} is not a directory")
    try:
        if not dry_run:
            # On SQLite: hold the write lock from the first read, so concurrent writers queue.
            begin_write_transaction(db.session)
        result = import_directory(directory, dry_run=dry_run, progress=_terminal_progress())
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
    except ContentError as error:
        db.session.rollback()
        for problem in error.problems:
            click.echo(str(problem), err=True)
        files = len({problem.path for problem in error.problems})
        fail(
            f"{len(error.problems)} problem(s) in {files} file(s) of {directory}; "
            "nothing was imported"
        )
    except SQLAlchemyError as error:
        db.session.rollback()
        fail(f"the database refused the import, nothing was imported: {_first_line(error)}")
    for warning in result.warnings:
        click.echo(f"{warning.path}: warning: {warning.message}", err=True)
    click.echo(result.summary())


@content_cli.command("export")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option(
    "--network",
    metavar="SLUG",
    help="Only this network: its documents and the shared ones they refer to.",
)
@with_appcontext
def export_command(directory: Path, network: str | None) -> None:
    """Write all content, drafts and members-only included, as a content directory."""
    from lerend_netwerk.content_io.service import ContentError, export_directory
    from lerend_netwerk.extensions import db

    try:
        result = export_directory(directory, network=network)
    except ContentError as error:
        fail(str(error))
    except OSError as error:
        fail(f"cannot write {error.filename or directory}: {error.strerror}")
    except SQLAlchemyError as error:
        fail(f"cannot read the database: {_first_line(error)}")
    finally:
        db.session.rollback()
    for warning in result.warnings:
        click.echo(str(warning), err=True)
    click.echo(result.summary(directory))


def _first_line(error: SQLAlchemyError) -> str:
    reason = str(getattr(error, "orig", None) or error)
    return (reason.splitlines() or ["unknown error"])[0]


def register_commands(app: Flask) -> None:
    """Add the `content` group to the app's command line."""
    app.cli.add_command(content_cli)
