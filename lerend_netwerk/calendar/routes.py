"""Calendar feeds (RFC 5545), the personal feed link, and "add to calendar" links."""

from __future__ import annotations

import time
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.http import is_resource_modified

from lerend_netwerk.access import member_required
from lerend_netwerk.auth.service import renew_calendar_token
from lerend_netwerk.calendar import links, service
from lerend_netwerk.calendar.forms import RenewTokenForm
from lerend_netwerk.core.pagecache import same_for_every_cookie
from lerend_netwerk.core.pagefront import current_while, file_body, serve_file_while
from lerend_netwerk.extensions import db
from lerend_netwerk.networks.context import list_scope

bp = Blueprint("calendar", __name__, template_folder="templates")

CONTENT_TYPE = "text/calendar; charset=utf-8"
PUBLIC_MAX_AGE = 300


def feed_response(source: service.FeedSource | None, *, download: bool = False) -> Response:
    """The feed with ETag and Last-Modified, or 304 when the client's copy is current.

    Gzip-compressed when the client accepts it. The entity tag is weak, so the plain
    and the compressed body share it and a 304 is right for either.
    """
    if source is None:
        abort(404)
    modified = is_resource_modified(
        request.environ, etag=source.etag, last_modified=source.last_modified
    )
    if modified:
        compress = request.accept_encodings["gzip"] > 0
        deadline = time.monotonic() + service.FEED_BUILD_BUDGET_SECONDS
        try:
            if source.incremental:
                response = _file_response(source, deadline, compress)
                if response.status_code == 503:
                    return response
            else:
                body = source.gzipped_body() if compress else source.body()
                response = current_app.response_class(body, content_type=CONTENT_TYPE)
        except service.FeedNotReady:
            # Never past the worker's timeout: the rest is built in the background and
            # the client asks again (its calendar keeps its copy meanwhile).
            service.finish_in_background(source)
            return _try_again_later("De agenda wordt bijgewerkt; probeer het zo opnieuw.", 10)
        if compress:
            response.content_encoding = "gzip"
        disposition = "attachment" if download else "inline"
        response.headers.set("Content-Disposition", disposition, filename=source.filename)
    else:
        response = current_app.response_class(status=304)
    response.vary.add("Accept-Encoding")
    response.set_etag(source.etag, weak=True)
    response.last_modified = source.last_modified
    if source.private:
        response.cache_control.private = True
        response.cache_control.no_cache = True
        response.vary.add("Cookie")
    else:
        response.cache_control.public = True
        response.cache_control.max_age = PUBLIC_MAX_AGE
        # No reader, signed in or not, changes it: one shared copy, not one per cookie.
        same_for_every_cookie()
        if source.current_while_version_and_day:
            version, day = source.fingerprint
            current_while(version, day)
    return response


def _try_again_later(message: str, seconds: int) -> Response:
    """503 with Retry-After: the calendar keeps its copy and asks again."""
    response = current_app.response_class(
        f"{message}\n", status=503, content_type="text/plain; charset=utf-8"
    )
    response.retry_after = seconds
    response.cache_control.no_store = True
    return response


def _file_response(source: service.FeedSource, deadline: float, compress: bool) -> Response:
    """A feed kept on disk, sent from its file (with sendfile where the server has it)."""
    if service.building_in_background(source):
        # The thread is at it: competing with it would only slow both down.
        raise service.FeedNotReady()
    try:
        handle, path, size = source.open_file(deadline, compressed=compress)
    except OSError:
        # A folder that cannot be written (FEED_FILES_DIR, a full disk): the operator's
        # to fix; the calendar keeps its copy and asks again later.
        current_app.logger.exception("feed %s: its file could not be written", source.feed)
        return _try_again_later(
            "De agenda is even niet beschikbaar; probeer het later opnieuw.", 300
        )
    response = current_app.response_class(
        file_body(request.environ, handle), content_type=CONTENT_TYPE, direct_passthrough=True
    )
    response.content_length = size
    if source.current_while_version_and_day:
        serve_file_while(path)
    return response


@bp.get("/agenda.ics")
def public_feed():
    """The public sessions (past 12 months and future) of the page's network, of every
    network (`?netwerk=alle`), optionally of one theme."""
    return feed_response(
        service.public_feed_source(request.args.get("thema") or None, list_scope(request.args))
    )


@bp.get("/sessies/<slug>.ics")
def session_feed(slug: str):
    """One session as an .ics file, as the requester may see it."""
    return feed_response(service.session_feed_source(slug, current_user), download=True)


@bp.get("/agenda/persoonlijk/<token>.ics")
def personal_feed(token: str):
    """The sessions the token's owner registered for, online links included."""
    return feed_response(service.personal_feed_source(token))


@bp.get("/inschrijving/<token>.ics")
def guest_feed(token: str):
    """A guest's session as an .ics file, with the guest's own status (docs/guests.md)."""
    from lerend_netwerk.agenda.guests import find_by_token
    from lerend_netwerk.calendar.ics import build_feed

    registration = find_by_token(token)
    if registration is None or registration.status not in ("confirmed", "waitlisted"):
        abort(404)
    meeting = registration.meeting
    data = build_feed(
        [meeting],
        name=meeting.title,
        personal_statuses={meeting.id: registration.status},
        personal_revisions={meeting.id: (registration.itip_sequence, registration.updated_at)},
        include_online=registration.status == "confirmed",
    )
    return Response(
        data,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": f'attachment; filename="{meeting.slug}.ics"',
            "Cache-Control": "no-store",
        },
    )


@bp.post("/account/agenda-link/vernieuwen")
@member_required
def renew_token():
    """Give the signed-in member a new personal feed link; the old one stops working."""
    form = RenewTokenForm()
    if not form.validate_on_submit():
        abort(400)
    renew_calendar_token(current_user)
    db.session.commit()
    flash(
        "Je persoonlijke agenda-link is vernieuwd. Abonneer je agenda opnieuw: "
        "de oude link werkt niet meer.",
        "success",
    )
    return redirect(url_for("auth.account", _anchor="agenda-link"))


@bp.app_template_global()
def personal_feed_links(user: Any) -> dict[str, str]:
    """The member's personal feed as an http(s) URL and as a webcal:// subscribe link."""
    url = links.personal_feed_url(user.calendar_token)
    return {"url": url, "webcal": links.webcal_url(url)}


@bp.app_template_global()
def add_to_calendar_links(meeting: Any, online: bool = False) -> dict[str, str]:
    """Links that put one session in a calendar: .ics, Google, Outlook.com, Microsoft 365.

    `online`: whether the reader may see the online link (the session page's rule).
    """
    return {
        "ics": url_for("calendar.session_feed", slug=meeting.slug),
        "google": links.google_calendar_url(meeting, online=online),
        "outlook": links.outlook_calendar_url(meeting, online=online),
        "office": links.outlook_calendar_url(meeting, office=True, online=online),
    }


@bp.app_template_global()
def renew_token_form() -> RenewTokenForm:
    """An empty renewal form (for its CSRF token) on the account page."""
    return RenewTokenForm()
