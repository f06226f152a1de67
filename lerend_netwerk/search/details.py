"""What a search result needs to be chosen: a session's date and place, a practice's proeftuin
and level, a thread's status and tally. Read from the database for the hits of one page only;
the hits are already limited to what the reader may see."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lerend_netwerk.agenda.models import Meeting
from lerend_netwerk.extensions import db
from lerend_netwerk.practices.models import Practice
from lerend_netwerk.proeftuinen.models import LEVEL_LABELS
from lerend_netwerk.recommendations.models import Recommendation
from lerend_netwerk.search.documents import URL_PREFIXES
from lerend_netwerk.timeutil import nl_date_short, nl_time


def _slugs(hits: list[Any], doc_type: str) -> list[str]:
    return [hit.slug for hit in hits if hit.type == doc_type]


def hit_details(hits: list[Any]) -> dict[str, str]:
    """One line of facts per hit URL (types without facts are left out)."""
    from lerend_netwerk.recommendations.reading import stance_tallies

    details: dict[str, str] = {}
    slugs = _slugs(hits, "session")
    if slugs:
        for meeting in db.session.scalars(select(Meeting).where(Meeting.slug.in_(slugs))):
            place = meeting.location or ("Online" if meeting.online_url else "")
            when = f"{nl_date_short(meeting.starts_at)}, {nl_time(meeting.starts_at)}"
            cancelled = " · geannuleerd" if meeting.is_cancelled else ""
            details[URL_PREFIXES["session"] + meeting.slug] = (
                " · ".join(filter(None, [when, place])) + cancelled
            )
    slugs = _slugs(hits, "practice")
    if slugs:
        query = (
            select(Practice)
            .where(Practice.slug.in_(slugs))
            .options(selectinload(Practice.proeftuin))
        )
        for practice in db.session.scalars(query):
            parts = [
                practice.proeftuin.title if practice.proeftuin else "",
                LEVEL_LABELS.get(practice.level, practice.level or "") if practice.level else "",
            ]
            if any(parts):
                details[URL_PREFIXES["practice"] + practice.slug] = " · ".join(filter(None, parts))
    slugs = _slugs(hits, "recommendation")
    if slugs:
        threads = list(
            db.session.scalars(select(Recommendation).where(Recommendation.slug.in_(slugs)))
        )
        tallies = stance_tallies([thread.id for thread in threads])
        for thread in threads:
            tally = tallies[thread.id]
            counts = f"{tally.eens} eens, {tally.oneens} oneens, {tally.neutraal} neutraal"
            status = thread.status_label + (" · gesloten" if thread.closed else "")
            details[URL_PREFIXES["recommendation"] + thread.slug] = f"{status} · {counts}"
    return details
