"""A second network's pages: URLs under /n/<slug>/, redirects, canonical links, its look,
the agenda of one network or all, feeds per network, the search facet and the API."""

from __future__ import annotations

import pytest

from lerend_netwerk.extensions import db
from lerend_netwerk.networks.models import DEFAULT_NETWORK_SLUG, Network

WEST = "pof-west-vlaanderen"


@pytest.fixture
def west(app):
    network = Network(
        slug=WEST,
        title="POF West-Vlaanderen",
        summary="Het provinciaal overlegforum duaal leren in West-Vlaanderen.",
        region="West-Vlaanderen",
        levels=["secundair"],
        colour="#1A7f5a",
        position=1,
    )
    db.session.add(network)
    db.session.commit()
    return network


@pytest.fixture
def two_agendas(west, make_meeting):
    home = make_meeting(slug="intervisie-ho", title="Intervisie hoger onderwijs")
    there = make_meeting(slug="mentoropleiding-brugge", title="Mentoropleiding Brugge")
    there.network_id = west.id
    db.session.commit()
    return home, there


def test_a_network_has_its_pages_under_its_slug(client, two_agendas):
    page = client.get(f"/n/{WEST}/sessies")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Mentoropleiding Brugge" in html
    assert "Intervisie hoger onderwijs" not in html
    assert f'href="/n/{WEST}/sessies/mentoropleiding-brugge"' in html
    assert client.get(f"/n/{WEST}/sessies/mentoropleiding-brugge").status_code == 200
    assert client.get(f"/n/{WEST}/").status_code == 200
    assert client.get(f"/n/{WEST}/praktijken").status_code == 200
    assert client.get(f"/n/{WEST}/aanbevelingen").status_code == 200
    assert client.get(f"/n/{WEST}/proeftuinen").status_code == 200
    assert client.get("/n/geen-netwerk/sessies").status_code == 404


def test_the_default_network_keeps_its_urls(client, two_agendas):
    html = client.get("/sessies").get_data(as_text=True)
    assert "Intervisie hoger onderwijs" in html
    assert "Mentoropleiding Brugge" not in html
    assert 'href="/sessies/intervisie-ho"' in html
    response = client.get(f"/n/{DEFAULT_NETWORK_SLUG}/sessies?thema=x")
    assert response.status_code == 301
    assert response.headers["Location"] == "/sessies?thema=x"
    response = client.get(f"/n/{DEFAULT_NETWORK_SLUG}/")
    assert response.status_code == 301 and response.headers["Location"] == "/"


def test_a_document_redirects_to_its_own_network(client, two_agendas):
    response = client.get("/sessies/mentoropleiding-brugge")
    assert response.status_code == 301
    assert response.headers["Location"] == f"/n/{WEST}/sessies/mentoropleiding-brugge"
    response = client.get(f"/n/{WEST}/sessies/intervisie-ho")
    assert response.status_code == 301
    assert response.headers["Location"] == "/sessies/intervisie-ho"


def test_links_point_to_the_documents_own_network(client, two_agendas, make_practice, west):
    practice = make_practice(slug="leerwerkplek-brugge", title="Leerwerkplek in Brugge")
    practice.network_id = west.id
    db.session.commit()
    html = client.get("/sessies?netwerk=alle").get_data(as_text=True)
    assert 'href="/sessies/intervisie-ho"' in html
    assert f'href="/n/{WEST}/sessies/mentoropleiding-brugge"' in html
    html = client.get("/praktijken?netwerk=alle").get_data(as_text=True)
    assert f'href="/n/{WEST}/praktijken/leerwerkplek-brugge"' in html
    response = client.get("/praktijken/leerwerkplek-brugge")
    assert response.headers["Location"] == f"/n/{WEST}/praktijken/leerwerkplek-brugge"
    home = client.get(f"/n/{WEST}/").get_data(as_text=True)
    assert "Mentoropleiding Brugge" in home and "Leerwerkplek in Brugge" in home
    assert "Intervisie hoger onderwijs" not in home


def test_the_agenda_of_all_of_flanders_labels_each_card(client, two_agendas):
    html = client.get("/sessies?netwerk=alle").get_data(as_text=True)
    assert "Intervisie hoger onderwijs" in html and "Mentoropleiding Brugge" in html
    assert f'<a href="/sessies?netwerk={WEST}">POF West-Vlaanderen</a>' in html
    assert 'id="f-netwerk"' in html
    # One network chosen with the filter: only its sessions.
    html = client.get(f"/sessies?netwerk={WEST}").get_data(as_text=True)
    assert "Mentoropleiding Brugge" in html and "Intervisie hoger onderwijs" not in html
    # The switch on every agenda.
    html = client.get(f"/n/{WEST}/sessies").get_data(as_text=True)
    assert 'href="/sessies?netwerk=alle"' in html


def test_the_practice_library_of_flanders_has_a_network_facet(
    client, west, make_practice, make_user
):
    make_practice(slug="praktijk-ho", title="Praktijk hoger onderwijs")
    there = make_practice(slug="praktijk-west", title="Praktijk West")
    hidden = make_practice(slug="praktijk-leden", title="Praktijk voor leden", visibility="members")
    there.network_id = hidden.network_id = west.id
    db.session.commit()
    html = client.get("/praktijken").get_data(as_text=True)
    assert "Praktijk hoger onderwijs" in html and "Praktijk West" not in html
    html = client.get("/praktijken?netwerk=alle").get_data(as_text=True)
    assert "Praktijk hoger onderwijs" in html and "Praktijk West" in html
    assert "Praktijk voor leden" not in html
    assert f'<option value="{WEST}">POF West-Vlaanderen (1)</option>' in html
    html = client.get(f"/n/{WEST}/praktijken").get_data(as_text=True)
    assert "Praktijk West" in html and "Praktijk hoger onderwijs" not in html


def test_a_network_looks_like_itself(client, two_agendas, west):
    html = client.get(f"/n/{WEST}/sessies").get_data(as_text=True)
    assert f'class="site-header network-header network-{west.id}"' in html
    assert 'href="/netwerken.css?v=' in html
    css = client.get("/netwerken.css").get_data(as_text=True)
    assert css == f".network-{west.id} {{ --accent: #1a7f5a; --network-accent: #1a7f5a; }}\n"
    assert '<span class="brand-name">POF West-Vlaanderen</span>' in html
    assert f'href="/n/{WEST}/praktijken"' in html  # the menu stays in the network
    default = client.get("/sessies").get_data(as_text=True)
    assert "netwerken.css" not in default and 'href="/praktijken"' in default


# At most 7 characters: the column's length on PostgreSQL.
@pytest.mark.parametrize("colour", ["red;}a{", "#12345", "1a7f5a0", "url(x)", "#12g456", "#fff"])
def test_only_a_valid_colour_reaches_the_css(client, west, colour):
    west.colour = colour
    west.logo = "javascript:alert(1)"
    db.session.commit()
    html = client.get(f"/n/{WEST}/sessies").get_data(as_text=True)
    assert "javascript:" not in html
    assert client.get("/netwerken.css").get_data(as_text=True) == "\n"


def test_a_logo_is_shown_from_the_site_or_https(client, west):
    west.logo = "https://example.be/logo.png"
    db.session.commit()
    html = client.get(f"/n/{WEST}/").get_data(as_text=True)
    assert '<img class="brand-logo" src="https://example.be/logo.png"' in html


def test_the_networks_overview(client, west):
    html = client.get("/netwerken").get_data(as_text=True)
    assert f'href="/n/{WEST}/"' in html
    from lerend_netwerk.levels import LEVEL_LABELS

    assert f"West-Vlaanderen · {LEVEL_LABELS['secundair']}" in html
    assert 'href="/"' in html
    assert "Het provinciaal overlegforum duaal leren in West-Vlaanderen." in html


def test_a_networks_home_shows_its_coordinators_to_members(client, west, make_user):
    from conftest import login
    from lerend_netwerk.networks.models import NetworkMembership

    coordinator = make_user(name="Katrien Vandamme")
    db.session.add(
        NetworkMembership(network_id=west.id, user_id=coordinator.id, role="coordinator")
    )
    db.session.commit()
    assert "Katrien Vandamme" not in client.get(f"/n/{WEST}/").get_data(as_text=True)
    login(client, make_user())
    assert "Katrien Vandamme" in client.get(f"/n/{WEST}/").get_data(as_text=True)


# --- feeds ---------------------------------------------------------------------------


def _uids(data: bytes) -> set[str]:
    from icalclients import both

    readings = both(data)
    found = [{event["summary"] for event in reading["events"]} for reading in readings]
    assert found[0] == found[1]
    return found[0]


def test_feeds_per_network_and_across(client, two_agendas):
    home, there = two_agendas
    assert _uids(client.get("/agenda.ics").data) == {home.title}
    network_feed = client.get(f"/n/{WEST}/agenda.ics")
    assert network_feed.status_code == 200
    assert _uids(network_feed.data) == {there.title}
    text = network_feed.get_data(as_text=True)
    assert f"/n/{WEST}/sessies/mentoropleiding-brugge" in text.replace("\r\n ", "")
    assert "X-WR-CALNAME:POF West-Vlaanderen" in text
    assert _uids(client.get("/agenda.ics?netwerk=alle").data) == {home.title, there.title}
    # The default network's /n/ address is its plain one.
    moved = client.get(f"/n/{DEFAULT_NETWORK_SLUG}/agenda.ics")
    assert moved.status_code == 301 and moved.headers["Location"] == "/agenda.ics"


def test_feed_caches_are_kept_per_network(client, two_agendas):
    first = client.get(f"/n/{WEST}/agenda.ics")
    second = client.get("/agenda.ics")
    assert first.headers["ETag"] != second.headers["ETag"]
    again = client.get(f"/n/{WEST}/agenda.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    other = client.get("/agenda.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert other.status_code == 200


def test_the_personal_feed_spans_every_network(client, two_agendas, make_user):
    from lerend_netwerk.agenda.models import Registration

    home, there = two_agendas
    member = make_user()
    db.session.add_all(
        [
            Registration(meeting=home, user=member, status="confirmed"),
            Registration(meeting=there, user=member, status="confirmed"),
        ]
    )
    db.session.commit()
    data = client.get(f"/agenda/persoonlijk/{member.calendar_token}.ics").data
    assert _uids(data) == {home.title, there.title}
    assert f"/n/{WEST}/sessies/mentoropleiding-brugge" in data.decode().replace("\r\n ", "")


# --- search and the API --------------------------------------------------------------


def test_search_spans_networks_with_a_network_facet(app, client, two_agendas):
    from lerend_netwerk.search.service import reindex

    reindex(app)
    data = client.get("/api/v1/search?q=mentoropleiding").get_json()
    (hit,) = data["results"]
    assert hit["url"].endswith(f"/n/{WEST}/sessies/mentoropleiding-brugge")
    everything = client.get("/api/v1/search?type=session").get_json()
    assert everything["facets"]["network"] == {DEFAULT_NETWORK_SLUG: 1, WEST: 1}
    only = client.get(f"/api/v1/search?type=session&network={WEST}").get_json()
    assert [r["slug"] for r in only["results"]] == ["mentoropleiding-brugge"]
    html = client.get("/zoeken?type=session").get_data(as_text=True)
    assert f'href="/zoeken?type=session&amp;network={WEST}"' in html
    assert f'href="/n/{WEST}/sessies/mentoropleiding-brugge"' in html


def test_the_api_lists_sessions_of_one_network_or_all(client, two_agendas):
    data = client.get("/api/v1/sessions").get_json()
    by_slug = {s["slug"]: s for s in data["sessions"]}
    assert by_slug["intervisie-ho"]["network"] == DEFAULT_NETWORK_SLUG
    assert by_slug["mentoropleiding-brugge"]["network"] == WEST
    assert by_slug["mentoropleiding-brugge"]["url"].endswith(
        f"/n/{WEST}/sessies/mentoropleiding-brugge"
    )
    one = client.get(f"/api/v1/sessions?network={WEST}").get_json()
    assert [s["slug"] for s in one["sessions"]] == ["mentoropleiding-brugge"]
    assert f"network={WEST}" in one["links"]["self"]
    assert client.get("/api/v1/sessions?network=onbekend").status_code == 404
    detail = client.get("/api/v1/sessions/mentoropleiding-brugge").get_json()
    assert detail["network"] == WEST
    spec = client.get("/api/v1/openapi.json").get_json()
    names = [p["name"] for p in spec["paths"]["/api/v1/sessions"]["get"]["parameters"]]
    assert "network" in names


def test_the_network_map_is_read_once_per_change(app, client, west, two_agendas):
    from lerend_netwerk.networks import context

    with app.test_request_context():
        first = context.network_map()
        assert context.network_map() is first
    with app.test_request_context():
        assert context.network_map() is first
    west.title = "POF West"
    db.session.commit()
    with app.test_request_context():
        assert context.network_map() is not first
        assert context.network_map().by_slug[WEST].title == "POF West"


def test_doc_url_takes_plain_data_too(app, west):
    from lerend_netwerk.networks.context import doc_url

    with app.test_request_context():
        assert (
            doc_url("recommendations.detail", {"slug": "een-debat"}) == "/aanbevelingen/een-debat"
        )


def test_the_productenmarkt_of_one_network_or_all(client, west, make_product):
    make_product(slug="toolkit-ho", title="Toolkit hoger onderwijs")
    there = make_product(slug="brochure-brugge", title="Brochure voor ouders in Brugge")
    there.network_id = west.id
    db.session.commit()
    html = client.get("/producten").get_data(as_text=True)
    assert "Toolkit hoger onderwijs" in html and "Brochure voor ouders" not in html
    html = client.get(f"/n/{WEST}/producten").get_data(as_text=True)
    assert "Brochure voor ouders" in html and "Toolkit hoger onderwijs" not in html
    assert f'href="/n/{WEST}/producten/brochure-brugge"' in html
    html = client.get("/producten?netwerk=alle").get_data(as_text=True)
    assert "Brochure voor ouders" in html and "Toolkit hoger onderwijs" in html
    assert "POF West-Vlaanderen" in html
    response = client.get("/producten/brochure-brugge")
    assert response.status_code == 301
    assert response.headers["Location"] == f"/n/{WEST}/producten/brochure-brugge"


def test_a_hidden_document_of_another_network_is_a_404_not_a_redirect(client, west, make_practice):
    practice = make_practice(slug="intern-brugge", title="Interne praktijk", visibility="network")
    practice.network_id = west.id
    db.session.commit()
    # The redirect to /n/<west>/… would tell a visitor the slug exists, and where.
    assert client.get("/praktijken/intern-brugge").status_code == 404
    assert client.get(f"/n/{WEST}/praktijken/intern-brugge").status_code == 404
