"""Evaluations: the questionnaire after a session, from the outbox to the indicators."""

from __future__ import annotations

import csv
import io
import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from conftest import login, post_form
from lerend_netwerk.agenda.models import Registration
from lerend_netwerk.evaluations import service
from lerend_netwerk.evaluations.models import Evaluation
from lerend_netwerk.extensions import db
from lerend_netwerk.indicators import periods
from lerend_netwerk.indicators.service import build_report, export_table
from lerend_netwerk.mail.models import OutgoingMail

LINK_RE = re.compile(r"https?://[^\s]+/evaluatie/([A-Za-z0-9_\-]+)")


def now() -> datetime:
    return datetime.now(UTC)


def evaluation_mails() -> list[OutgoingMail]:
    return list(
        db.session.scalars(
            select(OutgoingMail).where(OutgoingMail.kind == "evaluation").order_by(OutgoingMail.id)
        )
    )


def token_of(mail: OutgoingMail) -> str:
    match = LINK_RE.search(mail.body_text)
    assert match, mail.body_text
    assert match.group(0) in mail.body_html
    return match.group(1)


@pytest.fixture
def ended(make_meeting, make_user):
    """A session that ended two hours ago: three confirmed, two of them checked in."""
    starts = now() - timedelta(hours=5)
    meeting = make_meeting(
        slug="intervisie-mentoren",
        title="Intervisie mentoren",
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
    )
    people = [make_user(name=f"Deelnemer {n}") for n in range(3)]
    for index, person in enumerate(people):
        db.session.add(
            Registration(
                meeting=meeting,
                user=person,
                status="confirmed",
                confirmed_at=starts - timedelta(days=3),
                checked_in_at=starts if index < 2 else None,
            )
        )
    db.session.add(Registration(meeting=meeting, user=make_user(), status="waitlisted"))
    db.session.commit()
    return meeting, people


def test_checked_in_attendees_get_one_mail_each_once(app, ended):
    _, people = ended
    assert service.queue_due_evaluations() == 2
    db.session.commit()
    assert service.queue_due_evaluations() == 0
    sent = evaluation_mails()
    assert sorted(m.recipient for m in sent) == sorted(p.email for p in people[:2])
    assert "Intervisie mentoren" in sent[0].subject
    # Only the hash of the link's token is stored.
    tokens = [token_of(mail) for mail in sent]
    stored = set(db.session.scalars(select(Evaluation.token_hash)))
    assert stored == {service.hash_token(t) for t in tokens}
    assert not stored & set(tokens)
    assert all(len(t) >= 43 for t in tokens)  # 32 random bytes, 256 bits


def test_without_check_ins_the_confirmed_are_asked(app, make_meeting, make_user):
    starts = now() - timedelta(days=2)
    meeting = make_meeting(starts_at=starts, ends_at=starts + timedelta(hours=2))
    people = [make_user() for _ in range(2)]
    for person in people:
        db.session.add(Registration(meeting=meeting, user=person, status="confirmed"))
    db.session.add(Registration(meeting=meeting, user=make_user(), status="cancelled"))
    db.session.commit()
    assert service.queue_due_evaluations() == 2
    assert sorted(m.recipient for m in evaluation_mails()) == sorted(p.email for p in people)


def test_sessions_not_due_are_left_alone(app, make_meeting, make_user):
    def session(ended_ago: timedelta, **kw):
        ends = now() - ended_ago
        meeting = make_meeting(starts_at=ends - timedelta(hours=2), ends_at=ends, **kw)
        db.session.add(Registration(meeting=meeting, user=make_user(), status="confirmed"))
        db.session.commit()

    session(timedelta(minutes=10))  # just ended: after EVALUATION_DELAY_HOURS
    session(timedelta(days=30))  # long ago: before the look-back window
    session(timedelta(days=1), status="cancelled")
    session(-timedelta(days=1))  # still to come
    assert service.queue_due_evaluations() == 0
    assert service.queue_due_evaluations(now() + timedelta(hours=2)) == 1


def test_answer_through_the_link_change_it_then_see_results_csv_and_indicator(
    client, ended, make_user
):
    meeting, _ = ended
    service.queue_due_evaluations()
    db.session.commit()
    first, second = (token_of(m) for m in evaluation_mails())

    page = client.get(f"/evaluatie/{first}")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert "Hoe was “Intervisie mentoren”?" in html and "Wat kan beter?" in html

    missing = post_form(client, f"/evaluatie/{first}", {"useful": "x"})
    assert "Kies een score van 1 tot 5." in missing.get_data(as_text=True)

    answer = {
        "score": "5",
        "useful": "De casussen van andere mentoren.",
        "better": '=HYPERLINK("x") meer tijd',
        "topics": "Evaluatie op de werkplek",
    }
    assert post_form(client, f"/evaluatie/{first}", answer).status_code == 302
    # The same link changes the one answer, it does not add a second.
    assert post_form(client, f"/evaluatie/{first}", {**answer, "score": "4"}).status_code == 302
    assert post_form(client, f"/evaluatie/{second}", {"score": "2"}).status_code == 302
    answered = db.session.scalars(select(Evaluation).where(Evaluation.score.is_not(None))).all()
    assert sorted(e.score for e in answered) == [2, 4]
    assert "Antwoord bijwerken" in client.get(f"/evaluatie/{first}").get_data(as_text=True)

    login(client, make_user(role="coordinator"))
    results = client.get("/sessies/intervisie-mentoren/evaluatie").get_data(as_text=True)
    assert "2 van 2 deelnemers antwoordden" in results
    assert "<strong>3,0</strong>" in results
    assert "De casussen van andere mentoren." in results and "Evaluatie op de werkplek" in results

    response = client.get("/sessies/intervisie-mentoren/evaluatie.csv")
    assert response.mimetype == "text/csv"
    body = response.data.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == list(service.CSV_HEADER)
    assert sorted(row[1] for row in rows[1:]) == ["2", "4"]
    assert '\'=HYPERLINK("x") meer tijd' in [row[3] for row in rows]

    start = periods.academic_start_year(meeting.starts_at.date())
    period = periods.academic_year(start)
    coordinator = make_user(role="coordinator")
    section = build_report(period, None, coordinator).section("tevredenheid")
    assert section.table.row("Intervisie")[:3] == ["Intervisie", 2, "3,0"]
    assert section.table.row("Alle sessies")[:3] == ["Alle sessies", 2, "3,0"]
    _, table_csv = export_table("tevredenheid", period, None, coordinator)
    assert "Intervisie;2;3,0" in table_csv.decode("utf-8")
    assert "Tevredenheid" in client.get(
        f"/indicatoren?periode=academiejaar&academiejaar={start}-{start + 1}"
    ).get_data(as_text=True)


def test_unknown_token_is_404_and_closed_questionnaire_takes_no_changes(client, ended):
    service.queue_due_evaluations()
    db.session.commit()
    token = token_of(evaluation_mails()[0])
    assert client.get(f"/evaluatie/{token[:-2]}xx").status_code == 404
    assert client.get("/evaluatie/" + "a" * 300).status_code == 404
    evaluation = service.find_by_token(token)
    evaluation.closes_at = now() - timedelta(minutes=1)
    db.session.commit()
    response = post_form(client, f"/evaluatie/{token}", {"score": "1"})
    assert "Deze vragenlijst is afgesloten" in response.get_data(as_text=True)
    db.session.expire_all()
    assert service.find_by_token(token).score is None
    with pytest.raises(service.EvaluationError):
        service.save_answer(evaluation, service.Answer(score=3))


def test_results_are_for_coordinators_only(client, ended, make_user):
    login(client, make_user())
    assert client.get("/sessies/intervisie-mentoren/evaluatie").status_code == 403
    assert client.get("/sessies/intervisie-mentoren/evaluatie.csv").status_code == 403


def test_mail_evaluations_command_queues_and_commits(app, runner, ended):
    result = runner.invoke(args=["mail", "evaluations"])
    assert result.exit_code == 0, result.output
    assert "Queued 2 evaluation(s)." in result.output
    db.session.expire_all()
    assert len(evaluation_mails()) == 2


def test_two_workers_at_once_ask_each_attendee_once(app, ended):
    errors: list[Exception] = []
    counts: list[int] = []
    start = threading.Barrier(2)

    def worker() -> None:
        try:
            with app.app_context():
                start.wait(timeout=10)
                counts.append(service.queue_due_evaluations())
                db.session.commit()
        except Exception as error:  # pragma: no cover - shown by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(counts) == [0, 2]
    db.session.expire_all()
    assert len(evaluation_mails()) == 2
    assert len(db.session.scalars(select(Evaluation)).all()) == 2


def test_answers_are_in_the_members_personal_data_export(app, ended):
    from lerend_netwerk.auth.service import export_personal_data

    _, people = ended
    service.queue_due_evaluations()
    evaluation = db.session.scalar(
        select(Evaluation).join(Evaluation.registration).where(Registration.user_id == people[0].id)
    )
    service.save_answer(evaluation, service.Answer(score=4, useful="Veel"))
    db.session.commit()
    (exported,) = export_personal_data(people[0])["evaluations"]
    assert exported["session"] == "intervisie-mentoren"
    assert (exported["score"], exported["useful"]) == (4, "Veel")
    assert export_personal_data(people[2])["evaluations"] == []
