"""The main journeys, end to end in Chromium against the live server.

Each journey ends with a full-page screenshot of its last page in artifacts/screenshots/.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar
from playwright.sync_api import expect
from sqlalchemy import select

from .conftest import PASSWORD, screenshot, sign_in

pytestmark = pytest.mark.browser

SECTIONS = (
    "Doelstellingen",
    "Sterke punten",
    "Uitdagingen",
    "Observaties",
    "Aanbevelingen",
    "Toekomstperspectieven",
    "Thema's voor intervisie",
    "Perceptie regelgeving",
)
STANCES = ("eens", "oneens", "neutraal")


def _events(ics: bytes) -> dict[str, object]:
    """The VEVENTs of a calendar, by SUMMARY."""
    calendar = Calendar.from_ical(ics)
    return {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}


def test_visitor_finds_next_intervision_on_a_theme_and_subscribes(page, live_server):
    """Agenda filtered on kind and theme, the session page, and the theme's calendar feed."""
    from lerend_netwerk.agenda.models import Meeting
    from lerend_netwerk.themes.models import Theme

    with live_server.database() as session:
        now = datetime.now(UTC)
        expected = session.scalars(
            select(Meeting)
            .where(
                Meeting.kind == "intervisie",
                Meeting.visibility == "public",
                Meeting.ends_at >= now,
                Meeting.themes.any(Theme.slug == "werkplekken"),
            )
            .order_by(Meeting.starts_at)
        ).first()
        assert expected is not None
        expected_title, expected_slug = expected.title, expected.slug

    page.goto("/")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Agenda").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Agenda")
    page.get_by_label("Soort").select_option(label="Intervisie")
    page.get_by_label("Thema", exact=True).select_option(label="Werkplekken")
    page.get_by_role("button", name="Filteren").click()
    expect(page).to_have_url(re.compile(r"soort=intervisie.*thema=werkplekken"))

    cards = page.locator(".agenda-cards .card")
    expect(cards.first).to_be_visible()
    for index in range(cards.count()):
        expect(cards.nth(index)).to_contain_text("Intervisie")
    first = cards.first.get_by_role("link").first
    expect(first).to_have_text(expected_title)

    # The theme's feed, offered on the filtered agenda page.
    subscribe = page.get_by_role("link", name="abonneren")
    expect(subscribe).to_have_attribute(
        "href", re.compile(r"^webcal://.*/agenda\.ics\?thema=werkplekken$")
    )
    feed_link = page.get_by_role("link", name=re.compile("^iCal-link"))
    feed_href = feed_link.get_attribute("href")
    assert feed_href.endswith("/agenda.ics?thema=werkplekken")
    assert subscribe.get_attribute("href").split("://", 1)[1] == feed_href.split("://", 1)[1]

    first.click()
    expect(page).to_have_url(re.compile(rf"/sessies/{expected_slug}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(expected_title)
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("Werkplekken")
    # A visitor is asked to sign in before registering.
    expect(page.get_by_role("link", name="Meld je aan om je in te schrijven")).to_be_visible()

    response = page.request.get(feed_href)
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/calendar")
    events = _events(response.body())
    assert expected_title in events
    event = events[expected_title]
    assert str(event["URL"]).endswith(f"/sessies/{expected_slug}")
    # Only sessions on the theme are in the theme's feed.
    with live_server.database() as session:
        on_theme = set(
            session.scalars(
                select(Meeting.title).where(
                    Meeting.visibility == "public",
                    Meeting.themes.any(Theme.slug == "werkplekken"),
                )
            )
        )
    # A cancelled session stays in the feed, marked as such (STATUS:CANCELLED).
    assert {title.removeprefix("Geannuleerd: ") for title in events} <= on_theme

    page.go_back()
    screenshot(page, "1-bezoeker-vindt-intervisie-en-abonneert")


@pytest.fixture
def full_session(live_server):
    """A future public session with one seat, taken by the second member."""
    from lerend_netwerk.agenda.models import Meeting
    from lerend_netwerk.agenda.registrations import register
    from lerend_netwerk.auth.service import find_user_by_email

    starts = (datetime.now(UTC) + timedelta(days=20)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    with live_server.database() as session:
        meeting = Meeting(
            slug=f"volzet-{uuid.uuid4().hex[:8]}",
            title="Netwerkmoment met één plaats",
            kind="netwerkmoment",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            location="Proeftuin Logistiek, Antwerpen",
            capacity=1,
        )
        session.add(meeting)
        session.flush()
        register(meeting, find_user_by_email(live_server.email("member2")))
        return meeting.slug, meeting.title


def test_member_waits_moves_up_and_adds_the_session_to_a_calendar(
    new_context, live_server, full_session
):
    """Waiting list with a position, moved up when the other member cancels, .ics and links."""
    slug, title = full_session
    page = new_context().new_page()
    page.goto(f"/sessies/{slug}")
    page.get_by_role("link", name="Meld je aan om je in te schrijven").click()
    # The login form sends the member back to the session.
    page.get_by_label("E-mailadres").fill(live_server.email("member"))
    page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    expect(page).to_have_url(re.compile(rf"/sessies/{slug}$"))
    expect(page.locator("dl.facts")).to_contain_text("volzet")

    page.get_by_role("button", name="Op de wachtlijst zetten").click()
    box = page.locator(".registration-box")
    expect(box).to_contain_text("Je staat op de wachtlijst, op plaats 1.")

    # The member who holds the seat cancels, in a browser of her own.
    other = new_context().new_page()
    sign_in(other, live_server, "member2", next_path=f"/sessies/{slug}")
    expect(other.locator(".registration-box")).to_contain_text("Je bent ingeschreven.")
    other.once("dialog", lambda dialog: dialog.accept())  # "Wil je je echt uitschrijven?"
    other.get_by_role("button", name="Uitschrijven").click()
    expect(other.locator(".registration-box")).not_to_contain_text("Je bent ingeschreven.")
    expect(other.get_by_role("button", name="Op de wachtlijst zetten")).to_be_visible()

    page.reload()
    expect(box).to_contain_text("Je bent ingeschreven.")
    expect(box).not_to_contain_text("wachtlijst, op plaats")

    page.get_by_text("Toevoegen aan agenda").click()
    google = page.get_by_role("link", name=re.compile("^Google Agenda"))
    expect(google).to_be_visible()
    expect(google).to_have_attribute("href", re.compile(r"^https://calendar\.google\.com/"))
    outlook = page.get_by_role("link", name=re.compile(r"^Outlook\.com"))
    expect(outlook).to_have_attribute("href", re.compile(r"^https://outlook\.live\.com/"))
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile(r"^Agendabestand \(\.ics\)")).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".ics")
    events = _events(Path(download.path()).read_bytes())
    assert list(events) == [title]
    assert str(events[title]["URL"]).endswith(f"/sessies/{slug}")
    screenshot(page, "2-lid-wachtlijst-schuift-door-en-agenda")


def test_coordinator_writes_and_publishes_a_visit_report(signed_in, live_server):
    """The report form with one field per template section, the preview, then publishing."""
    page = signed_in("coordinator")
    page.goto("/proeftuinen/graduaat-logistiek-schelde")
    page.get_by_role("link", name="Nieuw bezoekverslag").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nieuw bezoekverslag")
    # The proeftuin comes preselected from the page the coordinator came from.
    expect(page.get_by_label("Proeftuin")).to_have_value("graduaat-logistiek-schelde")

    title = f"Tweede bezoek Logistiek Schelde {uuid.uuid4().hex[:6]}"
    page.get_by_label("Titel", exact=True).fill(title)
    page.get_by_label("Datum van het bezoek").fill("2026-10-14")
    texts = {
        "Doelstellingen": "De proeftuin wil **twintig** studenten duaal laten starten.",
        "Sterke punten": "- vaste mentoren\n- korte lijnen met de bedrijven",
        "Uitdagingen": "Werkplekken in de nachtploeg zijn moeilijk te begeleiden.",
        "Aanbevelingen": "Een gedeelde werkplekpool met twee andere opleidingen.",
    }
    for section in SECTIONS:
        expect(page.get_by_label(section, exact=True)).to_be_visible()
    for section, text in texts.items():
        page.get_by_label(section, exact=True).fill(text)

    page.get_by_role("button", name="Voorbeeld", exact=True).click()
    preview = page.locator(".report-preview")
    expect(preview).to_be_visible()
    expect(preview.get_by_role("heading", name="Sterke punten")).to_be_visible()
    expect(preview.locator("strong")).to_have_text("twintig")
    expect(preview.get_by_role("heading", name="Observaties")).to_have_count(0)
    # The preview keeps what was typed.
    expect(page.get_by_label("Uitdagingen", exact=True)).to_have_value(texts["Uitdagingen"])

    page.get_by_role("button", name="Opslaan en publiceren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page).to_have_url(re.compile(r"/verslagen/[a-z0-9-]+$"))
    main = page.locator("main")
    # Every section of the template, in order; the ones left empty say so.
    headings = main.locator(".report-section h2")
    expect(headings).to_have_text(list(SECTIONS))
    for section in texts:
        expect(main.get_by_role("region", name=section, exact=True)).not_to_contain_text(
            "Niet ingevuld"
        )
    expect(main.get_by_role("listitem").filter(has_text="vaste mentoren")).to_be_visible()
    expect(main.get_by_role("region", name="Observaties", exact=True)).to_contain_text(
        "Niet ingevuld."
    )
    expect(main).not_to_contain_text("concept")

    # Published: the proeftuin's page lists it.
    report_url = page.url
    page.goto("/proeftuinen/graduaat-logistiek-schelde")
    page.get_by_role("link", name=title).click()
    expect(page).to_have_url(report_url)
    screenshot(page, "3-coordinator-publiceert-bezoekverslag")


def test_member_searches_filters_by_facet_and_opens_a_practice(signed_in):
    """The header search box, a facet, and a good practice from the results."""
    page = signed_in("member")
    search = page.get_by_role("search").first.get_by_role("searchbox")
    search.fill("mentor")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"/zoeken\?q=mentor$"))
    expect(page.locator(".search-count")).to_contain_text("voor “mentor”")
    everything = _count(page.locator(".search-count").inner_text())

    facets = page.locator(".search-facets")
    facets.get_by_role("link", name="Goede praktijk").click()
    expect(page).to_have_url(re.compile(r"type=practice"))
    expect(facets.locator(".facet-selected")).to_have_text("Goede praktijk")
    practices = _count(page.locator(".search-count").inner_text())
    assert 0 < practices < everything
    hits = page.locator(".search-hit")
    expect(hits.first).to_be_visible()
    assert hits.count() <= practices
    for index in range(hits.count()):
        expect(hits.nth(index).locator(".badge")).to_have_text("Goede praktijk")

    first = hits.first.get_by_role("link")
    title = first.inner_text()
    first.click()
    expect(page).to_have_url(re.compile(r"/praktijken/[a-z0-9-]+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator("main")).to_contain_text(re.compile("mentor", re.IGNORECASE))
    screenshot(page, "4-lid-zoekt-en-opent-goede-praktijk")


def _count(text: str) -> int:
    match = re.match(r"(\d+) resulta", text)
    assert match, text
    return int(match.group(1))


def test_member_replies_to_a_recommendation_with_a_stance(signed_in):
    """A reply with a stance; the tally counts it."""
    page = signed_in("member")
    page.goto("/aanbevelingen")
    page.get_by_role("link", name=re.compile("leervergoeding voor duale studenten")).first.click()
    expect(page).to_have_url(
        re.compile(r"/aanbevelingen/leervergoeding-studenten-hoger-onderwijs$")
    )
    tally = {stance: int(page.locator(f"#tally-{stance}").inner_text()) for stance in STANCES}
    replies = page.locator("article.reply").count()

    form = page.locator("#reageren")
    form.get_by_role("radio", name="Oneens").check()
    text = f"Een vaste vergoeding past niet bij elke sector ({uuid.uuid4().hex[:6]})."
    form.get_by_label("Je reactie", exact=True).fill(text)
    form.get_by_role("button", name="Reactie plaatsen").click()

    reply = page.locator("article.reply").filter(has_text=text)
    expect(reply).to_be_visible()
    expect(reply.locator(".stance-badge")).to_have_text("Oneens")
    expect(page.locator("#tally-oneens")).to_have_text(str(tally["oneens"] + 1))
    expect(page.locator("#tally-eens")).to_have_text(str(tally["eens"]))
    expect(page.locator("#tally-neutraal")).to_have_text(str(tally["neutraal"]))
    expect(page.locator("article.reply")).to_have_count(replies + 1)
    reply.scroll_into_view_if_needed()
    screenshot(page, "5-lid-reageert-met-standpunt")


def test_coordinator_puts_a_product_on_the_slotsessies_productenmarkt(
    signed_in, new_context, live_server
):
    """The product form, a bad link refused in Dutch with nothing lost, then publishing:
    visitors find the product on the market, its proeftuin and the slotsessie."""
    page = signed_in("coordinator")
    page.goto("/producten")
    page.get_by_role("link", name="Nieuw product").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nieuw product")
    title = f"Checklist eerste werkdag {uuid.uuid4().hex[:6]}"
    page.get_by_label("Titel", exact=True).fill(title)
    page.get_by_label("Soort product").select_option(label="Sjabloon")
    page.get_by_label("Korte beschrijving").fill("Wat een mentor regelt voor dag één.")
    page.get_by_label("Link", exact=True).fill("ftp://bestanden.example/checklist.pdf")
    page.get_by_label("Proeftuin", exact=True).select_option("graduaat-logistiek-schelde")
    page.get_by_label("Mentoren", exact=True).check()
    page.get_by_label("Slotsessie lerend netwerk duaal leren met productenmarkt").check()
    page.get_by_role("button", name="Opslaan en publiceren").click()
    expect(page.locator(".field.has-error")).to_contain_text("begint met https://")
    expect(page.get_by_label("Titel", exact=True)).to_have_value(title)
    expect(page.get_by_label("Mentoren", exact=True)).to_be_checked()

    page.get_by_label("Link", exact=True).fill("https://bestanden.example/checklist.pdf")
    page.get_by_role("button", name="Opslaan en publiceren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator("main")).to_contain_text("Duaal graduaat Logistiek in de haven")
    expect(page.get_by_role("link", name="Naar het product")).to_have_attribute(
        "href", "https://bestanden.example/checklist.pdf"
    )

    visitor = new_context().new_page()
    visitor.goto("/producten?soort=sjabloon&thema=mentoren")
    visitor.get_by_role("link", name=title).click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(title)
    visitor.goto("/sessies/slotsessie-lerend-netwerk-2023")
    market = visitor.get_by_role("region", name="Productenmarkt")
    expect(market.get_by_role("link", name=title)).to_be_visible()
    visitor.goto("/proeftuinen/graduaat-logistiek-schelde")
    expect(visitor.get_by_role("link", name=title)).to_be_visible()
    screenshot(visitor, "coordinator-zet-product-op-de-productenmarkt")
