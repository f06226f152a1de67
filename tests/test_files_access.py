"""Who sees and who changes the files of a document: the access matrix per role
(visitor, member, coordinator, author) for public, members-only and draft documents of
every kind that carries files, and the file list on each kind's page."""

from __future__ import annotations

import io

import pytest
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from conftest import csrf_token, login
from file_samples import pdf
from lerend_netwerk.extensions import db
from lerend_netwerk.files import service

ROLES = ("visitor", "member", "coordinator", "author")


@pytest.fixture
def people(make_user):
    return {
        "member": make_user(),
        "coordinator": make_user("coordinator"),
        "author": make_user(),
    }


@pytest.fixture
def documents(
    people,
    make_practice,
    make_report,
    make_meeting,
    make_recommendation,
    make_proeftuin,
    make_product,
):
    from lerend_netwerk.contributions.models import Contribution

    author = people["author"]
    contribution = Contribution(
        kind="practice",
        proeftuin=make_proeftuin(),
        author=author,
        title="Onze leidraad",
        body="## Aanpak\n\nZo.",
    )
    db.session.add(contribution)
    db.session.commit()
    return {
        "practice-public": ("practice", make_practice()),
        "practice-members": ("practice", make_practice(visibility="members")),
        "practice-draft": ("practice", make_practice(status="draft")),
        "report-members": ("report", make_report(author_id=author.id)),
        "report-public": ("report", make_report(visibility="public")),
        "report-draft": ("report", make_report(status="draft", author_id=author.id)),
        "session-public": ("session", make_meeting()),
        "session-members": ("session", make_meeting(visibility="members")),
        "thread-public": ("recommendation", make_recommendation(author_id=author.id)),
        "thread-members": ("recommendation", make_recommendation(visibility="members")),
        "contribution": ("contribution", contribution),
        "product-public": ("product", make_product()),
        "product-members": ("product", make_product(visibility="members")),
        "product-draft": ("product", make_product(status="draft")),
    }


# What each role gets for the current version of a file: 200 or 404 (never 403).
DOWNLOADS = {
    "practice-public": (200, 200, 200, 200),
    "practice-members": (404, 200, 200, 200),
    "practice-draft": (404, 404, 200, 404),
    "report-members": (404, 200, 200, 200),
    "report-public": (200, 200, 200, 200),
    "report-draft": (404, 404, 200, 404),
    "session-public": (200, 200, 200, 200),
    "session-members": (404, 200, 200, 200),
    "thread-public": (200, 200, 200, 200),
    "thread-members": (404, 200, 200, 200),
    "contribution": (404, 404, 200, 200),
    "product-public": (200, 200, 200, 200),
    "product-members": (404, 200, 200, 200),
    "product-draft": (404, 404, 200, 404),
}

# Uploading: "ok" (stored), "login" (a visitor who sees the document signs in first), 403
# (seen, not theirs to change) or 404 (not seen at all).
UPLOADS = {
    "practice-public": ("login", 403, "ok", 403),
    "practice-members": (404, 403, "ok", 403),
    "practice-draft": (404, 404, "ok", 404),
    "report-members": (404, 403, "ok", "ok"),
    "report-public": ("login", 403, "ok", 403),
    "report-draft": (404, 404, "ok", 404),
    "session-public": ("login", 403, "ok", 403),
    "session-members": (404, 403, "ok", 403),
    "thread-public": ("login", 403, "ok", "ok"),
    "thread-members": (404, 403, "ok", 403),
    "contribution": (404, 404, "ok", "ok"),
    "product-public": ("login", 403, "ok", 403),
    "product-members": (404, 403, "ok", 403),
    "product-draft": (404, 404, "ok", 404),
}


def _client(app, people, role):
    client = app.test_client()
    if role != "visitor":
        login(client, people[role])
    return client


@pytest.mark.parametrize("document", sorted(DOWNLOADS))
def test_downloads_follow_the_documents_visibility(app, people, documents, document) -> None:
    parent_type, parent = documents[document]
    attachment = service.attach(parent_type, parent, "bijlage.pdf", pdf(), None)
    attachment_id = attachment.id
    db.session.commit()
    got = []
    for role in ROLES:
        client = _client(app, people, role)
        response = client.get(f"/bestanden/{attachment_id}/bijlage.pdf")
        got.append(response.status_code)
        if response.status_code == 200:
            assert response.get_data() == pdf()
        # The thumbnail address answers the same way (404 here: a PDF has none).
        assert client.get(f"/bestanden/{attachment_id}/miniatuur").status_code == 404
    assert tuple(got) == DOWNLOADS[document]


@pytest.mark.parametrize("document", sorted(UPLOADS))
def test_who_may_upload(app, people, documents, document) -> None:
    parent_type, parent = documents[document]
    url = f"/bestanden/nieuw/{parent_type}/{parent.id}"
    got = []
    for role in ROLES:
        client = _client(app, people, role)
        token = csrf_token(client, "/login" if role == "visitor" else "/")
        data = MultiDict({"csrf_token": token})
        data.add("files", FileStorage(io.BytesIO(pdf()), filename=f"{role}.pdf"))
        boundary, body = encode_multipart(data)
        response = client.post(
            url, data=body, content_type=f"multipart/form-data; boundary={boundary}"
        )
        if response.status_code == 302:
            location = response.headers["Location"]
            got.append("login" if "/login" in location else "ok")
        else:
            got.append(response.status_code)
    assert tuple(got) == UPLOADS[document]
    names = [a.filename for a in service.attachments_of(parent_type, parent.id)]
    assert names == [
        f"{role}.pdf" for role, outcome in zip(ROLES, got, strict=True) if outcome == "ok"
    ]


def test_an_accepted_contribution_is_closed_to_its_author(app, people, documents) -> None:
    _, contribution = documents["contribution"]
    assert service.may_manage("contribution", contribution, people["author"])
    contribution.status = "accepted"
    db.session.commit()
    assert not service.may_manage("contribution", contribution, people["author"])
    assert service.may_manage("contribution", contribution, people["coordinator"])


def test_changes_and_old_versions(app, people, documents) -> None:
    parent_type, parent = documents["thread-public"]
    attachment = service.attach(parent_type, parent, "standpunt.pdf", pdf(1), people["author"])
    service.replace(attachment, "standpunt.pdf", pdf(2), people["author"])
    db.session.commit()
    expected = {
        # rename / remove: as uploading; an old version: coordinators only.
        "visitor": ("login", "login"),
        "member": (403, 403),
        "coordinator": ("ok", 200),
        "author": ("ok", 403),
    }
    for role in ROLES:
        client = _client(app, people, role)
        token = csrf_token(client, "/login" if role == "visitor" else "/")
        renamed = client.post(
            f"/bestanden/{attachment.id}/wijzigen/naam",
            data={"csrf_token": token, "filename": f"standpunt-{role}"},
        )
        outcome = renamed.status_code
        if outcome == 302:
            outcome = "login" if "/login" in renamed.headers["Location"] else "ok"
        db.session.expire_all()
        name = service.visible_attachment(attachment.id, people["coordinator"])[0].filename
        old = client.get(f"/bestanden/{attachment.id}/versies/1/standpunt.pdf")
        old_outcome = old.status_code
        if old_outcome == 302:
            old_outcome = "login"
        assert (outcome, old_outcome) == expected[role], role
        assert name == (f"standpunt-{role}.pdf" if outcome == "ok" else name)
    hidden_type, hidden = documents["thread-members"]
    members_file = service.attach(hidden_type, hidden, "intern.pdf", pdf(3), None)
    db.session.commit()
    visitor = app.test_client()
    token = csrf_token(visitor, "/login")
    for path in ("naam", "vervangen", "verwijderen"):
        assert (
            visitor.post(
                f"/bestanden/{members_file.id}/wijzigen/{path}", data={"csrf_token": token}
            ).status_code
            == 404
        )
    assert visitor.get(f"/bestanden/{members_file.id}/versies/1/intern.pdf").status_code == 404
    member = _client(app, people, "member")
    assert (
        member.post(
            f"/bestanden/{members_file.id}/wijzigen/verwijderen",
            data={"csrf_token": csrf_token(member)},
        ).status_code
        == 403
    )


PAGES = {
    "practice-public": lambda doc: f"/praktijken/{doc.slug}",
    "report-public": lambda doc: f"/verslagen/{doc.slug}",
    "session-public": lambda doc: f"/sessies/{doc.slug}",
    "thread-public": lambda doc: f"/aanbevelingen/{doc.slug}",
    "contribution": lambda doc: f"/bijdragen/{doc.id}",
    "product-public": lambda doc: f"/producten/{doc.slug}",
}


@pytest.mark.parametrize("document", sorted(PAGES))
def test_each_kinds_page_lists_its_files(app, people, documents, document) -> None:
    parent_type, parent = documents[document]
    attachment = service.attach(parent_type, parent, "Programma één.pdf", pdf(), None)
    db.session.commit()
    path = PAGES[document](parent)
    coordinator = _client(app, people, "coordinator")
    page = coordinator.get(path).get_data(as_text=True)
    assert f"/bestanden/{attachment.id}/Programma%20%C3%A9%C3%A9n.pdf" in page
    assert "Programma één.pdf" in page
    assert 'class="file-drop"' in page and "Hernoemen" in page
    member = _client(app, people, "member" if document != "contribution" else "author")
    page = member.get(path).get_data(as_text=True)
    assert "Programma één.pdf" in page
    manages = service.may_manage(
        parent_type, parent, people["member" if document != "contribution" else "author"]
    )
    assert ('class="file-drop"' in page) is manages
