"""The `published` key: imported content keeps its own publication date.

Indicators, the digest and the pages date a report, practice, thread or session by
that date, not by the day it was imported; these tests put documents on the last day
of one period and the first day of the next.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from lerend_netwerk.agenda.models import Meeting
from lerend_netwerk.content_io.service import ContentError, export_directory, import_directory
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.indicators import periods, service
from lerend_netwerk.mail.digest import build_digest
from lerend_netwerk.practices.models import Practice
from lerend_netwerk.proeftuinen.models import REPORT_SECTIONS, VisitReport
from lerend_netwerk.recommendations.models import Recommendation
from lerend_netwerk.timeutil import BRUSSELS, to_local

REPORT_BODY = "\n".join(f"## {name}\n" for name in REPORT_SECTIONS)


def write(root: Path, kind: str, slug: str, front: str, body: str = "") -> None:
    directory = root / kind
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{slug}.md").write_text(f"---\n{front}---\n{body}", encoding="utf-8")


def base_content(root: Path) -> None:
    write(root, "themes", "mentoren", "title: Mentoren\n")
    write(root, "proeftuinen", "leie", "title: Informatica Leie\nlevel: hoger-onderwijs\n")


def boundary_content(root: Path) -> None:
    """One of each kind on 31 August 2023, and one on 1 September 2023."""
    base_content(root)
    for day, suffix in ((date(2023, 8, 31), "oud"), (date(2023, 9, 1), "nieuw")):
        write(
            root,
            "practices",
            f"praktijk-{suffix}",
            f"title: Praktijk {suffix}\nsummary: Kort.\npublished: {day}\n",
        )
        write(
            root,
            "reports",
            f"verslag-{suffix}",
            f"title: Verslag {suffix}\nproeftuin: leie\nvisited: 2023-05-10\npublished: {day}\n",
            REPORT_BODY,
        )
        write(
            root,
            "recommendations",
            f"draad-{suffix}",
            f"title: Draad {suffix}\ntheme: mentoren\npublished: {day}\n",
        )


@pytest.fixture
def coordinator(make_user):
    return make_user(role="coordinator", password=None)


def figures(year: int, viewer) -> service.Figures:
    return service.build_report(periods.academic_year(year), None, viewer).figures


def test_imported_documents_count_in_the_period_of_their_publication_date(
    app, tmp_path, coordinator
):
    boundary_content(tmp_path)
    import_directory(tmp_path)
    db.session.commit()

    old, new = figures(2022, coordinator), figures(2023, coordinator)
    assert (old.practices_published, old.reports_published, old.recommendations) == (1, 1, 1)
    assert (new.practices_published, new.reports_published, new.recommendations) == (1, 1, 1)
    # Not on the day of the import.
    today = to_local(utcnow()).date()
    now = service.build_report(periods.custom(today, today), None, coordinator).figures
    assert (now.practices_published, now.reports_published, now.recommendations) == (0, 0, 0)

    practice = db.session.scalar(select(Practice).where(Practice.slug == "praktijk-nieuw"))
    # The start of 1 September in Brussels (summer time, UTC+2).
    assert practice.published_at == datetime(2023, 8, 31, 22, 0, tzinfo=UTC)


def test_calendar_year_boundary_in_winter_time(app, tmp_path, coordinator):
    base_content(tmp_path)
    for day in ("2022-12-31", "2023-01-01"):
        write(tmp_path, "practices", f"p-{day}", f"title: P {day}\nsummary: K.\npublished: {day}\n")
    import_directory(tmp_path)
    db.session.commit()
    for year in (2022, 2023):
        report = service.build_report(periods.calendar_year(year), None, coordinator)
        assert report.figures.practices_published == 1


def test_absent_published_is_the_day_of_import_and_then_kept(app, tmp_path):
    base_content(tmp_path)
    write(tmp_path, "practices", "zonder", "title: Zonder datum\nsummary: Kort.\n")
    before = utcnow()
    import_directory(tmp_path)
    db.session.commit()
    practice = db.session.scalar(select(Practice).where(Practice.slug == "zonder"))
    assert before <= practice.published_at <= utcnow()

    # Set by hand (or by an earlier import): a re-import without the key keeps it.
    practice.published_at = datetime(2022, 3, 1, 9, tzinfo=UTC)
    db.session.commit()
    result = import_directory(tmp_path)
    db.session.commit()
    assert result.counts["practices"].unchanged == 1
    db.session.refresh(practice)
    assert practice.published_at == datetime(2022, 3, 1, 9, tzinfo=UTC)


def test_export_writes_published_and_round_trip_is_byte_identical(app, tmp_path):
    boundary_content(tmp_path / "in")
    write(
        tmp_path / "in",
        "sessions",
        "intervisie",
        "title: Intervisie\nkind: intervisie\nstarts: 2023-05-04T13:30\n"
        "ends: 2023-05-04T16:00\npublished: 2023-03-15\n",
    )
    import_directory(tmp_path / "in")
    db.session.commit()
    export_directory(tmp_path / "first")
    text = (tmp_path / "first" / "practices" / "praktijk-oud.md").read_text(encoding="utf-8")
    assert "published: 2023-08-31\n" in text
    session = (tmp_path / "first" / "sessions" / "intervisie.md").read_text(encoding="utf-8")
    assert "published: 2023-03-15\n" in session

    for table in (Meeting, Practice, VisitReport, Recommendation):
        for obj in db.session.scalars(select(table)):
            db.session.delete(obj)
    db.session.commit()
    import_directory(tmp_path / "first")
    db.session.commit()
    export_directory(tmp_path / "second")
    first = sorted(p.relative_to(tmp_path / "first") for p in (tmp_path / "first").rglob("*.md"))
    assert first
    for relative in first:
        assert (tmp_path / "second" / relative).read_bytes() == (
            tmp_path / "first" / relative
        ).read_bytes(), relative


def test_a_draft_with_a_publication_date_is_refused(app, tmp_path):
    base_content(tmp_path)
    write(
        tmp_path,
        "practices",
        "concept",
        "title: Concept\nsummary: Kort.\nstatus: draft\npublished: 2023-01-01\n",
    )
    with pytest.raises(ContentError) as error:
        import_directory(tmp_path)
    assert "concept.md:5: a draft has no publication date" in str(error.value)
    assert db.session.scalar(select(Practice)) is None


def test_digest_lists_what_was_published_that_week_not_what_was_imported(app, tmp_path, make_user):
    base_content(tmp_path)
    write(
        tmp_path, "practices", "oud", "title: Oude praktijk\nsummary: K.\npublished: 2023-02-01\n"
    )
    write(tmp_path, "practices", "vers", "title: Verse praktijk\nsummary: K.\n")
    import_directory(tmp_path)
    db.session.commit()
    reader = make_user(password=None)
    now = utcnow() + timedelta(minutes=1)
    this_week = build_digest(reader, now, now)
    assert [p.slug for p in this_week.practices] == ["vers"]
    then = datetime(2023, 2, 6, 7, tzinfo=BRUSSELS).astimezone(UTC)
    assert [p.slug for p in build_digest(reader, then, then).practices] == ["oud"]


def test_practice_page_and_home_page_follow_the_publication_date(app, client, tmp_path):
    base_content(tmp_path)
    # Imported after the fresh one (files go in name order): the later row.
    write(
        tmp_path,
        "practices",
        "zz-oud",
        "title: Oude praktijk\nsummary: K.\npublished: 2023-02-01\n",
    )
    write(tmp_path, "practices", "vers", "title: Verse praktijk\nsummary: K.\n")
    import_directory(tmp_path)
    db.session.commit()
    home = client.get("/").get_data(as_text=True)
    # Newest publication first: the one imported today before the one from 2023.
    assert home.index("Verse praktijk") < home.index("Oude praktijk")
    assert "1 februari 2023" in client.get("/praktijken/zz-oud").get_data(as_text=True)
