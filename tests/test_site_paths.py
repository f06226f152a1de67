"""Links in mails, feeds and notices come from the URL map, also outside a request."""

from __future__ import annotations

from flask import url_for

from lerend_netwerk.calendar import links
from lerend_netwerk.core.templating import absolute_url, site_path


def test_site_path_outside_a_request_matches_url_for_inside_one(app):
    endpoints = [
        ("agenda.detail", {"slug": "kick-off"}),
        ("calendar.session_feed", {"slug": "kick-off"}),
        ("calendar.personal_feed", {"token": "abc_DEF-1"}),
        ("recommendations.detail", {"slug": "leervergoeding", "page": 2}),
        ("recommendations.unfollow_link", {"token": "a.b-c_d"}),
    ]
    with app.app_context():
        outside = [site_path(endpoint, **values) for endpoint, values in endpoints]
    with app.test_request_context("/"):
        inside = [url_for(endpoint, **values) for endpoint, values in endpoints]
    assert outside == inside
    assert outside[0] == "/sessies/kick-off"
    assert outside[3] == "/aanbevelingen/leervergoeding?page=2"


def test_calendar_links_follow_the_routes(app):
    app.config["SITE_URL"] = "https://lerend-netwerk.example.be/"
    with app.app_context():
        assert links.session_url("kick-off") == "https://lerend-netwerk.example.be/sessies/kick-off"
        assert links.session_ics_url("kick-off").endswith("/sessies/kick-off.ics")
        assert links.personal_feed_url("t0k3n").endswith("/agenda/persoonlijk/t0k3n.ics")
        assert absolute_url("agenda.detail", slug="x") == (
            "https://lerend-netwerk.example.be/sessies/x"
        )
