"""Domain events that features send and others listen to (blinker signals).

Receivers run synchronously inside the sender's database transaction: what they add to
the session (a queued mail, say) is committed or rolled back together with the change.

- `registration_changed(registration, change=...)`: change is "confirmed", "waitlisted",
  "promoted" (moved up from the waiting list) or "cancelled".
- `meeting_changed(meeting, change=...)`: change is "rescheduled" (title, time or place
  changed), "reinstated" (a cancelled session goes ahead after all) or "cancelled".
- `account_mail(user, subject=..., text=..., kind=...)`: the accounts want a mail sent to
  `user` (an invitation, a password reset link).
- `guest_mail(meeting, kind=..., registration=..., email=...)`: a guest's request calls
  for a mail: kind "confirm" (the confirmation link), "link" (an address that is already
  registered gets its link again) or "member" (the address is a member's: sign in).
- `account_activated(user)`: someone accepted an invitation; their guest places become
  the member's.
- `contribution_reviewed(contribution)`: a review step changed the contribution's status.
- `reply_posted(post)`, `thread_status_changed(thread, actor=...)`: news in a
  recommendation thread for its followers; `reply_hidden(post)`: reports hid a reply (its
  author hears why).

The app factory connects the receivers (`mail.receivers.connect`).
"""

from blinker import Namespace

_signals = Namespace()

registration_changed = _signals.signal("registration-changed")
meeting_changed = _signals.signal("meeting-changed")
account_mail = _signals.signal("account-mail")
guest_mail = _signals.signal("guest-mail")
account_activated = _signals.signal("account-activated")
contribution_reviewed = _signals.signal("contribution-reviewed")
reply_posted = _signals.signal("reply-posted")
thread_status_changed = _signals.signal("thread-status-changed")
reply_hidden = _signals.signal("reply-hidden")
# A coordinator's message to a session's registrants: meeting_message(message,
# registrations=[...]). An evaluation to mail: evaluation_requested(evaluation, token=...).
meeting_message = _signals.signal("meeting-message")
evaluation_requested = _signals.signal("evaluation-requested")
