"""Which sessions go into which feed, who sees online links, and the feeds' fingerprints.

A feed is described by a `FeedSource`: a cheap fingerprint of the last change, taken with
one aggregate query, and a function that builds the feed. A conditional request is
answered from the fingerprint alone; the feed is only built when the cache for that
fingerprint is empty.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import re
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, BinaryIO

from flask import current_app
from sqlalchemy import BigInteger, ColumnElement, cast, distinct, func, select
from sqlalchemy.orm import selectinload

from lerend_netwerk.agenda.models import Meeting, Registration, meeting_themes
from lerend_netwerk.auth.models import User
from lerend_netwerk.calendar import ics, links
from lerend_netwerk.calendar.cache import feed_cache
from lerend_netwerk.calendar.feedfiles import FeedFile, feed_files, write_feed
from lerend_netwerk.core.pagecache import pinned_version, version_and_time
from lerend_netwerk.core.slugs import is_slug
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.markdown import uncached as markdown_uncached
from lerend_netwerk.networks.access import coordinated_networks, network_roles
from lerend_netwerk.networks.context import Scope, default_network_info, url_network
from lerend_netwerk.themes.models import Theme
from lerend_netwerk.visibility import (
    can_see,
    may_see_online_link,
    visible_clause,
)

# Feeds reach this far back; everything in the future is always in.
FEED_HISTORY = timedelta(days=365)
FEED_REGISTRATION_STATUSES = ("confirmed", "waitlisted")
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
# What new_calendar_token() makes (URL-safe base64); anything else is not looked up.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")


@dataclass(frozen=True)
class FeedSource:
    """One feed as the requester may see it: its identity, last change, and builder."""

    feed: tuple[Hashable, ...]
    fingerprint: tuple[Hashable, ...]
    last_modified: datetime
    filename: str
    private: bool
    # bytes; or, for an incremental feed, a FeedFile: build(deadline=…) then may raise
    # FeedNotReady instead of running past a request's time.
    build: Callable[..., Any] = field(compare=False)
    incremental: bool = False
    # The fingerprint is (data version, day) and nothing else (core/pagefront.py).
    current_while_version_and_day: bool = False

    @property
    def etag(self) -> str:
        """An entity tag that changes with every change the feed shows."""
        return hashlib.sha256(repr((self.feed, self.fingerprint)).encode()).hexdigest()[:32]

    def body(self) -> bytes:
        """The serialised feed, from the cache when this fingerprint was built before
        (the small feeds: a person's, a session's)."""
        return feed_cache().get_or_build((self.feed, self.fingerprint), self.build)

    def gzipped_body(self) -> bytes:
        """The feed gzip-compressed (a 600-event feed shrinks about 16 times), cached too."""
        return feed_cache().get_or_build(
            (self.feed, self.fingerprint, "gzip"), lambda: gzip.compress(self.body(), mtime=0)
        )

    def open_file(
        self, deadline: float | None = None, *, compressed: bool = False
    ) -> tuple[BinaryIO, str, int]:
        """An incremental feed on disk: (open file, its path, its size), written first
        when this fingerprint is new to the worker (calendar/feedfiles.py)."""
        files = feed_files()
        while True:
            built = files.current(self.feed, self.fingerprint)
            if built is None:
                built = self.build(deadline=deadline)
                files.keep(self.feed, built)
            try:
                path, size = files.gzipped(built) if compressed else (built.path, built.size)
                return open(path, "rb"), path, size
            except FileNotFoundError:
                # A newer version took its place meanwhile, or something cleaned the
                # folder (a tmp cleaner): forget it unless replaced, and look again.
                files.forget(self.feed, built)


def _window_start() -> datetime:
    return utcnow() - FEED_HISTORY


def _latest(*values: datetime | None) -> datetime:
    present = [value for value in values if value is not None]
    return max(present) if present else EPOCH


def _theme_link_aggregates() -> tuple[Any, Any]:
    """Count and checksum of the theme links of the joined meetings.

    Adding or removing a theme does not touch meeting.updated_at, so the fingerprint
    counts the links and sums (meeting id, theme id) pairs. Used over
    `meeting LEFT JOIN meeting_theme`, so one scan gives everything.
    """
    pair = cast(meeting_themes.c.meeting_id, BigInteger) * 1_000_003 + meeting_themes.c.theme_id
    return func.count(meeting_themes.c.theme_id), func.sum(pair)


def _latest_of(column) -> Any:
    """max(column) over the whole table, as a scalar subquery."""
    return select(func.max(column)).correlate(None).scalar_subquery()


def _remembered_last_modified(source_feed: tuple, fingerprint: tuple, candidate: datetime):
    return feed_cache().last_modified(source_feed, fingerprint, candidate, utcnow())


def _public_filter(theme: Theme | None, network_id: int | None = None) -> list[ColumnElement[bool]]:
    conditions = [visible_clause(Meeting, None), Meeting.ends_at >= _window_start()]
    if network_id is not None:
        conditions.append(Meeting.network_id == network_id)
    if theme is not None:
        in_theme = select(meeting_themes.c.meeting_id).where(meeting_themes.c.theme_id == theme.id)
        conditions.append(Meeting.id.in_(in_theme))
    return conditions


def _meetings(conditions: list[ColumnElement[bool]]) -> list[Meeting]:
    query = (
        select(Meeting)
        .where(*conditions)
        .order_by(Meeting.starts_at, Meeting.id)
        .options(selectinload(Meeting.themes))
    )
    return list(db.session.scalars(query))


def public_feed_source(
    theme_slug: str | None = None, scope: Scope | None = None
) -> FeedSource | None:
    """The public agenda of one network (`scope`, the default network without one) or of
    every network (`scope.all`), optionally of one theme; None for an unknown theme.

    Its fingerprint is the data version (one primary-key read, whatever the number of
    sessions) and the day: the 12-month window moves on daily. The feed is put together
    from events serialised once per change of each (`_assembled_feed`).
    """
    theme = None
    if theme_slug:
        if not is_slug(theme_slug):
            return None
        theme = db.session.scalar(select(Theme).where(Theme.slug == theme_slug))
        if theme is None:
            return None
    if scope is None:
        scope = Scope(default_network_info(), None)
    network = scope.network
    version, changed_at = version_and_time()
    fingerprint = (version, utcnow().date().isoformat())
    # Every network's feed is cached apart: the network is part of the feed's identity.
    feed = ("public", network.id if network else "all", theme.slug if theme else None)
    last_modified = _remembered_last_modified(feed, fingerprint, _latest(changed_at))
    if network is None:
        name = "Lerende netwerken duaal leren – heel Vlaanderen"
        description = "De sessies van alle lerende netwerken duaal leren in Vlaanderen."
    elif network.is_default:
        name = "Lerend netwerk duaal leren"
        description = "De sessies van het lerend netwerk duaal leren."
    else:
        name = network.title
        description = f"De sessies van {network.title}."
    if theme is not None:
        name = f"{name} – {theme.title}"
        description = f"{description[:-1]} over {theme.title}."
    theme_id = theme.id if theme else None
    network_id = network.id if network else None

    def build(deadline: float | None = None) -> FeedFile:
        current = db.session.get(Theme, theme_id) if theme_id else None
        return _assembled_feed(
            _public_filter(current, network_id),
            feed=feed,
            fingerprint=fingerprint,
            name=name,
            description=description,
            deadline=deadline,
        )

    filename = "agenda" if network is None or network.is_default else f"agenda-{network.slug}"
    if network is None:
        filename = "agenda-vlaanderen"
    return FeedSource(
        feed=feed,
        fingerprint=fingerprint,
        last_modified=last_modified,
        filename=f"{filename}-{theme.slug}.ics" if theme else f"{filename}.ics",
        private=False,
        build=build,
        incremental=True,
        # The same version and day, the same feed: its 304s may come from the front.
        current_while_version_and_day=True,
    )


class FeedNotReady(Exception):
    """The feed's events are still being serialised in the background."""


# Events serialised per request at most this long; the rest in the background. The first
# FEED_BUILD_ALWAYS_EVENTS are built whatever the clock says (a few hundred events take a
# fraction of a second), so a feed of ordinary size is always answered whole, also on a
# busy machine.
FEED_BUILD_BUDGET_SECONDS = 0.8
FEED_BUILD_ALWAYS_EVENTS = 300
EVENT_CHUNK = 100


def _event_keys(conditions: list[ColumnElement[bool]]) -> list[tuple[int, int]]:
    """(meeting id, hash of what its public VEVENT depends on), in feed order: two light
    queries, read row by row (a big agenda's rows are never all in memory at once)."""
    themes_of: dict[int, list[tuple[int, Any]]] = {}
    theme_rows = db.session.execute(
        select(meeting_themes.c.meeting_id, Theme.id, Theme.updated_at)
        .join(Theme, Theme.id == meeting_themes.c.theme_id)
        .where(meeting_themes.c.meeting_id.in_(select(Meeting.id).where(*conditions)))
    )
    for meeting_id, theme_id, theme_updated in theme_rows:
        themes_of.setdefault(meeting_id, []).append((theme_id, theme_updated))
    site = links.site_url()
    rows = db.session.execute(
        select(Meeting.id, Meeting.updated_at, Meeting.sequence, Meeting.network_id)
        .where(*conditions)
        .order_by(Meeting.starts_at, Meeting.id)
    )
    # An event's URL lies under its network's address: the slug is part of its key. The
    # hash is Python's, stable within the process that keeps the feed's file.
    return [
        (
            mid,
            hash(
                (
                    site,
                    mid,
                    updated,
                    sequence,
                    tuple(sorted(themes_of.get(mid, ()))),
                    url_network(network_id),
                )
            ),
        )
        for mid, updated, sequence, network_id in rows
    ]


def _assembled_feed(
    conditions: list[ColumnElement[bool]],
    *,
    feed: Hashable,
    fingerprint: Hashable,
    name: str,
    description: str,
    deadline: float | None = None,
) -> FeedFile:
    """The feed as a file, spliced from its previous file: only the events changed since
    are serialised (calendar/feedfiles.py).

    Past `deadline` (time.monotonic()) it raises FeedNotReady and leaves the rest to
    `finish_in_background`.
    """
    files = feed_files()
    keys = _event_keys(conditions)
    site = links.site_url()

    def out_of_time(built: int) -> bool:
        return (
            deadline is not None
            and built >= FEED_BUILD_ALWAYS_EVENTS
            and time.monotonic() > deadline
        )

    def serialise(missing: list[int]) -> Iterator[bytes]:
        built = 0
        for start in range(0, len(missing), EVENT_CHUNK):
            if out_of_time(built):
                raise FeedNotReady()
            chunk = missing[start : start + EVENT_CHUNK]
            loaded = db.session.scalars(
                select(Meeting).where(Meeting.id.in_(chunk)).options(selectinload(Meeting.themes))
            )
            by_id = {meeting.id: meeting for meeting in loaded}
            for mid in chunk:
                if out_of_time(built):
                    raise FeedNotReady()
                built += 1
                # Each text is written to the file once: kept out of the Markdown cache,
                # which holds what pages show (and would hold a big agenda's texts).
                with markdown_uncached():
                    data = ics.event_bytes(by_id[mid], site_url=site)
                yield data

    head, end = ics.feed_envelope(name=name, description=description)
    return write_feed(
        files,
        fingerprint=fingerprint,
        head=head,
        end=end,
        keys=keys,
        previous=files.latest(feed),
        serialise=serialise,
    )


_background_lock = threading.Lock()


def building_in_background(source: FeedSource) -> bool:
    """Whether this worker is still serialising the feed's events in a thread (and has
    no finished copy of it)."""
    if feed_files().current(source.feed, source.fingerprint) is not None:
        return False
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with _background_lock:
        return source.feed in app.extensions.get("calendar_feed_builds", ())


def finish_in_background(source: FeedSource) -> None:
    """Serialise the rest of a feed's events in a thread (one per feed and worker)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    running = app.extensions.setdefault("calendar_feed_builds", set())
    with _background_lock:
        if source.feed in running:
            return
        running.add(source.feed)

    def run() -> None:
        try:
            # Read-only: the version once for the whole build (each event's link asks
            # for the networks, which outside a request would read it every time).
            with app.app_context(), pinned_version():
                source.open_file()[0].close()
        except Exception:
            app.logger.exception("building the feed %s in the background failed", source.feed)
        finally:
            with _background_lock:
                running.discard(source.feed)

    threading.Thread(target=run, name="feed-build", daemon=True).start()


def user_by_calendar_token(token: str) -> User | None:
    """The active user whose personal feed token is `token` (compared in constant time)."""
    if not TOKEN_PATTERN.fullmatch(token):
        return None
    user = db.session.scalar(select(User).where(User.calendar_token == token))
    if user is None or not hmac.compare_digest(user.calendar_token.encode(), token.encode()):
        return None
    if not user.active:
        return None
    return user


def personal_feed_source(token: str) -> FeedSource | None:
    """The sessions the token's owner registered for; None for an unknown or old token."""
    user = user_by_calendar_token(token)
    if user is None:
        return None
    conditions = [
        Registration.user_id == user.id,
        Registration.status.in_(FEED_REGISTRATION_STATUSES),
        Meeting.ends_at >= _window_start(),
        visible_clause(Meeting, user),
    ]
    row = db.session.execute(
        select(
            func.count(distinct(Registration.id)),
            func.max(Registration.updated_at),
            func.max(Meeting.updated_at),
            select(func.max(Registration.updated_at))
            .where(Registration.user_id == user.id)
            .correlate(None)
            .scalar_subquery(),
            _latest_of(Theme.updated_at),
            *_theme_link_aggregates(),
        )
        .select_from(Registration)
        .join(Registration.meeting)
        .outerjoin(meeting_themes, meeting_themes.c.meeting_id == Meeting.id)
        .where(*conditions)
    ).one()
    count, reg_latest, meeting_latest, any_reg_latest, theme_latest, links_count, links_sum = row
    fingerprint = (
        # What the owner may see depends on their role in each network.
        user.role,
        tuple(sorted(network_roles(user).items())),
        count,
        reg_latest,
        meeting_latest,
        theme_latest,
        links_count,
        links_sum,
    )
    feed = ("personal", user.id)
    last_modified = _remembered_last_modified(
        feed, fingerprint, _latest(reg_latest, meeting_latest, any_reg_latest, theme_latest)
    )
    user_id = user.id

    def build() -> bytes:
        current = db.session.get(User, user_id)
        rows = db.session.execute(
            select(
                Registration.meeting_id,
                Registration.status,
                Registration.sequence,
                Registration.updated_at,
            )
            .join(Registration.meeting)
            .where(
                Registration.user_id == user_id,
                Registration.status.in_(FEED_REGISTRATION_STATUSES),
                Meeting.ends_at >= _window_start(),
                visible_clause(Meeting, current),
            )
        ).all()
        statuses: dict[int, str] = {row.meeting_id: row.status for row in rows}
        own = {row.meeting_id: (row.sequence or 0, row.updated_at) for row in rows}
        meetings = _meetings([Meeting.id.in_(list(statuses))]) if statuses else []
        # The member's SEQUENCE and LAST-MODIFIED: the ones their invitations carried.
        revisions = {m.id: ((m.sequence or 0) + own[m.id][0], own[m.id][1]) for m in meetings}
        # The online link: confirmed places, and the sessions of networks they coordinate.
        coordinated = coordinated_networks(current)
        online = {i for i, s in statuses.items() if s == "confirmed"} | {
            m.id for m in meetings if m.network_id in coordinated
        }
        return ics.build_feed(
            meetings,
            name="Mijn sessies – Lerend netwerk duaal leren",
            description="De sessies waarvoor je ingeschreven bent of op de wachtlijst staat.",
            personal_statuses=statuses,
            personal_revisions=revisions,
            include_online=online,
        )

    return FeedSource(
        feed=feed,
        fingerprint=fingerprint,
        last_modified=last_modified,
        filename="mijn-sessies.ics",
        private=True,
        build=build,
    )


def _own_registration(user: Any, meeting_id: int) -> Any:
    """(status, sequence, updated_at) of the user's registration for a session, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.execute(
        select(Registration.status, Registration.sequence, Registration.updated_at).where(
            Registration.meeting_id == meeting_id, Registration.user_id == user.id
        )
    ).one_or_none()


def registration_status(user: Any, meeting_id: int) -> str | None:
    """The user's registration status for a session, or None."""
    own = _own_registration(user, meeting_id)
    return own.status if own is not None else None


def session_feed_source(slug: str, user: Any) -> FeedSource | None:
    """One session as `user` may see it; None when it does not exist or is hidden."""
    if not is_slug(slug):
        return None
    meeting = db.session.scalar(
        select(Meeting).where(Meeting.slug == slug).options(selectinload(Meeting.themes))
    )
    if meeting is None or not can_see(user, meeting):
        return None
    own = _own_registration(user, meeting.id)
    status = own.status if own is not None else None
    revision = None
    if status not in FEED_REGISTRATION_STATUSES:
        status = None
    else:
        revision = ((meeting.sequence or 0) + (own.sequence or 0), own.updated_at)
    online = may_see_online_link(user, status, meeting)
    themes = tuple((theme.id, theme.title, theme.updated_at) for theme in meeting.themes)
    fingerprint = (meeting.updated_at, meeting.sequence, status, revision, online, themes)
    feed = ("session", meeting.id, status, online)
    last_modified = _remembered_last_modified(
        feed, fingerprint, _latest(meeting.updated_at, *(t.updated_at for t in meeting.themes))
    )

    def build() -> bytes:
        return ics.build_feed(
            [meeting],
            name=meeting.title,
            personal_statuses={meeting.id: status} if status else None,
            personal_revisions={meeting.id: revision} if revision else None,
            include_online=online,
        )

    return FeedSource(
        feed=feed,
        fingerprint=fingerprint,
        last_modified=last_modified,
        filename=f"{meeting.slug}.ics",
        # What is in it depends on who asks (online link, waiting list): never shared.
        private=True,
        build=build,
    )
