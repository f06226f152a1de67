"""Moving the content to another database keeps every session's UID and SEQUENCE.

Calendars that subscribed before the move must find the same events afterwards: the
new database numbers its rows differently, so nothing may come from a row id.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from conftest import FreshContextClient
from icalclients import both
from lerend_netwerk import create_app
from lerend_netwerk.agenda.models import Meeting
from lerend_netwerk.content_io.service import ContentError, export_directory, import_directory
from lerend_netwerk.extensions import db


def soon(days: int) -> datetime:
    return datetime.now(UTC).replace(microsecond=0, second=0) + timedelta(days=days)


def test_export_then_import_into_a_new_database_keeps_uids_and_sequences(
    app, client, make_meeting, app_config, tmp_path
):
    # One session from before stored UIDs (the migration gave it its old one), and
    # sessions changed a few times.
    legacy = make_meeting(slug="oud", starts_at=soon(20), uid="meeting-3@localhost")
    moved = make_meeting(slug="verzet", starts_at=soon(40), sequence=4)
    cancelled = make_meeting(slug="afgelast", starts_at=soon(60), sequence=2, status="cancelled")
    before = {m.slug: (m.uid, m.sequence) for m in (legacy, moved, cancelled)}
    feed_before = client.get("/agenda.ics").data
    export_directory(tmp_path / "content")

    target = create_app(
        dict(app_config, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'new.sqlite'}")
    )
    target.test_client_class = FreshContextClient
    with target.app_context():
        db.create_all()
        # Rows in the new database are numbered differently.
        for n in range(5):
            db.session.add(
                Meeting(
                    slug=f"ander-{n}",
                    title="Ander",
                    kind="intervisie",
                    starts_at=soon(90),
                    ends_at=soon(91),
                )
            )
        db.session.commit()
        import_directory(tmp_path / "content")
        db.session.commit()
        rows = db.session.execute(
            select(Meeting.slug, Meeting.id, Meeting.uid, Meeting.sequence).where(
                Meeting.slug.in_(before)
            )
        ).all()
        assert {row.slug: (row.uid, row.sequence) for row in rows} == before
        assert {row.id for row in rows}.isdisjoint({legacy.id, moved.id, cancelled.id})
        feed_after = target.test_client().get("/agenda.ics").data
        db.session.remove()
        db.engine.dispose()

    for old, new in zip(both(feed_before), both(feed_after), strict=True):
        kept = {e["uid"]: e["sequence"] for e in old["events"]}
        after = {e["uid"]: e["sequence"] for e in new["events"] if e["uid"] in kept}
        assert after == kept == dict(before.values())


def test_import_without_uid_gives_a_new_one_and_keeps_an_existing_one(app, tmp_path):
    content = tmp_path / "content" / "sessions"
    content.mkdir(parents=True)
    text = (
        "---\ntitle: Sessie\nkind: intervisie\n"
        "starts: 2031-06-17T13:00\nends: 2031-06-17T15:00\n---\n"
    )
    (content / "een.md").write_text(text)
    (content / "twee.md").write_text(text)
    import_directory(tmp_path / "content")
    db.session.commit()
    uids = dict(db.session.execute(select(Meeting.slug, Meeting.uid)).all())
    assert uids["een"] and uids["twee"] and uids["een"] != uids["twee"]
    # Importing the same files again, still without uid, keeps each session's UID.
    result = import_directory(tmp_path / "content")
    db.session.commit()
    assert result.counts["sessions"].unchanged == 2
    assert dict(db.session.execute(select(Meeting.slug, Meeting.uid)).all()) == uids


def test_a_uid_used_twice_is_refused_and_nothing_changes(app, make_meeting, tmp_path):
    existing = make_meeting(slug="bestaand")
    content = tmp_path / "content" / "sessions"
    content.mkdir(parents=True)
    (content / "nieuw-een.md").write_text(
        "---\ntitle: Sessie\nkind: intervisie\nstarts: 2031-06-17T13:00\n"
        f"ends: 2031-06-17T15:00\nuid: {existing.uid}\n---\n"
    )
    with pytest.raises(ContentError) as raised:
        import_directory(tmp_path / "content")
    assert f"uid {existing.uid!r} is also the uid of session 'bestaand'" in str(raised.value)
    assert db.session.scalar(select(Meeting).where(Meeting.slug == "nieuw-een")) is None


def test_an_import_never_lowers_the_sequence(app, make_meeting, tmp_path):
    meeting = make_meeting(slug="vaak-verzet", sequence=5)
    export_directory(tmp_path / "content")
    path: Path = tmp_path / "content" / "sessions" / "vaak-verzet.md"
    path.write_text(path.read_text().replace("sequence: 5", "sequence: 1"))
    import_directory(tmp_path / "content")
    db.session.commit()
    assert meeting.sequence == 5
