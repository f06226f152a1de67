"""The outbox as the sender reads it: session mails are queued with what to render
(OutgoingMail.to_render) and rendered before they are sent; tests that read a mail's
text or invitation render it the same way first."""

from __future__ import annotations

from collections.abc import Iterable

from lerend_netwerk.extensions import db
from lerend_netwerk.mail.models import OutgoingMail
from lerend_netwerk.mail.outbox import rendered_body


def rendered(mails: Iterable[OutgoingMail]) -> list[OutgoingMail]:
    """`mails` with their bodies rendered into the rows (flushed, not committed: the
    test's transaction stays as it was)."""
    mails = list(mails)
    for mail in mails:
        if mail.to_render:
            for name, value in rendered_body(mail).items():
                setattr(mail, name, value)
            mail.to_render = None
    db.session.flush()
    return mails
