"""The personal-data export (GDPR): complete, and never kept in a cache."""

from __future__ import annotations

import json
from datetime import date

from conftest import login
from lerend_netwerk.extensions import db


def test_export_holds_contributions_reports_and_earlier_versions_of_replies(
    client, make_user, make_proeftuin, make_recommendation
):
    from lerend_netwerk.contributions.models import Contribution
    from lerend_netwerk.proeftuinen.models import VisitReport
    from lerend_netwerk.recommendations import replies

    user = make_user(role="coordinator")
    other = make_user()
    proeftuin = make_proeftuin(slug="zorgcampus")
    thread = make_recommendation(slug="leervergoeding")
    db.session.add_all(
        [
            Contribution(
                kind="practice",
                proeftuin=proeftuin,
                author=user,
                title="Mentor-duo's",
                body="## Aanpak\nTwee mentoren per student.",
                status="changes_requested",
                review_comment="Voeg een contactpersoon toe.",
            ),
            Contribution(kind="update", proeftuin=proeftuin, author=other, title="Niet van mij"),
            VisitReport(
                slug="bezoek-zorgcampus",
                title="Bezoek zorgcampus",
                proeftuin=proeftuin,
                visited=date(2026, 10, 2),
                author=user,
                body="## Observaties\nVeel gezien.",
            ),
        ]
    )
    db.session.commit()
    post = replies.add_reply("leervergoeding", user, body="Eerste versie.", stance="eens")
    db.session.commit()
    replies.edit_reply("leervergoeding", post.id, user, body="Tweede versie.", stance="neutraal")
    db.session.commit()
    replies.edit_reply("leervergoeding", post.id, user, body="Derde versie.", stance="oneens")
    db.session.commit()
    assert thread.id

    login(client, user)
    data = json.loads(client.get("/account/gegevens.json").get_data(as_text=True))
    [contribution] = data["contributions"]
    assert contribution["title"] == "Mentor-duo's"
    assert contribution["body"] == "## Aanpak\nTwee mentoren per student."
    assert contribution["status"] == "changes_requested"
    assert contribution["review_comment"] == "Voeg een contactpersoon toe."
    assert contribution["proeftuin"] == "zorgcampus"
    [report] = data["visit_reports"]
    assert (
        report["slug"] == "bezoek-zorgcampus" and report["body"] == "## Observaties\nVeel gezien."
    )
    [reply] = data["recommendation_replies"]
    assert reply["body"] == "Derde versie." and reply["stance"] == "oneens"
    assert [(v["body"], v["stance"]) for v in reply["earlier_versions"]] == [
        ("Eerste versie.", "eens"),
        ("Tweede versie.", "neutraal"),
    ]


def test_export_is_never_cached(client, make_user):
    login(client, make_user())
    response = client.get("/account/gegevens.json")
    assert response.status_code == 200
    assert response.cache_control.no_store
    assert response.cache_control.private
    assert not response.cache_control.public


def test_export_lists_the_files_the_member_uploaded_with_every_version(
    client, make_user, make_practice
):
    from file_samples import docx, pdf
    from lerend_netwerk.files import service

    user = make_user(role="coordinator")
    other = make_user(role="coordinator")
    practice = make_practice(slug="leidraad-werkplekleren")
    attachment = service.attach("practice", practice, "Leidraad.pdf", pdf(), user)
    service.attach("practice", practice, "Van iemand anders.docx", docx(), other)
    db.session.commit()
    service.replace(attachment, "Leidraad.pdf", pdf(pages=2), user)
    db.session.commit()

    login(client, user)
    files = json.loads(client.get("/account/gegevens.json").get_data(as_text=True))["files"]
    assert [(f["filename"], f["version"], f["current"]) for f in files] == [
        ("Leidraad.pdf", 1, False),
        ("Leidraad.pdf", 2, True),
    ]
    assert {f["type"] for f in files} == {"application/pdf"}
    assert all(f["size"] > 0 and f["uploaded_at"] for f in files)
    assert files[0]["document"] == "http://localhost/praktijken/leidraad-werkplekleren"
    assert files[1]["download"] == f"http://localhost/bestanden/{attachment.id}/Leidraad.pdf"
    assert files[0]["download"] == (
        f"http://localhost/bestanden/{attachment.id}/versies/1/Leidraad.pdf"
    )
    # Each link answers the member as the pages do.
    for entry in files:
        path = entry["download"].removeprefix("http://localhost")
        assert client.get(path).status_code == 200
