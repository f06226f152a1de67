"""Sessions as a content type: everything the central modules need to know of them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lerend_netwerk.agenda.api import SESSIONS_API
from lerend_netwerk.agenda.indicators import SESSION_FIGURES, first_year, session_indicators
from lerend_netwerk.agenda.models import MEETING_KINDS, MEETING_STATUSES, Meeting, Registration
from lerend_netwerk.content_io import schema
from lerend_netwerk.content_io.document import Problem
from lerend_netwerk.content_io.schema import Field, Kind
from lerend_netwerk.core.content_types import ContentType, SearchIndexing, document_files
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.markdown import markdown_to_text
from lerend_netwerk.proeftuinen.models import Proeftuin
from lerend_netwerk.search.documents import (
    SearchDocument,
    audiences_of,
    document_of,
    ids_with,
    related_by,
    theme_titles,
)
from lerend_netwerk.signals import meeting_changed
from lerend_netwerk.themes.models import Theme
from lerend_netwerk.visibility import VISIBILITIES, can_coordinate, visible_clause

# A session's verslag is a document of its own (key "session_report:<id>", shown as a
# session): its audience may be narrower than the session's.
SESSION_REPORT = "session_report"


# --- search -----------------------------------------------------------------------------


def build_meeting(meeting: Meeting) -> SearchDocument:
    """A session (its verslag is a document of its own: build_session_report)."""
    host = meeting.host
    return document_of(
        meeting,
        "session",
        markdown_to_text(meeting.body),
        keywords=[
            meeting.kind_label,
            meeting.location,
            host.title if host else None,
            *theme_titles(meeting.themes),
        ],
        themes=meeting.themes,
        level=host.level if host else None,
    )


def build_session_report(meeting: Meeting) -> SearchDocument | None:
    """A session's verslag, for the members (or, when it is public, whoever sees the
    session); None while there is none to read."""
    if not meeting.report or meeting.is_cancelled:
        return None
    audiences = audiences_of(meeting)
    if not meeting.report_is_public:
        audiences = tuple(name for name in audiences if name != "public")
    if meeting.report_visibility == "network":
        # Only the session's own network: its members, its coordinators, admins.
        own = (f"network:{meeting.network_id}", f"coordinator:{meeting.network_id}")
        audiences = tuple(
            dict.fromkeys(
                [name for name in audiences if name not in ("member", "coordinator")] + list(own)
            )
        )
    host = meeting.host
    return document_of(
        meeting,
        "session",
        markdown_to_text(meeting.report),
        keywords=[meeting.kind_label, host.title if host else None],
        themes=meeting.themes,
        level=host.level if host else None,
        key_type=SESSION_REPORT,
        anchor="verslag",
        title=f"Verslag: {meeting.title}",
        audiences=audiences,
    )


def _load_options() -> list[Any]:
    return [selectinload(Meeting.themes), selectinload(Meeting.host)]


# A session and its verslag show the titles of its themes and its host.
_related = related_by(
    ("session", SESSION_REPORT),
    {
        Theme: ids_with(Meeting.themes),
        Proeftuin: ids_with(Meeting.host_id),
    },
)


def _count_reports(session: Any) -> int:
    reports = select(func.count()).where(Meeting.report != "", Meeting.status != "cancelled")
    return session.scalar(reports) or 0


def _details(hits: list[Any]) -> dict[str, str]:
    from lerend_netwerk.timeutil import nl_date_short, nl_time

    slugs = [hit.slug for hit in hits if hit.type == "session"]
    details: dict[str, str] = {}
    if slugs:
        for meeting in db.session.scalars(select(Meeting).where(Meeting.slug.in_(slugs))):
            place = meeting.location or ("Online" if meeting.online_url else "")
            when = f"{nl_date_short(meeting.starts_at)}, {nl_time(meeting.starts_at)}"
            cancelled = " · geannuleerd" if meeting.is_cancelled else ""
            details["/sessies/" + meeting.slug] = (
                " · ".join(filter(None, [when, place])) + cancelled
            )
    return details


# --- content import ---------------------------------------------------------------------

# A change of these is an update for calendars: SEQUENCE grows, registrants hear of it.
_SCHEDULE_KEYS = ("title", "starts", "ends", "location", "online_url", "status")


def complete_calendar_identity(entries: list[Any], existing: dict[str, Any]) -> list[Problem]:
    """Fill in each session's `uid` and `sequence` and report UIDs used twice.

    Without `uid` an existing session keeps its own and a new one gets a new UID; the
    SEQUENCE is the larger of the file's and the database's, so calendars never see it
    go down.
    """
    from lerend_netwerk.agenda.models import new_event_uid

    final = {slug: obj.uid for slug, obj in existing.items()}
    imported: dict[str, Any] = {}
    for entry in entries:
        if entry.parsed is None or entry.parsed.problems:
            continue
        record = entry.parsed.record
        obj = existing.get(entry.slug)
        if not record.get("uid"):
            record["uid"] = obj.uid if obj is not None else new_event_uid()
        if obj is not None:
            record["sequence"] = max(record.get("sequence") or 0, obj.sequence or 0)
        final[entry.slug] = record["uid"]
        imported[entry.slug] = entry
    slugs_of: dict[str, list[str]] = {}
    for slug, uid in final.items():
        slugs_of.setdefault(uid, []).append(slug)
    problems: list[Problem] = []
    for uid, slugs in slugs_of.items():
        if len(slugs) < 2:
            continue
        for slug in slugs:
            if slug in imported:
                others = ", ".join(repr(other) for other in sorted(slugs) if other != slug)
                message = f"uid {uid!r} is also the uid of session {others}"
                problems.append(Problem(imported[slug].display, 1, message))
    return problems


def _after_update(obj: Meeting, before: dict[str, Any], record: dict[str, Any]) -> list[Any]:
    """A new schedule raises SEQUENCE and tells the registrants, once flushed."""
    if not any(before[k] != record[k] for k in _SCHEDULE_KEYS):
        return []
    obj.sequence = max(obj.sequence or 0, (before["sequence"] or 0) + 1)
    newly_cancelled = record["status"] == "cancelled" != before["status"]
    reinstated = before["status"] == "cancelled" != record["status"]
    if newly_cancelled:
        change = "cancelled"
    elif record["status"] != "cancelled":
        change = "reinstated" if reinstated else "rescheduled"
    else:
        return []
    return [lambda: meeting_changed.send(obj, change=change)]


KIND = Kind(
    "sessions",
    "session",
    Meeting,
    (
        Field("title", schema.TEXT, required=True),
        Field("kind", schema.CHOICE, required=True, choices=MEETING_KINDS),
        Field("starts", schema.DATETIME, required=True, attr="starts_at"),
        Field("ends", schema.DATETIME, required=True, attr="ends_at"),
        schema.network_field(),
        Field("location", schema.TEXT),
        Field("online_url", schema.TEXT, url=True),
        # The session form's limit too.
        Field("capacity", schema.INT, maximum=10_000),
        Field("registration_deadline", schema.DATETIME),
        schema.themes_field(),
        Field("host", schema.REF, ref="proeftuinen"),
        schema.status_field("scheduled", MEETING_STATUSES),
        schema.visibility_field(),
        # Beyond the contract's table: the verslag written after the session.
        Field("report", schema.TEXT, default="", multiline=True),
        # The calendar identity (contract "Additions"): absent on import, an existing
        # session keeps its own and a new one gets a new UID; SEQUENCE never goes down.
        Field("uid", schema.TEXT),
        Field("sequence", schema.INT, default=0),
        # "Open voor externen": people without an account may register (contract).
        Field("guests", schema.BOOL, default=False, attr="open_to_guests"),
        # Who reads the verslag: the network's members, or everybody.
        Field("report_visibility", schema.CHOICE, default="members", choices=VISIBILITIES),
        schema.published_field(),
    ),
    ordered=(("starts", "ends"),),
    complete=complete_calendar_identity,
    after_update=_after_update,
)


# --- digest, themes, accounts -----------------------------------------------------------


def _digest(window: Any) -> dict[str, list[Any]]:
    """The sessions of the coming weeks."""
    return {
        "meetings": list(
            db.session.scalars(
                select(Meeting)
                .where(
                    visible_clause(Meeting, window.user),
                    Meeting.status == "scheduled",
                    Meeting.starts_at >= window.now,
                    Meeting.starts_at < window.now + window.upcoming,
                )
                .order_by(Meeting.starts_at, Meeting.id)
            )
        )
    }


def _theme_listing(theme: Theme, user: Any) -> dict[str, list[Any]]:
    from lerend_netwerk.agenda.service import sessions_before_and_after_now

    upcoming, past = sessions_before_and_after_now(
        Meeting.themes.any(Theme.id == theme.id), user, past_limit=5
    )
    return {"upcoming": upcoming, "past": past}


def _hosted_sessions(ids: list[int], user: Any, past_limit: int | None) -> dict[str, list[Any]]:
    from lerend_netwerk.agenda.service import sessions_before_and_after_now

    upcoming, past = sessions_before_and_after_now(
        Meeting.host_id.in_(ids), user, past_limit=past_limit
    )
    return {"upcoming_sessions": upcoming, "past_sessions": past}


def _registrations_of(user: Any) -> list[Any]:
    from lerend_netwerk.agenda.service import registrations_of

    return registrations_of(user)


def _related_sessions(ids: list[int], user: Any, exclude: Any, limit: int) -> list[Any]:
    others = [Meeting.id != exclude.id] if isinstance(exclude, Meeting) else []
    return list(
        db.session.scalars(
            select(Meeting)
            .where(
                Meeting.themes.any(Theme.id.in_(ids)),
                Meeting.ends_at >= utcnow(),
                Meeting.status != "cancelled",
                visible_clause(Meeting, user),
                *others,
            )
            .order_by(Meeting.starts_at, Meeting.id)
            .limit(limit)
        )
    )


def _delete_account(user: Any) -> None:
    """Registrations go with the account; the waiting list moves up."""
    from lerend_netwerk.agenda.registrations import promote_waitlist

    registrations = db.session.scalars(
        select(Registration).where(Registration.user_id == user.id)
    ).all()
    freed = {r.meeting for r in registrations if r.status == "confirmed"}
    for registration in registrations:
        db.session.delete(registration)
    db.session.flush()
    for meeting in freed:
        promote_waitlist(meeting)


def _personal_data(user: Any) -> dict[str, Any]:
    registrations = db.session.scalars(
        select(Registration).where(Registration.user_id == user.id)
    ).all()
    return {
        "registrations": [
            {
                "session": r.meeting.slug,
                "title": r.meeting.title,
                "status": r.status,
                "remark": r.remark,
                "registered_at": r.registered_at.isoformat() if r.registered_at else None,
                "checked_in_at": r.checked_in_at.isoformat() if r.checked_in_at else None,
            }
            for r in registrations
        ]
    }


# Files on a session (programme, slides, the verslag's annexes): seen by whoever sees the
# session, managed by the coordinators.
ATTACHMENTS = document_files(Meeting, "session", can_coordinate)


MEETING = ContentType(
    name="session",
    model=Meeting,
    endpoint="agenda.detail",
    menu=("agenda.index", "Agenda"),
    api=SESSIONS_API,
    search=(
        SearchIndexing(
            "session",
            build_meeting,
            model=Meeting,
            label="Sessie",
            names=("sessie", "sessies", "bijeenkomst", "bijeenkomsten"),
            load_options=_load_options,
            watches=(Theme, Proeftuin),
            related=_related,
            details=_details,
        ),
        SearchIndexing(
            SESSION_REPORT,
            build_session_report,
            model=Meeting,
            load_options=_load_options,
            count=_count_reports,
        ),
    ),
    content=KIND,
    digest=_digest,
    delete_account=_delete_account,
    personal_data=_personal_data,
    indicators=session_indicators,
    figures=SESSION_FIGURES,
    oldest_year=first_year,
    theme_listing=_theme_listing,
    theme_related={"sessions": _related_sessions},
    proeftuin_listing=_hosted_sessions,
    account_listing=lambda user: {"registrations": _registrations_of(user)},
    attachments=ATTACHMENTS,
)
