"""Rules for networks: the default network, creating networks, and who belongs to them.

An admin creates a network with its first coordinator; a network's coordinators (and
admins) add accounts, set each person's role in their network and remove people from it.
A network always keeps at least one coordinator. Inviting a new address into a network
is the account administration's (`members.service.add_or_invite`), which then adds the
new account here. Services only flush; the view commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, true

from lerend_netwerk.core.audit import record_audit
from lerend_netwerk.core.errors import ForbiddenError, NotFoundError
from lerend_netwerk.core.slugs import is_slug, slugify
from lerend_netwerk.extensions import db
from lerend_netwerk.levels import LEVELS
from lerend_netwerk.networks.access import forget_all_network_ids, is_network_coordinator
from lerend_netwerk.networks.models import (
    DEFAULT_NETWORK_SLUG,
    DEFAULT_NETWORK_TITLE,
    NETWORK_ROLE_LABELS,
    NETWORK_ROLES,
    Network,
    NetworkMembership,
)


class NetworkError(Exception):
    """A change to a network or its members that the rules refuse (a Dutch message)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


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


def ensure_membership(user: Any, network: Network, role: str = "member") -> NetworkMembership:
    """Make `user` a member of `network` with at least `role` (a coordinator stays one),
    for imports, the demo and the command line (which may pass a stand-in with only an
    `id`): no actor, no audit."""
    if user.id is None:
        db.session.flush()
    membership = _membership(network, user)
    if membership is None:
        membership = NetworkMembership(network_id=network.id, user_id=user.id, role=role)
        if hasattr(user, "network_memberships"):
            user.network_memberships.append(membership)
        else:
            db.session.add(membership)
    elif role == "coordinator":
        membership.role = role
    db.session.flush()
    return membership


def all_networks() -> list[Network]:
    return list(db.session.scalars(select(Network).order_by(Network.position, Network.title)))


def get_network(slug: str) -> Network:
    """The network with this slug; NotFoundError when there is none."""
    network = (
        db.session.scalar(select(Network).where(Network.slug == slug)) if is_slug(slug) else None
    )
    if network is None:
        raise NotFoundError()
    return network


def network_for_coordinator(slug: str, user: Any) -> Network:
    """A network `user` coordinates (admins: any); 404 when unknown, 403 when not theirs."""
    network = get_network(slug)
    if not is_network_coordinator(user, network.id):
        raise ForbiddenError("Je coördineert dit netwerk niet.")
    return network


def coordinated(user: Any) -> list[Network]:
    """The networks `user` coordinates, in their usual order (admins: all)."""
    return [n for n in all_networks() if is_network_coordinator(user, n.id)]


def network_for_new_content(user: Any, requested: int | None = None) -> int:
    """The network new content of `user` goes into: the one asked for (which they must
    coordinate), else the default network when they coordinate it, else the first they
    coordinate."""
    if requested:
        if not is_network_coordinator(user, requested):
            raise ForbiddenError("Je coördineert dit netwerk niet.")
        return requested
    networks = coordinated(user)
    if not networks:
        raise ForbiddenError("Je coördineert geen enkel netwerk.")
    for network in networks:
        if network.is_default:
            return network.id
    return networks[0].id


def network_choices(user: Any) -> list[tuple[int, str]]:
    """(id, title) of the networks `user` may put new content into."""
    return [(n.id, n.title) for n in coordinated(user)]


# --- creating networks ------------------------------------------------------------------


@dataclass
class NetworkInput:
    title: str
    slug: str = ""
    region: str = ""
    levels: Iterable[str] = ()
    summary: str = ""


def create_network(actor: Any, data: NetworkInput, coordinator: Any = None) -> Network:
    """An admin creates a network; `coordinator` (an account) becomes its first
    coordinator. Without one, the caller names the first coordinator in the same
    transaction (`members.service.create_network_with_coordinator` invites a new
    address)."""
    if not getattr(actor, "is_admin", False):
        raise ForbiddenError("Enkel beheerders maken netwerken aan.")
    title = (data.title or "").strip()
    if not title:
        raise NetworkError("Geef het netwerk een naam.", field="title")
    slug = (data.slug or "").strip() or slugify(title)
    if not is_slug(slug):
        raise NetworkError(
            "De korte naam mag enkel kleine letters, cijfers en koppeltekens bevatten.",
            field="slug",
        )
    if db.session.scalar(select(Network.id).where(Network.slug == slug)) is not None:
        raise NetworkError(f"Er is al een netwerk met de korte naam “{slug}”.", field="slug")
    levels = list(dict.fromkeys(data.levels or ()))
    if any(level not in LEVELS for level in levels):
        raise NetworkError("Kies onderwijsniveaus uit de lijst.", field="levels")
    position = db.session.scalar(select(func.coalesce(func.max(Network.position), 0))) or 0
    network = Network(
        slug=slug,
        title=title,
        region=(data.region or "").strip() or None,
        levels=levels,
        summary=(data.summary or "").strip(),
        is_default=False,
        position=position + 1,
    )
    db.session.add(network)
    db.session.flush()
    forget_all_network_ids()
    record_audit(actor, "network.created", network, title)
    if coordinator is not None:
        add_member(actor, network, coordinator, "coordinator")
    return network


# --- members ----------------------------------------------------------------------------


def _membership(network: Network, user: Any) -> NetworkMembership | None:
    return db.session.scalar(
        select(NetworkMembership).where(
            NetworkMembership.network_id == network.id, NetworkMembership.user_id == user.id
        )
    )


def _coordinator_count(network: Network) -> int:
    return db.session.scalar(
        select(func.count(NetworkMembership.id)).where(
            NetworkMembership.network_id == network.id, NetworkMembership.role == "coordinator"
        )
    )


def _check_actor(actor: Any, network: Network) -> None:
    if not is_network_coordinator(actor, network.id):
        raise ForbiddenError("Je coördineert dit netwerk niet.")


def _check_role(role: str) -> None:
    if role not in NETWORK_ROLES:
        raise NetworkError("Kies lid of coördinator.", field="role")


def add_member(actor: Any, network: Network, user: Any, role: str = "member") -> NetworkMembership:
    """A coordinator of `network` adds an existing account with `role`."""
    _check_actor(actor, network)
    _check_role(role)
    if not user.active:
        raise NetworkError(f"Het account van {user.name} is gedeactiveerd.", field="email")
    if _membership(network, user) is not None:
        raise NetworkError(f"{user.name} is al lid van dit netwerk.", field="email")
    membership = NetworkMembership(network_id=network.id, role=role)
    user.network_memberships.append(membership)
    db.session.flush()
    record_audit(actor, "network.member_added", user, f"{network.slug}: {_label(role)}")
    return membership


def set_role(actor: Any, network: Network, user: Any, role: str) -> NetworkMembership:
    """A coordinator of `network` makes someone member or coordinator there; the last
    coordinator stays coordinator."""
    _check_actor(actor, network)
    _check_role(role)
    membership = _membership(network, user)
    if membership is None:
        raise NetworkError(f"{user.name} is geen lid van dit netwerk.")
    if membership.role == role:
        return membership
    if membership.role == "coordinator" and _coordinator_count(network) <= 1:
        raise NetworkError(
            "Een netwerk heeft minstens één coördinator: maak eerst iemand anders coördinator."
        )
    record_audit(
        actor,
        "network.role_changed",
        user,
        f"{network.slug}: {_label(membership.role)} → {_label(role)}",
    )
    membership.role = role
    db.session.flush()
    return membership


def remove_member(actor: Any, network: Network, user: Any) -> None:
    """A coordinator of `network` takes someone out of it (their account stays)."""
    _check_actor(actor, network)
    membership = _membership(network, user)
    if membership is None:
        raise NetworkError(f"{user.name} is geen lid van dit netwerk.")
    if membership.role == "coordinator" and _coordinator_count(network) <= 1:
        raise NetworkError(
            "De laatste coördinator kan niet uit het netwerk: maak eerst iemand anders coördinator."
        )
    record_audit(actor, "network.member_removed", user, network.slug)
    if membership in user.network_memberships:
        user.network_memberships.remove(membership)
    else:
        db.session.delete(membership)
    db.session.flush()


def _label(role: str) -> str:
    return NETWORK_ROLE_LABELS.get(role, role).lower()
