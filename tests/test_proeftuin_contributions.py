"""A proeftuin page lists its contributions: published ones for everybody who may see what
they became, the ones under review for coordinators and the proeftuin's own members."""

from __future__ import annotations

import pytest

from lerend_netwerk.contributions.models import Contribution
from lerend_netwerk.extensions import db
from tests.conftest import login


def _contribution(proeftuin, title, status, author=None, **kw) -> Contribution:
    contribution = Contribution(
        kind=kw.pop("kind", "practice"),
        proeftuin=proeftuin,
        author=author,
        title=title,
        summary="Samenvatting.",
        body="## Aanpak\n\nZo.",
        status=status,
        **kw,
    )
    db.session.add(contribution)
    return contribution


@pytest.fixture
def world(make_proeftuin, make_practice, make_report, make_user):
    here = make_proeftuin(slug="leie", title="Informatica Leie")
    other = make_proeftuin(slug="elders", title="Elders")
    author = make_user(name="An Peeters", proeftuinen=[here])
    public = make_practice(slug="mentorpool", title="Mentorpool", proeftuin=here)
    members_only = make_practice(
        slug="intern-rooster", title="Intern rooster", proeftuin=here, visibility="members"
    )
    update = make_report(
        slug="update-voorjaar", title="Update voorjaar", proeftuin=here, kind="update"
    )
    _contribution(here, "Mentorpool", "accepted", author, practice=public)
    _contribution(here, "Intern rooster", "accepted", author, practice=members_only)
    _contribution(here, "Update voorjaar", "accepted", author, kind="update", report=update)
    _contribution(here, "Nog te bekijken", "submitted", author)
    _contribution(here, "Graag aanpassen", "changes_requested")
    _contribution(here, "Niet weerhouden", "declined", author)
    _contribution(other, "Van elders", "submitted")
    db.session.commit()
    return {"here": here, "other": other, "author": author}


def _section(client) -> str:
    response = client.get("/proeftuinen/leie")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return page.split('id="bijdragen-lijst"', 1)[1].split("</section>", 1)[0]


def test_a_visitor_sees_only_published_public_contributions(client, world):
    section = _section(client)
    assert 'href="/praktijken/mentorpool"' in section
    assert "Intern rooster" not in section
    # Project updates are visit reports: for members only.
    assert "Update voorjaar" not in section
    for hidden in ("Nog te bekijken", "Graag aanpassen", "Niet weerhouden", "Van elders"):
        assert hidden not in section
    assert "/bijdragen/" not in section


def test_a_member_of_another_proeftuin_sees_only_published_ones(client, world, make_user):
    login(client, make_user(proeftuinen=[world["other"]]))
    section = _section(client)
    assert 'href="/praktijken/intern-rooster"' in section
    assert 'href="/verslagen/update-voorjaar"' in section
    for hidden in ("Nog te bekijken", "Graag aanpassen", "Niet weerhouden", "Van elders"):
        assert hidden not in section


def test_members_of_the_proeftuin_see_what_is_under_review(client, world, make_user):
    login(client, make_user(proeftuinen=[world["here"]]))
    section = _section(client)
    assert "Nog te bekijken" in section and "Graag aanpassen" in section
    assert "Aanpassingen gevraagd" in section
    # Someone else's contribution: listed, but only its author and coordinators open it.
    assert "/bijdragen/" not in section
    assert "Niet weerhouden" not in section
    assert "Van elders" not in section


def test_the_author_opens_their_own_and_sees_their_declined_one(client, world):
    login(client, world["author"])
    section = _section(client)
    own = db.session.query(Contribution).filter_by(title="Nog te bekijken").one()
    assert f'href="/bijdragen/{own.id}"' in section
    assert "Niet weerhouden" in section and "Afgewezen" in section
    other = db.session.query(Contribution).filter_by(title="Graag aanpassen").one()
    assert f'href="/bijdragen/{other.id}"' not in section


def test_coordinators_see_every_contribution_of_the_proeftuin(client, world, make_user):
    login(client, make_user(role="coordinator"))
    section = _section(client)
    for title in ("Mentorpool", "Intern rooster", "Update voorjaar", "Nog te bekijken"):
        assert title in section
    declined = db.session.query(Contribution).filter_by(title="Niet weerhouden").one()
    assert f'href="/bijdragen/{declined.id}"' in section
    assert "Van elders" not in section


def test_without_contributions_the_page_says_what_to_do(client, make_proeftuin, make_user):
    proeftuin = make_proeftuin(slug="leie", title="Informatica Leie")
    assert "Nog geen gepubliceerde bijdragen" in _section(client)
    login(client, make_user(proeftuinen=[proeftuin]))
    section = _section(client)
    assert "Nog geen bijdragen van deze proeftuin" in section
    assert "Stuur een goede praktijk of een projectupdate in" in section
