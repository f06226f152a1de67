"""Who belongs to and who coordinates which network."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from lerend_netwerk.extensions import db
from lerend_netwerk.networks.models import Network, NetworkMembership
from lerend_netwerk.networks.service import default_network
from lerend_netwerk.visibility import is_admin, is_member


def networks_of(user: Any) -> set[int]:
    """The networks `user` is a member of (any role)."""
    if not is_member(user):
        return set()
    query = select(NetworkMembership.network_id).where(NetworkMembership.user_id == user.id)
    return set(db.session.scalars(query))


def coordinated_networks(user: Any) -> set[int]:
    """The networks `user` coordinates: an administrator all of them; an account with the
    coordinator role at least the default network (as the migration made them)."""
    if not is_member(user):
        return set()
    if is_admin(user):
        return set(db.session.scalars(select(Network.id)))
    query = select(NetworkMembership.network_id).where(
        NetworkMembership.user_id == user.id, NetworkMembership.role == "coordinator"
    )
    found = set(db.session.scalars(query))
    if getattr(user, "role", None) == "coordinator":
        found.add(default_network().id)
    return found


def is_network_coordinator(user: Any, network_id: int) -> bool:
    return network_id in coordinated_networks(user)


def coordinated_network_list(user: Any) -> list[Network]:
    """The networks `user` coordinates, in the order of the network overview."""
    ids = coordinated_networks(user)
    if not ids:
        return []
    query = select(Network).where(Network.id.in_(ids)).order_by(Network.position, Network.title)
    return list(db.session.scalars(query))
