"""Themes and what the network did on each."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from lerend_netwerk.agenda.models import Meeting
from lerend_netwerk.agenda.service import sessions_before_and_after_now
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.practices.models import Practice
from lerend_netwerk.proeftuinen.models import Proeftuin, VisitReport
from lerend_netwerk.recommendations.models import Recommendation
from lerend_netwerk.themes.models import Theme
from lerend_netwerk.visibility import visible_clause


def list_themes() -> list[Theme]:
    return list(db.session.scalars(select(Theme).order_by(Theme.title)))


def theme_overview(slug: str, user: Any) -> dict[str, Any]:
    """A theme with everything on it that `user` may see: upcoming and past sessions,
    proeftuinen, practices, threads, and the visit reports of the proeftuinen on it."""
    theme = db.one_or_404(select(Theme).where(Theme.slug == slug))
    upcoming, past = sessions_before_and_after_now(
        Meeting.themes.any(Theme.id == theme.id), user, past_limit=5
    )
    return {
        "theme": theme,
        "upcoming": upcoming,
        "past": past,
        "proeftuinen": list(
            db.session.scalars(
                select(Proeftuin)
                .where(Proeftuin.themes.any(Theme.id == theme.id))
                .order_by(Proeftuin.title)
            )
        ),
        "practices": list(
            db.session.scalars(
                select(Practice)
                .where(Practice.themes.any(Theme.id == theme.id), visible_clause(Practice, user))
                .order_by(Practice.title)
            )
        ),
        "recommendations": list(
            db.session.scalars(
                select(Recommendation)
                .where(Recommendation.theme_id == theme.id, visible_clause(Recommendation, user))
                .order_by(Recommendation.title)
            )
        ),
        # Visit reports carry no themes of their own: those of the proeftuinen on the theme.
        "reports": list(
            db.session.scalars(
                select(VisitReport)
                .where(
                    VisitReport.proeftuin.has(Proeftuin.themes.any(Theme.id == theme.id)),
                    visible_clause(VisitReport, user),
                )
                .order_by(VisitReport.visited.desc(), VisitReport.id)
            )
        ),
    }


def related_on_themes(themes: list[Theme], user: Any, exclude: Any = None, limit: int = 3) -> dict:
    """What else `user` may see on these themes: upcoming sessions, practices and threads,
    without `exclude` (the page's own document). Empty lists when there are no themes."""
    ids = [theme.id for theme in themes]
    if not ids:
        return {"sessions": [], "practices": [], "threads": []}

    def others(model: Any) -> list[Any]:
        return [model.id != exclude.id] if isinstance(exclude, model) else []

    return {
        "sessions": list(
            db.session.scalars(
                select(Meeting)
                .where(
                    Meeting.themes.any(Theme.id.in_(ids)),
                    Meeting.ends_at >= utcnow(),
                    Meeting.status != "cancelled",
                    visible_clause(Meeting, user),
                    *others(Meeting),
                )
                .order_by(Meeting.starts_at, Meeting.id)
                .limit(limit)
            )
        ),
        "practices": list(
            db.session.scalars(
                select(Practice)
                .where(
                    Practice.themes.any(Theme.id.in_(ids)),
                    visible_clause(Practice, user),
                    *others(Practice),
                )
                .order_by(Practice.created_at.desc(), Practice.id.desc())
                .limit(limit)
            )
        ),
        "threads": list(
            db.session.scalars(
                select(Recommendation)
                .where(Recommendation.theme_id.in_(ids), visible_clause(Recommendation, user))
                .order_by(Recommendation.created_at.desc(), Recommendation.id.desc())
                .limit(limit)
            )
        ),
    }
