"""The `lerend-netwerk` command: Flask's CLI bound to the app, plus the platform's commands."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from lerend_netwerk import create_app


@click.group(cls=FlaskGroup, create_app=create_app)
def main() -> None:
    """Het lerend netwerk duaal leren."""


def fail(message: str) -> None:
    """Stop with a one-line reason on stderr and a non-zero exit code."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


users_cli = click.Group("users", help="Accounts.")


@users_cli.command("create")
@click.option("--email", required=True, help="E-mail address (unique, case-insensitive).")
@click.option("--name", required=True, help="Full name.")
@click.option(
    "--role",
    default="member",
    show_default=True,
    metavar="member|coordinator|admin",
    help="What the account may do.",
)
@click.option("--organisation", default=None, help="Organisation title or slug.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def users_create(email: str, name: str, role: str, organisation: str | None, password_stdin: bool):
    """Create an account."""
    from sqlalchemy import func, or_, select

    from lerend_netwerk.auth.models import ROLES
    from lerend_netwerk.auth.service import AccountError, create_user, email_problem
    from lerend_netwerk.extensions import db
    from lerend_netwerk.proeftuinen.models import Organisation

    # Checked here, not by click.Choice: a wrong role is a one-line error like the others.
    role = role.strip().lower()
    if role not in ROLES:
        fail(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
    problem = email_problem(email)
    if problem:  # before asking for a password that would be typed in vain
        fail(problem)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    org = None
    if organisation:
        org = db.session.scalar(
            select(Organisation).where(
                or_(
                    Organisation.slug == organisation,
                    func.lower(Organisation.title) == organisation.strip().lower(),
                )
            )
        )
        if org is None:
            fail(f"unknown organisation {organisation!r}")
    try:
        user = create_user(email=email, name=name, role=role, password=password, organisation=org)
        db.session.commit()
    except AccountError as error:
        db.session.rollback()
        fail(str(error))
    click.echo(f"Created {user.role} {user.email}")


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--no-serve", is_flag=True, help="Prepare the demo but do not start the server.")
@with_appcontext
def demo(host: str, port: int, no_serve: bool) -> None:
    """Set up the embedded demo (schema, content/, demo accounts) and serve it."""
    from flask_migrate import upgrade

    from lerend_netwerk.content_io.service import ContentError
    from lerend_netwerk.demo import demo_site_url, mail_destination, prepare_demo, serve_demo

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    # Every absolute link (feeds, calendar links, API, mails) points at what is served.
    app.config["SITE_URL"] = demo_site_url(host, port)
    upgrade()
    content_dir = Path(app.root_path).parent / "content"
    try:
        accounts = prepare_demo(content_dir)
    except ContentError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        fail(f"the demo content in {content_dir} is not valid; nothing was imported")
    click.echo("")
    click.echo("Demo accounts (passwords are new at every start):")
    for role, email, password in accounts:
        click.echo(f"  {role:<22} {email:<46} {password}")
    click.echo("")
    if no_serve:
        return
    click.echo(f"Mail: {mail_destination(app)}")
    click.echo(f"Serving on {app.config['SITE_URL']}/  (Ctrl+C stops)", nl=True)
    sys.stdout.flush()
    serve_demo(app, host, port)


def register_cli(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo)
    for register in _feature_command_registrars():
        register(app)


def _feature_command_registrars():
    """Features that add commands expose register_commands(app)."""
    import importlib

    for name in ("content_io", "search", "mail", "agenda", "files", "networks"):
        try:
            module = importlib.import_module(f"lerend_netwerk.{name}.commands")
        except ModuleNotFoundError as error:
            if error.name not in (f"lerend_netwerk.{name}", f"lerend_netwerk.{name}.commands"):
                raise
            continue
        yield module.register_commands


def new_secret_key() -> str:
    return secrets.token_hex(32)
