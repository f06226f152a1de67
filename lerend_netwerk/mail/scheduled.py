"""Mail that is due at a time rather than caused by a change: reminders and the weekly digest.

Both are idempotent: every mail carries a dedupe key ("reminder:<meeting>:<user>",
"digest:<user>:<ISO week>"), so running these from cron, from several workers, or twice
in a row queues each mail once.

Settings (app config, defaults below): MAIL_REMINDER_DAYS (2), MAIL_DIGEST_WEEKDAY
(0 = Monday), MAIL_DIGEST_HOUR (8, Brussels time), MAIL_DIGEST_UPCOMING_DAYS (21).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lerend_netwerk.agenda.models import Meeting, Registration
from lerend_netwerk.auth.models import User
from lerend_netwerk.calendar.links import session_url, site_url
from lerend_netwerk.config import setting
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.mail.messages import render_mail
from lerend_netwerk.mail.models import OutgoingMail
from lerend_netwerk.mail.outbox import queue_mail
from lerend_netwerk.mail.tokens import unsubscribe_url
from lerend_netwerk.practices.models import Practice
from lerend_netwerk.proeftuinen.models import VisitReport
from lerend_netwerk.recommendations.models import Post, Recommendation
from lerend_netwerk.timeutil import BRUSSELS, nl_date
from lerend_netwerk.visibility import audience, may_see_online_link, visible_clause


def _setting(name: str) -> int:
    return int(setting(current_app.config, name))


def unsubscribe_headers(user: User, purpose: str) -> dict[str, str]:
    """The List-Unsubscribe header of a reminder or digest."""
    return {"List-Unsubscribe": f"<{unsubscribe_url(user, purpose)}>"}


def _existing_keys(keys: list[str]) -> set[str]:
    if not keys:
        return set()
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        found.update(
            db.session.scalars(
                select(OutgoingMail.dedupe_key).where(OutgoingMail.dedupe_key.in_(chunk))
            )
        )
    return found


def queue_due_reminders(now: datetime | None = None) -> int:
    """Queue a reminder for every confirmed registration of a session starting within two days.

    Only to members who want reminders, and not to those who were confirmed inside that
    window: their confirmation mail went out only just now.
    """
    now = now or utcnow()
    lead = timedelta(days=_setting("MAIL_REMINDER_DAYS"))
    registrations = list(
        db.session.scalars(
            select(Registration)
            .join(Registration.meeting)
            .join(Registration.user)
            .where(
                Registration.status == "confirmed",
                Meeting.status == "scheduled",
                Meeting.starts_at > now,
                Meeting.starts_at <= now + lead,
                User.active.is_(True),
                User.wants_reminders.is_(True),
            )
            .options(selectinload(Registration.meeting), selectinload(Registration.user))
            .order_by(Meeting.starts_at, Registration.id)
        )
    )
    due = [
        registration
        for registration in registrations
        if (registration.confirmed_at or registration.registered_at)
        < registration.meeting.starts_at - lead
    ]
    keys = {r.id: f"reminder:{r.meeting_id}:{r.user_id}" for r in due}
    existing = _existing_keys(list(keys.values()))
    queued = 0
    for registration in due:
        key = keys[registration.id]
        if key in existing:
            continue
        user, meeting = registration.user, registration.meeting
        text, html = render_mail(
            "reminder",
            user=user,
            meeting=meeting,
            meeting_url=session_url(meeting.slug),
            unsubscribe_url=unsubscribe_url(user, "reminders"),
            show_online=may_see_online_link(user, registration.status),
        )
        mail = queue_mail(
            user,
            f"Herinnering: {meeting.title} op {nl_date(meeting.starts_at, 'EEEE d MMMM')}",
            text,
            html=html,
            kind="reminder",
            headers=unsubscribe_headers(user, "reminders"),
            dedupe_key=key,
        )
        queued += mail is not None
    return queued


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
class ThreadActivity:
    recommendation: Recommendation
    replies: int


@dataclass
class Digest:
    """What one reader is told about a week: everything they may see, never a draft."""

    period_start: datetime
    period_end: datetime
    practices: list[Practice] = field(default_factory=list)
    reports: list[VisitReport] = field(default_factory=list)
    threads: list[ThreadActivity] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.practices or self.reports or self.threads or self.meetings)


def _published_between(model: Any, user: User, start: datetime, end: datetime) -> list[Any]:
    published = func.coalesce(model.published_at, model.created_at)
    return list(
        db.session.scalars(
            select(model)
            .where(
                visible_clause(model, user),
                # A digest is a mail: drafts never go out, not even to coordinators.
                model.status != model.DRAFT,
                published >= start,
                published < end,
            )
            .order_by(published, model.id)
        )
    )


def build_digest(user: User, now: datetime, moment: datetime) -> Digest:
    """The digest of the week before `moment`, as `user` may see it."""
    start = moment - timedelta(days=7)
    digest = Digest(period_start=start, period_end=moment)
    digest.practices = _published_between(Practice, user, start, moment)
    digest.reports = _published_between(VisitReport, user, start, moment)
    replies = func.count(Post.id)
    rows = db.session.execute(
        select(Recommendation, replies)
        .join(Post, Post.recommendation_id == Recommendation.id)
        .where(
            visible_clause(Recommendation, user),
            Post.hidden_at.is_(None),
            Post.created_at >= start,
            Post.created_at < moment,
        )
        .group_by(Recommendation.id)
        .order_by(replies.desc(), Recommendation.title)
    ).all()
    digest.threads = [ThreadActivity(recommendation, count) for recommendation, count in rows]
    upcoming = timedelta(days=_setting("MAIL_DIGEST_UPCOMING_DAYS"))
    digest.meetings = list(
        db.session.scalars(
            select(Meeting)
            .where(
                visible_clause(Meeting, user),
                Meeting.status == "scheduled",
                Meeting.starts_at >= now,
                Meeting.starts_at < now + upcoming,
            )
            .order_by(Meeting.starts_at, Meeting.id)
        )
    )
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
    # The content depends only on what the reader may see: build it once per audience.
    digests: dict[str, Digest] = {}
    queued = 0
    for user in users:
        key = keys[user.id]
        if key in existing:
            continue
        who = audience(user)
        if who not in digests:
            digests[who] = build_digest(user, now, moment)
        digest = digests[who]
        if digest.is_empty:
            continue
        text, html = render_mail(
            "digest",
            user=user,
            digest=digest,
            base=site_url(),
            session_url=session_url,
            unsubscribe_url=unsubscribe_url(user, "digest"),
        )
        mail = queue_mail(
            user,
            f"Nieuws uit het lerend netwerk: week van {nl_date(digest.period_start, 'd MMMM')}",
            text,
            html=html,
            kind="digest",
            headers=unsubscribe_headers(user, "digest"),
            dedupe_key=key,
        )
        queued += mail is not None
    return queued
