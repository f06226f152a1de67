"""The coordinators' workflow: opening and editing threads, status, closing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from lerend_netwerk.core.audit import record_audit
from lerend_netwerk.core.slugs import is_slug
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.networks.service import network_for_new_content
from lerend_netwerk.proeftuinen.models import LEVEL_LABELS, LEVELS, Proeftuin
from lerend_netwerk.recommendations.models import (
    RECOMMENDATION_STATUS_LABELS,
    Recommendation,
)
from lerend_netwerk.recommendations.threads import (
    DECISIONS,
    RESERVED_SLUGS,
    TRANSITIONS,
    RecommendationError,
    ensure_coordinates,
    ensure_coordinator,
    get_thread,
)
from lerend_netwerk.signals import thread_status_changed
from lerend_netwerk.themes.models import Theme
from lerend_netwerk.visibility import VISIBILITIES


def allowed_transitions(status: str) -> tuple[str, ...]:
    """The statuses a thread in `status` may move to."""
    return TRANSITIONS.get(status, ())


def change_status(
    slug: str, user: Any, new_status: str, reason: str, now: datetime | None = None
) -> Recommendation:
    """Move a thread along the workflow; a decision needs a reason."""
    ensure_coordinator(user)
    thread = get_thread(slug, user)
    ensure_coordinates(user, thread)
    if new_status not in allowed_transitions(thread.status):
        old = RECOMMENDATION_STATUS_LABELS.get(thread.status, thread.status)
        new = RECOMMENDATION_STATUS_LABELS.get(new_status, new_status)
        raise RecommendationError(
            f"Een aanbeveling met status ‘{old}’ kan niet naar ‘{new}’.", field="status"
        )
    reason = (reason or "").strip()
    if new_status in DECISIONS and not reason:
        raise RecommendationError(
            "Geef een reden: die komt bij de beslissing en in het eindrapport.", field="reason"
        )
    record_audit(user, "recommendation.status_changed", thread, f"{thread.status} → {new_status}")
    thread.status = new_status
    thread.status_reason = reason
    thread.status_changed_at = now or utcnow()
    db.session.flush()
    thread_status_changed.send(thread, actor=user)
    return thread


def set_closed(slug: str, user: Any, closed: bool) -> Recommendation:
    """Close a thread for new replies, or reopen it."""
    ensure_coordinator(user)
    thread = get_thread(slug, user)
    ensure_coordinates(user, thread)
    if thread.closed == closed:
        raise RecommendationError(
            "Deze draad is al gesloten." if closed else "Deze draad is al open voor reacties."
        )
    thread.closed = closed
    record_audit(user, "recommendation.closed" if closed else "recommendation.reopened", thread)
    db.session.flush()
    return thread


def _apply_thread_fields(thread: Recommendation, data: dict[str, Any]) -> None:
    """Check every field of the thread form first, then set them all."""
    title = (data.get("title") or "").strip()
    slug = (data.get("slug") or "").strip()
    if not title:
        raise RecommendationError("Geef een titel.", field="title")
    if not is_slug(slug):
        raise RecommendationError(
            "Enkel kleine letters, cijfers en koppeltekens (bv. extra-financiering).",
            field="slug",
        )
    if slug in RESERVED_SLUGS:
        raise RecommendationError("Dit webadres is voorbehouden; kies een ander.", field="slug")
    same_slug = select(Recommendation.id).where(Recommendation.slug == slug)
    if thread.id is not None:
        same_slug = same_slug.where(Recommendation.id != thread.id)
    taken = db.session.scalar(same_slug)
    if taken is not None:
        raise RecommendationError("Er is al een aanbeveling met dit webadres.", field="slug")
    theme = db.session.get(Theme, data.get("theme_id") or 0)
    if theme is None:
        raise RecommendationError("Kies een thema.", field="theme_id")
    level = data.get("level") or None
    if level is not None and level not in LEVELS:
        raise RecommendationError("Kies een niveau uit de lijst.", field="level")
    visibility = data.get("visibility") or "public"
    if visibility not in VISIBILITIES:
        raise RecommendationError(
            "Kies openbaar, enkel leden of enkel dit netwerk.", field="visibility"
        )
    proeftuin_ids = [int(i) for i in data.get("proeftuin_ids") or []]
    proeftuinen = (
        list(db.session.scalars(select(Proeftuin).where(Proeftuin.id.in_(proeftuin_ids))))
        if proeftuin_ids
        else []
    )
    if len(proeftuinen) != len(set(proeftuin_ids)):
        raise RecommendationError("Kies proeftuinen uit de lijst.", field="proeftuin_ids")
    thread.title, thread.slug, thread.theme = title, slug, theme
    thread.proeftuinen = sorted(proeftuinen, key=lambda p: p.title)
    thread.level, thread.visibility = level, visibility
    thread.body = (data.get("body") or "").strip()


def create_thread(user: Any, data: dict[str, Any]) -> Recommendation:
    """A coordinator opens a new thread with a proposal text."""
    ensure_coordinator(user)
    thread = Recommendation(
        status="open",
        author_id=user.id,
        status_reason="",
        closed=False,
        network_id=network_for_new_content(user, data.get("network_id")),
    )
    _apply_thread_fields(thread, data)
    db.session.add(thread)
    db.session.flush()
    return thread


def update_thread(slug: str, user: Any, data: dict[str, Any]) -> Recommendation:
    """A coordinator edits a thread's title, address, theme, level, visibility and text."""
    ensure_coordinator(user)
    thread = get_thread(slug, user)
    ensure_coordinates(user, thread)
    _apply_thread_fields(thread, data)
    db.session.flush()
    return thread


def theme_choices() -> list[tuple[int, str]]:
    """Themes for the thread form."""
    return [(t.id, t.title) for t in db.session.scalars(select(Theme).order_by(Theme.title))]


def proeftuin_choices() -> list[tuple[int, str]]:
    """Proeftuinen for the thread form."""
    return [
        (p.id, p.title) for p in db.session.scalars(select(Proeftuin).order_by(Proeftuin.title))
    ]


def level_choices() -> list[tuple[str, str]]:
    """Levels for the thread form; empty means every level."""
    return [("", "Alle niveaus"), *LEVEL_LABELS.items()]
