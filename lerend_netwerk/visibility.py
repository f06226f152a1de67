"""Who may see what: one rule, applied by pages, search, feeds, the API and exports.

A document has a sharing level (`visibility`) and belongs to a network (its own
`network_id`, or its parent's: `networks.access`). It is seen by
- everybody, when it is public ("Openbaar") and not a draft;
- members of any network, when it is members-only ("Enkel leden") and not a draft;
- members of its own network, when it is network-only ("Enkel dit netwerk") and not a
  draft;
- the coordinators of its network, always (drafts included);
- admins, always.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, or_, true

from lerend_netwerk.networks.access import can_coordinate as _can_coordinate
from lerend_netwerk.networks.access import (
    coordinated_networks,
    has_network,
    network_column_in,
    network_id_of,
    networks_of,
)

VISIBILITIES = ("public", "members", "network")
VISIBILITY_LABELS = {
    "public": "Openbaar",
    "members": "Enkel leden",
    "network": "Enkel dit netwerk",
}


def is_member(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_coordinator(user: Any) -> bool:
    """A coordinator of at least one network, or an admin."""
    return is_member(user) and bool(getattr(user, "is_coordinator", False))


def is_admin(user: Any) -> bool:
    return is_member(user) and bool(getattr(user, "is_admin", False))


def can_see_member(viewer: Any, member: Any) -> bool:
    """A member's profile: active and listed in the directory; the coordinators of one of
    the member's networks (and admins) see unlisted ones."""
    if not member.active:
        return False
    if member.listed_in_directory or is_admin(viewer):
        return True
    return is_member(viewer) and bool(coordinated_networks(viewer) & networks_of(member))


def may_see_online_link(user: Any, registration_status: str | None, meeting: Any = None) -> bool:
    """The one rule for a session's online link, on the page, in feeds, invites and mails.

    The session's coordinators (any coordinator when no session is named), and members
    with a confirmed place. A place on the waiting list is no seat: the link comes with
    the mail that says you moved up.
    """
    if registration_status == "confirmed":
        return True
    if meeting is not None:
        return can_coordinate(user, meeting)
    return is_coordinator(user)


def can_coordinate(user: Any, doc: Any) -> bool:
    """Whether `user` acts as a coordinator on `doc`: a coordinator of its network."""
    return is_member(user) and _can_coordinate(user, doc)


def audience(user: Any) -> str:
    """'public', 'member' or 'coordinator': the three kinds of reader (pages, caches)."""
    if is_coordinator(user):
        return "coordinator"
    if is_member(user):
        return "member"
    return "public"


def _is_draft(doc: Any) -> bool:
    draft = getattr(type(doc), "DRAFT", None)
    return draft is not None and getattr(doc, "status", None) == draft


def can_see(user: Any, doc: Any) -> bool:
    """Whether `user` (anonymous allowed) may see `doc`."""
    if not is_member(user):
        return not _is_draft(doc) and getattr(doc, "visibility", "public") == "public"
    if is_admin(user):
        return True
    network_id = network_id_of(doc)
    if network_id is not None and network_id in coordinated_networks(user):
        return True
    if not has_network(type(doc)) and is_coordinator(user):
        # A kind outside every network: its drafts are for every coordinator.
        return True
    if _is_draft(doc):
        return False
    level = getattr(doc, "visibility", "public")
    if level == "public":
        return True
    mine = networks_of(user)
    if level == "members":
        return bool(mine)
    if level == "network":
        return network_id is not None and network_id in mine
    return False


def visible_clause(model: Any, user: Any) -> ColumnElement[bool]:
    """SQL filter with the same meaning as `can_see`, for queries over `model`.

    One clause, no per-row Python: the user's networks are read once per request.
    """
    draft = getattr(model, "DRAFT", None)
    columns = model.__table__.c if hasattr(model, "__table__") else {}
    level = model.visibility if "visibility" in columns else None
    not_draft = model.status != draft if draft is not None else true()
    if not is_member(user):
        return and_(not_draft, level == "public") if level is not None else not_draft
    if is_admin(user):
        return true()
    networked = has_network(model)
    if not networked:
        return true() if is_coordinator(user) else not_draft
    mine = networks_of(user)
    coordinated = coordinated_networks(user)
    if level is None:
        shared = not_draft
    else:
        levels = [level == "public"]
        if mine:
            levels.append(level == "members")
            levels.append(and_(level == "network", network_column_in(model, mine)))
        shared = and_(not_draft, or_(*levels))
    if coordinated:
        return or_(network_column_in(model, coordinated), shared)
    return shared


__all__ = [
    "VISIBILITIES",
    "VISIBILITY_LABELS",
    "audience",
    "can_coordinate",
    "can_see",
    "can_see_member",
    "is_admin",
    "is_coordinator",
    "is_member",
    "visible_clause",
]
