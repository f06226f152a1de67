"""The Markdown editor's preview: POST /markdown/voorbeeld and the data-markdown fields.

The button itself (static/markdown-preview.js) is tested in a browser in
tests/browser/test_comfort.py.
"""

from __future__ import annotations

import pytest

from conftest import csrf_token, login, post_form

URL = "/markdown/voorbeeld"


@pytest.mark.parametrize(
    ("role", "with_token", "status"),
    [
        (None, False, 400),
        (None, True, 302),
        ("member", False, 400),
        ("member", True, 200),
        ("coordinator", False, 400),
        ("coordinator", True, 200),
        ("admin", True, 200),
    ],
)
def test_preview_needs_a_signed_in_account_and_a_csrf_token(
    client, make_user, role, with_token, status
):
    if role:
        login(client, make_user(role=role))
    data = {"text": "**vet**"}
    if with_token:
        data["csrf_token"] = csrf_token(client)
    response = client.post(URL, data=data)
    assert response.status_code == status
    if status == 302:
        assert response.headers["Location"].startswith("/login")
    if status == 200:
        assert response.get_data(as_text=True) == "<p><strong>vet</strong></p>"
        assert response.mimetype == "text/html"
        assert "no-store" in response.headers["Cache-Control"]


def test_preview_is_only_a_post(client, make_user):
    login(client, make_user())
    assert client.get(URL).status_code == 405


def test_preview_is_sanitised_like_the_pages(client, make_user):
    login(client, make_user())
    text = (
        "<script>alert(1)</script><img src=x onerror=alert(2)>\n\n"
        "[klik](javascript:alert(3)) [site](https://example.org)"
    )
    html = post_form(client, URL, {"text": text}).get_data(as_text=True)
    assert "<script" not in html
    assert "<img" not in html
    assert "onerror" not in html
    assert "javascript:" not in html
    assert '<a href="https://example.org" rel="nofollow noopener">site</a>' in html


def test_preview_of_nothing_is_empty_and_of_too_much_is_refused(client, make_user):
    login(client, make_user())
    empty = post_form(client, URL, {"text": ""})
    assert empty.status_code == 200
    assert empty.get_data(as_text=True) == ""
    assert post_form(client, URL, {"text": "x" * 100_001}).status_code == 400


def test_markdown_fields_are_marked_for_the_preview(
    client, make_user, make_proeftuin, make_recommendation, make_meeting
):
    """Every form field whose text is shown as Markdown carries data-markdown."""
    import re

    proeftuin = make_proeftuin(slug="leie")
    thread = make_recommendation()
    login(client, make_user(role="coordinator"))

    def marked(path: str) -> set[str]:
        page = client.get(path)
        assert page.status_code == 200, path
        areas = re.findall(r"<textarea[^>]*>", page.text)
        return {
            re.search(r'\bid="([^"]+)"', area).group(1)
            for area in areas
            if re.search(r"\sdata-markdown[\s>=]", area)
        }

    assert "body" in marked("/sessies/nieuw")
    report_form = marked("/verslagen/nieuw")
    assert {"intro", "doelstellingen", "sterke_punten", "perceptie_regelgeving"} <= report_form
    assert len(report_form) == 9
    assert {"summary", "aanpak"} <= marked(f"/bijdragen/nieuw/goede-praktijk/{proeftuin.slug}")
    assert {"body", "reason"} <= marked(f"/aanbevelingen/{thread.slug}")
    assert "body" in marked("/aanbevelingen/nieuw")
    # A plain-text field is not Markdown: the remark with a registration.
    meeting = make_meeting()
    page = client.get(f"/sessies/{meeting.slug}").text
    assert 'id="remark"' in page
    assert "remark" not in marked(f"/sessies/{meeting.slug}")


def test_preview_is_rate_limited_per_member(app, app_config, make_user):
    from conftest import FreshContextClient
    from lerend_netwerk import create_app
    from lerend_netwerk.extensions import db, limiter

    members = [make_user(), make_user()]
    limited = create_app(
        dict(app_config, RATELIMIT_ENABLED=True, MARKDOWN_PREVIEW_RATE_LIMIT="3 per minute")
    )
    limited.test_client_class = FreshContextClient
    with limited.app_context():
        limiter.reset()
    first, second = limited.test_client(), limited.test_client()
    login(first, members[0])
    login(second, members[1])
    statuses = [post_form(first, URL, {"text": "*x*"}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert post_form(second, URL, {"text": "*x*"}).status_code == 200
    with limited.app_context():
        db.engine.dispose()
