"""The audit log records who published, cancelled, hid, decided and changed roles."""

from __future__ import annotations

from sqlalchemy import select

from conftest import login, post_form
from lerend_netwerk.core.models import AuditEvent
from lerend_netwerk.extensions import db


def actions() -> list[tuple[str, str]]:
    db.session.expire_all()
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
    return [(event.action, event.actor_label) for event in events]


def test_coordinator_actions_are_audited_with_who_did_them(
    client, make_user, make_meeting, make_report, make_recommendation
):
    from lerend_netwerk.recommendations.models import Post

    coordinator = make_user("coordinator", name="Cora", email="cora@example.be")
    meeting = make_meeting(slug="te-annuleren")
    make_report(slug="concept-verslag", status="draft")
    thread = make_recommendation(slug="kader")
    post = Post(recommendation=thread, author=make_user(), stance="oneens", body="Onzin.")
    db.session.add(post)
    db.session.commit()
    login(client, coordinator)

    assert post_form(client, f"/sessies/{meeting.slug}/annuleren").status_code == 302
    assert post_form(client, "/verslagen/concept-verslag/publiceren").status_code == 302
    assert post_form(client, "/verslagen/concept-verslag/depubliceren").status_code == 302
    response = post_form(
        client, f"/aanbevelingen/kader/reacties/{post.id}/verbergen", {"reason": "Beledigend."}
    )
    assert response.status_code == 302
    response = post_form(
        client, "/aanbevelingen/kader/status", {"status": "in-bespreking", "reason": ""}
    )
    assert response.status_code == 302
    assert post_form(client, "/aanbevelingen/kader/sluiten").status_code == 302

    who = "Cora <cora@example.be>"
    assert actions() == [
        ("session.cancelled", who),
        ("report.published", who),
        ("report.unpublished", who),
        ("reply.hidden", who),
        ("recommendation.status_changed", who),
        ("recommendation.closed", who),
    ]
    admin = make_user("admin")
    post_form(client, "/logout")
    login(client, admin)
    page = client.get("/beheer/audit").get_data(as_text=True)
    assert "session.cancelled" in page and "reply.hidden" in page and "Beledigend." in page
