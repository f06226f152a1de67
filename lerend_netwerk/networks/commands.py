"""`lerend-netwerk networks list` and `lerend-netwerk networks add-member SLUG EMAIL`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from lerend_netwerk.cli import fail

networks_cli = click.Group("networks", help="The networks of this installation.")


@networks_cli.command("list")
@with_appcontext
def list_command() -> None:
    """Every network: slug, members, coordinators, title (the default one marked)."""
    from sqlalchemy import func, select

    from lerend_netwerk.extensions import db
    from lerend_netwerk.networks.models import Network, NetworkMembership

    counts = {
        (network_id, role): count
        for network_id, role, count in db.session.execute(
            select(NetworkMembership.network_id, NetworkMembership.role, func.count()).group_by(
                NetworkMembership.network_id, NetworkMembership.role
            )
        )
    }
    for network in db.session.scalars(select(Network).order_by(Network.position, Network.title)):
        coordinators = counts.get((network.id, "coordinator"), 0)
        members = counts.get((network.id, "member"), 0) + coordinators
        mark = " (default)" if network.is_default else ""
        click.echo(
            f"{network.slug:<32} {members:>6} members {coordinators:>3} coordinators  "
            f"{network.title}{mark}"
        )


@networks_cli.command("add-member")
@click.argument("slug")
@click.argument("email")
@click.option("--coordinator", is_flag=True, help="Make them a coordinator of the network.")
@with_appcontext
def add_member_command(slug: str, email: str, coordinator: bool) -> None:
    """Make the account with EMAIL a member (or coordinator) of the network SLUG."""
    from types import SimpleNamespace

    from sqlalchemy import func, select

    from lerend_netwerk.extensions import db
    from lerend_netwerk.networks.models import Network
    from lerend_netwerk.networks.service import ensure_membership

    network = db.session.scalar(select(Network).where(Network.slug == slug))
    if network is None:
        fail(f"onbekend netwerk {slug!r}: 'lerend-netwerk networks list' toont de netwerken")
    # The account table, read without the accounts' models (which depend on networks).
    accounts = db.metadata.tables["user"]
    found = db.session.execute(
        select(accounts.c.id, accounts.c.email).where(
            func.lower(accounts.c.email) == email.strip().lower()
        )
    ).first()
    if found is None:
        fail(f"geen account met e-mailadres {email!r}: maak het eerst met 'users create'")
    user = SimpleNamespace(id=found.id)
    membership = ensure_membership(user, network, "coordinator" if coordinator else "member")
    db.session.commit()
    click.echo(f"{found.email} is {membership.role_label.lower()} van {network.title}")


def register_commands(app: Flask) -> None:
    """Add the `networks` group to the app's command line."""
    app.cli.add_command(networks_cli)
