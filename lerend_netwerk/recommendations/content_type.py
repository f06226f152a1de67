"""Policy recommendations (threads) and the final report as content types."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from lerend_netwerk.content_io import schema
from lerend_netwerk.content_io.schema import Field, Kind
from lerend_netwerk.core.content_types import ContentType, Key, SearchIndexing, document_files
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.indicators.figures import Figure
from lerend_netwerk.levels import LEVELS, level_label
from lerend_netwerk.markdown import markdown_to_text
from lerend_netwerk.recommendations.models import (
    RECOMMENDATION_STATUS_LABELS,
    RECOMMENDATION_STATUSES,
    Endorsement,
    Flag,
    Post,
    Recommendation,
    ThreadFollow,
)
from lerend_netwerk.search.documents import (
    AUDIENCES,
    SearchDocument,
    audiences_of,
    document_of,
    join_text,
)
from lerend_netwerk.themes.models import Theme
from lerend_netwerk.visibility import can_coordinate, is_member, visible_clause

# The final report is one page, not a row: it has this fixed key.
FINAL_REPORT_ID = 1
FINAL_REPORT_SLUG = "eindrapport"
FINAL_REPORT_TEXT = (
    "Het eindrapport van het lerend netwerk: de aanvaarde beleidsaanbevelingen per "
    "thema, met de steun van de leden en de argumenten voor en tegen uit het debat. "
    "Te downloaden als Markdown."
)


# --- search -----------------------------------------------------------------------------


def build_recommendation(rec: Recommendation) -> SearchDocument:
    """A recommendation thread with the text of its replies that are not hidden."""
    replies = [markdown_to_text(post.body) for post in rec.posts if post.hidden_at is None]
    return document_of(
        rec,
        "recommendation",
        join_text(markdown_to_text(rec.body), rec.status_reason, *replies),
        keywords=[
            rec.theme.title if rec.theme else None,
            RECOMMENDATION_STATUS_LABELS.get(rec.status, rec.status),
            level_label(rec.level),
        ],
        themes=[rec.theme] if rec.theme else [],
        level=rec.level,
    )


def build_final_report(session: Session) -> SearchDocument:
    """The final report page; its text names the accepted threads that everybody sees."""
    accepted = session.scalars(
        select(Recommendation)
        .where(Recommendation.status == "aanvaard")
        .order_by(Recommendation.title)
        .options(selectinload(Recommendation.theme))
    )
    titles = [rec.title for rec in accepted if audiences_of(rec) == AUDIENCES]
    return SearchDocument(
        type="final_report",
        id=FINAL_REPORT_ID,
        slug=FINAL_REPORT_SLUG,
        title="Eindrapport beleidsaanbevelingen",
        body=join_text(FINAL_REPORT_TEXT, "\n".join(titles)),
        audiences=AUDIENCES,
    )


def _related(connection: Any, obj: Any) -> set[Key]:
    """A thread holds its replies' text and shows its theme's title."""
    if isinstance(obj, Post):
        rec_id = obj.recommendation_id
        if rec_id is None and obj.recommendation is not None:
            rec_id = obj.recommendation.id
        return {("recommendation", rec_id)} if rec_id is not None else set()
    if obj.id is None:
        return set()
    query = select(Recommendation.id).where(Recommendation.theme_id == obj.id)
    return {("recommendation", row[0]) for row in connection.execute(query)}


def _details(hits: list[Any]) -> dict[str, str]:
    from lerend_netwerk.recommendations.reading import stance_tallies

    slugs = [hit.slug for hit in hits if hit.type == "recommendation"]
    details: dict[str, str] = {}
    if not slugs:
        return details
    threads = list(db.session.scalars(select(Recommendation).where(Recommendation.slug.in_(slugs))))
    tallies = stance_tallies([thread.id for thread in threads])
    for thread in threads:
        tally = tallies[thread.id]
        counts = f"{tally.eens} eens, {tally.oneens} oneens, {tally.neutraal} neutraal"
        status = thread.status_label + (" · gesloten" if thread.closed else "")
        details["/aanbevelingen/" + thread.slug] = f"{status} · {counts}"
    return details


# --- content import ---------------------------------------------------------------------


def _stamp(obj: Recommendation, before: dict[str, Any] | None) -> None:
    """A status that changes is dated, as the workflow dates it."""
    status_changed = before["status"] != obj.status if before else obj.status != "open"
    if status_changed:
        obj.status_changed_at = utcnow()


KIND = Kind(
    "recommendations",
    "policy recommendation",
    Recommendation,
    (
        Field("title", schema.TEXT, required=True),
        Field("theme", schema.REF, required=True, ref="themes"),
        schema.network_field(),
        Field("level", schema.CHOICE, choices=LEVELS),
        schema.status_field("open", RECOMMENDATION_STATUSES),
        # Beyond the contract's table: why it was accepted or rejected, and
        # whether the thread is closed to replies.
        Field("status_reason", schema.TEXT, default="", multiline=True),
        Field("closed", schema.BOOL, default=False),
        schema.visibility_field(),
        # The proeftuinen the recommendation rests on (listed in the final report).
        Field("proeftuinen", schema.REFS, ref="proeftuinen"),
        schema.published_field(),
    ),
    stamp=_stamp,
)


# --- digest, themes, indicators, accounts -----------------------------------------------


@dataclass
class ThreadActivity:
    recommendation: Recommendation
    replies: int


def _digest(window: Any) -> dict[str, list[Any]]:
    """The threads with new replies in the week, busiest first."""
    replies = func.count(Post.id)
    rows = db.session.execute(
        select(Recommendation, replies)
        .join(Post, Post.recommendation_id == Recommendation.id)
        .where(
            visible_clause(Recommendation, window.user),
            Post.hidden_at.is_(None),
            Post.created_at >= window.start,
            Post.created_at < window.end,
        )
        .group_by(Recommendation.id)
        .order_by(replies.desc(), Recommendation.title)
    ).all()
    return {"threads": [ThreadActivity(recommendation, count) for recommendation, count in rows]}


def _theme_listing(theme: Theme, user: Any) -> dict[str, list[Any]]:
    return {
        "recommendations": list(
            db.session.scalars(
                select(Recommendation)
                .where(Recommendation.theme_id == theme.id, visible_clause(Recommendation, user))
                .order_by(Recommendation.title)
            )
        )
    }


def _related_threads(ids: list[int], user: Any, exclude: Any, limit: int) -> list[Any]:
    return list(
        db.session.scalars(
            select(Recommendation)
            .where(Recommendation.theme_id.in_(ids), visible_clause(Recommendation, user))
            .order_by(Recommendation.created_at.desc(), Recommendation.id.desc())
            .limit(limit)
        )
    )


def _followed_threads(user: Any) -> list[Any]:
    from lerend_netwerk.recommendations.support import followed_threads

    return followed_threads(user)


def recommendations_by_status(scope: Any) -> dict[str, int]:
    """Recommendation threads started in the period, by their current status."""
    started = func.coalesce(Recommendation.published_at, Recommendation.created_at)
    query = (
        select(Recommendation.status, func.count())
        .where(
            started >= scope.period.starts,
            started < scope.period.ends,
            scope.visible(Recommendation),
        )
        .group_by(Recommendation.status)
    )
    if scope.level:
        query = query.where(Recommendation.level == scope.level)
    if scope.network_id is not None:
        query = query.where(Recommendation.network_id == scope.network_id)
    return {row[0]: row[1] for row in db.session.execute(query)}


def _indicators(scope: Any) -> dict[str, Any]:
    """New threads in the period, and (label, count) per status, the known ones first."""
    by_status = recommendations_by_status(scope)
    statuses = list(RECOMMENDATION_STATUSES) + sorted(set(by_status) - set(RECOMMENDATION_STATUSES))
    return {
        "recommendations": sum(by_status.values()),
        "recommendations_by_status": [
            (RECOMMENDATION_STATUS_LABELS.get(status, status), by_status.get(status, 0))
            for status in statuses
        ],
    }


def _personal_data(user: Any) -> dict[str, Any]:
    """Supports, follows, flags, replies (with their earlier versions) and threads."""
    posts = db.session.scalars(select(Post).where(Post.author_id == user.id)).all()
    threads = db.session.scalars(
        select(Recommendation).where(Recommendation.author_id == user.id)
    ).all()

    def slugs_of(model) -> list[str]:
        return list(
            db.session.scalars(
                select(Recommendation.slug)
                .join(model, model.recommendation_id == Recommendation.id)
                .where(model.user_id == user.id)
                .order_by(Recommendation.slug)
            )
        )

    flags = db.session.scalars(select(Flag).where(Flag.user_id == user.id)).all()
    return {
        "recommendation_supports": slugs_of(Endorsement),
        "recommendation_follows": slugs_of(ThreadFollow),
        "reply_flags": [
            {"reply_id": f.post_id, "reason": f.reason, "details": f.details} for f in flags
        ],
        "recommendation_replies": [
            {
                "thread": p.recommendation.slug,
                "stance": p.stance,
                "body": p.body,
                "created_at": p.created_at.isoformat(),
                "edited_at": p.edited_at.isoformat() if p.edited_at else None,
                # What the member wrote before each edit, oldest first.
                "earlier_versions": [
                    {
                        "stance": revision.stance,
                        "body": revision.body,
                        "written_at": revision.written_at.isoformat(),
                        "replaced_at": revision.created_at.isoformat(),
                    }
                    for revision in p.revisions
                ],
            }
            for p in posts
        ],
        "recommendation_threads": [{"slug": t.slug, "title": t.title} for t in threads],
    }


def _may_manage_thread_files(user: Any, thread: Recommendation) -> bool:
    """Its network's coordinators, and the member who opened the thread (their position
    paper)."""
    if can_coordinate(user, thread):
        return True
    return is_member(user) and thread.author_id is not None and thread.author_id == user.id


# Files on a thread (a position paper): seen by whoever sees the thread.
ATTACHMENTS = document_files(Recommendation, "recommendation", _may_manage_thread_files)


RECOMMENDATION = ContentType(
    name="recommendation",
    model=Recommendation,
    endpoint="recommendations.detail",
    menu=("recommendations.index", "Aanbevelingen"),
    search=(
        SearchIndexing(
            "recommendation",
            build_recommendation,
            model=Recommendation,
            label="Beleidsaanbeveling",
            names=("aanbeveling", "aanbevelingen", "beleidsaanbeveling", "beleidsaanbevelingen"),
            load_options=lambda: [
                selectinload(Recommendation.theme),
                selectinload(Recommendation.posts),
            ],
            watches=(Theme, Post),
            related=_related,
            details=_details,
        ),
    ),
    content=KIND,
    digest=_digest,
    personal_data=_personal_data,
    indicators=_indicators,
    figures=(
        Figure(
            "recommendations",
            "Beleidsaanbevelingen (nieuwe draden)",
            "Draden over beleidsaanbevelingen gestart in de periode.",
            order=600,
        ),
    ),
    theme_listing=_theme_listing,
    theme_related={"threads": _related_threads},
    account_listing=lambda user: {"followed": _followed_threads(user)},
    attachments=ATTACHMENTS,
)

FINAL_REPORT = ContentType(
    name="final_report",
    model=None,
    endpoint="recommendations.final_report",
    search=(
        SearchIndexing(
            "final_report",
            build_final_report,
            label="Eindrapport",
            names=("eindrapport", "eindverslag"),
            singleton=FINAL_REPORT_ID,
            # The final report names the accepted threads.
            watches=(Recommendation,),
            related=lambda connection, obj: {("final_report", FINAL_REPORT_ID)},
        ),
    ),
)
