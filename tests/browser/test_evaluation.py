"""An attendee answers the questionnaire from the link in the mail, on a phone, by keyboard."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

pytestmark = pytest.mark.browser

SLUG = "evaluatie-browsertest"


@pytest.fixture
def link(live_server: Any) -> Iterator[str]:
    """The link of the mail the member got after a session that ended yesterday."""
    from lerend_netwerk.agenda.models import Meeting, Registration
    from lerend_netwerk.auth.models import User
    from lerend_netwerk.evaluations.service import queue_evaluations
    from lerend_netwerk.mail.models import OutgoingMail

    with live_server.database() as session:
        starts = datetime.now(UTC) - timedelta(days=1)
        meeting = Meeting(
            slug=SLUG,
            title="Slotsessie met productenmarkt",
            kind="slotsessie",
            starts_at=starts,
            ends_at=starts + timedelta(hours=4),
        )
        member = session.scalar(select(User).where(User.email == live_server.email("member")))
        session.add(Registration(meeting=meeting, user=member, status="confirmed"))
        session.flush()
        assert queue_evaluations(meeting) == 1
        mail = session.scalar(select(OutgoingMail).where(OutgoingMail.kind == "evaluation"))
        url = re.search(r"https?://\S+/evaluatie/(\S+)", mail.body_text)
        assert url, mail.body_text
    yield f"/evaluatie/{url.group(1)}"
    with live_server.database() as session:
        session.delete(session.scalar(select(Meeting).where(Meeting.slug == SLUG)))
        for mail in session.scalars(select(OutgoingMail).where(OutgoingMail.kind == "evaluation")):
            session.delete(mail)


def test_attendee_answers_and_changes_the_answer_on_a_phone(new_context: Any, link: str) -> None:
    page = new_context(viewport={"width": 375, "height": 740}, is_mobile=True).new_page()
    page.goto(link)
    expect(page.locator("h1")).to_have_text("Hoe was “Slotsessie met productenmarkt”?")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # The score by keyboard: to the first radio button, then arrows within the group.
    score = page.get_by_role("radio", name="5 — heel goed")
    score.focus()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("radio", name="4 — goed")).to_be_checked()
    page.get_by_label("Wat was nuttig?").fill("De productenmarkt en de gesprekken.")
    page.get_by_label("Welke onderwerpen").fill("Werkplekleren in de zorg")
    page.get_by_role("button", name="Antwoord versturen").click()
    expect(page.locator("main")).to_contain_text("Bedankt! Je antwoord is bewaard.")
    expect(page.get_by_role("radio", name="4 — goed")).to_be_checked()
    useful = page.get_by_label("Wat was nuttig?")
    expect(useful).to_have_value("De productenmarkt en de gesprekken.")
    page.get_by_role("radio", name="5 — heel goed").check()
    page.get_by_role("button", name="Antwoord bijwerken").click()
    expect(page.locator("main")).to_contain_text("Bedankt!")
    expect(page.get_by_role("radio", name="5 — heel goed")).to_be_checked()
