"""Invitations, password reset, profiles, the member directory, privacy and the audit log."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from conftest import PASSWORD, login, post_form
from lerend_netwerk.auth.models import AccountToken, User
from lerend_netwerk.auth.service import send_requested_resets
from lerend_netwerk.core.models import AuditEvent
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.mail.models import OutgoingMail

LINK_RE = re.compile(r"http://localhost(/\S+)")
CSRF_VALUE_RE = re.compile(r'(name="csrf-token" content|name="csrf_token"[^>]*value)="[^"]*"')
NEW_PASSWORD = "paars fietsje onder de brug"


def mails_to(address: str) -> list[OutgoingMail]:
    return list(
        db.session.scalars(
            select(OutgoingMail).where(OutgoingMail.recipient == address).order_by(OutgoingMail.id)
        )
    )


def without_token(response) -> str:
    return CSRF_VALUE_RE.sub("", response.get_data(as_text=True))


def link_in(mail: OutgoingMail) -> str:
    match = LINK_RE.search(mail.body_text)
    assert match, mail.body_text
    return match.group(1)


# --- invitations ----------------------------------------------------------------------


def test_coordinator_invites_a_pasted_list(client, make_user, make_proeftuin, make_organisation):
    coordinator = make_user("coordinator")
    make_user(email="bestaat@example.be")
    proeftuin = make_proeftuin(title="Graduaat Logistiek")
    org = make_organisation(title="Hogeschool Oost")
    login(client, coordinator)
    response = post_form(
        client,
        "/beheer/uitnodigen",
        {
            "addresses": "An Peeters <an@example.be>\nbestaat@example.be\ngeen-adres\n"
            "bo@example.be",
            "role": "member",
            "organisation": str(org.id),
            "proeftuinen": [str(proeftuin.id)],
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "an@example.be" in page and "bo@example.be" in page
    assert "Hebben al een account (1)" in page and "geen-adres" in page
    invited = db.session.scalar(select(User).where(User.email == "an@example.be"))
    assert invited.name == "An Peeters" and invited.password_hash is None
    assert invited.organisation_id == org.id
    assert [p.id for p in invited.proeftuinen] == [proeftuin.id]
    assert len(mails_to("an@example.be")) == 1
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.invited"))


def test_invitation_link_sets_password_once(client, app, make_user):
    coordinator = make_user("coordinator")
    login(client, coordinator)
    post_form(client, "/beheer/uitnodigen", {"addresses": "nieuw@example.be", "role": "member"})
    post_form(client, "/logout")
    link = link_in(mails_to("nieuw@example.be")[0])
    assert client.get(link).status_code == 200
    response = post_form(
        client, link, {"name": "Nieuw Lid", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    post_form(client, "/logout")
    assert client.get(link).status_code == 404  # single use
    user = db.session.scalar(select(User).where(User.email == "nieuw@example.be"))
    assert user.name == "Nieuw Lid" and user.check_password(NEW_PASSWORD)


def test_expired_invitation_link_is_refused(client, make_user):
    login(client, make_user("admin"))
    post_form(client, "/beheer/uitnodigen", {"addresses": "laat@example.be", "role": "member"})
    link = link_in(mails_to("laat@example.be")[0])
    for token in db.session.scalars(select(AccountToken)):
        token.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    post_form(client, "/logout")
    assert client.get(link).status_code == 404


def test_only_admins_invite_coordinators(client, make_user):
    login(client, make_user("coordinator"))
    response = post_form(
        client, "/beheer/uitnodigen", {"addresses": "baas@example.be", "role": "coordinator"}
    )
    assert response.status_code == 200  # the choice is not offered: a validation error
    assert db.session.scalar(select(User).where(User.email == "baas@example.be")) is None


# --- password reset -------------------------------------------------------------------


def test_reset_request_answers_the_same_for_unknown_addresses(client, make_user):
    make_user(email="echt@example.be")
    known = post_form(client, "/wachtwoord-vergeten", {"email": "echt@example.be"})
    unknown = post_form(client, "/wachtwoord-vergeten", {"email": "niemand@example.be"})
    assert known.status_code == unknown.status_code == 200
    send_requested_resets()  # what `mail send` does before each round
    # Identical but for the CSRF token, which carries a timestamp.
    assert without_token(known) == without_token(unknown)
    assert len(mails_to("echt@example.be")) == 1
    assert mails_to("niemand@example.be") == []


def test_reset_replaces_password_and_ends_other_sessions(app, client, make_user):
    user = make_user(email="vergeetachtig@example.be")
    other_device = app.test_client()
    login(other_device, user)
    assert other_device.get("/account").status_code == 200
    post_form(client, "/wachtwoord-vergeten", {"email": user.email})
    send_requested_resets()
    link = link_in(mails_to(user.email)[0])
    response = post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert other_device.get("/account").status_code == 302  # signed out
    assert client.get(link).status_code == 404  # single use
    refreshed = db.session.get(User, user.id)
    assert refreshed.check_password(NEW_PASSWORD) and not refreshed.check_password(PASSWORD)


@pytest.mark.parametrize(
    "password,message",
    [
        ("kort", "minstens 10 tekens"),
        ("wachtwoord123", "te voorspelbaar"),
        ("aaaaaaaaaaaa", "te voorspelbaar"),
        ("vergeetachtig-2024", "e-mailadres"),
    ],
)
def test_weak_passwords_are_refused(client, make_user, password, message):
    user = make_user(email="vergeetachtig@example.be")
    post_form(client, "/wachtwoord-vergeten", {"email": user.email})
    send_requested_resets()
    link = link_in(mails_to(user.email)[0])
    response = post_form(client, link, {"password": password, "confirm": password})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.get(User, user.id).check_password(PASSWORD)


# --- directory and profile --------------------------------------------------------------


def test_directory_is_for_members_only(client, make_user):
    response = client.get("/leden")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login(client, make_user())
    assert client.get("/leden").status_code == 200


def test_directory_filters_and_respects_contact_opt_in(
    client, make_user, make_theme, make_proeftuin
):
    mentoren = make_theme(slug="mentoren", title="Mentoren")
    cvo = make_proeftuin(level="volwassenenonderwijs", title="Zorgkundige CVO")
    open_member = make_user(name="Open Olga", email="olga@example.be", show_email=True)
    open_member.expertise = [mentoren]
    open_member.proeftuinen = [cvo]
    make_user(name="Gesloten Geert", email="geert@example.be", show_email=False)
    make_user(name="Verborgen Vera", listed_in_directory=False)
    db.session.commit()
    login(client, make_user(name="Zoeker"))
    page = client.get("/leden?thema=mentoren&niveau=volwassenenonderwijs").get_data(as_text=True)
    assert "Open Olga" in page and "olga@example.be" in page
    assert "Gesloten Geert" not in page
    everyone = client.get("/leden").get_data(as_text=True)
    assert "Gesloten Geert" in everyone and "geert@example.be" not in everyone
    assert "Verborgen Vera" not in everyone


def test_profile_edit(client, make_user, make_theme):
    theme = make_theme(title="Werving en selectie")
    user = make_user()
    login(client, user)
    response = post_form(
        client,
        "/account/profiel",
        {
            "name": "Nieuwe Naam",
            "function": "mentor",
            "expertise": [str(theme.id)],
            "bio": "Mentor in de zorg.",
            "phone": "",
            "listed_in_directory": "y",
            "show_email": "y",
        },
    )
    assert response.status_code == 302
    saved = db.session.get(User, user.id)
    assert saved.name == "Nieuwe Naam" and saved.function == "mentor"
    assert [t.id for t in saved.expertise] == [theme.id]
    assert saved.show_email and not saved.show_phone and saved.phone is None


# --- administration ---------------------------------------------------------------------


def test_admin_changes_role_and_it_is_audited(client, make_user):
    admin = make_user("admin")
    member = make_user()
    login(client, admin)
    response = post_form(
        client,
        f"/beheer/accounts/{member.id}",
        {"name": member.name, "role": "coordinator", "organisation": "0", "active": "y"},
    )
    assert response.status_code == 302
    assert db.session.get(User, member.id).role == "coordinator"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.role_changed"))
    assert event.summary == "member → coordinator" and event.actor_id == admin.id
    assert "user.role_changed" in client.get("/beheer/audit").get_data(as_text=True)


def test_coordinator_cannot_change_roles(client, make_user):
    member = make_user()
    login(client, make_user("coordinator"))
    response = post_form(
        client,
        f"/beheer/accounts/{member.id}",
        {"name": member.name, "role": "admin", "organisation": "0", "active": "y"},
    )
    assert response.status_code == 403
    assert db.session.get(User, member.id).role == "member"
    assert client.get("/beheer/audit").status_code == 403


def test_deactivated_account_is_signed_out(app, client, make_user):
    member = make_user()
    member_client = app.test_client()
    login(member_client, member)
    login(client, make_user("admin"))
    post_form(
        client,
        f"/beheer/accounts/{member.id}",
        {"name": member.name, "role": "member", "organisation": "0"},
    )
    assert member_client.get("/account").status_code == 302


@pytest.mark.parametrize(
    "role,expected", [(None, 302), ("member", 403), ("coordinator", 200), ("admin", 200)]
)
@pytest.mark.parametrize("path", ["/beheer/accounts", "/beheer/uitnodigen"])
def test_admin_pages_matrix(client, make_user, role, expected, path):
    if role:
        login(client, make_user(role))
    assert client.get(path).status_code == expected


# --- privacy ----------------------------------------------------------------------------


def test_member_downloads_own_data(client, make_user, make_meeting, make_recommendation):
    from lerend_netwerk.agenda.models import Registration
    from lerend_netwerk.recommendations.models import Endorsement, Post, ThreadFollow

    user = make_user(name="Data Dirk", phone="0470 00 00 00")
    meeting = make_meeting(title="Intervisie mentoren")
    thread = make_recommendation(slug="leervergoeding")
    thread_id, user_id = thread.id, user.id
    db.session.add_all(
        [
            Endorsement(recommendation_id=thread_id, user_id=user_id),
            ThreadFollow(recommendation_id=thread_id, user_id=user_id),
            Registration(meeting=meeting, user=user, status="confirmed", remark="vegetarisch"),
            Post(recommendation=thread, author=user, stance="oneens", body="Liever niet."),
        ]
    )
    db.session.commit()
    login(client, user)
    response = client.get("/account/gegevens.json")
    assert response.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["name"] == "Data Dirk" and data["account"]["phone"] == "0470 00 00 00"
    assert data["registrations"][0]["title"] == "Intervisie mentoren"
    assert data["registrations"][0]["remark"] == "vegetarisch"
    assert data["recommendation_supports"] == ["leervergoeding"]
    assert data["recommendation_follows"] == ["leervergoeding"]
    assert data["recommendation_replies"][0]["body"] == "Liever niet."


def test_deleting_account_removes_personal_data_keeps_contributions(
    client, make_user, make_meeting, make_recommendation
):
    from lerend_netwerk.agenda.models import Registration
    from lerend_netwerk.recommendations.models import Post

    leaving = make_user(name="Vertrekkende Vic")
    waiting = make_user()
    meeting = make_meeting(capacity=1)
    thread = make_recommendation()
    db.session.add_all(
        [
            Registration(meeting=meeting, user=leaving, status="confirmed"),
            Registration(meeting=meeting, user=waiting, status="waitlisted"),
            Post(recommendation=thread, author=leaving, stance="eens", body="Mijn argument."),
        ]
    )
    db.session.commit()
    leaving_id = leaving.id
    login(client, leaving)
    response = post_form(client, "/account/verwijderen", {"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    assert db.session.get(User, leaving_id) is None
    statuses = {r.user_id: r.status for r in db.session.scalars(select(Registration))}
    assert statuses == {waiting.id: "confirmed"}  # moved up from the waiting list
    post = db.session.scalar(select(Post))
    assert post.body == "Mijn argument." and post.author_id is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.deleted"))
    assert event.actor_label == f"voormalig lid #{leaving_id}"


def test_deleting_needs_the_password(client, make_user):
    user = make_user()
    login(client, user)
    response = post_form(
        client, "/account/verwijderen", {"password": "fout wachtwoord", "confirm": "y"}
    )
    assert response.status_code == 200
    assert db.session.get(User, user.id) is not None
