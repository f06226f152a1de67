"""Absolute links come from SITE_URL, never from the Host header a client sends."""

from __future__ import annotations

import pytest

from conftest import CSRF_RE, PASSWORD

EVIL = {"Host": "evil.example"}


def test_api_search_links_start_with_site_url(client, make_practice):
    make_practice(slug="mentoropleiding", title="Mentoropleiding", summary="Mentoren opleiden.")
    response = client.get("/api/v1/search?q=mentoren", headers=EVIL)
    assert response.status_code == 200
    urls = [result["url"] for result in response.get_json()["results"]]
    assert urls == ["http://localhost/praktijken/mentoropleiding"]


def test_agenda_feed_link_starts_with_site_url(client, make_meeting):
    make_meeting(slug="intervisie", visibility="public")
    page = client.get("/sessies", headers=EVIL).get_data(as_text=True)
    assert 'href="http://localhost/agenda.ics"' in page
    assert 'href="webcal://localhost/agenda.ics"' in page


@pytest.mark.parametrize("signed_in", [False, True])
def test_no_page_repeats_the_host_header(client, make_meeting, make_practice, make_user, signed_in):
    make_meeting(slug="intervisie", visibility="public")
    make_practice(slug="mentoropleiding", title="Mentoropleiding", summary="Mentoren opleiden.")
    if signed_in:
        # The cookie jar is per host: sign in through the same forged Host.
        token = CSRF_RE.search(client.get("/login", headers=EVIL).get_data(as_text=True))[1]
        data = {"email": make_user().email, "password": PASSWORD, "csrf_token": token}
        signed = client.post("/login", data=data, headers=EVIL)
        assert signed.status_code == 302
        assert "evil.example" not in signed.headers["Location"]
    paths = [
        "/",
        "/sessies",
        "/sessies/intervisie",
        "/sessies/intervisie.ics",
        "/agenda.ics",
        "/zoeken?q=mentoren",
        "/api/v1/search?q=mentoren",
        "/api/v1/sessions",
        "/api/v1/sessions/intervisie",
        "/api/v1/openapi.json",
        "/praktijken",
    ]
    paths += ["/account", "/account/gegevens.json"] if signed_in else ["/login"]
    for path in paths:
        response = client.get(path, headers=EVIL)
        assert response.status_code == 200, path
        assert "evil.example" not in response.get_data(as_text=True), path
        assert "evil.example" not in response.headers.get("Location", ""), path
