"""A second network's home and agenda in Chromium, at 375 and 1280 px: its name and
accent colour in the header, its own sessions, nothing that scrolls sideways.

Screenshots land in artifacts/screenshots/ (look-375-netwerk-*.png, look-1280-netwerk-*.png).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from .conftest import DESKTOP, screenshot

pytestmark = pytest.mark.browser

SLUG = "pof-west-browsertest"
TITLE = "POF West-Vlaanderen"
COLOUR = "#1a7f5a"
# This module's own sessions (removed again afterwards; the live server is shared).
SESSIONS = {
    "westhoek-mentordag-netwerktest": "Mentordag Westhoek",
    "brugge-infoavond-netwerktest": "Infoavond ouders Brugge",
}
PHONE = {"width": 375, "height": 740}
SIZES = {
    "375": {"viewport": PHONE, "device_scale_factor": 2, "is_mobile": True, "has_touch": True},
    "1280": {"viewport": DESKTOP},
}


@pytest.fixture(scope="module")
def second_network(live_server: Any) -> Iterator[str]:
    from sqlalchemy import delete

    from lerend_netwerk.agenda.models import Meeting
    from lerend_netwerk.networks.models import Network
    from lerend_netwerk.practices.models import Practice

    starts = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=9)
    with live_server.database() as session:
        network = Network(
            slug=SLUG,
            title=TITLE,
            summary="Scholen, bedrijven en de provincie bouwen samen duaal leren uit.",
            region="West-Vlaanderen",
            levels=["secundair"],
            colour=COLOUR,
            position=5,
        )
        session.add(network)
        session.flush()
        for n, (slug, title) in enumerate(SESSIONS.items()):
            session.add(
                Meeting(
                    slug=slug,
                    title=title,
                    kind="netwerkmoment",
                    starts_at=starts + timedelta(days=n),
                    ends_at=starts + timedelta(days=n, hours=2),
                    location="Brugge",
                    network_id=network.id,
                )
            )
        session.add(
            Practice(
                slug="leerwerkbank-browsertest",
                title="Leerwerkbank voor de bouw",
                summary="Een werkplek die de school en drie aannemers delen.",
                network_id=network.id,
            )
        )
    yield SLUG
    with live_server.database() as session:
        session.execute(delete(Meeting).where(Meeting.slug.in_(SESSIONS)))
        session.execute(delete(Practice).where(Practice.slug == "leerwerkbank-browsertest"))
        session.execute(delete(Network).where(Network.slug == SLUG))


def _header_looks_like_the_network(page: Any) -> None:
    assert page.locator(".brand-name").inner_text() == TITLE
    border = page.evaluate(
        "getComputedStyle(document.querySelector('.site-header')).borderBottomColor"
    )
    assert border == "rgb(26, 127, 90)", border


@pytest.mark.parametrize("size", list(SIZES))
def test_a_second_networks_home_and_agenda(
    new_context: Any, second_network: str, size: str
) -> None:
    page = new_context(**SIZES[size]).new_page()
    width = SIZES[size]["viewport"]["width"]

    response = page.goto(f"/n/{second_network}/")
    assert response.status == 200
    assert page.locator("main h1").inner_text() == TITLE
    _header_looks_like_the_network(page)
    main = page.locator("main").inner_text()
    assert "Mentordag Westhoek" in main and "Leerwerkbank voor de bouw" in main
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"look-{size}-netwerk-home")

    response = page.goto(f"/n/{second_network}/sessies")
    assert response.status == 200
    _header_looks_like_the_network(page)
    cards = page.locator(".agenda-cards .card h2").all_inner_texts()
    assert cards == ["Mentordag Westhoek", "Infoavond ouders Brugge"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"look-{size}-netwerk-agenda")

    # The card leads to the session under the network's address.
    page.get_by_role("link", name="Mentordag Westhoek").click()
    page.wait_for_url(f"**/n/{second_network}/sessies/westhoek-mentordag-netwerktest")
    assert page.locator("main h1").inner_text() == "Mentordag Westhoek"

    # Heel Vlaanderen: the demo's sessions and the network's, each card with its network.
    page.goto(f"/n/{second_network}/sessies")
    page.get_by_role("link", name="Heel Vlaanderen").click()
    page.wait_for_url("**/sessies?netwerk=alle")
    labels = page.locator(".agenda-cards .network-label").all_inner_texts()
    assert TITLE in labels and len(set(labels)) >= 2, labels
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"look-{size}-vlaanderen-agenda")


@pytest.mark.parametrize("size", list(SIZES))
def test_the_demos_regional_network(new_context: Any, size: str) -> None:
    """The demo content's second network, as a visitor finds it from /netwerken."""
    page = new_context(**SIZES[size]).new_page()
    width = SIZES[size]["viewport"]["width"]
    page.goto("/netwerken")
    page.get_by_role("link", name="Overlegforum duaal leren Leiestreek").click()
    page.wait_for_url("**/n/duaal-so-leiestreek/")
    assert page.locator("main h1").inner_text() == "Overlegforum duaal leren Leiestreek"
    border = page.evaluate(
        "getComputedStyle(document.querySelector('.site-header')).borderBottomColor"
    )
    assert border == "rgb(46, 125, 79)", border
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"look-{size}-demo-netwerk-home")
    page.goto("/n/duaal-so-leiestreek/sessies")
    assert page.locator(".agenda-cards .card").count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"look-{size}-demo-netwerk-agenda")
