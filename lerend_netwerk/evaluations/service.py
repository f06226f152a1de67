"""The rules of evaluations: who gets the questionnaire, answering through the link, results.

Decisions worth knowing:

- Who: the attendees of a session that ended (not cancelled) — those checked in; when
  nobody was checked in, everyone confirmed. One Evaluation per registration, so a
  person with an account and one without are treated alike.
- When: the job (`queue_due_evaluations`, run by `mail send --watch` and by
  `mail evaluations`) mails sessions that ended at least EVALUATION_DELAY_HOURS ago
  (default 1) and at most EVALUATION_LOOKBACK_DAYS ago (default 14), so that switching
  the feature on does not mail about sessions of long ago.
- The link: a random token of 32 bytes (256 bits), only its SHA-256 hash is stored; the
  hash is compared in constant time. Whoever holds the link answers for that attendee.
- One answer per attendee, which can be changed until the questionnaire closes,
  EVALUATION_OPEN_DAYS (default 14) after it was sent. After that the link shows the
  answer but no longer takes changes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from lerend_netwerk.agenda.attendance import may_receive_mail
from lerend_netwerk.agenda.models import Meeting, Registration
from lerend_netwerk.agenda.service import lock_meeting
from lerend_netwerk.config import setting
from lerend_netwerk.core.csvexport import to_csv
from lerend_netwerk.core.templating import absolute_url
from lerend_netwerk.db import utcnow
from lerend_netwerk.evaluations.models import SCORES, Evaluation
from lerend_netwerk.extensions import db
from lerend_netwerk.signals import evaluation_requested
from lerend_netwerk.timeutil import local_isoformat

TEXT_MAX = 2000


class EvaluationError(Exception):
    """A request the evaluation rules refuse; the message is Dutch and meant for people."""


def _setting(name: str) -> int:
    return int(setting(current_app.config, name))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def evaluation_url(token: str) -> str:
    return absolute_url("evaluations.answer", token=token)


# --- who is asked -------------------------------------------------------------------------


def attendees(meeting: Meeting) -> list[Registration]:
    """Those checked in; when nobody was checked in, everyone confirmed."""
    confirmed = list(
        db.session.scalars(
            select(Registration)
            .where(Registration.meeting_id == meeting.id, Registration.status == "confirmed")
            .options(selectinload(Registration.user))
            .order_by(Registration.id)
        )
    )
    present = [r for r in confirmed if r.checked_in_at is not None]
    return present or confirmed


def due_meetings(now: datetime) -> list[Meeting]:
    """Sessions that ended inside the window and were not cancelled."""
    latest_end = now - timedelta(hours=_setting("EVALUATION_DELAY_HOURS"))
    earliest_end = now - timedelta(days=_setting("EVALUATION_LOOKBACK_DAYS"))
    return list(
        db.session.scalars(
            select(Meeting)
            .where(
                Meeting.status == "scheduled",
                Meeting.ends_at <= latest_end,
                Meeting.ends_at > earliest_end,
            )
            .order_by(Meeting.ends_at, Meeting.id)
        )
    )


def queue_evaluations(meeting: Meeting, now: datetime | None = None) -> int:
    """Create the questionnaire for each attendee not yet asked, and queue its mail."""
    now = now or utcnow()
    # Two workers running the job at once: the second waits here, then finds the
    # questionnaires the first created (the unique registration_id backs this up).
    meeting = lock_meeting(meeting)
    asked = set(
        db.session.scalars(
            select(Evaluation.registration_id).where(Evaluation.meeting_id == meeting.id)
        )
    )
    closes_at = now + timedelta(days=_setting("EVALUATION_OPEN_DAYS"))
    queued = 0
    for registration in attendees(meeting):
        if registration.id in asked or not may_receive_mail(registration):
            continue
        token = secrets.token_urlsafe(32)
        evaluation = Evaluation(
            registration_id=registration.id,
            meeting_id=meeting.id,
            token_hash=hash_token(token),
            sent_at=now,
            closes_at=closes_at,
        )
        db.session.add(evaluation)
        queued += 1
        # mail/receivers.py queues the mail with the link, in this transaction.
        db.session.flush()
        evaluation_requested.send(evaluation, token=token)
    return queued


def queue_due_evaluations(now: datetime | None = None) -> int:
    """Queue the questionnaires of every session that is due; idempotent."""
    now = now or utcnow()
    return sum(queue_evaluations(meeting, now) for meeting in due_meetings(now))


# --- answering ------------------------------------------------------------------------------


def find_by_token(token: str) -> Evaluation | None:
    """The evaluation whose link this is, or None (compared in constant time)."""
    if not token or len(token) > 200:
        return None
    digest = hash_token(token)
    evaluation = db.session.scalar(select(Evaluation).where(Evaluation.token_hash == digest))
    if evaluation is None or not hmac.compare_digest(evaluation.token_hash, digest):
        return None
    return evaluation


@dataclass
class Answer:
    score: int
    useful: str = ""
    better: str = ""
    topics: str = ""


def save_answer(evaluation: Evaluation, answer: Answer, now: datetime | None = None) -> Evaluation:
    """Store (or change) the attendee's answer while the questionnaire is open."""
    now = now or utcnow()
    if not evaluation.is_open(now):
        raise EvaluationError(
            "Deze vragenlijst is afgesloten: je antwoord kan je niet meer wijzigen."
        )
    if answer.score not in SCORES:
        raise EvaluationError("Geef een score van 1 tot 5.")
    evaluation.score = answer.score
    evaluation.useful = (answer.useful or "").strip()[:TEXT_MAX]
    evaluation.better = (answer.better or "").strip()[:TEXT_MAX]
    evaluation.topics = (answer.topics or "").strip()[:TEXT_MAX]
    evaluation.answered_at = now
    db.session.flush()
    return evaluation


# --- results --------------------------------------------------------------------------------


@dataclass
class Results:
    """What the attendees of one session answered."""

    meeting: Meeting
    sent: int
    answers: list[Evaluation] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.answers)

    @property
    def average(self) -> float | None:
        scores = [a.score for a in self.answers if a.score is not None]
        return statistics.fmean(scores) if scores else None

    @property
    def distribution(self) -> list[tuple[int, int]]:
        """(score, how many gave it) for 5 down to 1."""
        return [
            (score, sum(1 for a in self.answers if a.score == score)) for score in reversed(SCORES)
        ]

    def comments(self, name: str) -> list[str]:
        return [getattr(a, name) for a in self.answers if getattr(a, name)]


def results(meeting: Meeting) -> Results:
    evaluations = list(
        db.session.scalars(
            select(Evaluation)
            .where(Evaluation.meeting_id == meeting.id)
            .order_by(Evaluation.answered_at, Evaluation.id)
        )
    )
    return Results(
        meeting=meeting,
        sent=len(evaluations),
        answers=[e for e in evaluations if e.is_answered],
    )


def has_evaluations(meeting: Meeting) -> bool:
    return bool(db.session.scalar(select(exists().where(Evaluation.meeting_id == meeting.id))))


CSV_HEADER = ("Beantwoord op", "Score", "Wat was nuttig", "Wat kan beter", "Onderwerpen")


def results_csv(meeting: Meeting) -> bytes:
    """The answers as Excel-safe CSV. Anonymous: no name or address in the file."""
    return to_csv(
        CSV_HEADER,
        (
            [
                local_isoformat(a.answered_at).replace("T", " ") if a.answered_at else "",
                a.score,
                a.useful,
                a.better,
                a.topics,
            ]
            for a in results(meeting).answers
        ),
    )


def evaluations_of(user: Any) -> list[dict[str, Any]]:
    """The member's answers, for the export of their personal data."""
    evaluations = db.session.scalars(
        select(Evaluation)
        .join(Evaluation.registration)
        .where(Registration.user_id == user.id)
        .order_by(Evaluation.sent_at, Evaluation.id)
    )
    return [
        {
            "session": e.meeting.slug,
            "sent_at": e.sent_at.isoformat(),
            "answered_at": e.answered_at.isoformat() if e.answered_at else None,
            "score": e.score,
            "useful": e.useful,
            "better": e.better,
            "topics": e.topics,
        }
        for e in evaluations
    ]
