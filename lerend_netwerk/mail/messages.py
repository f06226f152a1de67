"""The mails about registrations and sessions: Dutch text, optional HTML, the invitation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, render_template
from jinja2 import TemplateNotFound
from sqlalchemy import select

from lerend_netwerk.agenda.models import Meeting, Registration
from lerend_netwerk.agenda.service import waitlist_position
from lerend_netwerk.calendar.links import session_url, site_url
from lerend_netwerk.extensions import db
from lerend_netwerk.mail.outbox import SESSION_MAIL, Attachment, MailGone, queue_mail
from lerend_netwerk.visibility import may_see_online_link

REGISTRATION_SUBJECTS = {
    "confirmed": "Inschrijving bevestigd: {title}",
    "waitlisted": "Op de wachtlijst: {title}",
    "promoted": "Je hebt een plaats: {title}",
    "cancelled": "Uitschrijving bevestigd: {title}",
}
MEETING_SUBJECTS = {
    "rescheduled": "Gewijzigd: {title}",
    "reinstated": "Gaat toch door: {title}",
    "cancelled": "Geannuleerd: {title}",
}
# The calendar file beside the inline invitation, for clients that only read files.
INVITE_FILENAME = "invite.ics"


def render_mail(name: str, **context: Any) -> tuple[str, str | None]:
    """Render mail/<name>.txt and, when it exists, mail/<name>.html."""
    context.setdefault("site_url", site_url())
    context.setdefault("site_name", current_app.config["SITE_NAME"])
    context.setdefault("account_url", f"{site_url()}/account")
    text = render_template(f"mail/{name}.txt", **context)
    try:
        current_app.jinja_env.get_template(f"mail/{name}.html")
    except TemplateNotFound:
        return text, None
    return text, render_template(f"mail/{name}.html", **context)


def queue_rendered(
    user: Any,
    subject: str,
    template: str,
    *,
    unsubscribe_url: str,
    headers: dict[str, str],
    dedupe_key: str,
    **context: Any,
) -> bool:
    """Render `template` for `user` and queue it (kind `template`) with its unsubscribe
    link and headers; False if a mail with this dedupe key was queued before."""
    text, html = render_mail(template, user=user, unsubscribe_url=unsubscribe_url, **context)
    mail = queue_mail(
        user, subject, text, html=html, kind=template, headers=headers, dedupe_key=dedupe_key
    )
    return mail is not None


def invite_attachment(
    meeting: Meeting,
    method: str,
    registration: Registration,
    *,
    status: str,
    sequence: int,
    last_modified: datetime | None,
) -> Attachment:
    """The iTIP invitation for one member: inline in the mail and attached as invite.ics.

    Same UID as the feeds; the member's own SEQUENCE (Registration.itip_sequence), so
    each message to this member comes after the one before it. `status`, `sequence`
    and `last_modified` are the registration's when the mail was queued.
    """
    from lerend_netwerk.calendar.ics import build_invite
    from lerend_netwerk.mail.replies import organizer_for

    user = registration.recipient
    # Calendar answers are read for members only (mail/replies.py): guests get no RSVP.
    organizer = organizer_for(meeting, user) if registration.user is not None else None
    data = build_invite(
        meeting,
        method=method,
        attendee=user,
        organizer=organizer,
        rsvp=organizer is not None,
        registration_status=status,
        include_online=may_see_online_link(registration.user, status, meeting),
        sequence=sequence,
        last_modified=last_modified,
    )
    return Attachment(
        filename=INVITE_FILENAME,
        content_type="text/calendar",
        data=data,
        params={"method": method, "charset": "utf-8"},
        alternative=True,
    )


def _guest_url(registration: Registration) -> str | None:
    """A guest's personal link, for the mails that members read on /account instead."""
    if registration.user is not None or not registration.guest_token_nonce:
        return None
    from lerend_netwerk.agenda.guests import personal_url

    return personal_url(registration)


def _person_key(registration: Registration) -> str:
    """Members keep their user id in dedupe keys (as before); guests their row."""
    return str(registration.user_id) if registration.user_id else f"g{registration.id}"


def queue_registration_mail(registration: Registration, change: str) -> None:
    """Queue the mail for a registration that was confirmed, waitlisted, promoted or cancelled."""
    if change not in REGISTRATION_SUBJECTS:
        raise ValueError(f"unknown registration change {change!r}")
    user, meeting = registration.recipient, registration.meeting
    if user is None or not user.active:
        return
    if change == "cancelled" and meeting.is_cancelled:
        # Everyone registered gets the mail about the cancelled session instead.
        return
    method = "CANCEL" if change == "cancelled" else "REQUEST"
    position = None
    if change == "waitlisted":
        position = waitlist_position(registration)
    _queue_session_mail(
        registration,
        "registration",
        change,
        REGISTRATION_SUBJECTS[change],
        method,
        position=position,
    )


def _queue_session_mail(
    registration: Registration,
    what: str,
    change: str,
    subject: str,
    method: str,
    dedupe_key: str | None = None,
    **extra: Any,
) -> Any:
    """Queue the mail `<what>_<change>` about a session to one registrant, with the
    session's invitation (iTIP `method`) attached.

    Only its subject and what it must say are written now (`to_render`: the
    registration's state at this moment); the sender renders text, HTML and invitation
    before the first attempt (render_session_mail). A registration or a change to a
    session with many people on its list so costs the request one row per mail.
    """
    meeting = registration.meeting
    updated = registration.updated_at
    return queue_mail(
        registration.recipient,
        subject.format(title=meeting.title),
        "",
        kind=f"{what}-{change}",
        dedupe_key=dedupe_key,
        to_render={
            "mail": SESSION_MAIL,
            "registration_id": registration.id,
            "what": what,
            "change": change,
            "method": method,
            "status": registration.status,
            "sequence": registration.itip_sequence,
            "last_modified": updated.isoformat() if updated else None,
            "extra": extra,
        },
    )


def render_session_mail(spec: dict[str, Any]) -> dict[str, Any]:
    """Text, HTML and invitation of a queued session mail (see _queue_session_mail):
    the session as it is now, the registration as it was when the mail was queued.

    Raises MailGone when the registration or its recipient is no longer there."""
    registration = db.session.get(Registration, spec["registration_id"])
    recipient = registration.recipient if registration is not None else None
    if recipient is None:
        raise MailGone("De inschrijving waarover deze mail gaat, bestaat niet meer.")
    meeting, status = registration.meeting, spec["status"]
    last_modified = spec.get("last_modified")
    text, html = render_mail(
        f"{spec['what']}_{spec['change']}",
        user=recipient,
        meeting=meeting,
        registration=registration,
        registration_status=status,
        meeting_url=session_url(meeting),
        show_online=may_see_online_link(registration.user, status, meeting),
        guest_url=_guest_url(registration),
        **spec.get("extra", {}),
    )
    invite = invite_attachment(
        meeting,
        spec["method"],
        registration,
        status=status,
        sequence=spec["sequence"],
        last_modified=datetime.fromisoformat(last_modified) if last_modified else None,
    )
    return {"body_text": text, "body_html": html, "attachments": [invite.to_json()]}


def registered_for(meeting: Meeting) -> list[Registration]:
    """Everyone on the list of a session: confirmed and waiting list."""
    return list(
        db.session.scalars(
            select(Registration)
            .where(
                Registration.meeting_id == meeting.id,
                Registration.status.in_(("confirmed", "waitlisted")),
            )
            .order_by(Registration.id)
        )
    )


def queue_meeting_mails(meeting: Meeting, change: str, message: str = "") -> int:
    """Mail everyone registered that the session changed, goes ahead after all, or is off;
    `message` is the coordinator's word that comes with it (a cancellation's reason)."""
    if change not in MEETING_SUBJECTS:
        raise ValueError(f"unknown meeting change {change!r}")
    method = "CANCEL" if change == "cancelled" else "REQUEST"
    queued = 0
    for registration in registered_for(meeting):
        user = registration.recipient
        if user is None or not user.active:
            continue
        # One mail per version of the session: the same change sent twice mails once,
        # and a session cancelled again after being taken up again is a new version.
        version = f"{meeting.sequence}:"
        mail = _queue_session_mail(
            registration,
            "meeting",
            change,
            MEETING_SUBJECTS[change],
            method,
            dedupe_key=f"meeting-{change}:{meeting.id}:{version}{_person_key(registration)}",
            message=message,
        )
        queued += mail is not None
    return queued


__all__ = [
    "invite_attachment",
    "queue_meeting_mails",
    "queue_registration_mail",
    "render_mail",
    "render_session_mail",
]
