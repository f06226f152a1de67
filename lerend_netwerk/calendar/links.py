"""Absolute URLs of sessions and feeds, and "add to calendar" links for web calendars.

Feeds and mails are read outside any request, so absolute URLs are built from the
`SITE_URL` setting, never from the host of the request that happened to build them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from flask import current_app

from lerend_netwerk.markdown import markdown_to_text

# Web calendars put `details` in a URL: keep it well under the URL length browsers accept.
MAX_DETAILS_CHARS = 600
# The contract's slugs: lowercase letters, digits and "-". Anything else is not looked up.
SLUG_RE = re.compile(r"[a-z0-9-]{1,120}")


def is_slug(value: str | None) -> bool:
    """Whether `value` can be a slug at all (so that it is worth a query)."""
    return bool(value) and SLUG_RE.fullmatch(value) is not None


def site_url(base: str | None = None) -> str:
    """The site's absolute base URL without a trailing slash (config SITE_URL)."""
    return (base or current_app.config["SITE_URL"]).rstrip("/")


def session_url(slug: str, base: str | None = None) -> str:
    """Absolute URL of a session's page."""
    return f"{site_url(base)}/sessies/{quote(slug)}"


def session_ics_url(slug: str, base: str | None = None) -> str:
    """Absolute URL of a session's .ics file."""
    return f"{site_url(base)}/sessies/{quote(slug)}.ics"


def personal_feed_url(token: str, base: str | None = None) -> str:
    """Absolute http(s) URL of a member's personal feed."""
    return f"{site_url(base)}/agenda/persoonlijk/{quote(token)}.ics"


def webcal_url(url: str) -> str:
    """The same feed with the webcal:// scheme, which opens the subscribe dialog."""
    parts = urlsplit(url)
    return "webcal://" + url[len(parts.scheme) + 3 :] if parts.scheme else url


def _details(meeting: Any, base: str | None) -> str:
    text = markdown_to_text(meeting.body)
    if len(text) > MAX_DETAILS_CHARS:
        text = text[:MAX_DETAILS_CHARS].rsplit(" ", 1)[0] + " …"
    link = session_url(meeting.slug, base)
    return f"{text}\n\n{link}" if text else link


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def google_calendar_url(meeting: Any, base: str | None = None) -> str:
    """A link that opens Google Calendar's "new event" form filled in with the session."""
    fmt = "%Y%m%dT%H%M%SZ"
    dates = f"{_utc(meeting.starts_at).strftime(fmt)}/{_utc(meeting.ends_at).strftime(fmt)}"
    query = {
        "action": "TEMPLATE",
        "text": meeting.title,
        "dates": dates,
        "details": _details(meeting, base),
        "location": meeting.location or "",
        "ctz": "Europe/Brussels",
    }
    return "https://calendar.google.com/calendar/render?" + urlencode(query, quote_via=quote)


def outlook_calendar_url(meeting: Any, base: str | None = None, *, office: bool = False) -> str:
    """A link to Outlook.com's (or, with office=True, Microsoft 365's) new-event form."""
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": meeting.title,
        "startdt": _utc(meeting.starts_at).strftime(fmt),
        "enddt": _utc(meeting.ends_at).strftime(fmt),
        "body": _details(meeting, base),
        "location": meeting.location or "",
    }
    host = "outlook.office.com" if office else "outlook.live.com"
    return f"https://{host}/calendar/0/deeplink/compose?" + urlencode(query, quote_via=quote)
