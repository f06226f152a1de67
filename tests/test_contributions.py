"""Contributions on the template: submitting, the review workflow, what acceptance creates."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from conftest import login, post_form
from lerend_netwerk.auth.models import User
from lerend_netwerk.contributions.models import (
    PRACTICE_SECTIONS,
    UPDATE_SECTIONS,
    Contribution,
)
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.practices.models import Practice
from lerend_netwerk.proeftuinen.models import VisitReport
from lerend_netwerk.proeftuinen.sections import field_name, split_sections
from lerend_netwerk.timeutil import to_local


def practice_form(**overrides) -> dict:
    data = {
        "title": "Mentorenopleiding in drie avonden",
        "summary": "Mentoren leren in drie avonden feedback geven.",
        "aanpak": "Drie avonden op de campus.",
        "wat_werkte": "- oefenen met echte casussen\r\n- kleine groepen",
        "valkuilen": "Te laat plannen.",
        "contact": "An Peeters, an@example.be",
    }
    data.update(overrides)
    return data


def update_form(**overrides) -> dict:
    data = {"title": "Projectupdate voorjaar", "summary": "", "uitdagingen": "Roosters."}
    data.update(overrides)
    return data


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


@pytest.fixture
def proeftuin(make_proeftuin, make_theme):
    mentoren = make_theme(title="Mentoren", slug="mentoren")
    make_theme(title="Financiering", slug="financiering")
    return make_proeftuin(slug="leie", title="Informatica Leie", themes=[mentoren])


@pytest.fixture
def member(make_user, proeftuin):
    return make_user(name="An Peeters", proeftuinen=[proeftuin])


@pytest.fixture
def coordinator_client(app, make_user):
    client = app.test_client()
    login(client, make_user(role="coordinator", name="Coördinator Co"))
    return client


def submit(client, kind="goede-praktijk", proeftuin="leie", data=None):
    data = data if data is not None else practice_form()
    return post_form(client, f"/bijdragen/nieuw/{kind}/{proeftuin}", data)


# --- submitting --------------------------------------------------------------------


def test_member_submits_a_good_practice_on_the_template(client, member, proeftuin):
    login(client, member)
    page = client.get("/bijdragen/nieuw/goede-praktijk/leie").get_data(as_text=True)
    for name in PRACTICE_SECTIONS:
        assert f'for="{field_name(name)}"' in page
    assert 'value="mentoren" checked' in page or 'checked id="themes-' in page

    response = submit(client, data={**practice_form(), "themes": ["mentoren", "financiering"]})
    assert response.status_code == 302
    contribution = db.session.scalar(select(Contribution))
    assert response.headers["Location"] == f"/bijdragen/{contribution.id}"
    assert contribution.kind == "practice" and contribution.status == "submitted"
    assert contribution.author_id == member.id and contribution.proeftuin_id == proeftuin.id
    assert sorted(t.slug for t in contribution.themes) == ["financiering", "mentoren"]
    assert contribution.body == (
        "## Aanpak\n\nDrie avonden op de campus.\n\n"
        "## Wat werkte\n\n- oefenen met echte casussen\n- kleine groepen\n\n"
        "## Valkuilen\n\nTe laat plannen.\n\n"
        "## Contact\n\nAn Peeters, an@example.be"
    )
    mine = client.get("/bijdragen").get_data(as_text=True)
    assert "Mentorenopleiding in drie avonden" in mine and "Ingediend" in mine


def test_project_update_uses_the_report_template(client, member, proeftuin):
    login(client, member)
    page = client.get("/bijdragen/nieuw/projectupdate/leie").get_data(as_text=True)
    for name in UPDATE_SECTIONS:
        assert f'for="{field_name(name)}"' in page
    response = submit(
        client, "projectupdate", data=update_form(perceptie_regelgeving="Meer ruimte.")
    )
    assert response.status_code == 302
    contribution = db.session.scalar(select(Contribution))
    assert contribution.kind == "update"
    assert split_sections(contribution.body) == {
        "Uitdagingen": "Roosters.",
        "Perceptie regelgeving": "Meer ruimte.",
    }


@pytest.mark.parametrize(
    "kind,data,message",
    [
        ("goede-praktijk", practice_form(summary=""), "Dit veld is vereist"),
        ("goede-praktijk", practice_form(aanpak=" "), "Vul dit onderdeel in."),
        ("goede-praktijk", practice_form(title=""), "Dit veld is vereist"),
        ("projectupdate", update_form(uitdagingen=""), "Vul minstens één onderdeel"),
        ("goede-praktijk", practice_form(themes=["bestaat-niet"]), "Ongeldige keuze"),
    ],
)
def test_incomplete_input_is_refused(client, member, proeftuin, kind, data, message):
    login(client, member)
    response = submit(client, kind, data=data)
    assert response.status_code == 400
    assert count(Contribution) == 0
    assert response.get_data(as_text=True).count('class="error"') >= 1


def test_unknown_kind_and_proeftuin_are_404(client, member, proeftuin):
    login(client, member)
    assert client.get("/bijdragen/nieuw/roddel/leie").status_code == 404
    assert client.get("/bijdragen/nieuw/goede-praktijk/bestaat-niet").status_code == 404


def test_choice_page_offers_only_own_proeftuinen(client, member, make_proeftuin):
    make_proeftuin(slug="andere", title="Andere proeftuin")
    login(client, member)
    page = client.get("/bijdragen/nieuw").get_data(as_text=True)
    assert "/bijdragen/nieuw/goede-praktijk/leie" in page
    assert "/bijdragen/nieuw/projectupdate/leie" in page
    assert "/andere" not in page and "Andere proeftuin" not in page


def test_proeftuin_page_invites_its_members_only(client, member, proeftuin, make_user):
    login(client, member)
    page = client.get("/proeftuinen/leie").get_data(as_text=True)
    assert "/bijdragen/nieuw/goede-praktijk/leie" in page
    other = client.application.test_client()
    login(other, make_user())
    assert "/bijdragen/nieuw/" not in other.get("/proeftuinen/leie").get_data(as_text=True)


# --- the review workflow -----------------------------------------------------------


def test_changes_requested_then_resubmitted_then_accepted_as_practice(
    client, member, proeftuin, coordinator_client
):
    login(client, member)
    submit(client, data={**practice_form(), "themes": ["mentoren"]})
    contribution = db.session.scalar(select(Contribution))
    cid = contribution.id

    queue = coordinator_client.get("/bijdragen/beoordelen").get_data(as_text=True)
    assert "Mentorenopleiding in drie avonden" in queue and "Te beoordelen (1)" in queue

    # The author cannot edit while it waits for review.
    assert client.get(f"/bijdragen/{cid}/bewerken").status_code == 403

    response = post_form(
        coordinator_client,
        f"/bijdragen/{cid}/wijzigingen-vragen",
        {"changes-comment": "Voeg een **contactpersoon** toe."},
    )
    assert response.status_code == 302
    db.session.refresh(contribution)
    assert contribution.status == "changes_requested"
    assert contribution.review_comment == "Voeg een **contactpersoon** toe."
    assert contribution.reviewed_at is not None

    mine = client.get("/bijdragen").get_data(as_text=True)
    assert "Aanpassingen gevraagd" in mine and f"/bijdragen/{cid}/bewerken" in mine
    page = client.get(f"/bijdragen/{cid}").get_data(as_text=True)
    assert "<strong>contactpersoon</strong>" in page

    form_page = client.get(f"/bijdragen/{cid}/bewerken").get_data(as_text=True)
    assert "Drie avonden op de campus.</textarea>" in form_page
    assert "<strong>contactpersoon</strong>" in form_page
    response = post_form(
        client,
        f"/bijdragen/{cid}/bewerken",
        {**practice_form(contact="Bel An: 050 12 34 56"), "themes": ["mentoren"]},
    )
    assert response.status_code == 302
    db.session.refresh(contribution)
    assert contribution.status == "resubmitted" and contribution.resubmitted_at is not None
    assert "Bel An: 050 12 34 56" in contribution.body
    # Once resubmitted, the author waits again.
    assert client.get(f"/bijdragen/{cid}/bewerken").status_code == 403

    response = post_form(
        coordinator_client,
        f"/bijdragen/{cid}/aanvaarden",
        {"accept-visibility": "members", "accept-slug": ""},
    )
    assert response.status_code == 302
    db.session.refresh(contribution)
    assert contribution.status == "accepted"
    practice = db.session.get(Practice, contribution.practice_id)
    assert practice.slug == "mentorenopleiding-in-drie-avonden"
    assert practice.title == "Mentorenopleiding in drie avonden"
    assert practice.summary == "Mentoren leren in drie avonden feedback geven."
    assert practice.status == "published" and practice.published_at is not None
    assert practice.visibility == "members"
    assert practice.proeftuin_id == proeftuin.id and practice.level == "hoger-onderwijs"
    assert [t.slug for t in practice.themes] == ["mentoren"]
    assert split_sections(practice.body, PRACTICE_SECTIONS)["Contact"] == "Bel An: 050 12 34 56"

    page = client.get(f"/bijdragen/{cid}").get_data(as_text=True)
    assert "Aanvaard" in page and f"/praktijken/{practice.slug}" in page
    assert "Aanvaard" in client.get("/bijdragen").get_data(as_text=True)


def test_accepted_update_becomes_a_published_report(client, member, proeftuin, coordinator_client):
    login(client, member)
    submit(
        client,
        "projectupdate",
        data=update_form(summary="Een jaar later.", doelstellingen="Groeien."),
    )
    contribution = db.session.scalar(select(Contribution))
    response = post_form(
        coordinator_client,
        f"/bijdragen/{contribution.id}/aanvaarden",
        {"accept-visibility": "public", "accept-slug": "update-leie-2023"},
    )
    assert response.status_code == 302
    db.session.refresh(contribution)
    report = db.session.get(VisitReport, contribution.report_id)
    assert report.slug == "update-leie-2023"
    assert report.status == "published" and report.published_at is not None
    assert report.visibility == "public" and report.proeftuin_id == proeftuin.id
    assert report.author_id == member.id
    assert report.body == (
        "Een jaar later.\n\n## Doelstellingen\n\nGroeien.\n\n## Sterke punten\n\n"
        "## Uitdagingen\n\nRoosters.\n\n## Observaties\n\n## Aanbevelingen\n\n"
        "## Toekomstperspectieven\n\n## Thema's voor intervisie\n\n## Perceptie regelgeving"
    )
    anonymous = client.application.test_client()
    page = anonymous.get("/verslagen/update-leie-2023").get_data(as_text=True)
    assert "Groeien." in page and "Roosters." in page
    assert "/verslagen/update-leie-2023" in anonymous.get("/proeftuinen/leie").get_data(
        as_text=True
    )
    overview = coordinator_client.get("/verslagen/overzicht?sectie=Uitdagingen")
    assert "Roosters." in overview.get_data(as_text=True)


def test_accepted_update_is_a_project_update_not_a_visit(
    client, member, proeftuin, coordinator_client, make_report
):
    make_report(
        proeftuin=proeftuin,
        slug="bezoek-leie",
        title="Bezoek Leie",
        visited=date(2023, 1, 12),
        published_at=datetime(2023, 1, 20, 9, tzinfo=UTC),
    )
    login(client, member)
    submit(client, "projectupdate", data=update_form(title="Update van de Leie"))
    contribution = db.session.scalar(select(Contribution))
    post_form(
        coordinator_client,
        f"/bijdragen/{contribution.id}/aanvaarden",
        {"accept-visibility": "public", "accept-slug": "update-leie"},
    )
    report = db.session.scalar(select(VisitReport).where(VisitReport.slug == "update-leie"))
    assert report.kind == "update"

    page = coordinator_client.get("/proeftuinen/leie").get_data(as_text=True)
    visits, _, updates = page.partition('<h2 id="updates-titel">Projectupdates</h2>')
    assert "/verslagen/bezoek-leie" in visits and "/verslagen/update-leie" not in visits
    assert "/verslagen/update-leie" in updates and "bezoek van" not in updates
    detail = coordinator_client.get("/verslagen/update-leie").get_data(as_text=True)
    assert "Projectupdate van de proeftuin" in detail and "Bezoek van" not in detail

    # One visit (January 2023) and one project update (today) in the indicators.
    from lerend_netwerk.indicators import periods, service

    today = to_local(utcnow()).date()
    coordinator = db.session.scalar(select(User).where(User.role == "coordinator"))
    visit_year = service.build_report(periods.academic_year(2022), None, coordinator).figures
    assert (visit_year.proeftuinen_visited, visit_year.updates_published) == (1, 0)
    this_year = service.build_report(periods.custom(today, today), None, coordinator).figures
    assert (this_year.proeftuinen_visited, this_year.reports_published) == (0, 0)
    assert this_year.updates_published == 1


def test_decline_with_reason(client, member, proeftuin, coordinator_client):
    login(client, member)
    submit(client)
    contribution = db.session.scalar(select(Contribution))
    response = post_form(
        coordinator_client,
        f"/bijdragen/{contribution.id}/afwijzen",
        {"decline-reason": "Dit staat al in de bibliotheek."},
    )
    assert response.status_code == 302
    db.session.refresh(contribution)
    assert contribution.status == "declined"
    page = client.get(f"/bijdragen/{contribution.id}").get_data(as_text=True)
    assert "Afgewezen" in page and "Dit staat al in de bibliotheek." in page
    assert client.get(f"/bijdragen/{contribution.id}/bewerken").status_code == 403

    # A decided contribution cannot be accepted any more.
    response = post_form(
        coordinator_client,
        f"/bijdragen/{contribution.id}/aanvaarden",
        {"accept-visibility": "public"},
    )
    assert response.status_code == 302
    db.session.refresh(contribution)
    assert contribution.status == "declined" and count(Practice) == 0
    assert "niet in behandeling" in coordinator_client.get(
        f"/bijdragen/{contribution.id}"
    ).get_data(as_text=True)


@pytest.mark.parametrize(
    "path,data",
    [
        ("wijzigingen-vragen", {"changes-comment": "  "}),
        ("afwijzen", {"decline-reason": ""}),
        ("aanvaarden", {"accept-visibility": "iedereen"}),
        ("aanvaarden", {"accept-visibility": "public", "accept-slug": "Geen Slug"}),
    ],
)
def test_review_needs_a_comment_and_valid_choices(
    client, member, proeftuin, coordinator_client, path, data
):
    login(client, member)
    submit(client)
    contribution = db.session.scalar(select(Contribution))
    response = post_form(coordinator_client, f"/bijdragen/{contribution.id}/{path}", data)
    assert response.status_code == 400
    db.session.refresh(contribution)
    assert contribution.status == "submitted" and count(Practice) == 0


def test_accept_with_a_taken_slug_changes_nothing(
    client, member, proeftuin, coordinator_client, make_practice
):
    make_practice(slug="bezet")
    login(client, member)
    submit(client)
    contribution = db.session.scalar(select(Contribution))
    response = post_form(
        coordinator_client,
        f"/bijdragen/{contribution.id}/aanvaarden",
        {"accept-visibility": "public", "accept-slug": "bezet"},
    )
    assert response.status_code == 302
    db.session.refresh(contribution)
    assert contribution.status == "submitted" and count(Practice) == 1
    page = coordinator_client.get(f"/bijdragen/{contribution.id}").get_data(as_text=True)
    assert "al in gebruik" in page


def test_generated_practice_slug_avoids_existing_ones(
    client, member, proeftuin, coordinator_client, make_practice
):
    make_practice(slug="mentorenopleiding-in-drie-avonden")
    login(client, member)
    submit(client)
    contribution = db.session.scalar(select(Contribution))
    post_form(
        coordinator_client,
        f"/bijdragen/{contribution.id}/aanvaarden",
        {"accept-visibility": "public"},
    )
    db.session.refresh(contribution)
    assert contribution.practice.slug == "mentorenopleiding-in-drie-avonden-2"


def test_contribution_text_is_sanitised(client, member, proeftuin, coordinator_client):
    login(client, member)
    submit(client, data=practice_form(aanpak="<script>alert(1)</script>Gewoon **vet**"))
    contribution = db.session.scalar(select(Contribution))
    for c in (client, coordinator_client):
        page = c.get(f"/bijdragen/{contribution.id}").get_data(as_text=True)
        assert "<script>alert(1)</script>" not in page and "<strong>vet</strong>" in page


def test_queue_sections(client, member, proeftuin, coordinator_client):
    login(client, member)
    for title in ("Eerste", "Tweede", "Derde"):
        submit(client, data=practice_form(title=title))
    first, second, _third = db.session.scalars(select(Contribution).order_by(Contribution.id))
    post_form(coordinator_client, f"/bijdragen/{first.id}/afwijzen", {"decline-reason": "Nee."})
    post_form(
        coordinator_client,
        f"/bijdragen/{second.id}/wijzigingen-vragen",
        {"changes-comment": "Meer uitleg."},
    )
    page = coordinator_client.get("/bijdragen/beoordelen").get_data(as_text=True)
    assert "Te beoordelen (1)" in page
    assert "Wacht op aanpassing door de indiener (1)" in page
    assert page.index("Derde") < page.index("Tweede") < page.index("Eerste")


# --- authorisation matrix ----------------------------------------------------------

ROLES = ["anonymous", "member_this", "member_other", "coordinator", "admin"]
LOGIN = "login"
MATRIX = {
    # action: expected per role (anonymous, member_this, member_other, coordinator, admin)
    "submit_form": (LOGIN, 200, 403, 200, 200),
    "submit_post": (LOGIN, 302, 403, 302, 302),
    "mine": (LOGIN, 200, 200, 200, 200),
    "review_queue": (LOGIN, 403, 403, 200, 200),
    "read_someone_elses": (LOGIN, 404, 404, 200, 200),
    "edit_someone_elses": (LOGIN, 404, 404, 404, 404),
    "request_changes": (LOGIN, 403, 403, 302, 302),
    "accept": (LOGIN, 403, 403, 302, 302),
    "decline": (LOGIN, 403, 403, 302, 302),
}


@pytest.fixture
def matrix_world(make_proeftuin):
    this = make_proeftuin(slug="deze-proeftuin")
    other = make_proeftuin(slug="andere-proeftuin")
    # Someone else's contribution (the author left: no account to hash a password for).
    contribution = Contribution(
        kind="practice",
        proeftuin=this,
        author=None,
        title="Van iemand anders",
        summary="Samenvatting.",
        body="## Aanpak\n\nZo.",
        status="submitted",
    )
    db.session.add(contribution)
    db.session.commit()
    return {"this": this, "other": other, "contribution": contribution}


def sign_in_as(client, make_user, role, this, other):
    """Sign in as one of the matrix roles (only that user is created: hashing is slow)."""
    if role == "anonymous":
        return None
    if role == "member_this":
        user = make_user(proeftuinen=[this])
    elif role == "member_other":
        user = make_user(proeftuinen=[other])
    else:
        user = make_user(role=role)
    login(client, user)
    return user


def _do(client, world, action):
    cid = world["contribution"].id
    if action == "submit_form":
        return client.get("/bijdragen/nieuw/goede-praktijk/deze-proeftuin")
    if action == "submit_post":
        return submit(client, proeftuin="deze-proeftuin")
    if action == "mine":
        return client.get("/bijdragen")
    if action == "review_queue":
        return client.get("/bijdragen/beoordelen")
    if action == "read_someone_elses":
        return client.get(f"/bijdragen/{cid}")
    if action == "edit_someone_elses":
        return client.get(f"/bijdragen/{cid}/bewerken")
    if action == "request_changes":
        return post_form(client, f"/bijdragen/{cid}/wijzigingen-vragen", {"changes-comment": "X"})
    if action == "accept":
        return post_form(client, f"/bijdragen/{cid}/aanvaarden", {"accept-visibility": "public"})
    if action == "decline":
        return post_form(client, f"/bijdragen/{cid}/afwijzen", {"decline-reason": "Nee."})
    raise AssertionError(action)


@pytest.mark.parametrize("action", list(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_contribution_access_matrix(client, make_user, matrix_world, role, action):
    sign_in_as(client, make_user, role, matrix_world["this"], matrix_world["other"])
    response = _do(client, matrix_world, action)
    expected = MATRIX[action][ROLES.index(role)]
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    else:
        assert response.status_code == expected

    allowed = expected not in (LOGIN, 403, 404)
    contribution = db.session.get(Contribution, matrix_world["contribution"].id)
    expected_status = {
        "request_changes": "changes_requested",
        "accept": "accepted",
        "decline": "declined",
    }
    if action in expected_status:
        assert (contribution.status == expected_status[action]) is allowed
        assert (count(Practice) == 1) is (allowed and action == "accept")
    if action == "submit_post":
        assert count(Contribution) == (2 if allowed else 1)


def test_account_page_partial_lists_own_contributions(app, client, member, proeftuin):
    from flask import render_template_string
    from flask_login import login_user

    login(client, member)
    submit(client)
    with app.test_request_context():
        login_user(member)
        html = render_template_string('{% include "contributions/_account_contributions.html" %}')
    assert "Mijn bijdragen" in html
    assert "Mentorenopleiding in drie avonden" in html and "Ingediend" in html


@pytest.mark.parametrize(
    "step,data,subject,phrase",
    [
        (
            "wijzigingen-vragen",
            {"changes-comment": "Voeg een contactpersoon toe."},
            "Aanpassing gevraagd voor je bijdrage: ",
            "Voeg een contactpersoon toe.",
        ),
        (
            "afwijzen",
            {"decline-reason": "Dit staat al in de bibliotheek."},
            "Je bijdrage werd niet aanvaard: ",
            "Dit staat al in de bibliotheek.",
        ),
        (
            "aanvaarden",
            {"accept-visibility": "public", "accept-slug": ""},
            "Je bijdrage is gepubliceerd: ",
            "http://localhost/praktijken/",
        ),
    ],
)
def test_the_author_is_mailed_the_outcome_of_each_review_step(
    client, member, proeftuin, coordinator_client, step, data, subject, phrase
):
    from lerend_netwerk.mail.models import OutgoingMail

    login(client, member)
    submit(client, data=practice_form())
    contribution = db.session.scalar(select(Contribution))
    response = post_form(coordinator_client, f"/bijdragen/{contribution.id}/{step}", data)
    assert response.status_code == 302
    [mail] = db.session.scalars(select(OutgoingMail)).all()
    assert mail.recipient == member.email
    assert mail.subject == subject + contribution.title
    assert phrase in mail.body_text
    assert f"Dag {member.name}," in mail.body_text
