"""Absolute URLs of sessions and feeds, and "add to calendar" links for web calendars.

Feeds and mails are read outside any request, so absolute URLs are built from the
`SITE_URL` setting, never from the host of the request that happened to build them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from flask import current_app

from lerend_netwerk.core.templating import site_path
from lerend_netwerk.markdown import markdown_to_text

# Web calendars put `details` in a URL: keep it well under the URL length browsers accept.
MAX_DETAILS_CHARS = 600


def site_url(base: str | None = None) -> str:
    """The site's absolute base URL without a trailing slash (config SITE_URL)."""
    return (base or current_app.config["SITE_URL"]).rstrip("/")


def _slug_and_network(meeting: Any) -> tuple[str, str | None]:
    """A session's slug and the `network` URL value of its network (None: the default)."""
    if isinstance(meeting, str):
        return meeting, None
    from lerend_netwerk.networks.context import url_network

    return meeting.slug, url_network(meeting)


def session_url(meeting: Any, base: str | None = None) -> str:
    """Absolute URL of a session's page, under its own network (a slug: the default URL,
    which redirects to it)."""
    slug, network = _slug_and_network(meeting)
    return site_url(base) + site_path("agenda.detail", slug=slug, network=network)


def session_ics_url(meeting: Any, base: str | None = None) -> str:
    """Absolute URL of a session's .ics file."""
    slug, network = _slug_and_network(meeting)
    return site_url(base) + site_path("calendar.session_feed", slug=slug, network=network)


def personal_feed_url(token: str, base: str | None = None) -> str:
    """Absolute http(s) URL of a member's personal feed."""
    return site_url(base) + site_path("calendar.personal_feed", token=token)


def webcal_url(url: str) -> str:
    """The same feed with the webcal:// scheme, which opens the subscribe dialog."""
    parts = urlsplit(url)
    return "webcal://" + url[len(parts.scheme) + 3 :] if parts.scheme else url


def _details(meeting: Any, base: str | None, online: bool) -> str:
    # Link addresses stay in the text: a web calendar shows the details as plain text.
    text = markdown_to_text(meeting.body, keep_links=True)
    if len(text) > MAX_DETAILS_CHARS:
        text = text[:MAX_DETAILS_CHARS].rsplit(" ", 1)[0] + " …"
    parts = [text] if text else []
    if online and meeting.online_url:
        parts.append(f"Online deelnemen: {meeting.online_url}")
    parts.append(session_url(meeting, base))
    return "\n\n".join(parts)


def _location(meeting: Any, online: bool) -> str:
    """The place; for an online session its link, or "Online" for who may not see it."""
    if meeting.location:
        return meeting.location
    if meeting.online_url:
        return meeting.online_url if online else "Online"
    return ""


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def google_calendar_url(meeting: Any, base: str | None = None, *, online: bool = False) -> str:
    """A link that opens Google Calendar's "new event" form filled in with the session.

    With online=True (visibility.may_see_online_link) the online link is in the details,
    and the location of a session without a place.
    """
    fmt = "%Y%m%dT%H%M%SZ"
    dates = f"{_utc(meeting.starts_at).strftime(fmt)}/{_utc(meeting.ends_at).strftime(fmt)}"
    query = {
        "action": "TEMPLATE",
        "text": meeting.title,
        "dates": dates,
        "details": _details(meeting, base, online),
        "location": _location(meeting, online),
        "ctz": "Europe/Brussels",
    }
    return "https://calendar.google.com/calendar/render?" + urlencode(query, quote_via=quote)


def outlook_calendar_url(
    meeting: Any, base: str | None = None, *, office: bool = False, online: bool = False
) -> str:
    """A link to Outlook.com's (or, with office=True, Microsoft 365's) new-event form."""
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": meeting.title,
        "startdt": _utc(meeting.starts_at).strftime(fmt),
        "enddt": _utc(meeting.ends_at).strftime(fmt),
        "body": _details(meeting, base, online),
        "location": _location(meeting, online),
    }
    host = "outlook.office.com" if office else "outlook.live.com"
    return f"https://{host}/calendar/0/deeplink/compose?" + urlencode(query, quote_via=quote)
