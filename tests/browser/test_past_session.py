"""A past session of the demo content, as a visitor and a member see it in Chromium."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import RolePages, screenshot

pytestmark = pytest.mark.browser

# Public, ended, with a public verslag in content/.
PAST = "/sessies/slotsessie-lerend-netwerk-2023"
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 740}}


@pytest.fixture(scope="module", params=list(WIDTHS))
def role_pages(request, browser: Any, live_server: Any):
    pages = RolePages(browser, live_server, viewport=WIDTHS[request.param])
    yield request.param, pages
    pages.close()


@pytest.mark.parametrize("who", [None, "member"])
def test_past_session_shows_its_report_and_no_registration(role_pages, who) -> None:
    width, pages = role_pages
    page = pages.page(who)
    assert page.goto(PAST).status == 200
    text = page.locator("main").inner_text()
    # No seats left to show (the products of its productenmarkt may well be "vrij te
    # gebruiken").
    assert re.search(r"\bnog \d+ (plaatsen |plaats )?vrij\b", text, re.IGNORECASE) is None
    assert "zodra je ingeschreven bent" not in text
    assert page.get_by_role("button", name="Inschrijven").count() == 0
    assert page.get_by_role("heading", name="Verslag", exact=True).is_visible()
    assert "Productenmarkt" in page.locator("#verslag").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width]["width"]
    screenshot(page, f"sessie-voorbij-{who or 'bezoeker'}-{width}")
