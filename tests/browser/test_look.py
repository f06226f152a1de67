"""The look and the phone layout, measured: at 375 px the page's title and the first result
are on the first screen, nothing scrolls sideways, the menu and the filters fold behind real
buttons that work by keyboard (and without JavaScript), and the header stays one row at 1280 px.

Screenshots of every main page at both widths land in artifacts/screenshots/.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import SCREENSHOT_DIR, RolePages, screenshot
from .test_accessibility import BLOCKING, describe, run_axe

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}
PHONE_OPTIONS = {"viewport": PHONE, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}

# (who, path, the first result's selector or None, screenshot name)
MAIN_PAGES = [
    (None, "/", None, "home"),
    (None, "/sessies", ".agenda-cards .card", "agenda"),
    (None, "/sessies/intervisie-werkplekken-browsertest", None, "sessie"),
    (None, "/proeftuinen", ".cards .card", "proeftuinen"),
    (None, "/proeftuinen/graduaat-logistiek-schelde", None, "proeftuin"),
    (None, "/praktijken", ".practice-cards .card", "praktijken"),
    (None, "/praktijken/mentoropleiding-in-drie-avonden", None, "praktijk"),
    (None, "/producten", ".product-cards .card", "producten"),
    (None, "/producten/toolkit-matchingdag", None, "product"),
    (None, "/sessies/slotsessie-lerend-netwerk-2023", None, "slotsessie"),
    ("coordinator", "/producten/nieuw", None, "product-nieuw"),
    ("coordinator", "/producten/toolkit-matchingdag", None, "product-coordinator"),
    (None, "/zoeken?q=mentor", ".search-hit", "zoeken"),
    (None, "/aanbevelingen", None, "aanbevelingen"),
    (None, "/aanbevelingen/leervergoeding-studenten-hoger-onderwijs", None, "aanbeveling"),
    (None, "/themas", None, "themas"),
    (None, "/themas/werkplekken", None, "thema"),
    (None, "/organisaties/hogeschool-leie", None, "organisatie"),
    (None, "/login", None, "aanmelden"),
    ("member", "/account", None, "account"),
    ("member", "/leden", None, "leden"),
    ("coordinator", "/indicatoren", None, "indicatoren"),
]
IDS = [f"{who or 'bezoeker'}:{path}" for who, path, _, _ in MAIN_PAGES]


@pytest.fixture(scope="module")
def phone(browser: Any, live_server: Any) -> Iterator[RolePages]:
    pages = RolePages(browser, live_server, **PHONE_OPTIONS)
    yield pages
    pages.close()


@pytest.fixture(scope="module")
def phone_axe(browser: Any, live_server: Any) -> Iterator[RolePages]:
    """Phone pages in contexts that bypass the CSP, so that axe can be injected."""
    pages = RolePages(browser, live_server, bypass_csp=True, **PHONE_OPTIONS)
    yield pages
    pages.close()


@pytest.fixture(scope="module")
def desktop(browser: Any, live_server: Any) -> Iterator[RolePages]:
    pages = RolePages(browser, live_server)
    yield pages
    pages.close()


def _top(page: Any, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box, f"{selector} is not on the page"
    return box["y"] + box["height"]


@pytest.mark.parametrize(("who", "path", "first", "name"), MAIN_PAGES, ids=IDS)
def test_phone_shows_title_and_first_result_without_scrolling(
    phone: RolePages, who: str | None, path: str, first: str | None, name: str
) -> None:
    page = phone.page(who)
    response = page.goto(path)
    assert response.status == 200
    assert page.evaluate("window.scrollY") == 0
    title_bottom = _top(page, "main h1")
    assert title_bottom <= PHONE["height"] / 2, f"the title ends {title_bottom}px down"
    if first:
        # The whole first result card, title and date included, not just its top edge.
        card = page.locator(first).first.bounding_box()
        assert card, f"no {first} on {path}"
        heading_bottom = card["y"] + 80
        assert heading_bottom <= PHONE["height"], f"the first result starts {card['y']}px down"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{path} is {width}px wide at 375px"
    screenshot(page, f"look-375-{name}")
    # What a person sees before scrolling.
    page.screenshot(path=str(SCREENSHOT_DIR / f"look-375-{name}-eerste-scherm.png"))


@pytest.mark.parametrize(("who", "path", "first", "name"), MAIN_PAGES, ids=IDS)
def test_desktop_header_is_one_row(
    desktop: RolePages, who: str | None, path: str, first: str | None, name: str
) -> None:
    """At 1280 px the header does not wrap, even with a coordinator's account links."""
    page = desktop.page(who)
    page.goto(path)
    row = page.locator(".header-row").bounding_box()
    brand = page.locator(".brand").bounding_box()
    assert row and brand
    for selector in (".main-nav a", ".header-search input"):
        for item in page.locator(selector).all():
            box = item.bounding_box()
            assert box, selector
            # Every item sits in the brand's row: its vertical middle is inside the brand's box.
            middle = box["y"] + box["height"] / 2
            assert brand["y"] <= middle <= brand["y"] + brand["height"], (selector, box, brand)
    # The account links: one slim line above that row, inside the page's width.
    boxes = [item.bounding_box() for item in page.locator(".account-nav > *").all()]
    assert boxes and all(boxes)
    assert max(b["y"] for b in boxes) - min(b["y"] for b in boxes) < 8, boxes
    assert max(b["y"] + b["height"] for b in boxes) <= brand["y"], (boxes, brand)
    assert max(b["x"] + b["width"] for b in boxes) <= 1280, boxes
    assert row["height"] <= 100, row
    expect(page.locator(".menu-toggle")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    screenshot(page, f"look-1280-{name}")


@pytest.mark.parametrize(
    ("who", "path"),
    [(who, path) for who, path, _, _ in MAIN_PAGES],
    ids=IDS,
)
def test_phone_pages_are_accessible(phone_axe: RolePages, who: str | None, path: str) -> None:
    """axe-core, colour contrast included, also on the phone layout (menu closed and open)."""
    page = phone_axe.page(who)
    page.goto(path)
    violations = [v for v in run_axe(page) if v["impact"] in BLOCKING]
    assert not violations, f"axe-core on {path} at 375px:\n" + describe(violations)
    page.get_by_role("button", name="Menu").click()
    violations = [v for v in run_axe(page) if v["impact"] in BLOCKING]
    assert not violations, f"axe-core on {path} at 375px, menu open:\n" + describe(violations)


def test_menu_button_opens_and_closes_by_keyboard(phone: RolePages) -> None:
    page = phone.page(None)
    page.goto("/praktijken")
    button = page.get_by_role("button", name="Menu")
    agenda = page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Agenda")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(agenda).to_be_hidden()
    # Search is one tap away, also with the menu closed.
    search = page.locator(".site-header").get_by_role("link", name="Zoeken")
    expect(search).to_be_visible()
    for part in (search, search.locator(".icon"), button.locator(".icon")):
        box = part.bounding_box()
        assert box and box["width"] >= 20 and box["height"] >= 20, box

    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('menu-toggle')"):
            break
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(agenda).to_be_visible()
    page.keyboard.press("Tab")
    nav = page.get_by_role("navigation", name="Hoofdmenu")
    expect(nav.get_by_role("link").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_be_focused()
    expect(agenda).to_be_hidden()
    page.keyboard.press("Space")
    expect(button).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Space")
    expect(button).to_have_attribute("aria-expanded", "false")


def test_menu_is_a_plain_list_without_javascript(new_context: Any) -> None:
    page = new_context(java_script_enabled=False, **PHONE_OPTIONS).new_page()
    page.goto("/sessies")
    expect(page.locator(".menu-toggle")).to_be_hidden()
    nav = page.get_by_role("navigation", name="Hoofdmenu")
    for label in ("Agenda", "Proeftuinen", "Goede praktijken", "Aanbevelingen"):
        expect(nav.get_by_role("link", name=label)).to_be_visible()
    # The filters are simply open: nothing to unfold without a script.
    expect(page.get_by_label("Thema")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.mark.parametrize(
    ("path", "field", "active"),
    [
        ("/sessies?thema=werkplekken&soort=intervisie", "Thema", 2),
        ("/praktijken?niveau=hoger-onderwijs", "Sector", 1),
        ("/praktijken", "Sector", 0),
        ("/zoeken?q=mentor&type=practice", None, 1),
        ("/proeftuinen?niveau=hoger-onderwijs", "Organisatie", 1),
        ("/producten?soort=toolkit&niveau=hoger-onderwijs", "Soort", 2),
    ],
    ids=[
        "agenda",
        "bibliotheek",
        "bibliotheek-zonder-filters",
        "zoeken",
        "proeftuinen",
        "producten",
    ],
)
def test_filters_fold_behind_filteren_on_a_phone(
    phone: RolePages, desktop: RolePages, path: str, field: str | None, active: int
) -> None:
    page = phone.page(None)
    page.goto(path)
    summary = page.locator(".filter-panel > summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Filteren")
    if active:
        expect(summary).to_contain_text(f"{active} actief")
    else:
        expect(summary).not_to_contain_text("actief")
    content = page.get_by_label(field) if field else page.locator(".search-facets")
    expect(content).to_be_hidden()
    summary.focus()
    page.keyboard.press("Enter")
    expect(content).to_be_visible()

    wide = desktop.page(None)
    wide.goto(path)
    expect(wide.locator(".filter-panel > summary")).to_be_hidden()
    expect(wide.get_by_label(field) if field else wide.locator(".search-facets")).to_be_visible()


PIXEL = """async (b64) => {
    const img = new Image();
    img.src = "data:image/png;base64," + b64;
    await img.decode();
    const canvas = document.createElement("canvas");
    canvas.width = img.width;
    canvas.height = img.height;
    const context = canvas.getContext("2d");
    context.drawImage(img, 0, 0);
    return Array.from(context.getImageData(4, Math.floor(img.height / 2), 1, 1).data).slice(0, 3);
}"""


TALLY_THREAD = "administratieve-vereenvoudiging-duaal-leren"


@pytest.fixture(scope="module")
def debated_thread(live_server: Any) -> str:
    """A thread with one member agreeing and one disagreeing."""
    from sqlalchemy import select

    from lerend_netwerk.auth.models import User
    from lerend_netwerk.recommendations.replies import add_reply

    with live_server.database() as session:
        for key, stance in (("member", "eens"), ("member2", "oneens")):
            user = session.scalars(select(User).where(User.email == live_server.email(key))).one()
            add_reply(TALLY_THREAD, user, body=f"Ik ben het {stance}.", stance=stance)
    return TALLY_THREAD


def test_tally_bars_take_their_stances_colour(new_context: Any, debated_thread: str) -> None:
    """ "Oneens" is red and "Eens" green: a badge or bar means one thing everywhere."""
    # bypass_csp: the pixel is read back through a data: image, which the CSP refuses.
    page = new_context(bypass_csp=True).new_page()
    page.goto(f"/aanbevelingen/{debated_thread}")
    colours = {}
    for stance in ("eens", "oneens"):
        count = int(page.locator(f"#tally-{stance}").inner_text())
        assert count > 0, stance
        png = page.locator(f".tally-cell.stance-{stance} meter").screenshot()
        colours[stance] = page.evaluate(PIXEL, base64.b64encode(png).decode())
    red, green, _ = colours["oneens"]
    assert red > green + 60, colours
    red, green, _ = colours["eens"]
    assert green > red + 40, colours
