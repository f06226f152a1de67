"""Putting an account into a network: the one place memberships are written.

Account creation (`auth.service.create_user`) puts every new account into a network
(the one given, else the default network); `networks.service` adds, changes and removes
memberships with its rules on top.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, true

from lerend_netwerk.extensions import db
from lerend_netwerk.networks.models import NETWORK_ROLES, Network, NetworkMembership


def default_network_id() -> int:
    network_id = db.session.scalar(select(Network.id).where(Network.is_default == true()).limit(1))
    if network_id is None:
        from lerend_netwerk.networks.service import default_network

        network_id = default_network().id
    return network_id


def membership_of(user: Any, network_id: int) -> NetworkMembership | None:
    for membership in user.network_memberships:
        if membership.network_id == network_id:
            return membership
    return None


def join(user: Any, network_id: int | None = None, role: str = "member") -> NetworkMembership:
    """`user` in the network (the default one when None) with `role`; an existing
    membership gets the role."""
    if role not in NETWORK_ROLES:
        raise ValueError(f"unknown network role {role!r}")
    network_id = network_id or default_network_id()
    membership = membership_of(user, network_id)
    if membership is None:
        membership = NetworkMembership(network_id=network_id, role=role)
        user.network_memberships.append(membership)
    else:
        membership.role = role
    db.session.flush()
    return membership
