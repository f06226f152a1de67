"""Rules for networks: the default network."""

from __future__ import annotations

from sqlalchemy import select, true

from lerend_netwerk.extensions import db
from lerend_netwerk.networks.models import (
    DEFAULT_NETWORK_SLUG,
    DEFAULT_NETWORK_TITLE,
    Network,
    NetworkMembership,
)


def default_network() -> Network:
    """The default network (created when a database has none, e.g. after emptying it)."""
    network = db.session.scalar(select(Network).where(Network.is_default == true()).limit(1))
    if network is None:
        network = Network(
            slug=DEFAULT_NETWORK_SLUG,
            title=DEFAULT_NETWORK_TITLE,
            levels=["hoger-onderwijs", "volwassenenonderwijs"],
            is_default=True,
        )
        db.session.add(network)
        db.session.flush()
    return network


def ensure_membership(user, network: Network, role: str = "member") -> NetworkMembership:
    """Make `user` a member of `network` with at least `role` (a coordinator stays one)."""
    membership = db.session.scalar(
        select(NetworkMembership).where(
            NetworkMembership.network_id == network.id, NetworkMembership.user_id == user.id
        )
    )
    if membership is None:
        if user.id is None:
            db.session.flush()
        membership = NetworkMembership(network_id=network.id, user_id=user.id, role=role)
        db.session.add(membership)
    elif role == "coordinator":
        membership.role = role
    return membership
