"""A visitor without an account registers for a session open to guests, reads the
confirmation mail in the outbox and confirms through its link, in Debian's Chromium."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from .conftest import screenshot

pytestmark = pytest.mark.browser

SLUG = "inspiratie-event-gasten-browsertest"
ADDRESS = "sofie.gast@bedrijf-browser.example"


@pytest.fixture(scope="module")
def open_session(live_server: Any) -> str:
    from lerend_netwerk.agenda.models import Meeting

    starts = (datetime.now(UTC) + timedelta(days=12)).replace(
        hour=8, minute=0, second=0, microsecond=0
    )
    with live_server.database() as session:
        if session.query(Meeting).filter_by(slug=SLUG).one_or_none() is None:
            session.add(
                Meeting(
                    slug=SLUG,
                    title="Inspiratie-event: duaal leren in je organisatie",
                    kind="inspiratie",
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=7),
                    location="Congrescentrum Het Pand, Gent",
                    capacity=60,
                    open_to_guests=True,
                    body="Voor organisaties die duaal leren overwegen.",
                )
            )
    return f"/sessies/{SLUG}"


def _confirmation_link(live_server: Any) -> str:
    from sqlalchemy import select

    from lerend_netwerk.mail.models import OutgoingMail

    with live_server.database() as session:
        body = session.scalars(
            select(OutgoingMail.body_text).where(
                OutgoingMail.recipient == ADDRESS, OutgoingMail.kind == "guest-confirm"
            )
        ).one()
    return re.search(r"https?://[^\s]+/inschrijving/[0-9]+\.[A-Za-z0-9_-]+", body).group(0)


def test_a_visitor_registers_as_guest_and_confirms_from_the_mail(
    new_context, live_server, open_session
) -> None:
    page = new_context().new_page()
    assert page.goto(open_session).status == 200
    assert page.get_by_text("Wat we bewaren en waarom").is_visible()
    page.get_by_label("Naam", exact=True).fill("Sofie Gast")
    page.get_by_label("E-mailadres").fill(ADDRESS)
    page.get_by_label("Organisatie (niet verplicht)").fill("Bedrijf Browser NV")
    page.get_by_label("Functie (niet verplicht)").fill("HR-verantwoordelijke")
    # The honeypot is out of sight and out of the tab order.
    assert not page.locator("#website").is_visible()
    page.get_by_role("button", name="Inschrijven als gast").click()
    page.get_by_role("heading", name="Controleer je mailbox").wait_for()
    assert ADDRESS in page.locator("main").inner_text()

    link = _confirmation_link(live_server)
    assert page.goto(link).status == 200
    assert "Sofie Gast" in page.locator("main").inner_text()
    page.get_by_role("button", name="Inschrijving bevestigen").click()
    page.get_by_text("Je bent ingeschreven.").first.wait_for()
    assert page.get_by_role("link", name="In je agenda zetten (.ics)").is_visible()
    screenshot(page, "gast-bevestigd")

    from sqlalchemy import select

    from lerend_netwerk.agenda.models import Registration

    with live_server.database() as session:
        registration = session.scalars(
            select(Registration).where(Registration.email_key == ADDRESS)
        ).one()
        assert registration.status == "confirmed" and registration.user_id is None


def test_the_guest_form_and_the_walk_in_form_are_accessible_on_a_phone(
    new_context, live_server, open_session
) -> None:
    from .conftest import sign_in
    from .test_accessibility import BLOCKING, describe, run_axe

    phone = {"width": 375, "height": 740}
    # axe is injected as a script: only these scans bypass the CSP.
    page = new_context(bypass_csp=True, viewport=phone).new_page()
    assert page.goto(open_session).status == 200
    blocking = [v for v in run_axe(page) if v["impact"] in BLOCKING]
    assert not blocking, describe(blocking)
    assert page.evaluate("document.documentElement.scrollWidth") <= phone["width"]
    screenshot(page, "gast-formulier-telefoon")

    coordinator = new_context(bypass_csp=True, viewport=phone).new_page()
    sign_in(coordinator, live_server, "coordinator", f"{open_session}/deelnemers")
    coordinator.goto(f"{open_session}/deelnemers")
    coordinator.get_by_label("Naam", exact=True).fill("Wim Ter Plaatse")
    coordinator.get_by_label("Organisatie", exact=True).fill("Sectorfonds")
    coordinator.get_by_role("button", name="Deelnemer toevoegen").click()
    coordinator.get_by_text("Wim Ter Plaatse is toegevoegd en aanwezig.").wait_for()
    blocking = [v for v in run_axe(coordinator) if v["impact"] in BLOCKING]
    assert not blocking, describe(blocking)
    assert coordinator.evaluate("document.documentElement.scrollWidth") <= phone["width"]
    screenshot(coordinator, "ter-plaatse-telefoon")
