"""Front page overview and the health check."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import text

from lerend_netwerk.extensions import db


def network_stylesheet() -> str:
    """CSS custom properties for every network with a valid colour, by network id."""
    from lerend_netwerk.networks.context import all_networks, safe_colour

    rules = []
    for network in all_networks():
        colour = safe_colour(network.colour)
        if colour is not None:
            # The header of the network's pages and its card on /netwerken.
            rules.append(
                f".network-{network.id} {{ --accent: {colour}; --network-accent: {colour}; }}"
            )
    return "\n".join(rules) + "\n"


def networks_overview() -> dict[str, Any]:
    """The networks for /netwerken, the default first."""
    from lerend_netwerk.levels import LEVEL_LABELS
    from lerend_netwerk.networks.context import all_networks

    return {"networks": all_networks(), "levels": LEVEL_LABELS}


def coordinators_of(network_id: int) -> list[Any]:
    """The active accounts that coordinate a network, by name."""
    from sqlalchemy import select, true

    from lerend_netwerk.auth.models import User
    from lerend_netwerk.networks.models import NetworkMembership

    return list(
        db.session.scalars(
            select(User)
            .join(NetworkMembership, NetworkMembership.user_id == User.id)
            .where(
                NetworkMembership.network_id == network_id,
                NetworkMembership.role == "coordinator",
                User.active == true(),
            )
            .order_by(User.name)
        )
    )


def network_home(user: Any) -> dict[str, Any]:
    """What a network's home shows, as `user` may see it."""
    from lerend_netwerk.agenda.service import upcoming_meetings
    from lerend_netwerk.networks.context import current_network, current_network_info
    from lerend_netwerk.practices.service import latest_practices
    from lerend_netwerk.recommendations.reading import latest_threads
    from lerend_netwerk.visibility import can_see_member, is_member

    info = current_network_info()
    network = current_network()
    coordinators = [
        person for person in coordinators_of(network.id) if can_see_member(user, person)
    ]
    from lerend_netwerk.levels import LEVEL_LABELS

    return {
        "home": network,
        "levels": LEVEL_LABELS,
        "upcoming": upcoming_meetings(user, limit=4, network_id=info.id),
        "practices": latest_practices(user, limit=4, network_id=info.id),
        "threads": latest_threads(user, limit=4, network_id=info.id),
        # Names of coordinators for members; visitors see that there are some.
        "coordinators": coordinators if is_member(user) else [],
    }


def home_overview(user: Any) -> dict[str, Any]:
    """Upcoming sessions and the newest practices the user may see."""
    from lerend_netwerk.agenda.service import upcoming_meetings
    from lerend_netwerk.practices.service import latest_practices

    return {
        "upcoming": upcoming_meetings(user, limit=4),
        "practices": latest_practices(user, limit=4),
    }


def health_report(app: Flask) -> dict[str, Any]:
    """Check the database and the search index; say what is wrong."""
    from lerend_netwerk.search.service import index_health

    report: dict[str, Any] = {"status": "ok"}
    try:
        db.session.execute(text("SELECT 1"))
        report["database"] = {"status": "ok", "dialect": db.engine.dialect.name}
    except Exception as error:  # any driver error means: not usable
        db.session.rollback()
        report["status"] = "error"
        report["database"] = {"status": "error", "reason": str(error).splitlines()[0]}
    search = index_health(app)
    report["search"] = search
    if search.get("status") != "ok":
        report["status"] = "error"
    return report


# What anyone may read of the health report: states and counts, never paths or errors
# (those can name files and servers); coordinators and admins get the whole report.
PUBLIC_HEALTH_KEYS = {"status", "dialect", "documents", "lag", "schema_current"}


def public_health(report: dict[str, Any]) -> dict[str, Any]:
    """The report without reasons, directories and error texts."""
    public: dict[str, Any] = {}
    for key, value in report.items():
        if isinstance(value, dict):
            public[key] = {k: v for k, v in value.items() if k in PUBLIC_HEALTH_KEYS}
        elif key in PUBLIC_HEALTH_KEYS:
            public[key] = value
    return public
