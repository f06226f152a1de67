"""iCalendar (RFC 5545) from sessions: pure functions from meetings to bytes.

Nothing here queries the database or looks at a request; callers pass the meetings
(with `themes` loaded) and what the reader may see. Settings that are not given are
read from the app config (`SITE_URL`, `FEED_REFRESH_MINUTES`, `MAIL_DEFAULT_SENDER`).

- `build_feed(meetings, *, name, personal_statuses=None, include_online=False, ...)`
  -> bytes: a subscribable `METHOD:PUBLISH` calendar with one `VEVENT` per meeting and
  one `VTIMEZONE` for Europe/Brussels (yearly rules, see calendar.vtimezone).
  `personal_statuses` maps meeting id -> registration status: "waitlisted" becomes
  `STATUS:TENTATIVE`; `personal_revisions` maps meeting id -> (the member's SEQUENCE,
  the registration's last change). `include_online` is True, False, or a collection
  of meeting ids whose online link the reader may see.
- `build_event(meeting, *, registration_status=None, include_online=False, ...)`
  -> `icalendar.Event`: one session.
- `build_invite(meeting, method="REQUEST" | "CANCEL", attendee, ...)` -> bytes: an
  iTIP (RFC 5546) message for one member, sent inline in the mail (see
  mail.sender.build_message). It carries the same `UID` as the feeds, so a calendar
  that has the event updates it (REQUEST) or removes it (CANCEL) instead of adding a
  copy. `attendee` is an e-mail address or an object with `email` (and `name`).
- `event_uid(meeting)` -> the UID stored with the session (assigned once, exported and
  imported): it never changes with the title, the slug, the row id or SITE_URL.

Times are written as local time with `TZID=Europe/Brussels`; `icalendar` folds lines
at 75 octets and ends them with CRLF.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from typing import Any

from flask import current_app
from icalendar import Calendar, Conference, Event, Timezone, vCalAddress, vDuration, vText

from lerend_netwerk.calendar import links
from lerend_netwerk.calendar.vtimezone import vtimezone
from lerend_netwerk.markdown import markdown_to_text
from lerend_netwerk.timeutil import BRUSSELS

TZID = "Europe/Brussels"
PRODID = "-//Lerend netwerk duaal leren//Agenda//NL"
METHODS = ("PUBLISH", "REQUEST", "CANCEL")


def event_uid(meeting: Any) -> str:
    """The session's stored UID: assigned once, it survives moves, renames and new hosts."""
    return meeting.uid


def _event_status(meeting: Any, registration_status: str | None) -> str:
    if meeting.status == "cancelled":
        return "CANCELLED"
    if registration_status == "waitlisted":
        return "TENTATIVE"
    return "CONFIRMED"


# In every invitation: how to give up the place, with or without answers being read.
HOW_TO_CANCEL = (
    "Kun je toch niet komen? Schrijf je uit op de pagina van de sessie: een antwoord"
    " vanuit je agenda (zoals 'Weigeren') bereikt ons niet."
)
HOW_TO_CANCEL_WITH_REPLIES = (
    "Kun je toch niet komen? Weiger de uitnodiging in je agenda of schrijf je uit op de"
    " pagina van de sessie, zodat iemand van de wachtlijst je plaats krijgt."
)


def _description(
    meeting: Any, url: str, registration_status: str | None, online: bool, itip: str | None
) -> str:
    parts = []
    if meeting.status == "cancelled":
        parts.append("Deze sessie is geannuleerd.")
    elif registration_status == "waitlisted":
        parts.append("Je staat op de wachtlijst voor deze sessie.")
    # Remembered within the Markdown cache's budget: most of an event's cost.
    text = markdown_to_text(meeting.body or "", keep_links=True)
    if text:
        parts.append(text)
    if online:
        parts.append(f"Online deelnemen: {meeting.online_url}")
    elif meeting.online_url and registration_status == "waitlisted":
        parts.append("Online deelnemen: de link krijg je zodra je een plaats hebt.")
    parts.append(f"Meer informatie: {url}")
    if itip and meeting.status != "cancelled":
        parts.append(itip)
    return "\n\n".join(parts)


def build_event(
    meeting: Any,
    *,
    registration_status: str | None = None,
    include_online: bool = False,
    site_url: str | None = None,
    stamp: datetime | None = None,
    sequence: int | None = None,
    last_modified: datetime | None = None,
    itip: str | None = None,
) -> Event:
    """One VEVENT for `meeting`; the online link only with include_online=True.

    `sequence` and `last_modified` default to the session's; a member's own feed and
    invitations pass their own (see Registration.itip_sequence). `itip`: a closing line
    for the description of an invitation.
    """
    url = links.session_url(meeting, site_url)
    online = bool(include_online and meeting.online_url)
    event = Event()
    event.add("uid", event_uid(meeting))
    event.add("dtstamp", (stamp or datetime.now(UTC)).astimezone(UTC))
    modified = max(meeting.updated_at, last_modified or meeting.updated_at)
    event.add("last-modified", modified.astimezone(UTC))
    event.add("sequence", meeting.sequence or 0 if sequence is None else sequence)
    event.add("dtstart", meeting.starts_at.astimezone(BRUSSELS))
    event.add("dtend", meeting.ends_at.astimezone(BRUSSELS))
    summary = meeting.title
    if meeting.status == "cancelled":
        summary = f"Geannuleerd: {summary}"
    event.add("summary", summary)
    event.add("description", _description(meeting, url, registration_status, online, itip))
    if meeting.location:
        event.add("location", meeting.location)
    elif online:
        event.add("location", meeting.online_url)
    elif meeting.online_url:
        event.add("location", "Online")
    event.add("url", url)
    event.add("categories", [meeting.kind_label, *(theme.title for theme in meeting.themes)])
    event.add("status", _event_status(meeting, registration_status))
    event.add("transp", "TRANSPARENT" if meeting.status == "cancelled" else "OPAQUE")
    if online:
        event.conferences = [Conference(meeting.online_url, feature="VIDEO", label="Online")]
    return event


def vtimezone_for(meetings: Iterable[Any] = ()) -> Timezone:
    """The VTIMEZONE for Brussels: yearly rules from the tz database's current rule.

    Rules rather than dates cover every meeting, however many years ahead, in every
    client (see calendar.vtimezone); `meetings` is accepted for the callers' sake.
    """
    return vtimezone(TZID, datetime.now(BRUSSELS).year)


def _calendar(method: str) -> Calendar:
    if method not in METHODS:
        raise ValueError(f"unknown iTIP method {method!r}; use one of {', '.join(METHODS)}")
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    return calendar


def _online_for(include_online: bool | Collection[int], meeting_id: int) -> bool:
    if isinstance(include_online, bool):
        return include_online
    return meeting_id in include_online


def _feed_calendar(
    name: str, description: str | None, refresh_minutes: int, meetings: Iterable[Any] = ()
) -> Calendar:
    calendar = _calendar("PUBLISH")
    calendar.add("name", vText(name))
    calendar.add("x-wr-calname", vText(name))
    if description:
        calendar.add("x-wr-caldesc", vText(description))
    calendar.add("x-wr-timezone", TZID)
    refresh = timedelta(minutes=refresh_minutes)
    calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(refresh))
    calendar.add_component(vtimezone_for(meetings))
    return calendar


FEED_END = b"END:VCALENDAR\r\n"


def feed_envelope(*, name: str, description: str | None = None) -> tuple[bytes, bytes]:
    """A feed without its events, cut where they go: (head, end).

    head + the serialised VEVENTs + end is what `build_feed` makes of the same events:
    a feed can be put together from events serialised one at a time (and cached).
    """
    refresh_minutes = int(current_app.config["FEED_REFRESH_MINUTES"])
    whole = _feed_calendar(name, description, refresh_minutes).to_ical()
    if not whole.endswith(FEED_END):
        raise ValueError("unexpected end of a serialised calendar")
    return whole[: -len(FEED_END)], FEED_END


def event_bytes(meeting: Any, *, site_url: str, stamp: datetime | None = None) -> bytes:
    """One public VEVENT, serialised as inside a feed (no online link)."""
    return build_event(meeting, site_url=site_url, stamp=stamp).to_ical()


def build_feed(
    meetings: Iterable[Any],
    *,
    name: str,
    personal_statuses: Mapping[int, str] | None = None,
    personal_revisions: Mapping[int, tuple[int, datetime]] | None = None,
    include_online: bool | Collection[int] = False,
    description: str | None = None,
    site_url: str | None = None,
    refresh_minutes: int | None = None,
    stamp: datetime | None = None,
) -> bytes:
    """A METHOD:PUBLISH calendar of `meetings`, serialised (CRLF, folded at 75 octets)."""
    meetings = list(meetings)
    if refresh_minutes is None:
        refresh_minutes = int(current_app.config["FEED_REFRESH_MINUTES"])
    if site_url is None:
        site_url = links.site_url()
    stamp = stamp or datetime.now(UTC)
    statuses = personal_statuses or {}
    revisions = personal_revisions or {}

    calendar = _feed_calendar(name, description, refresh_minutes, meetings)
    for meeting in meetings:
        sequence, modified = revisions.get(meeting.id, (None, None))
        calendar.add_component(
            build_event(
                meeting,
                registration_status=statuses.get(meeting.id),
                include_online=_online_for(include_online, meeting.id),
                site_url=site_url,
                stamp=stamp,
                sequence=sequence,
                last_modified=modified,
            )
        )
    return calendar.to_ical()


def _address(who: Any) -> vCalAddress:
    if isinstance(who, str):
        name, email = parseaddr(who)
    else:
        name, email = getattr(who, "name", "") or "", who.email
    if not email or "@" not in email:
        raise ValueError(f"not an e-mail address: {who!r}")
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["CN"] = name
    return address


def build_invite(
    meeting: Any,
    method: str = "REQUEST",
    attendee: Any = None,
    *,
    registration_status: str | None = None,
    organizer: str | None = None,
    include_online: bool | None = None,
    site_url: str | None = None,
    stamp: datetime | None = None,
    sequence: int | None = None,
    last_modified: datetime | None = None,
    rsvp: bool = False,
) -> bytes:
    """An iTIP REQUEST (add or update) or CANCEL message for one session and one member.

    Every message carries ORGANIZER and the member as ATTENDEE (RFC 5546). With
    registration_status "waitlisted" the event is TENTATIVE and the attendee's PARTSTAT
    too. The online link follows visibility.may_see_online_link unless include_online
    says otherwise. `sequence` is the member's (Registration.itip_sequence), so that
    each message is ordered after the previous one to the same member.

    With rsvp=False (answers are not read) the description says to cancel on the site;
    with rsvp=True the `organizer` must be an address whose replies the platform reads
    (mail.replies).
    """
    method = method.upper()
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError("an invite's method is REQUEST or CANCEL")
    if attendee is None:
        raise ValueError("an invite needs its attendee (RFC 5546)")
    calendar = _calendar(method)
    calendar.add_component(vtimezone_for([meeting]))
    waitlisted = registration_status == "waitlisted"
    if include_online is None:
        include_online = registration_status == "confirmed"
    event = build_event(
        meeting,
        registration_status=registration_status,
        include_online=include_online,
        site_url=site_url,
        stamp=stamp,
        sequence=sequence,
        last_modified=last_modified,
        itip=None
        if method != "REQUEST"
        else (HOW_TO_CANCEL_WITH_REPLIES if rsvp else HOW_TO_CANCEL),
    )
    if method == "CANCEL":
        event.pop("STATUS")
        event.add("status", "CANCELLED")
    event.add("organizer", _address(organizer or current_app.config["MAIL_DEFAULT_SENDER"]))
    address = _address(attendee)
    address.params["ROLE"] = "REQ-PARTICIPANT"
    if method == "REQUEST":
        # The member registered on the site: the seat is already accepted, or
        # tentative while on the waiting list.
        address.params["PARTSTAT"] = "TENTATIVE" if waitlisted else "ACCEPTED"
    address.params["RSVP"] = "TRUE" if rsvp and method == "REQUEST" else "FALSE"
    event.add("attendee", address)
    calendar.add_component(event)
    return calendar.to_ical()
