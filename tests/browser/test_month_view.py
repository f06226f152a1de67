"""The month view of the agenda in Chromium: a calendar grid at 1280 px, a list of the
days with sessions at 375 px, nothing wider than the screen, every session reached and
opened by keyboard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from .conftest import screenshot

pytestmark = pytest.mark.browser

SESSION_TITLE = "Intervisie: werkplekken delen tussen opleidingen"
PHONE = {"width": 375, "height": 740}


def _month_path() -> str:
    # The seeded intervision starts nine days from now (tests/browser/conftest.py).
    starts = datetime.now(UTC) + timedelta(days=9)
    return f"/sessies/maand?maand={starts:%Y-%m}"


def _tab_to(page: Any, name: str, limit: int = 120) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if name in (page.evaluate("document.activeElement.textContent") or ""):
            return
    raise AssertionError(f"{name!r} is not reachable with Tab")


@pytest.mark.parametrize("width", [375, 1280])
def test_month_view_fits_and_opens_a_session_by_keyboard(new_context: Any, width: int) -> None:
    options = {"viewport": PHONE} if width == 375 else {}
    if width == 375:
        options.update(is_mobile=True, has_touch=True)
    page = new_context(**options).new_page()
    page.goto(_month_path())
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    link = page.get_by_role("link", name=SESSION_TITLE)
    assert link.is_visible()
    if width == 1280:
        # A grid: seven columns of equal width, the session in the column of its weekday.
        headers = page.locator(".month-calendar thead th")
        assert headers.count() == 7 and headers.first.is_visible()
        cell = page.locator("td.has-sessions", has=link).first
        column = cell.evaluate("td => td.cellIndex")
        weekday = (datetime.now(UTC) + timedelta(days=9)).weekday()  # 12:30 UTC: same day
        assert column == weekday
        assert cell.bounding_box()["width"] < 1280 / 6
    else:
        # A list: only the days with sessions, each with its full date, one under the other.
        assert not page.locator(".month-calendar thead").is_visible()
        visible_days = page.locator("td.month-day:visible")
        assert visible_days.count() == page.locator("td.has-sessions:not(.is-outside)").count()
        assert page.locator("td.has-sessions .month-full").first.is_visible()
        week = page.locator("tr:has(td.has-sessions)").first
        label = week.evaluate("tr => getComputedStyle(tr, '::before').content")
        assert label.startswith('"Week van ')
        box = link.bounding_box()
        assert box["width"] > 300 and box["height"] >= 24  # a big target for a thumb
    screenshot(page, f"agenda-maand-{width}")
    _tab_to(page, SESSION_TITLE)
    page.keyboard.press("Enter")
    page.wait_for_url("**/sessies/intervisie-werkplekken-browsertest")
    assert page.locator("h1").inner_text() == SESSION_TITLE


def test_list_and_month_view_link_to_each_other(new_context: Any) -> None:
    page = new_context().new_page()
    page.goto("/sessies?soort=intervisie")
    page.get_by_role("link", name="Bekijk de agenda per maand").click()
    page.wait_for_url("**/sessies/maand?soort=intervisie")
    assert page.get_by_role("option", name="Intervisie", exact=True).evaluate("o => o.selected")
    page.get_by_role("link", name="Volgende maand →").click()
    assert "soort=intervisie" in page.url
    page.get_by_role("link", name="Lijst", exact=True).click()
    page.wait_for_url("**/sessies?soort=intervisie")


def test_attendance_list_is_styled_for_print(signed_in: Any) -> None:
    """The print view's stylesheet loads under the Content-Security-Policy."""
    page = signed_in("coordinator")
    page.goto("/sessies/intervisie-werkplekken-browsertest/aanwezigheidslijst")
    cell = page.locator("th", has_text="Handtekening")
    assert cell.evaluate("th => getComputedStyle(th).borderTopStyle") == "solid"
    page.emulate_media(media="print")
    assert not page.locator(".screen-only").is_visible()


def test_the_slug_follows_the_title_until_it_is_edited(signed_in: Any) -> None:
    page = signed_in("coordinator")
    page.goto("/sessies/nieuw")
    page.get_by_label("Titel").fill("Netwerkmoment Oost-Vlaanderen: één dag")
    slug = page.get_by_label("Korte naam in de link")
    assert slug.input_value() == "netwerkmoment-oost-vlaanderen-een-dag"
    slug.fill("netwerkmoment-ov")
    page.get_by_label("Titel").fill("Iets anders")
    assert slug.input_value() == "netwerkmoment-ov"
