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
