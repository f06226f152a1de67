"""Accessibility in the browser: axe-core on every main page, the keyboard, focus, labels, lang.

axe-core is vendored in tests/browser/vendor/axe.min.js (MPL-2.0, from the npm registry,
see vendor/README.md) so CI needs no npm. Playwright's add_script_tag() inserts an inline
script, which the site's strict Content-Security-Policy (script-src 'self') refuses; the
axe runs therefore use browser contexts created with bypass_csp=True. Only these scans do:
the journeys, the keyboard checks and the comfort tests run under the real CSP, and any
script the CSP refuses there fails the test (see conftest.PageProblems).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import AXE_SCRIPT, PASSWORD, RolePages

pytestmark = pytest.mark.browser

# (who is signed in, path): who is None for a visitor.
PAGES = [
    (None, "/"),
    (None, "/sessies"),
    (None, "/sessies/intervisie-werkplekken-browsertest"),
    (None, "/sessies/maand"),
    (None, "/proeftuinen"),
    (None, "/proeftuinen/graduaat-logistiek-schelde"),
    (None, "/praktijken"),
    (None, "/praktijken/mentoropleiding-in-drie-avonden"),
    (None, "/producten"),
    (None, "/producten/toolkit-matchingdag"),
    (None, "/sessies/slotsessie-lerend-netwerk-2023"),
    (None, "/zoeken?q=mentor"),
    (None, "/aanbevelingen"),
    (None, "/aanbevelingen/leervergoeding-studenten-hoger-onderwijs"),
    (None, "/login"),
    ("member", "/sessies/intervisie-werkplekken-browsertest"),
    ("member", "/verslagen/bezoek-graduaat-logistiek-schelde"),
    ("member", "/aanbevelingen/leervergoeding-studenten-hoger-onderwijs"),
    ("member", "/account"),
    ("member", "/leden"),
    ("coordinator", "/indicatoren"),
    ("coordinator", "/verslagen/nieuw"),
    ("coordinator", "/sessies/nieuw"),
    ("coordinator", "/producten/nieuw"),
    ("coordinator", "/producten/werkplekcharter-basisscholen/bewerken"),
    ("coordinator", "/sessies/intervisie-werkplekken-browsertest"),
    ("coordinator", "/sessies/intervisie-werkplekken-browsertest/bericht"),
    ("coordinator", "/sessies/intervisie-werkplekken-browsertest/kopieren"),
    ("coordinator", "/sessies/intervisie-werkplekken-browsertest/aanwezigheidslijst"),
]
BLOCKING = ("serious", "critical")


@pytest.fixture(scope="module")
def axe_pages(browser: Any, live_server: Any) -> Iterator[RolePages]:
    """One page per role, in contexts that bypass the CSP so that axe can be injected."""
    pages = RolePages(browser, live_server, bypass_csp=True)
    yield pages
    pages.close()


def run_axe(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations on the current page."""
    page.add_script_tag(path=str(AXE_SCRIPT))
    result = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map((n) => ({
                    target: n.target.join(" "), html: n.html, summary: n.failureSummary,
                })),
            }));
        }"""
    )
    return result


def describe(violations: list[dict[str, Any]]) -> str:
    """The violations, one block each, readable in a test report."""
    lines = []
    for violation in violations:
        impact, rule = violation["impact"], violation["id"]
        lines.append(f"[{impact}] {rule}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:8]:
            lines.append(f"    at {node['target']}")
            lines.append(f"       {node['html'][:160]}")
            for summary_line in (node["summary"] or "").splitlines():
                lines.append(f"       {summary_line}")
        if len(violation["nodes"]) > 8:
            lines.append(f"    ... and {len(violation['nodes']) - 8} more")
    return "\n".join(lines)


@pytest.mark.parametrize(("who", "path"), PAGES, ids=[f"{w or 'bezoeker'}:{p}" for w, p in PAGES])
def test_main_page_is_accessible(axe_pages: RolePages, who: str | None, path: str) -> None:
    """Flemish Dutch, a title, one h1, and no serious or critical axe-core violations."""
    page = axe_pages.page(who)
    response = page.goto(path)
    assert response.status == 200, f"{path}: {response.status}"
    assert page.evaluate("document.documentElement.lang") == "nl-BE"
    assert page.title().strip(), f"{path} has no title"
    assert page.locator("h1").count() == 1, f"{path} should have exactly one h1"
    violations = run_axe(page)
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"axe-core on {path} as {who or 'visitor'}:\n" + describe(blocking)
    # Moderate and minor findings are reported, not fatal.
    if violations:
        print(json.dumps([(v["id"], v["impact"], len(v["nodes"])) for v in violations]))


def test_login_form_works_with_the_keyboard(page: Any, live_server: Any) -> None:
    """Tab from the top: the skip link first; then the fields in order; Enter submits."""
    page.goto("/login")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Naar de inhoud")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    email = page.get_by_label("E-mailadres")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "email":
            break
    expect(email).to_be_focused()
    page.keyboard.type(live_server.email("member"))
    page.keyboard.press("Tab")
    expect(page.get_by_label("Wachtwoord", exact=True)).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Aangemeld blijven")).to_be_focused()
    page.keyboard.press("Space")
    expect(page.get_by_label("Aangemeld blijven")).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Aanmelden")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".flash")).to_contain_text(f"Welkom, {live_server.name('member')}.")
    expect(page.get_by_role("button", name="Afmelden")).to_be_visible()


def _focus_by_tab(page: Any, selector: str, limit: int = 40) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


@pytest.mark.parametrize(
    "selector",
    [".main-nav a", "main a", "main button, main select", "#header-q"],
    ids=["menu-link", "content-link", "control", "search-field"],
)
def test_keyboard_focus_is_visible(page: Any, selector: str) -> None:
    """What has the keyboard focus gets a clear outline."""
    page.goto("/sessies")
    _focus_by_tab(page, selector)
    style = page.evaluate(
        """() => {
            const s = getComputedStyle(document.activeElement);
            return {style: s.outlineStyle, width: parseFloat(s.outlineWidth)};
        }"""
    )
    assert style["style"] not in ("none", "hidden"), style
    assert style["width"] >= 2, style


# Pages with forms: every field a person can fill in has a label.
FORM_PAGES = [
    (None, "/login"),
    (None, "/wachtwoord-vergeten"),
    (None, "/sessies"),
    (None, "/zoeken?q=mentor"),
    (None, "/praktijken"),
    (None, "/producten"),
    ("coordinator", "/producten/nieuw"),
    ("member", "/sessies/intervisie-werkplekken-browsertest"),
    ("member", "/aanbevelingen/leervergoeding-studenten-hoger-onderwijs"),
    ("member", "/account"),
    ("member", "/account/profiel"),
    ("member", "/leden"),
    ("coordinator", "/verslagen/nieuw"),
    ("coordinator", "/sessies/nieuw"),
    ("coordinator", "/indicatoren"),
    ("coordinator", "/aanbevelingen/nieuw"),
    ("coordinator", "/sessies/intervisie-werkplekken-browsertest"),
    ("coordinator", "/sessies/intervisie-werkplekken-browsertest/bericht"),
    ("coordinator", "/sessies/intervisie-werkplekken-browsertest/kopieren"),
    (None, "/sessies/maand"),
]

UNLABELLED_FIELDS = """() => {
    const fields = document.querySelectorAll(
        "input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea");
    const missing = [];
    for (const el of fields) {
        const labelled = (el.labels && Array.from(el.labels).some((l) => l.textContent.trim()))
            || (el.getAttribute("aria-label") || "").trim()
            || (el.getAttribute("aria-labelledby") || "").split(/\\s+/).some(
                (id) => id && document.getElementById(id)
                    && document.getElementById(id).textContent.trim());
        if (!labelled) missing.push(el.outerHTML.slice(0, 160));
    }
    return {count: fields.length, missing};
}"""


@pytest.mark.parametrize(
    ("who", "path"), FORM_PAGES, ids=[f"{w or 'bezoeker'}:{p}" for w, p in FORM_PAGES]
)
def test_every_field_has_a_label(axe_pages: RolePages, who: str | None, path: str) -> None:
    page = axe_pages.page(who)
    page.goto(path)
    fields = page.evaluate(UNLABELLED_FIELDS)
    assert fields["count"] > 0, f"no fields on {path}"
    assert not fields["missing"], f"fields without a label on {path}:\n" + "\n".join(
        fields["missing"]
    )
