"""Front page overview and the health check."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import text

from lerend_netwerk.extensions import db


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
