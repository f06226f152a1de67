"""Who belongs to which network, and who coordinates what.

A person belongs to several networks, with a role in each ("member" or "coordinator");
`user.role` "admin" is the installation's administrator, who coordinates every network.
A user's memberships are read once per request: `user.network_memberships` is loaded on
first use and kept on the user object (the request's user is loaded per request), and
stand-in viewers (search audiences) carry a `network_roles` mapping of their own.

A document belongs to a network through its own `network_id` or through a parent: a
model without the column names the relationship that leads to one in `NETWORK_VIA`
(a visit report its proeftuin, a registration its session, a post its thread).
"""

from __future__ import annotations

from typing import Any

from flask import g, has_app_context
from sqlalchemy import ColumnElement, select

from lerend_netwerk.core.errors import ForbiddenError
from lerend_netwerk.extensions import db
from lerend_netwerk.networks.models import Network


def _signed_in(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def _is_admin(user: Any) -> bool:
    return _signed_in(user) and bool(getattr(user, "is_admin", False))


def network_roles(user: Any) -> dict[int, str]:
    """network id -> the user's role there ("member" or "coordinator"); {} for visitors."""
    if not _signed_in(user):
        return {}
    roles = getattr(user, "network_roles", None)
    if roles is None:
        return {}
    return dict(roles)


def networks_of(user: Any) -> set[int]:
    """The networks `user` is a member of (any role)."""
    return set(network_roles(user))


def all_network_ids() -> set[int]:
    """Every network's id, read once per request."""
    if has_app_context():
        cached = g.get("_all_network_ids")
        if cached is not None:
            return set(cached)
    ids = set(db.session.scalars(select(Network.id)))
    if has_app_context():
        g._all_network_ids = frozenset(ids)
    return ids


def forget_all_network_ids() -> None:
    """After a network is created or removed in this request."""
    if has_app_context():
        g.pop("_all_network_ids", None)


def coordinated_networks(user: Any) -> set[int]:
    """The networks `user` coordinates; an admin coordinates them all."""
    if _is_admin(user):
        return all_network_ids()
    return {nid for nid, role in network_roles(user).items() if role == "coordinator"}


def is_network_coordinator(user: Any, network_id: int | None) -> bool:
    if _is_admin(user):
        return True
    return network_id is not None and network_roles(user).get(network_id) == "coordinator"


def coordinated_network_list(user: Any) -> list[Network]:
    """The networks `user` coordinates, in the order of the network overview."""
    ids = coordinated_networks(user)
    if not ids:
        return []
    query = select(Network).where(Network.id.in_(ids)).order_by(Network.position, Network.title)
    return list(db.session.scalars(query))


def is_network_member(user: Any, network_id: int | None) -> bool:
    if _is_admin(user):
        return True
    return network_id is not None and network_id in network_roles(user)


def network_id_of(doc: Any) -> int | None:
    """The network a document belongs to (its own, or its parent's); None when shared."""
    seen = 0
    while doc is not None and seen < 5:
        if hasattr(doc, "network_id"):
            value = doc.network_id
            if value is None and getattr(doc, "network", None) is not None:
                value = doc.network.id
            return value
        via = getattr(type(doc), "NETWORK_VIA", None)
        if via is None:
            return None
        doc = getattr(doc, via, None)
        seen += 1
    return None


def can_coordinate(user: Any, doc: Any) -> bool:
    """Whether `user` acts as a coordinator on `doc` (a document with a network).

    A document shared by every network (a theme without a network) is coordinated by
    every coordinator.
    """
    if _is_admin(user):
        return True
    network_id = network_id_of(doc)
    if network_id is None:
        return bool(coordinated_networks(user))
    return is_network_coordinator(user, network_id)


def check_coordinates(user: Any, doc: Any) -> None:
    """ForbiddenError unless `user` coordinates `doc`'s network (a service's check after
    it found a document the user may see)."""
    if not can_coordinate(user, doc):
        raise ForbiddenError("Dit hoort bij een netwerk dat je niet coördineert.")


def network_column_in(model: Any, network_ids: set[int]) -> ColumnElement[bool]:
    """SQL: rows of `model` whose network (own or through `NETWORK_VIA`) is one of these."""
    if "network_id" in model.__table__.c:
        return model.network_id.in_(sorted(network_ids))
    via = getattr(model, "NETWORK_VIA", None)
    if via is None:
        raise TypeError(f"{model.__name__} belongs to no network")
    relationship = getattr(model, via)
    target = relationship.property.mapper.class_
    return relationship.has(network_column_in(target, network_ids))


def has_network(model: Any) -> bool:
    """Whether rows of `model` belong to a network (own column or through a parent)."""
    table = getattr(model, "__table__", None)
    if table is not None and "network_id" in table.c:
        return True
    return getattr(model, "NETWORK_VIA", None) is not None


__all__ = [
    "all_network_ids",
    "can_coordinate",
    "check_coordinates",
    "coordinated_network_list",
    "coordinated_networks",
    "forget_all_network_ids",
    "has_network",
    "is_network_coordinator",
    "is_network_member",
    "network_column_in",
    "network_id_of",
    "network_roles",
    "networks_of",
]
