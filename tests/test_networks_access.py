"""Roles per network, the three sharing levels, and the membership service.

Network A is the default network, B a second one. Every rule is asked both ways: of one
object (`can_see`) and of a query (`visible_clause`), which must agree.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from conftest import login, post_form
from lerend_netwerk.core.errors import ForbiddenError
from lerend_netwerk.extensions import db
from lerend_netwerk.members import service as accounts
from lerend_netwerk.networks import service
from lerend_netwerk.networks.access import (
    can_coordinate,
    coordinated_networks,
    is_network_coordinator,
    network_id_of,
    networks_of,
)
from lerend_netwerk.networks.models import Network, NetworkMembership
from lerend_netwerk.visibility import can_see, visible_clause


@pytest.fixture
def two(app, make_network, make_user):
    """Network A (default) and B, with a member and a coordinator in each, an admin, and
    an account that belongs to no network."""
    a = service.default_network()
    b = make_network(slug="netwerk-b", title="Netwerk B")
    people = {
        "visitor": None,
        "member_a": make_user(),
        "coordinator_a": make_user("coordinator"),
        "member_b": make_user(network=b),
        "coordinator_b": make_user("coordinator", network=b),
        "admin": make_user("admin"),
        "nobody": make_user(),
    }
    nobody = people["nobody"]
    for membership in list(nobody.network_memberships):
        nobody.network_memberships.remove(membership)
    db.session.commit()
    return a, b, people


def _fresh(user):
    """The user as the next request loads them (memberships read again)."""
    if user is None:
        return None
    db.session.expire_all()
    return db.session.get(type(user), user.id)


# who sees a document of network A, per sharing level (drafts: coordinators of A, admin)
SEES_A = {
    ("public", False): {
        "visitor",
        "member_a",
        "coordinator_a",
        "member_b",
        "coordinator_b",
        "admin",
        "nobody",
    },
    ("members", False): {"member_a", "coordinator_a", "member_b", "coordinator_b", "admin"},
    ("network", False): {"member_a", "coordinator_a", "admin"},
    ("public", True): {"coordinator_a", "admin"},
    ("members", True): {"coordinator_a", "admin"},
    ("network", True): {"coordinator_a", "admin"},
}


@pytest.mark.parametrize("level,draft", list(SEES_A))
def test_practices_of_a_network_per_level_and_role(two, make_practice, level, draft):
    a, _b, people = two
    practice = make_practice(visibility=level, status="draft" if draft else "published")
    assert practice.network_id == a.id
    from lerend_netwerk.practices.models import Practice

    for who, user in people.items():
        user = _fresh(user)
        expected = who in SEES_A[(level, draft)]
        doc = db.session.get(Practice, practice.id)
        assert can_see(user, doc) == expected, who
        found = db.session.scalars(
            select(Practice.id).where(Practice.id == practice.id, visible_clause(Practice, user))
        ).all()
        assert bool(found) == expected, who


@pytest.mark.parametrize("level,draft", list(SEES_A))
def test_visit_reports_take_their_proeftuins_network(two, make_report, level, draft):
    """A report has no network_id of its own: its proeftuin's, in SQL and in Python."""
    from lerend_netwerk.proeftuinen.models import VisitReport

    _a, b, people = two
    # The same levels in network B: everything mirrors (B's members in A's place).
    report = make_report(
        network_id=b.id, visibility=level, status="draft" if draft else "published"
    )
    assert network_id_of(report) == b.id
    mirror = {"member_a": "member_b", "coordinator_a": "coordinator_b"}
    mirror.update({v: k for k, v in mirror.items()})
    for who, user in people.items():
        user = _fresh(user)
        expected = mirror.get(who, who) in SEES_A[(level, draft)]
        doc = db.session.get(VisitReport, report.id)
        assert can_see(user, doc) == expected, who
        found = db.session.scalars(
            select(VisitReport.id).where(
                VisitReport.id == report.id, visible_clause(VisitReport, user)
            )
        ).all()
        assert bool(found) == expected, who


def test_sessions_and_threads_of_network_b(two, make_meeting, make_recommendation):
    from lerend_netwerk.agenda.models import Meeting
    from lerend_netwerk.recommendations.models import Recommendation

    _a, b, people = two
    meeting = make_meeting(visibility="network", network_id=b.id)
    thread = make_recommendation(visibility="network", network_id=b.id)
    seen = {"member_b", "coordinator_b", "admin"}
    for who, user in people.items():
        user = _fresh(user)
        for model, doc in ((Meeting, meeting), (Recommendation, thread)):
            obj = db.session.get(model, doc.id)
            assert can_see(user, obj) == (who in seen), (who, model)
            ids = db.session.scalars(select(model.id).where(visible_clause(model, user))).all()
            assert (doc.id in ids) == (who in seen), (who, model)


def test_roles_per_network(two):
    a, b, people = two
    coordinator_b = _fresh(people["coordinator_b"])
    assert networks_of(coordinator_b) == {b.id}
    assert coordinated_networks(coordinator_b) == {b.id}
    assert is_network_coordinator(coordinator_b, b.id)
    assert not is_network_coordinator(coordinator_b, a.id)
    assert coordinator_b.is_coordinator
    admin = _fresh(people["admin"])
    assert coordinated_networks(admin) == {a.id, b.id}
    member_a = _fresh(people["member_a"])
    assert not member_a.is_coordinator and coordinated_networks(member_a) == set()
    assert not can_coordinate(None, a)


def test_a_users_networks_are_read_once_per_request(app, two, make_practice):
    from lerend_netwerk.practices.models import Practice

    _a, _b, people = two
    practices = [make_practice(visibility="network") for _ in range(5)]
    user = _fresh(people["coordinator_b"])
    statements: list[str] = []

    def count(*args, **kwargs):
        statements.append(args[2])

    networks_of(user)  # the first use loads the memberships
    for practice in practices:
        db.session.refresh(practice)
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for practice in practices:
            visible_clause(Practice, user)
            can_see(user, practice)
            can_coordinate(user, practice)
            coordinated_networks(user)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert statements == []


# --- the service ------------------------------------------------------------------------


def test_only_admins_create_networks_with_a_first_coordinator(app, two):
    _a, _b, people = two
    data = service.NetworkInput(title="Netwerk Limburg", region="Limburg", levels=["secundair"])
    with pytest.raises(ForbiddenError):
        service.create_network(people["coordinator_a"], data, people["member_a"])
    with pytest.raises(ForbiddenError):
        accounts.create_network_with_coordinator(
            people["coordinator_a"], data, email=people["member_a"].email
        )
    first = people["member_a"]
    network = service.create_network(people["admin"], data, first)
    db.session.commit()
    assert network.slug == "netwerk-limburg" and network.levels == ["secundair"]
    assert not network.is_default
    assert is_network_coordinator(_fresh(first), network.id)
    # The existing account keeps its other network.
    assert len(_fresh(first).network_memberships) == 2


def test_a_new_address_becomes_an_invited_first_coordinator(app, two):
    from lerend_netwerk.mail.models import OutgoingMail

    _a, _b, people = two
    network, first = accounts.create_network_with_coordinator(
        people["admin"],
        service.NetworkInput(title="Netwerk Gent"),
        email="nieuw@hogent.be",
        name="Nieuwe Coördinator",
    )
    db.session.commit()
    first = _fresh(first)
    assert first.password_hash is None and first.name == "Nieuwe Coördinator"
    assert first.network_roles == {network.id: "coordinator"}
    assert db.session.scalar(select(OutgoingMail).where(OutgoingMail.recipient == first.email))


@pytest.mark.parametrize(
    "data,email,message",
    [
        (service.NetworkInput(title=""), "x@example.be", "Geef het netwerk een naam."),
        (service.NetworkInput(title="B", slug="netwerk-b"), "x@example.be", "al een netwerk"),
        (service.NetworkInput(title="C", slug="Met Spaties"), "x@example.be", "kleine letters"),
        (service.NetworkInput(title="D", levels=["lager"]), "x@example.be", "onderwijsniveaus"),
        (service.NetworkInput(title="E"), "", "eerste coördinator"),
    ],
)
def test_network_errors_are_dutch(app, two, data, email, message):
    _a, _b, people = two
    with pytest.raises(service.NetworkError, match=message):
        accounts.create_network_with_coordinator(people["admin"], data, email=email)


def test_coordinators_manage_only_their_own_networks_members(app, two, make_user):
    a, b, people = two
    newcomer = make_user(network=b)
    with pytest.raises(ForbiddenError):
        service.add_member(people["coordinator_b"], a, people["member_b"])
    with pytest.raises(ForbiddenError):
        service.set_role(people["coordinator_a"], b, people["member_b"], "coordinator")
    with pytest.raises(ForbiddenError):
        service.remove_member(people["member_b"], b, newcomer)
    service.add_member(people["coordinator_a"], a, people["member_b"])
    db.session.commit()
    assert networks_of(_fresh(people["member_b"])) == {a.id, b.id}
    with pytest.raises(service.NetworkError, match="al lid van dit netwerk"):
        service.add_member(people["coordinator_a"], a, people["member_b"])
    with pytest.raises(service.NetworkError, match="Kies lid of coördinator"):
        service.set_role(people["coordinator_a"], a, people["member_b"], "admin")


def test_the_last_coordinator_stays(app, two):
    _a, b, people = two
    coordinator_b = people["coordinator_b"]
    with pytest.raises(service.NetworkError, match="minstens één coördinator"):
        service.set_role(coordinator_b, b, coordinator_b, "member")
    with pytest.raises(service.NetworkError, match="laatste coördinator"):
        service.remove_member(coordinator_b, b, coordinator_b)
    service.set_role(coordinator_b, b, people["member_b"], "coordinator")
    service.remove_member(coordinator_b, b, coordinator_b)
    db.session.commit()
    assert networks_of(_fresh(coordinator_b)) == set()
    assert not _fresh(coordinator_b).is_coordinator
    assert coordinated_networks(_fresh(people["member_b"])) == {b.id}
    with pytest.raises(service.NetworkError, match="geen lid van dit netwerk"):
        service.remove_member(people["admin"], b, coordinator_b)


def test_admins_manage_every_network(app, two):
    a, b, people = two
    service.set_role(people["admin"], b, people["member_b"], "coordinator")
    service.remove_member(people["admin"], a, people["member_a"])
    db.session.commit()
    assert _fresh(people["member_b"]).network_roles == {b.id: "coordinator"}
    assert networks_of(_fresh(people["member_a"])) == set()


def test_invite_into_a_network(app, two):
    _a, b, people = two
    user, invited = accounts.add_or_invite(
        people["coordinator_b"], b, "nieuwkomer@example.be", "Nieuwkomer", "member"
    )
    db.session.commit()
    assert invited and _fresh(user).network_roles == {b.id: "member"}
    again, invited = accounts.add_or_invite(
        people["coordinator_a"], service.default_network(), "NIEUWKOMER@example.be"
    )
    assert not invited and again.id == user.id


def test_new_content_goes_into_a_network_the_coordinator_runs(app, two, make_network):
    a, b, people = two
    assert service.network_for_new_content(people["coordinator_b"]) == b.id
    assert service.network_for_new_content(people["coordinator_a"]) == a.id
    with pytest.raises(ForbiddenError):
        service.network_for_new_content(people["coordinator_b"], a.id)
    with pytest.raises(ForbiddenError):
        service.network_for_new_content(people["member_a"])
    service.add_member(people["admin"], b, people["coordinator_a"], "coordinator")
    db.session.commit()
    both = _fresh(people["coordinator_a"])
    assert service.network_for_new_content(both) == a.id
    assert service.network_for_new_content(both, b.id) == b.id
    assert [title for _id, title in service.network_choices(both)][1] == "Netwerk B"


# --- over HTTP --------------------------------------------------------------------------


def test_admin_page_creates_a_network(client, two):
    _a, _b, people = two
    login(client, people["coordinator_a"])
    assert client.get("/beheer/netwerken").status_code == 403
    post_form(client, "/logout")
    login(client, people["admin"])
    page = client.get("/beheer/netwerken").get_data(as_text=True)
    assert "Netwerk B" in page and "Een netwerk toevoegen" in page
    response = post_form(
        client,
        "/beheer/netwerken",
        {
            "title": "Netwerk Antwerpen",
            "region": "Antwerpen",
            "levels": ["secundair"],
            "coordinator_email": people["member_b"].email,
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/beheer/netwerken/netwerk-antwerpen/leden")
    network = db.session.scalar(select(Network).where(Network.slug == "netwerk-antwerpen"))
    assert network.region == "Antwerpen"
    # A taken slug: a Dutch error on the field, and the typed values stay.
    again = post_form(
        client,
        "/beheer/netwerken",
        {"title": "Nog eens", "slug": "netwerk-b", "coordinator_email": "x@example.be"},
    )
    text = again.get_data(as_text=True)
    assert again.status_code == 400
    assert "Er is al een netwerk met de korte naam" in text and 'value="Nog eens"' in text


def test_members_page_for_the_networks_coordinators_only(client, two):
    a, b, people = two
    login(client, people["coordinator_b"])
    assert client.get(f"/beheer/netwerken/{a.slug}/leden").status_code == 403
    assert client.get("/beheer/netwerken/bestaat-niet/leden").status_code == 404
    page = client.get(f"/beheer/netwerken/{b.slug}/leden").get_data(as_text=True)
    assert people["member_b"].name in page and people["member_a"].name not in page
    # Add an existing account, make them coordinator, then take the first one out.
    response = post_form(
        client, f"/beheer/netwerken/{b.slug}/leden", {"email": people["member_a"].email}
    )
    assert response.status_code == 302
    member_a = people["member_a"]
    post_form(
        client,
        f"/beheer/netwerken/{b.slug}/leden/{member_a.id}/rol",
        {"role": "coordinator"},
    )
    assert _fresh(member_a).network_roles[b.id] == "coordinator"
    # Someone else's network: refused, nothing changes.
    refused = post_form(
        client,
        f"/beheer/netwerken/{a.slug}/leden/{people['coordinator_a'].id}/verwijderen",
        {},
    )
    assert refused.status_code == 403
    assert db.session.scalar(
        select(NetworkMembership).where(
            NetworkMembership.network_id == a.id,
            NetworkMembership.user_id == people["coordinator_a"].id,
        )
    )
    post_form(client, f"/beheer/netwerken/{b.slug}/leden/{member_a.id}/verwijderen", {})
    assert b.id not in networks_of(_fresh(member_a))


def test_account_page_lists_my_networks_and_the_directory_shows_roles(client, two):
    a, b, people = two
    service.add_member(people["admin"], b, people["coordinator_a"], "member")
    db.session.commit()
    login(client, people["coordinator_a"])
    account = client.get("/account").get_data(as_text=True)
    assert "Mijn netwerken" in account
    assert a.title in account and "Netwerk B — lid" in account
    directory = client.get("/leden").get_data(as_text=True)
    assert "Netwerk B" in directory and "(coördinator)" in directory


def test_coordinators_see_and_edit_only_their_networks_accounts(client, two):
    _a, _b, people = two
    login(client, people["coordinator_b"])
    accounts = client.get("/beheer/accounts").get_data(as_text=True)
    assert people["member_b"].email in accounts
    assert people["member_a"].email not in accounts
    assert client.get(f"/beheer/accounts/{people['member_a'].id}").status_code == 404
    assert client.get(f"/beheer/accounts/{people['member_b'].id}").status_code == 200


# --- the sharing levels on every surface ------------------------------------------------


@pytest.mark.parametrize("level", ["public", "members", "network"])
def test_sharing_levels_on_lists_pages_feeds_and_api(
    client, two, make_meeting, make_practice, level
):
    """A session and a practice of network A at each level, for every role: the agenda
    and the practices list, their pages, the session's calendar file, the personal feed
    of someone registered, and the API (which answers as for a visitor)."""
    from lerend_netwerk.agenda.models import Registration

    _a, _b, people = two
    meeting = make_meeting(title=f"Sessiezicht {level}", visibility=level, slug=f"sessie-{level}")
    practice = make_practice(
        title=f"Praktijkzicht {level}", visibility=level, slug=f"praktijk-{level}"
    )
    for who in ("member_a", "member_b", "coordinator_b", "nobody"):
        db.session.add(Registration(meeting=meeting, user=people[who], status="confirmed"))
    db.session.commit()
    tokens = {who: user.calendar_token for who, user in people.items() if user is not None}
    for who, user in people.items():
        expected = who in SEES_A[(level, False)]
        post_form(client, "/logout")
        if user is not None:
            login(client, user)
        agenda = client.get("/sessies").get_data(as_text=True)
        practices = client.get("/praktijken").get_data(as_text=True)
        assert (meeting.title in agenda) == expected, who
        assert (practice.title in practices) == expected, who
        assert client.get(f"/sessies/{meeting.slug}").status_code == (200 if expected else 404)
        assert client.get(f"/praktijken/{practice.slug}").status_code == (200 if expected else 404)
        assert client.get(f"/sessies/{meeting.slug}.ics").status_code == (200 if expected else 404)
        api = client.get("/api/v1/sessions").get_data(as_text=True)
        assert (meeting.slug in api) == (level == "public"), who
        if who in ("member_a", "member_b", "coordinator_b", "nobody"):
            feed = client.get(f"/agenda/persoonlijk/{tokens[who]}.ics").get_data(as_text=True)
            assert (meeting.title in feed) == expected, who


def test_the_weekly_digest_follows_the_readers_networks(app, two, make_practice):
    """One digest per kind of reader and set of networks: B's member never gets A's
    network-only practice, even when A's member (same role) is queued first."""
    from datetime import timedelta

    from lerend_netwerk.db import utcnow
    from lerend_netwerk.mail.digest import build_digest, digest_moment, queue_due_digests
    from lerend_netwerk.mail.models import OutgoingMail

    _a, _b, people = two
    now = utcnow()
    moment = digest_moment(now)
    make_practice(title="Kringpraktijk", visibility="network", published_at=moment - timedelta(1))
    make_practice(title="Voor iedereen", published_at=moment - timedelta(days=1))
    titles = {
        who: {p.title for p in build_digest(_fresh(people[who]), now, moment).practices}
        for who in ("member_a", "member_b", "coordinator_b")
    }
    assert titles["member_a"] == {"Kringpraktijk", "Voor iedereen"}
    assert titles["member_b"] == titles["coordinator_b"] == {"Voor iedereen"}
    db.session.expire_all()
    for who in ("member_a", "member_b"):
        db.session.get(type(people[who]), people[who].id).wants_digest = True
    db.session.commit()
    queue_due_digests(now)
    db.session.commit()
    bodies = {mail.recipient: mail.body_text for mail in db.session.scalars(select(OutgoingMail))}
    assert "Kringpraktijk" in bodies[people["member_a"].email]
    assert "Kringpraktijk" not in bodies[people["member_b"].email]
