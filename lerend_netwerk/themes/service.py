"""Themes and what the network did on each."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from lerend_netwerk.agenda.models import Meeting
from lerend_netwerk.extensions import db
from lerend_netwerk.practices.models import Practice
from lerend_netwerk.proeftuinen.models import Proeftuin
from lerend_netwerk.recommendations.models import Recommendation
from lerend_netwerk.themes.models import Theme
from lerend_netwerk.visibility import visible_clause


def list_themes() -> list[Theme]:
    return list(db.session.scalars(select(Theme).order_by(Theme.title)))


def theme_overview(slug: str, user: Any) -> dict[str, Any]:
    """A theme with the sessions, proeftuinen, practices and threads on it that `user` may see."""
    theme = db.one_or_404(select(Theme).where(Theme.slug == slug))
    return {
        "theme": theme,
        "meetings": list(
            db.session.scalars(
                select(Meeting)
                .where(Meeting.themes.any(Theme.id == theme.id), visible_clause(Meeting, user))
                .order_by(Meeting.starts_at.desc())
            )
        ),
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
    }
