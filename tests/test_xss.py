"""XSS payloads in every Markdown field never survive into the HTML."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from conftest import login
from lerend_netwerk.extensions import db
from lerend_netwerk.markdown import render_markdown

PAYLOADS = [
    "<script>alert('xss-1')</script>",
    "<img src=x onerror=\"alert('xss-2')\">",
    "[klik](javascript:alert('xss-3'))",
    "<a href=\"javascript:alert('xss-4')\">link</a>",
    '<iframe src="https://evil.example/xss-5"></iframe>',
    "<svg onload=\"alert('xss-6')\"></svg>",
    "<style>body{display:none}</style>xss-7",
    "<div style=\"background:url(javascript:alert('xss-8'))\">x</div>",
    "![x](javascript:alert('xss-9'))",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgneHNzJyk8L3NjcmlwdD4=">xss-10</a>',
    "<details open ontoggle=alert('xss-11')>",
    "<form action=https://evil.example><button>xss-12</button></form>",
]
BODY = "\n\n".join(["Inleiding", *PAYLOADS, "## Aanpak", "Slot"])

FORBIDDEN_TAGS = {"iframe", "svg", "style", "object", "embed", "math"}


class _Inspector(HTMLParser):
    """Collects what a browser would execute: tags and attributes, not escaped text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}>")
        if tag == "script" and not (values.get("src") or "").startswith("/static/"):
            self.problems.append("inline <script>")
        if tag == "form" and not (values.get("action") or "/").startswith("/"):
            self.problems.append(f"form to {values.get('action')}")
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.problems.append(f"{tag} {name}=")
            if name in ("href", "src", "action", "formaction") and value:
                scheme = value.strip().lower()
                if scheme.startswith(("javascript:", "data:", "vbscript:")):
                    self.problems.append(f"{tag} {name}={value[:30]}")


def assert_clean(html: str) -> None:
    inspector = _Inspector()
    inspector.feed(html)
    assert inspector.problems == []


@pytest.mark.parametrize("payload", PAYLOADS)
def test_render_markdown_neutralises_each_payload(payload):
    assert_clean(str(render_markdown(payload)))


def test_links_get_nofollow_noopener():
    html = str(render_markdown("[site](https://example.be)"))
    assert 'rel="nofollow noopener"' in html


def test_pages_with_markdown_fields_are_clean(
    client,
    make_user,
    make_theme,
    make_organisation,
    make_proeftuin,
    make_meeting,
    make_practice,
    make_report,
    make_recommendation,
):
    from lerend_netwerk.agenda.models import Registration
    from lerend_netwerk.recommendations.models import Post

    coordinator = make_user("coordinator", bio=BODY)
    theme = make_theme(slug="xss-thema", body=BODY)
    org = make_organisation(slug="xss-org", body=BODY)
    proeftuin = make_proeftuin(slug="xss-proeftuin", body=BODY, themes=[theme], organisations=[org])
    meeting = make_meeting(slug="xss-sessie", body=BODY, report=BODY, themes=[theme])
    make_practice(slug="xss-praktijk", body=BODY, summary=PAYLOADS[1], themes=[theme])
    make_report(slug="xss-verslag", body=BODY, proeftuin=proeftuin)
    thread = make_recommendation(slug="xss-aanbeveling", body=BODY, theme=theme)
    db.session.add(Post(recommendation=thread, author=coordinator, stance="eens", body=BODY))
    db.session.add(Registration(meeting=meeting, user=coordinator, status="confirmed"))
    db.session.commit()
    login(client, coordinator)
    pages = [
        "/",
        "/sessies",
        f"/sessies/{meeting.slug}",
        "/praktijken",
        "/praktijken/xss-praktijk",
        "/verslagen/xss-verslag",
        "/proeftuinen/xss-proeftuin",
        "/aanbevelingen",
        "/aanbevelingen/xss-aanbeveling",
        "/themas/xss-thema",
        "/organisaties",
        f"/leden/{coordinator.id}",
        "/zoeken?q=inleiding",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_clean(response.get_data(as_text=True))
