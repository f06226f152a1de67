"""Every route that `lerend-netwerk routes` lists, for every role.

Each endpoint declares what anonymous visitors, members, coordinators and admins get.
A route that is added without a line here fails `test_every_route_is_declared`.
"""

from __future__ import annotations

from datetime import date

import pytest

from conftest import login, post_form
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.networks.models import DEFAULT_NETWORK_SLUG

ROLES = ("anonymous", "member", "coordinator", "admin")
LOGIN = "login"  # a redirect to the login page

# GET: the status per role (anonymous, member, coordinator, admin).
PUBLIC = (200, 200, 200, 200)
MEMBERS = (LOGIN, 200, 200, 200)
COORDINATORS = (LOGIN, 403, 200, 200)
ADMINS = (LOGIN, 403, 403, 200)
UNKNOWN_TOKEN = (404, 404, 404, 404)

GET_ACCESS: dict[str, tuple] = {
    "agenda.attendees": COORDINATORS,
    "agenda.attendees_csv": COORDINATORS,
    "agenda.create": COORDINATORS,
    "agenda.detail": PUBLIC,
    "agenda.edit": COORDINATORS,
    "agenda.edit_report": COORDINATORS,
    # A guest's personal link: the token is the proof, whoever is signed in.
    "calendar.guest_feed": UNKNOWN_TOKEN,
    "agenda.guest_registration": UNKNOWN_TOKEN,
    "agenda.index": PUBLIC,
    "agenda_tools.attendance_pdf": COORDINATORS,
    "agenda_tools.attendance_sheet": COORDINATORS,
    "agenda_tools.duplicate": COORDINATORS,
    "agenda_tools.message": COORDINATORS,
    "agenda_tools.month_view": PUBLIC,
    "api.openapi": PUBLIC,
    # The matrix gives the api blueprint a session slug, no product: 404 for everybody.
    "api.product": UNKNOWN_TOKEN,
    "api.products": PUBLIC,
    "api.session": PUBLIC,
    "api.sessions": PUBLIC,
    "auth.accept_invitation": UNKNOWN_TOKEN,
    "auth.account": MEMBERS,
    "auth.change_password": MEMBERS,
    "auth.delete_account": MEMBERS,
    "auth.export_data": MEMBERS,
    "auth.forgot_password": PUBLIC,
    "auth.login": (200, 302, 302, 302),
    "auth.profile": MEMBERS,
    "auth.reset_password": UNKNOWN_TOKEN,
    "calendar.personal_feed": UNKNOWN_TOKEN,
    "calendar.public_feed": PUBLIC,
    "calendar.session_feed": PUBLIC,
    "contributions.choose": MEMBERS,
    # The member is the contribution's author.
    "contributions.detail": (LOGIN, 200, 200, 200),
    # Editable by its author only after changes were requested; nobody else's to edit.
    "contributions.edit": (LOGIN, 403, 404, 404),
    "contributions.mine": MEMBERS,
    # The member belongs to the proeftuin; coordinators may send input for any.
    "contributions.new": MEMBERS,
    "contributions.queue": COORDINATORS,
    "core.favicon": PUBLIC,
    "core.healthz": PUBLIC,
    "core.home": PUBLIC,
    # Probed with the default network, whose home is the front page (a 301 there).
    "core.network_home": (301, 301, 301, 301),
    "core.networks": PUBLIC,
    "core.network_styles": PUBLIC,
    "core.privacy": PUBLIC,
    "evaluations.answer": UNKNOWN_TOKEN,
    # A file on a public practice (an image, with two versions).
    "files.download": PUBLIC,
    "files.thumbnail": PUBLIC,
    "files.version": COORDINATORS,
    "evaluations.results": COORDINATORS,
    "evaluations.results_csv": COORDINATORS,
    "indicators.export": COORDINATORS,
    "indicators.index": COORDINATORS,
    "mail.unsubscribe": UNKNOWN_TOKEN,
    "members.accounts": COORDINATORS,
    "members.audit": ADMINS,
    "members.directory": MEMBERS,
    "members.edit_account": COORDINATORS,
    "members.invite": COORDINATORS,
    "members.member": MEMBERS,
    "networks.admin": ADMINS,
    # The members of a network, for its coordinators (here: the default network's).
    "networks.members": COORDINATORS,
    "practices.detail": PUBLIC,
    "practices.index": PUBLIC,
    "proeftuinen.detail": PUBLIC,
    "products.create": COORDINATORS,
    # A members-only product: 404 for those who may not know it exists.
    "products.detail": (404, 200, 200, 200),
    "products.edit": COORDINATORS,
    "products.index": PUBLIC,
    "proeftuinen.edit_report": COORDINATORS,
    "proeftuinen.index": PUBLIC,
    "proeftuinen.new_report": COORDINATORS,
    "proeftuinen.organisation": PUBLIC,
    "proeftuinen.organisations": PUBLIC,
    "proeftuinen.overview": COORDINATORS,
    # A members-only report: 404 for those who may not know it exists.
    "proeftuinen.report": (404, 200, 200, 200),
    "recommendations.create": COORDINATORS,
    "recommendations.detail": PUBLIC,
    "recommendations.edit": COORDINATORS,
    # The member wrote the reply and is inside the edit window.
    "recommendations.edit_reply": (LOGIN, 200, 403, 403),
    "recommendations.compose_report": COORDINATORS,
    "recommendations.unfollow_link": UNKNOWN_TOKEN,
    # Coordinators get the working version, everyone else the latest frozen version.
    "recommendations.final_report": PUBLIC,
    "recommendations.final_report_download": PUBLIC,
    "recommendations.final_report_markdown": PUBLIC,
    "recommendations.report_version": PUBLIC,
    "recommendations.report_version_download": PUBLIC,
    # Nobody flags their own reply (the member wrote it): back to the thread.
    "recommendations.flag": (LOGIN, 302, 200, 200),
    "recommendations.hide": COORDINATORS,
    "recommendations.history": COORDINATORS,
    "recommendations.index": PUBLIC,
    "recommendations.moderation": COORDINATORS,
    "search.api_search": PUBLIC,
    "search.results": PUBLIC,
    "static": PUBLIC,
    "themes.detail": PUBLIC,
    "themes.index": PUBLIC,
}

# POST-only endpoints: the roles that may NOT use them (they get a refusal). Every POST
# without a CSRF token is refused (400) for everybody.
POST_REFUSED: dict[str, tuple[str, ...]] = {
    "agenda.add_walk_in": ("anonymous", "member"),
    "agenda.cancel_meeting": ("anonymous", "member"),
    "agenda.check_in": ("anonymous", "member"),
    # A guest's personal link: an unknown token is refused (404) for everybody.
    "agenda.guest_cancel": ("member", "coordinator", "admin"),
    "agenda.guest_erase": ("member", "coordinator", "admin"),
    "agenda.register": ("anonymous",),
    "agenda.reinstate_meeting": ("anonymous", "member"),
    "agenda.unregister": ("anonymous",),
    "auth.logout": ("anonymous",),
    "auth.logout_everywhere": ("anonymous",),
    "calendar.renew_token": ("anonymous",),
    "contributions.accept": ("anonymous", "member"),
    "contributions.decline": ("anonymous", "member"),
    "contributions.request_changes": ("anonymous", "member"),
    "core.markdown_preview": ("anonymous",),
    # The files of a public practice: the coordinators'.
    "files.remove": ("anonymous", "member"),
    "files.rename": ("anonymous", "member"),
    "files.replace": ("anonymous", "member"),
    "files.upload": ("anonymous", "member"),
    "mail.preferences": ("anonymous",),
    "networks.remove_member": ("anonymous", "member"),
    "networks.set_role": ("anonymous", "member"),
    "products.publish": ("anonymous", "member"),
    "products.unpublish": ("anonymous", "member"),
    "proeftuinen.publish_report": ("anonymous", "member"),
    "proeftuinen.unpublish_report": ("anonymous", "member"),
    "recommendations.change_status": ("anonymous", "member"),
    "recommendations.close": ("anonymous", "member"),
    "recommendations.dismiss": ("anonymous", "member"),
    "recommendations.endorse": ("anonymous",),
    "recommendations.follow": ("anonymous",),
    "recommendations.freeze_report": ("anonymous", "member"),
    "recommendations.keep_hidden": ("anonymous", "member"),
    "recommendations.key_argument": ("anonymous", "member"),
    "recommendations.reopen": ("anonymous", "member"),
    "recommendations.reply": ("anonymous",),
    "recommendations.unhide": ("anonymous", "member"),
}

# POST routes without CSRF token: the signed token in the URL is the proof, and mail
# clients send them without a form (RFC 8058 one-click unsubscribe). An unknown token is
# refused with 404.
CSRF_EXEMPT = {"recommendations.unfollow_link"}


@pytest.fixture
def world(
    app,
    make_user,
    make_theme,
    make_organisation,
    make_proeftuin,
    make_meeting,
    make_practice,
    make_product,
    make_report,
    make_recommendation,
):
    """One of everything, owned by `member` where ownership matters."""
    from lerend_netwerk.agenda.models import Registration
    from lerend_netwerk.contributions.models import Contribution
    from lerend_netwerk.recommendations.models import Post

    users = {role: make_user(role) for role in ("member", "coordinator", "admin")}
    member = users["member"]
    theme = make_theme(slug="thema-a")
    organisation = make_organisation(slug="organisatie-a")
    proeftuin = make_proeftuin(slug="proeftuin-a", themes=[theme], organisations=[organisation])
    member.proeftuinen = [proeftuin]
    meeting = make_meeting(slug="sessie-open", themes=[theme], capacity=10)
    practice = make_practice(slug="praktijk-open", themes=[theme])
    make_product(slug="product-leden", themes=[theme], proeftuin=proeftuin, visibility="members")
    make_report(slug="verslag-leden", proeftuin=proeftuin, visibility="members")
    thread = make_recommendation(slug="aanbeveling-open", theme=theme)
    registration = Registration(meeting=meeting, user=member, status="confirmed")
    post = Post(recommendation=thread, author=member, stance="eens", body="Akkoord.")
    contribution = Contribution(
        kind="practice", proeftuin=proeftuin, author=member, title="Input", body="Tekst"
    )
    db.session.add_all([registration, post, contribution])
    from lerend_netwerk.recommendations import report
    from lerend_netwerk.recommendations.models import FinalReport

    snapshot = report.build_document(
        [], introduction="", closing="", report_date=date(2026, 10, 25), label="Versie 1"
    )
    version = FinalReport(
        label="Versie 1", frozen_at=utcnow(), report_date=date(2026, 10, 25), snapshot=snapshot
    )
    db.session.add(version)
    from file_samples import jpeg_with_gps, png_with_text
    from lerend_netwerk.files import service as files

    attachment = files.attach("practice", practice, "foto.jpg", jpeg_with_gps(), None)
    files.replace(attachment, "foto.png", png_with_text(), None)
    db.session.commit()
    args = {
        "slug": None,  # per blueprint, below
        "registration_id": registration.id,
        "post_id": post.id,
        "contribution_id": contribution.id,
        "user_id": member.id,
        "token": "onbekend-token-0000000000000000000000000",
        "name": "kerncijfers",
        "kind": "goede-praktijk",
        "proeftuin": "proeftuin-a",
        "filename": "site.css",
        "version_id": version.id,
        "fmt": "pdf",
        "network": DEFAULT_NETWORK_SLUG,
        "parent_type": "practice",
        "parent_id": practice.id,
        "attachment_id": attachment.id,
        "number": 1,
    }
    # The files blueprint's `filename` is the file's own (the current or the first).
    args["file_names"] = {"files.download": attachment.filename, "files.version": "foto.jpg"}
    slugs = {
        "agenda": "sessie-open",
        "agenda_tools": "sessie-open",
        "api": "sessie-open",
        "calendar": "sessie-open",
        "evaluations": "sessie-open",
        "practices": "praktijk-open",
        "products": "product-leden",
        "proeftuinen": "verslag-leden",
        "recommendations": "aanbeveling-open",
        "themes": "thema-a",
        "networks": "duaal-leren-ho-vwo",
    }
    return users, args, slugs


def _url(app, rule, args, slugs) -> str:
    values = {name: args[name] for name in rule.arguments if name != "slug"}
    if rule.endpoint in args["file_names"]:
        values["filename"] = args["file_names"][rule.endpoint]
    if "slug" in rule.arguments:
        blueprint = rule.endpoint.split(".")[0]
        fixed = {"proeftuinen.detail": "proeftuin-a", "proeftuinen.organisation": "organisatie-a"}
        values["slug"] = fixed.get(rule.endpoint, slugs[blueprint])
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def _rules(app, method):
    return [rule for rule in app.url_map.iter_rules() if method in rule.methods]


def test_every_route_is_declared(app):
    get_endpoints = {rule.endpoint for rule in _rules(app, "GET")}
    post_only = {rule.endpoint for rule in _rules(app, "POST")} - get_endpoints
    assert get_endpoints == set(GET_ACCESS), "declare new GET routes in GET_ACCESS"
    assert post_only == set(POST_REFUSED), "declare new POST routes in POST_REFUSED"


@pytest.mark.parametrize("role_index,role", list(enumerate(ROLES)))
def test_get_routes_by_role(app, client, world, role_index, role):
    users, args, slugs = world
    if role != "anonymous":
        login(client, users[role])
    mismatches = []
    for rule in sorted(_rules(app, "GET"), key=lambda r: r.endpoint):
        expected = GET_ACCESS[rule.endpoint][role_index]
        url = _url(app, rule, args, slugs)
        response = client.get(url)
        response.close()
        status = response.status_code
        if expected == LOGIN:
            ok = status == 302 and "/login" in response.headers["Location"]
        else:
            ok = status == expected
        if not ok:
            mismatches.append(f"{rule.endpoint} {url}: {status}, expected {expected}")
        assert status != 500, f"{url} failed for {role}"
    assert mismatches == []


@pytest.mark.parametrize("role", ROLES)
def test_post_routes_refuse_without_csrf_and_without_the_role(app, client, world, role):
    users, args, slugs = world
    if role != "anonymous":
        login(client, users[role])
    problems = []
    for rule in sorted(_rules(app, "POST"), key=lambda r: r.endpoint):
        url = _url(app, rule, args, slugs)
        without_token = client.post(url, data={})
        if rule.endpoint in CSRF_EXEMPT:
            if without_token.status_code != 404:
                problems.append(f"{url} with an unknown token: {without_token.status_code}")
            continue
        if without_token.status_code != 400:
            problems.append(f"{url} without CSRF: {without_token.status_code}")
        if rule.endpoint not in POST_REFUSED or role not in POST_REFUSED[rule.endpoint]:
            continue
        response = post_form(client, url, {})
        status = response.status_code
        refused = (
            (status == 302 and "/login" in response.headers["Location"])
            if role == "anonymous"
            else status in (403, 404)
        )
        if not refused:
            problems.append(f"{rule.endpoint} {url} as {role}: {status}")
    assert problems == []


def test_session_cookie_user_cannot_reach_other_members_token_feeds(app, client, world):
    users, _, _ = world
    login(client, users["coordinator"])
    token = users["member"].calendar_token
    assert client.get(f"/agenda/persoonlijk/{token[:-1]}x.ics").status_code == 404
    assert client.get(f"/agenda/persoonlijk/{token}.ics").status_code == 200


# --- a second network -------------------------------------------------------------------
#
# Every route that takes one network's object, probed by a member and a coordinator of
# another network, against network-only, members-only and draft objects, in both
# directions (the objects in the default network and the people in B, and the reverse).
# The people of the objects' own network, in the same run, are the baseline.

# Objects outside every network (accounts, organisations, themes, proeftuin pages, the
# final report's versions) or reached by a token are not probed here.
NOT_NETWORK_OBJECTS = {
    "members.member",
    "members.edit_account",
    "proeftuinen.detail",
    "proeftuinen.organisation",
    "themes.detail",
    "recommendations.report_version",
    "recommendations.report_version_download",
    "static",
}
OBJECT_ARGUMENTS = {
    "slug",
    "registration_id",
    "post_id",
    "contribution_id",
    "parent_id",
    "attachment_id",
}


def _network_routes(app, method):
    return [
        rule
        for rule in sorted(_rules(app, method), key=lambda r: r.endpoint)
        if rule.arguments & OBJECT_ARGUMENTS
        and "token" not in rule.arguments
        and rule.endpoint not in NOT_NETWORK_OBJECTS
    ]


def _coordinator_only(endpoint: str) -> bool:
    _anonymous, member, coordinator, _admin = GET_ACCESS[endpoint]
    return member == 403 and coordinator == 200


def _status(client, url) -> int:
    """The status a browser ends on: a document of another network than the default one
    lives under /n/<network>/ and its old address redirects there."""
    response = client.get(url, follow_redirects=True)
    response.close()
    return response.status_code


@pytest.fixture
def second_network(app, world, make_network, make_user):
    """Network B and four fresh people (none owns anything): a member and a coordinator
    in the default network and in B."""
    from lerend_netwerk.networks.service import default_network

    b = make_network(slug="netwerk-b", title="Netwerk B")
    people = {
        ("default", "member"): make_user(),
        ("default", "coordinator"): make_user("coordinator"),
        ("b", "member"): make_user(network=b),
        ("b", "coordinator"): make_user("coordinator", network=b),
    }
    return {"default": default_network(), "b": b}, people


def _share(level: str) -> None:
    """The world's documents shared at `level` ("network", "members") or as drafts."""
    from lerend_netwerk.agenda.models import Meeting
    from lerend_netwerk.practices.models import Practice
    from lerend_netwerk.products.models import Product
    from lerend_netwerk.proeftuinen.models import VisitReport
    from lerend_netwerk.recommendations.models import Recommendation

    for model in (Meeting, Practice, VisitReport, Recommendation, Product):
        if level == "draft":
            if hasattr(model, "DRAFT"):
                db.session.execute(db.update(model).values(status=model.DRAFT))
        else:
            db.session.execute(db.update(model).values(visibility=level))
    db.session.commit()


def _move_to(network_id: int) -> None:
    from lerend_netwerk.agenda.models import Meeting
    from lerend_netwerk.practices.models import Practice
    from lerend_netwerk.products.models import Product
    from lerend_netwerk.proeftuinen.models import Proeftuin
    from lerend_netwerk.recommendations.models import Recommendation

    for model in (Meeting, Practice, Proeftuin, Recommendation, Product):
        db.session.execute(db.update(model).values(network_id=network_id))
    db.session.commit()


@pytest.mark.parametrize("level", ["network", "members", "draft"])
@pytest.mark.parametrize("home", ["default", "b"])
def test_other_networks_people_get_nothing_of_a_networks_objects(
    app, client, world, second_network, home, level
):
    _users, args, slugs = world
    networks, people = second_network
    other = "b" if home == "default" else "default"
    _move_to(networks[home].id)
    _share(level)
    slugs = dict(slugs, networks=networks[home].slug)
    rules = _network_routes(app, "GET")
    assert len(rules) > 20
    statuses: dict[tuple[str, str], dict[str, int]] = {}
    for network in (home, other):
        for role in ("member", "coordinator"):
            post_form(client, "/logout")
            login(client, people[(network, role)])
            statuses[(network, role)] = {
                rule.endpoint: _status(client, _url(app, rule, args, slugs)) for rule in rules
            }
    problems = []
    for rule in rules:
        endpoint = rule.endpoint
        own_member = statuses[(home, "member")][endpoint]
        own_coordinator = statuses[(home, "coordinator")][endpoint]
        for role in ("member", "coordinator"):
            got = statuses[(other, role)][endpoint]
            assert got != 500, f"{endpoint} as {other} {role}"
            if _coordinator_only(endpoint):
                # Their own network's coordinator gets the page; nobody else does.
                ok = got in (403, 404) and (level == "draft" or own_coordinator == 200)
            elif level == "members":
                ok = got == own_member
            elif level == "network" and own_member == 200:
                # A network-only document does not exist for them.
                ok = got == 404
            elif level == "draft" and own_member != 200 and own_coordinator == 200:
                # A draft: only its own network's coordinators see it.
                ok = got == 404
            else:
                # Not restricted at this level (sessions and threads have no drafts).
                ok = got == own_member or got in (403, 404)
            if not ok:
                problems.append(
                    f"{endpoint} ({level}, objects in {home}) as {other} {role}: {got}; "
                    f"own member {own_member}, own coordinator {own_coordinator}"
                )
    assert problems == []


@pytest.mark.parametrize("home", ["default", "b"])
def test_other_networks_coordinators_cannot_post_to_a_networks_objects(
    app, client, world, second_network, home
):
    _users, args, slugs = world
    networks, people = second_network
    other = "b" if home == "default" else "default"
    _move_to(networks[home].id)
    slugs = dict(slugs, networks=networks[home].slug)
    login(client, people[(other, "coordinator")])
    get_endpoints = {rule.endpoint for rule in _rules(app, "GET")}
    problems = []
    probed = 0
    for rule in _network_routes(app, "POST"):
        refused_for_members = rule.endpoint in POST_REFUSED and "member" in POST_REFUSED.get(
            rule.endpoint, ()
        )
        if not refused_for_members and not (
            rule.endpoint in get_endpoints and _coordinator_only(rule.endpoint)
        ):
            continue
        probed += 1
        response = post_form(client, _url(app, rule, args, slugs), {})
        if response.status_code not in (403, 404):
            problems.append(f"{rule.endpoint} as a coordinator of {other}: {response.status_code}")
    assert probed > 15
    assert problems == []
