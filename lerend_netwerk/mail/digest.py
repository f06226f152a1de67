"""The weekly digest: what each reader may see of the week's news, in one mail.

Its sections come from the content types (`digest` in each feature's `content_type.py`):
this module knows no feature's models. Idempotent like the reminders: the dedupe key
"digest:<user>:<ISO week>" queues each mail once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from lerend_netwerk.auth.models import User
from lerend_netwerk.calendar.links import session_url, site_url
from lerend_netwerk.core.content_types import content_types
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.mail.scheduled import _existing_keys, _setting, queue_unsubscribable
from lerend_netwerk.networks.access import coordinated_networks, networks_of
from lerend_netwerk.timeutil import BRUSSELS, nl_date
from lerend_netwerk.visibility import audience, visible_clause


def digest_moment(now: datetime) -> datetime:
    """The latest weekly digest moment at or before `now` (Monday 08:00 in Brussels)."""
    local = now.astimezone(BRUSSELS)
    week_start = local.date() - timedelta(days=local.weekday())
    day = week_start + timedelta(days=_setting("MAIL_DIGEST_WEEKDAY"))
    moment = datetime.combine(day, time(_setting("MAIL_DIGEST_HOUR")), tzinfo=BRUSSELS)
    if moment > local:
        moment -= timedelta(days=7)
    return moment


@dataclass
class DigestWindow:
    """The week a digest tells one reader about, given to each content type's `digest`."""

    user: User
    now: datetime
    start: datetime
    end: datetime
    # How far ahead the digest looks for sessions.
    upcoming: timedelta

    def published(self, model: Any) -> list[Any]:
        """The documents of `model` published in the week that the reader may see."""
        published = func.coalesce(model.published_at, model.created_at)
        return list(
            db.session.scalars(
                select(model)
                .where(
                    visible_clause(model, self.user),
                    # A digest is a mail: drafts never go out, not even to coordinators.
                    model.status != model.DRAFT,
                    published >= self.start,
                    published < self.end,
                )
                .order_by(published, model.id)
            )
        )


@dataclass
class Digest:
    """What one reader is told about a week: everything they may see, never a draft.

    Its sections come from the content types (practices, reports, threads, meetings)
    and read as attributes (`digest.practices`).
    """

    period_start: datetime
    period_end: datetime
    sections: dict[str, list[Any]] = field(default_factory=dict)

    def __getattr__(self, name: str) -> list[Any]:
        sections = self.__dict__.get("sections", {})
        if name in sections:
            return sections[name]
        raise AttributeError(name)

    @property
    def is_empty(self) -> bool:
        return not any(self.sections.values())


def build_digest(user: User, now: datetime, moment: datetime) -> Digest:
    """The digest of the week before `moment`, as `user` may see it."""
    start = moment - timedelta(days=7)
    upcoming = timedelta(days=_setting("MAIL_DIGEST_UPCOMING_DAYS"))
    window = DigestWindow(user=user, now=now, start=start, end=moment, upcoming=upcoming)
    digest = Digest(period_start=start, period_end=moment)
    for content_type in content_types.with_hook("digest"):
        digest.sections.update(content_type.digest(window))
    return digest


def queue_due_digests(now: datetime | None = None) -> int:
    """Queue this week's digest for every active member who opted in and has news."""
    now = now or utcnow()
    moment = digest_moment(now)
    year, week, _ = moment.isocalendar()
    week_key = f"{year}-W{week:02d}"
    users = list(
        db.session.scalars(
            select(User).where(User.active.is_(True), User.wants_digest.is_(True)).order_by(User.id)
        )
    )
    keys = {user.id: f"digest:{user.id}:{week_key}" for user in users}
    existing = _existing_keys(list(keys.values()))
    # The content depends only on what the reader may see: build it once per audience
    # (their kind of reader and their networks).
    digests: dict[tuple[Any, ...], Digest] = {}
    queued = 0
    for user in users:
        key = keys[user.id]
        if key in existing:
            continue
        who = (audience(user), frozenset(networks_of(user)), frozenset(coordinated_networks(user)))
        if who not in digests:
            digests[who] = build_digest(user, now, moment)
        digest = digests[who]
        if digest.is_empty:
            continue
        queued += queue_unsubscribable(
            user,
            f"Nieuws uit het lerend netwerk: week van {nl_date(digest.period_start, 'd MMMM')}",
            "digest",
            "digest",
            key,
            digest=digest,
            base=site_url(),
            session_url=session_url,
        )
    return queued
