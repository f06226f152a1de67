"""Comfort people expect: a Markdown preview, pages of long lists, forms that keep what was
typed, Flemish dates and times, a layout that works on a phone, and pages that print well."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from .conftest import PASSWORD, RolePages, screenshot

pytestmark = pytest.mark.browser

WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
MONTHS = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
]


# --- the Markdown editor's preview -------------------------------------------------------


def test_markdown_editor_has_a_preview(signed_in: Any) -> None:
    """Voorbeeld shows the text as it will be published (sanitised); Bewerken goes back."""
    page = signed_in("coordinator")
    page.goto("/sessies/nieuw")
    body = page.get_by_label("Beschrijving", exact=True)
    expect(body).to_have_attribute("data-markdown", "")
    text = (
        "## Programma\n\n- **Welkom** met koffie\n- Intervisie in groepjes\n\n"
        "<script>document.title = 'gehackt'</script>"
        "[Meer info](https://example.org/intervisie)"
    )
    body.fill(text)
    toggle = page.get_by_role("button", name="Voorbeeld van Beschrijving")
    toggle.click()

    preview = page.get_by_role("region", name="Voorbeeld van Beschrijving")
    expect(preview).to_be_visible()
    expect(body).to_be_hidden()
    expect(preview.get_by_role("heading", name="Programma", level=2)).to_be_visible()
    expect(preview.locator("strong")).to_have_text("Welkom")
    expect(preview.get_by_role("listitem")).to_have_count(2)
    link = preview.get_by_role("link", name="Meer info")
    expect(link).to_have_attribute("rel", "nofollow noopener")
    expect(preview.locator("script")).to_have_count(0)
    assert "gehackt" not in page.title()

    page.get_by_role("button", name="Bewerken van Beschrijving").click()
    expect(body).to_be_visible()
    expect(body).to_be_focused()
    expect(body).to_have_value(text)
    expect(preview).to_be_hidden()


def test_every_markdown_field_gets_a_preview_button(signed_in: Any) -> None:
    """The report form has one per template section; the reply form one for the reply."""
    page = signed_in("coordinator")
    page.goto("/verslagen/nieuw")
    areas = page.locator("textarea[data-markdown]")
    expect(areas).to_have_count(9)  # the introduction and the eight sections
    expect(page.get_by_role("button", name=re.compile(r"^Voorbeeld van "))).to_have_count(9)
    page.get_by_label("Sterke punten", exact=True).fill("*Korte lijnen*")
    page.get_by_role("button", name="Voorbeeld van Sterke punten").click()
    expect(
        page.get_by_role("region", name="Voorbeeld van Sterke punten").locator("em")
    ).to_have_text("Korte lijnen")

    page.goto("/aanbevelingen/leervergoeding-studenten-hoger-onderwijs")
    expect(page.get_by_role("button", name="Voorbeeld van Je reactie")).to_be_visible()


def test_forms_work_without_javascript(new_context: Any, live_server: Any) -> None:
    """No script: plain text areas, and the report form's server-side preview."""
    from .conftest import sign_in

    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, live_server, "coordinator")
    page.goto("/verslagen/nieuw")
    expect(page.get_by_role("button", name=re.compile(r"^Voorbeeld van "))).to_have_count(0)
    page.get_by_label("Titel").fill("Bezoek zonder script")
    page.get_by_label("Datum van het bezoek").fill("2026-09-01")
    page.get_by_label("Doelstellingen", exact=True).fill("Een **sterke** start.")
    page.get_by_role("button", name="Voorbeeld", exact=True).click()
    preview = page.locator(".report-preview")
    expect(preview.get_by_role("heading", name="Doelstellingen")).to_be_visible()
    expect(preview.locator("strong")).to_have_text("sterke")
    expect(page.get_by_label("Doelstellingen", exact=True)).to_have_value("Een **sterke** start.")


def test_markdown_preview_endpoint_wants_a_member_and_a_csrf_token(
    new_context: Any, live_server: Any
) -> None:
    """The endpoint the button calls: 400 without a token, sign-in first, then HTML."""
    from .conftest import sign_in

    page = new_context().new_page()
    # A visitor's pages carry no token (they are cached for everybody); a form does.
    page.goto("/login")
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    endpoint = "/markdown/voorbeeld"
    refused = page.request.post(endpoint, form={"text": "**x**"}, max_redirects=0)
    assert refused.status == 400
    visitor = page.request.post(
        endpoint, form={"text": "**x**", "csrf_token": token}, max_redirects=0
    )
    assert visitor.status == 302
    assert "/login" in visitor.headers["location"]

    sign_in(page, live_server, "member")
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    refused = page.request.post(endpoint, form={"text": "**x**"}, max_redirects=0)
    assert refused.status == 400
    answer = page.request.post(endpoint, form={"text": "**x**", "csrf_token": token})
    assert answer.status == 200
    assert answer.text().strip() == "<p><strong>x</strong></p>"
    assert "no-store" in answer.headers["cache-control"]


# --- long lists ---------------------------------------------------------------------------


@pytest.fixture
def many_past_sessions(live_server: Any) -> Iterator[list[str]]:
    """Thirty past public sessions, so that the past agenda needs more than one page."""
    from lerend_netwerk.agenda.models import Meeting

    tag = uuid.uuid4().hex[:6]
    slugs = []
    with live_server.database() as session:
        start = datetime.now(UTC) - timedelta(days=400)
        for n in range(30):
            starts = start + timedelta(days=7 * n)
            slug = f"archief-{tag}-{n:02d}"
            session.add(
                Meeting(
                    slug=slug,
                    title=f"Archiefsessie {n + 1:02d}",
                    kind="webinar",
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=1),
                )
            )
            slugs.append(slug)
    yield slugs
    with live_server.database() as session:
        for meeting in session.scalars(select(Meeting).where(Meeting.slug.in_(slugs))):
            session.delete(meeting)


def _card_titles(page: Any) -> list[str]:
    return page.locator(".cards > li h2, .cards > li h3").all_inner_texts()


def test_past_sessions_paginate(page: Any, many_past_sessions: list[str]) -> None:
    """The past sessions come twenty at a time, newest first."""
    page.goto("/sessies?wanneer=voorbij")
    pagination = page.get_by_role("navigation", name="Paginering")
    expect(pagination).to_contain_text(re.compile(r"Pagina 1 van [2-9]"))
    first = _card_titles(page)
    assert len(first) == 20
    expect(pagination.get_by_role("link", name="← Vorige")).to_have_count(0)
    pagination.get_by_role("link", name="Volgende →").click()
    expect(page).to_have_url(re.compile(r"wanneer=voorbij.*page=2|page=2.*wanneer=voorbij"))
    expect(pagination).to_contain_text("Pagina 2 van")
    second = _card_titles(page)
    assert second and not set(first) & set(second)
    expect(pagination.get_by_role("link", name="← Vorige")).to_be_visible()


def test_practice_library_paginates(signed_in: Any) -> None:
    """A member sees more good practices than fit on one page (twelve)."""
    page = signed_in("member")
    page.goto("/praktijken")
    pagination = page.get_by_role("navigation", name="Paginering")
    expect(pagination).to_contain_text(re.compile(r"Pagina 1 van [2-9]"))
    first = _card_titles(page)
    assert len(first) == 12
    pagination.get_by_role("link", name="Volgende →").click()
    expect(pagination).to_contain_text("Pagina 2 van")
    second = _card_titles(page)
    assert second and not set(first) & set(second)


# --- forms keep what was typed ------------------------------------------------------------


def test_session_form_keeps_what_was_typed_after_an_error(signed_in: Any) -> None:
    """An end before the start: an error at the field, everything else still filled in."""
    page = signed_in("coordinator")
    page.goto("/sessies/nieuw")
    page.get_by_label("Titel").fill("Intervisie over leervergoedingen")
    page.get_by_label("Korte naam in de link").fill("intervisie-leervergoedingen-fout")
    page.get_by_label("Soort sessie").select_option(label="Intervisie")
    page.get_by_label("Beschrijving", exact=True).fill("We vergelijken **drie** modellen.")
    page.get_by_label("Begint op").fill("10/02/2027 14u")
    page.get_by_label("Eindigt op").fill("12u")
    page.get_by_label("Plaats", exact=True).fill("Hogeschool Dender, Aalst")
    page.get_by_label("Aantal plaatsen").fill("18")
    page.get_by_label("Leervergoedingen").check()
    page.get_by_role("button", name="Sessie toevoegen").click()

    expect(page.get_by_role("alert")).to_contain_text("Niet alles is goed ingevuld")
    ends = page.get_by_label("Eindigt op")
    expect(ends).to_have_attribute("aria-invalid", "true")
    error = page.locator("#ends_at-error")
    expect(error).to_have_text("Het einde moet na het begin liggen.")
    assert "ends_at-error" in ends.get_attribute("aria-describedby").split()
    expect(page.get_by_label("Titel")).to_have_value("Intervisie over leervergoedingen")
    expect(page.get_by_label("Korte naam in de link")).to_have_value(
        "intervisie-leervergoedingen-fout"
    )
    expect(page.get_by_label("Soort sessie")).to_have_value("intervisie")
    expect(page.get_by_label("Beschrijving", exact=True)).to_have_value(
        "We vergelijken **drie** modellen."
    )
    expect(page.get_by_label("Begint op")).to_have_value("10/02/2027 14u")
    expect(page.get_by_label("Plaats", exact=True)).to_have_value("Hogeschool Dender, Aalst")
    expect(page.get_by_label("Aantal plaatsen")).to_have_value("18")
    expect(page.get_by_label("Leervergoedingen")).to_be_checked()


def test_login_form_keeps_the_email_after_a_wrong_password(page: Any, live_server: Any) -> None:
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(live_server.email("member"))
    page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD + "x")
    page.get_by_role("button", name="Aanmelden").click()
    expect(page.locator("main .error")).to_contain_text("verkeerd wachtwoord")
    expect(page.get_by_label("E-mailadres")).to_have_value(live_server.email("member"))
    expect(page.get_by_label("Wachtwoord", exact=True)).to_have_value("")


# --- Flemish dates and times --------------------------------------------------------------


def _flemish_span(starts: datetime, ends: datetime) -> str:
    """'dinsdag 10 december 2026, 13:30–16:30', written out independently of the app."""
    local_start = starts.astimezone(ZoneInfo("Europe/Brussels"))
    local_end = ends.astimezone(ZoneInfo("Europe/Brussels"))
    day = (
        f"{WEEKDAYS[local_start.weekday()]} {local_start.day} "
        f"{MONTHS[local_start.month - 1]} {local_start.year}"
    )
    return f"{day}, {local_start:%H:%M}–{local_end:%H:%M}"


def test_times_are_shown_in_flemish_form(page: Any, live_server: Any) -> None:
    """Weekday and month written out in Dutch, 24-hour clock, Brussels time."""
    from lerend_netwerk.agenda.models import Meeting

    with live_server.database() as session:
        meetings = {
            meeting.slug: (meeting.starts_at, meeting.ends_at)
            for meeting in session.scalars(
                select(Meeting).where(
                    Meeting.slug.in_(
                        [
                            "intervisie-werkplekken-browsertest",
                            "intervisie-financiering-begeleiding-2026",
                        ]
                    )
                )
            )
        }
    # Fixed in the demo content: 2026-12-10 13:30 Brussels time.
    starts, ends = meetings["intervisie-financiering-begeleiding-2026"]
    assert _flemish_span(starts, ends) == "donderdag 10 december 2026, 13:30–16:30"
    for slug, (starts, ends) in meetings.items():
        page.goto(f"/sessies/{slug}")
        when = page.locator("dl.facts dt", has_text="Wanneer").locator(
            "xpath=following-sibling::dd[1]"
        )
        expect(when).to_have_text(_flemish_span(starts, ends))
    page.goto("/sessies/intervisie-financiering-begeleiding-2026")
    deadline = page.locator("dl.facts dt", has_text="Inschrijven tot").locator(
        "xpath=following-sibling::dd[1]"
    )
    expect(deadline).to_contain_text("4 december 2026")
    expect(deadline).to_contain_text("23:59")
    expect(deadline).not_to_contain_text(re.compile(r"\b(AM|PM)\b", re.IGNORECASE))


# --- a phone: 375 pixels wide ---------------------------------------------------------------


@pytest.fixture(scope="module")
def phone_pages(browser: Any, live_server: Any) -> Iterator[RolePages]:
    pages = RolePages(
        browser,
        live_server,
        viewport={"width": 375, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    yield pages
    pages.close()


PHONE_PAGES = [
    (None, "/"),
    (None, "/sessies"),
    (None, "/sessies/intervisie-financiering-begeleiding-2026"),
    (None, "/proeftuinen"),
    (None, "/proeftuinen/graduaat-logistiek-schelde"),
    (None, "/praktijken"),
    (None, "/praktijken/mentoropleiding-in-drie-avonden"),
    (None, "/zoeken?q=mentor"),
    (None, "/aanbevelingen"),
    (None, "/aanbevelingen/leervergoeding-studenten-hoger-onderwijs"),
    (None, "/aanbevelingen/eindrapport"),
    (None, "/login"),
    ("member", "/verslagen/bezoek-graduaat-logistiek-schelde"),
    ("member", "/account"),
    ("member", "/leden"),
    ("coordinator", "/indicatoren"),
    ("coordinator", "/verslagen/nieuw"),
    ("coordinator", "/sessies/nieuw"),
]


@pytest.mark.parametrize(
    ("who", "path"), PHONE_PAGES, ids=[f"{w or 'bezoeker'}:{p}" for w, p in PHONE_PAGES]
)
def test_layout_fits_a_phone(phone_pages: RolePages, who: str | None, path: str) -> None:
    """No sideways scrolling at 375 px: wide tables scroll inside their own box."""
    page = phone_pages.page(who)
    response = page.goto(path)
    assert response.status == 200
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > 375:
        culprits = page.evaluate(
            """() => Array.from(document.querySelectorAll("body *"))
                .filter((el) => el.getBoundingClientRect().right > 376)
                .filter((el) => !el.closest(".table-wrap, pre"))
                .slice(0, 8)
                .map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
                    + (el.className && typeof el.className === "string"
                        ? "." + el.className.trim().split(/\\s+/).join(".") : "")
                    + " right=" + Math.round(el.getBoundingClientRect().right))"""
        )
        pytest.fail(f"{path} is {width}px wide at 375px; too wide: {culprits}")


@pytest.fixture(scope="module")
def door_session(live_server: Any) -> str:
    """A session tomorrow with people registered, one checked in and one on the waitlist."""
    from lerend_netwerk.agenda.models import Meeting
    from lerend_netwerk.agenda.registrations import register
    from lerend_netwerk.auth.models import User

    slug = f"intervisie-aan-de-deur-{uuid.uuid4().hex[:6]}"
    starts = (datetime.now(UTC) + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    with live_server.database() as session:
        meeting = Meeting(
            slug=slug,
            title="Intervisie met een lange titel over werkplekleren bij kleine ondernemingen",
            kind="intervisie",
            starts_at=starts,
            ends_at=starts + timedelta(hours=3),
            location="Hogeschool Leie, campus Gent",
            capacity=2,
        )
        session.add(meeting)
        session.flush()
        for key in ("member", "member2", "admin"):
            user = session.scalars(select(User).where(User.email == live_server.email(key))).one()
            registration = register(
                meeting, user, remark="Ik kom iets later: de trein uit Kortrijk komt om 9u40 aan."
            )
            if key == "member":
                registration.checked_in_at = datetime.now(UTC)
    return slug


def test_check_in_page_fits_a_phone(phone_pages: RolePages, door_session: str) -> None:
    """At the door, on a phone: every row and its check-in button without sideways scrolling."""
    page = phone_pages.page("coordinator")
    response = page.goto(f"/sessies/{door_session}/deelnemers")
    assert response.status == 200
    expect(page.locator("main form button", has_text="Aanwezig")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # Nothing scrolls sideways inside its own box either (a table-wrap would hide the button).
    scrollers = page.evaluate(
        """() => Array.from(document.querySelectorAll("main *"))
            .filter((el) => el.clientWidth > 1 && el.scrollWidth > el.clientWidth + 1
                && getComputedStyle(el).overflowX !== "visible")
            .map((el) => el.tagName.toLowerCase() + "." + el.className)"""
    )
    assert scrollers == []
    for button in page.locator("main form button").all():
        box = button.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375, box
    # Two to check in, one to undo the check-in, one to add a walk-in: all measured above.
    expect(page.locator("main form button")).to_have_count(4)
    screenshot(page, "phone-check-in")


# --- printing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "path", "hidden"),
    [
        ("member", "/verslagen/bezoek-graduaat-logistiek-schelde", [".report-toc"]),
        (None, "/aanbevelingen/eindrapport", [".final-toc"]),
    ],
    ids=["bezoekverslag", "eindrapport-aanbevelingen"],
)
def test_reports_print_without_the_site_around_them(
    signed_in: Any, page: Any, who: str | None, path: str, hidden: list[str]
) -> None:
    """The print stylesheet drops header, menu, search, footer and on-screen tools."""
    if who:
        page = signed_in(who)
    page.goto(path)
    header = page.locator(".site-header")
    expect(header).to_be_visible()
    title = page.get_by_role("heading", level=1)
    page.emulate_media(media="print")
    expect(header).to_be_hidden()
    expect(page.get_by_role("navigation", name="Hoofdmenu")).to_be_hidden()
    expect(page.locator(".site-footer")).to_be_hidden()
    expect(page.locator(".skip-link")).to_be_hidden()
    for selector in hidden:
        if page.locator(selector).count():
            expect(page.locator(selector).first).to_be_hidden()
    expect(title).to_be_visible()
    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Georgia" in font
    page.emulate_media(media="screen")
    expect(header).to_be_visible()
