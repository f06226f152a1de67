"""Content directories: import (all-or-nothing, idempotent, dry run), export, round trips."""

from __future__ import annotations

import shutil
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lerend_netwerk.agenda.models import Meeting
from lerend_netwerk.content_io.document import parse_document, render_document
from lerend_netwerk.content_io.schema import kinds, kinds_by_name, record_of
from lerend_netwerk.content_io.service import (
    ContentError,
    export_directory,
    import_directory,
)
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.practices.models import Practice
from lerend_netwerk.products.models import Product
from lerend_netwerk.proeftuinen.models import REPORT_SECTIONS, Organisation, Proeftuin, VisitReport
from lerend_netwerk.recommendations.models import Recommendation
from lerend_netwerk.signals import meeting_changed
from lerend_netwerk.themes.models import Theme
from lerend_netwerk.timeutil import to_local

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
FULL_REPORT_BODY = "\n\n".join(
    f"## {name}\n\nTekst over {name.lower()}." for name in REPORT_SECTIONS
)


def write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path


def row_counts() -> dict[str, int]:
    """Rows per table: every table, so an outbox or search table would show a change too."""
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def without_search(counts: dict[str, int]) -> dict[str, int]:
    return {name: n for name, n in counts.items() if not name.startswith("search")}


def all_records() -> dict[str, dict[str, dict]]:
    return {
        kind.name: {
            obj.slug: record_of(kind, obj) for obj in db.session.scalars(select(kind.model))
        }
        for kind in kinds()
    }


def read_tree(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def empty_content_tables() -> None:
    """Every table emptied, as in a new database: only the default network remains."""
    for table in reversed(db.metadata.sorted_tables):
        if table.name != "network":
            db.session.execute(table.delete())
    db.session.commit()


# ------------------------------------------------------------------ the demo content


def test_import_of_the_demo_content_creates_every_kind(app):
    result = import_directory(CONTENT_DIR)
    db.session.commit()

    for kind in kinds():
        files = list((CONTENT_DIR / kind.name).glob("*.md"))
        # Two networks: the default one (already in every database) and a second.
        assert len(files) >= (2 if kind.name == "networks" else 5), kind.name
        existing = 1 if kind.name == "networks" else 0
        assert result.counts[kind.name].created == len(files) - existing
        count = db.session.scalar(select(func.count()).select_from(kind.model))
        assert count == len(files), kind.name
    assert result.warnings == []

    inspiratie = db.session.scalar(
        select(Meeting).where(Meeting.slug == "inspiratie-event-duaal-leren-2022")
    )
    # 09:00 in Brussels in May is 07:00 UTC (summer time).
    assert inspiratie.starts_at == datetime(2022, 5, 5, 7, 0, tzinfo=UTC)
    assert inspiratie.kind == "inspiratie"
    assert [theme.slug for theme in inspiratie.themes] == [
        "kader",
        "sensibilisering",
        "werkplekken",
    ]
    assert inspiratie.body.startswith("Het departement Werk en Sociale Economie")

    practice = db.session.scalar(
        select(Practice).where(Practice.slug == "afspraken-over-vergoedingen-voor-studenten")
    )
    assert practice.status == "draft"
    assert practice.proeftuin.slug == "graduaat-logistiek-schelde"
    assert practice.published_at is None

    report = db.session.scalar(
        select(VisitReport).where(VisitReport.slug == "bezoek-bachelor-toegepaste-informatica-leie")
    )
    assert report.visited == date(2022, 12, 15)
    assert report.visibility == "members"  # the default for reports
    assert report.published_at is not None

    proeftuin = db.session.scalar(
        select(Proeftuin).where(Proeftuin.slug == "bachelor-bedrijfsmanagement-maasland")
    )
    assert [org.slug for org in proeftuin.organisations] == ["hogeschool-maasland"]
    assert proeftuin.academic_years == ["2022-2023"]

    product = db.session.scalar(select(Product).where(Product.slug == "toolkit-matchingdag"))
    assert product.kind == "toolkit"
    assert product.proeftuin.slug == "graduaat-elektromechanische-systemen-kempen"
    assert product.organisation.slug == "vandamme-techniek"
    assert [m.slug for m in product.sessions] == [
        "slotsessie-lerend-netwerk-2023",
        "slotsessie-tweede-cyclus-2027",
    ]

    recommendation = db.session.scalar(
        select(Recommendation).where(
            Recommendation.slug == "administratieve-vereenvoudiging-duaal-leren"
        )
    )
    assert recommendation.theme.slug == "administratieve-vereenvoudiging"
    assert recommendation.status == "aanvaard"


def test_reimport_is_idempotent_and_applies_changes_in_place(app, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content)
    import_directory(content)
    db.session.commit()
    counts = row_counts()

    again = import_directory(content)
    db.session.commit()
    assert again.total == sum(counts[kind.model.__tablename__] for kind in kinds())
    assert all(c.created == 0 and c.updated == 0 for c in again.counts.values())
    assert row_counts() == counts

    proeftuin_file = content / "proeftuinen" / "bachelor-bedrijfsmanagement-maasland.md"
    proeftuin_id = db.session.scalar(
        select(Proeftuin.id).where(Proeftuin.slug == "bachelor-bedrijfsmanagement-maasland")
    )
    text = proeftuin_file.read_text(encoding="utf-8")
    text = text.replace("title: Duaal leren in Bedrijfsmanagement", "title: Duaal KMO-management")
    text = text.replace(
        "themes: [mentoren, sensibilisering, werkplekken]", "themes: [financiering]"
    )
    proeftuin_file.write_text(text, encoding="utf-8")

    result = import_directory(content)
    db.session.commit()
    db.session.expire_all()
    assert result.counts["proeftuinen"].updated == 1
    assert result.counts["proeftuinen"].unchanged == counts["proeftuin"] - 1
    assert result.counts["themes"].unchanged == counts["theme"]
    # No duplicates: updated in place; only the theme links of that proeftuin changed
    # (and the search outbox, which records the change).
    expected = dict(counts, proeftuin_theme=counts["proeftuin_theme"] - 2)
    assert without_search(row_counts()) == without_search(expected)
    proeftuin = db.session.get(Proeftuin, proeftuin_id)
    assert proeftuin.title == "Duaal KMO-management"
    assert [theme.slug for theme in proeftuin.themes] == ["financiering"]  # replaced


def test_rescheduling_a_session_by_import_bumps_its_sequence_and_signals(app, tmp_path):
    write(tmp_path, "sessions/intervisie.md", SESSION.format(starts="2030-03-12T13:30"))
    import_directory(tmp_path)
    db.session.commit()
    meeting = db.session.scalar(select(Meeting).where(Meeting.slug == "intervisie"))
    assert meeting.sequence == 0

    changes = []

    def receiver(sender, **kw):
        changes.append((sender.slug, kw["change"]))

    with meeting_changed.connected_to(receiver):
        import_directory(tmp_path)  # unchanged: no signal
        write(tmp_path, "sessions/intervisie.md", SESSION.format(starts="2030-03-12T14:00"))
        import_directory(tmp_path)
        db.session.commit()
        assert meeting.sequence == 1
        assert meeting.starts_at == datetime(2030, 3, 12, 13, 0, tzinfo=UTC)
        cancelled = SESSION.format(starts="2030-03-12T14:00").replace(
            "kind: intervisie", "kind: intervisie\nstatus: cancelled"
        )
        write(tmp_path, "sessions/intervisie.md", cancelled)
        import_directory(tmp_path)
        db.session.commit()
        # Taken up again: registrants hear it goes ahead after all.
        write(tmp_path, "sessions/intervisie.md", SESSION.format(starts="2030-03-12T14:00"))
        import_directory(tmp_path)
        db.session.commit()
    assert changes == [
        ("intervisie", "rescheduled"),
        ("intervisie", "cancelled"),
        ("intervisie", "reinstated"),
    ]
    assert meeting.sequence == 3


SESSION = """---
title: Intervisie
kind: intervisie
starts: {starts}
ends: 2030-03-12T16:30
---
Programma volgt.
"""


def test_a_new_title_by_import_is_an_update_for_calendars(app, tmp_path):
    write(tmp_path, "sessions/intervisie.md", SESSION.format(starts="2030-03-12T13:30"))
    import_directory(tmp_path)
    db.session.commit()
    changes = []

    def receiver(sender, **kw):
        changes.append(kw["change"])

    renamed = SESSION.format(starts="2030-03-12T13:30").replace(
        "Intervisie\n", "Intervisie mentoren\n", 1
    )
    write(tmp_path, "sessions/intervisie.md", renamed)
    with meeting_changed.connected_to(receiver):
        import_directory(tmp_path)
        db.session.commit()
    meeting = db.session.scalar(select(Meeting).where(Meeting.slug == "intervisie"))
    assert (meeting.title, meeting.sequence, changes) == ("Intervisie mentoren", 1, ["rescheduled"])


# ------------------------------------------------------------------ all or nothing

BAD_FILES = {
    "themes/mentoren.md": "---\ntitle: Mentoren (nieuwe titel)\n---\n",
    "themes/nieuw-thema.md": "---\ntitle: Nieuw thema\n---\n",
    "themes/notities.txt": "geen document\n",
    "organisations/hogeschool-leie.md": "---\ntitle: Hogeschool Leie\ntype: hogeschool\n---\n",
    "organisations/kapot.md": (
        "---\ntitle: Kapotte organisatie\ntype: hogeschool\n"
        "website: https://kapot.example: nee: echt niet\n---\n"
    ),
    "organisations/zonder-type.md": "---\ntitle: Zonder type\nwebsite: https://z.example\n---\n",
    "proeftuinen/verkeerde-verwijzing.md": (
        "---\n"
        "title: Proeftuin met een fout\n"
        "level: hoger-onderwijs\n"
        "organisations: [hogeschool-leie]\n"
        "themes:\n"
        "  - mentoren\n"
        "  - bestaat-niet\n"
        "---\n"
        "Tekst.\n"
    ),
    "sessions/slechte-datum.md": (
        "---\n"
        "title: Intervisie\n"
        "kind: intervisie\n"
        "starts: 2024-02-30T13:00\n"
        "ends: 2024-03-01T16:00\n"
        "host: onbekende-proeftuin\n"
        "---\n"
    ),
    "sessions/onbekende-sleutel.md": (
        "---\n"
        "title: Webinar\n"
        "kind: webinar\n"
        "starts: 2024-03-01T10:00\n"
        "ends: 2024-03-01T11:00\n"
        "capacitty: 20\n"
        "visibility: iedereen\n"
        "---\n"
    ),
    "practices/Hoofdletters.md": "---\ntitle: Praktijk\nsummary: Kort.\n---\n",
    "reports/zonder-sectie.md": (
        "---\n"
        "title: Bezoek\n"
        "proeftuin: verkeerde-verwijzing\n"
        "visited: 2023-01-15\n"
        "---\n"
        + "\n".join(f"## {name}" for name in REPORT_SECTIONS if name != "Observaties")
        + "\n"
    ),
    "sessies/iets.md": "---\ntitle: Verkeerde map\n---\n",
}

# (file, line, a piece of the message)
EXPECTED_PROBLEMS = [
    ("organisations/kapot.md", 4, "invalid YAML: mapping values are not allowed here"),
    ("organisations/zonder-type.md", 1, "missing required key 'type'"),
    ("practices/Hoofdletters.md", 1, "invalid slug 'Hoofdletters'"),
    ("proeftuinen/verkeerde-verwijzing.md", 7, "unknown theme 'bestaat-niet'"),
    ("reports/zonder-sectie.md", 9, "missing section '## Observaties'"),
    ("sessies", 1, "unknown directory 'sessies'"),
    (
        "sessions/onbekende-sleutel.md",
        6,
        "unknown key 'capacitty' for a session (did you mean 'capacity'?)",
    ),
    (
        "sessions/onbekende-sleutel.md",
        7,
        "'visibility' must be one of public, members, network (not 'iedereen')",
    ),
    ("sessions/slechte-datum.md", 4, "'starts' must be a date and time"),
    ("sessions/slechte-datum.md", 6, "unknown proeftuin 'onbekende-proeftuin' (host)"),
    ("themes/notities.txt", 1, "not a Markdown document"),
]


def test_a_bad_directory_changes_nothing_and_lists_every_problem(runner, make_theme, tmp_path):
    make_theme(slug="mentoren", title="Mentoren")
    bad = tmp_path / "bad"
    for relative, text in BAD_FILES.items():
        write(bad, relative, text)
    before = row_counts()

    result = runner.invoke(args=["content", "import", str(bad)])

    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[-1].startswith("Error: 11 problem(s) in 9 file(s)")
    problems = lines[:-1]
    assert len(problems) == len(EXPECTED_PROBLEMS), result.stderr
    for line, (relative, number, message) in zip(problems, EXPECTED_PROBLEMS, strict=True):
        assert line.startswith(f"{bad / relative}:{number}: "), line
        assert message in line, line
    assert result.stdout == ""
    db.session.rollback()
    assert row_counts() == before
    assert db.session.scalar(select(Theme.title).where(Theme.slug == "mentoren")) == "Mentoren"
    assert db.session.scalar(select(Theme).where(Theme.slug == "nieuw-thema")) is None


def test_the_service_raises_before_flushing_anything(app, make_theme, tmp_path):
    make_theme(slug="mentoren", title="Mentoren")
    write(tmp_path, "themes/mentoren.md", "---\ntitle: Nieuw\n---\n")
    write(tmp_path, "themes/kapot.md", "---\ntitle: [\n---\n")
    with pytest.raises(ContentError) as error:
        import_directory(tmp_path)
    assert [p.path for p in error.value.problems] == [str(tmp_path / "themes/kapot.md")]
    assert not db.session.new and not db.session.dirty
    assert db.session.scalar(select(Theme.title).where(Theme.slug == "mentoren")) == "Mentoren"


def test_references_may_point_into_the_database_or_the_same_import(app, make_theme, tmp_path):
    make_theme(slug="mentoren", title="Mentoren")
    write(tmp_path, "organisations/cvo-west.md", "---\ntitle: CVO West\ntype: cvo\n---\n")
    write(
        tmp_path,
        "proeftuinen/zorg.md",
        "---\ntitle: Zorg\nlevel: volwassenenonderwijs\norganisations: [cvo-west]\n"
        "themes: [mentoren]\n---\n",
    )
    import_directory(tmp_path)
    db.session.commit()
    proeftuin = db.session.scalar(select(Proeftuin).where(Proeftuin.slug == "zorg"))
    assert [o.slug for o in proeftuin.organisations] == ["cvo-west"]
    assert [t.slug for t in proeftuin.themes] == ["mentoren"]


def test_a_recommendation_names_the_proeftuinen_it_rests_on(app, tmp_path):
    write(tmp_path, "themes/mentoren.md", "---\ntitle: Mentoren\n---\n")
    for slug in ("zorg", "bouw"):
        write(tmp_path, f"proeftuinen/{slug}.md", f"---\ntitle: {slug}\nlevel: secundair\n---\n")
    write(
        tmp_path,
        "recommendations/mentorrol.md",
        "---\ntitle: Mentorrol\ntheme: mentoren\nproeftuinen: [zorg, bouw]\n---\nTekst.\n",
    )
    import_directory(tmp_path)
    db.session.commit()
    thread = db.session.scalar(select(Recommendation).where(Recommendation.slug == "mentorrol"))
    assert sorted(p.slug for p in thread.proeftuinen) == ["bouw", "zorg"]
    out = tmp_path / "export"
    export_directory(out)
    assert "proeftuinen: [" in (out / "recommendations" / "mentorrol.md").read_text()


def test_layout_hidden_files_are_skipped_and_loose_files_only_warned_about(app, tmp_path):
    write(tmp_path, "README.md", "# Inhoud\n")
    write(tmp_path, ".git/config", "x")
    write(tmp_path, "themes/.mentoren.md.swp", "x")
    write(tmp_path, "themes/mentoren.md", "---\ntitle: Mentoren\n---\n")
    result = import_directory(tmp_path)
    assert result.counts["themes"].created == 1
    assert [(w.path, w.message.split(":")[0]) for w in result.warnings] == [
        (str(tmp_path / "README.md"), "ignored")
    ]

    write(tmp_path, "themes/archief/oud.md", "---\ntitle: Oud\n---\n")
    with pytest.raises(ContentError, match="a directory inside themes/"):
        import_directory(tmp_path)


def test_progress_is_reported_per_phase(app, tmp_path):
    write(tmp_path, "themes/a.md", "---\ntitle: A\n---\n")
    write(tmp_path, "themes/b.md", "---\ntitle: B\n---\n")
    seen = []

    def progress(items, label):
        from contextlib import nullcontext

        seen.append((label, len(items)))
        return nullcontext(items)

    import_directory(tmp_path, progress=progress)
    db.session.commit()
    import_directory(tmp_path, progress=progress)
    assert seen == [("Checking", 2), ("Importing", 2), ("Checking", 2)]


def test_the_progress_bar_only_shows_on_a_terminal(monkeypatch):
    import io

    from lerend_netwerk.content_io import commands

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert commands._terminal_progress() is None
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    progress = commands._terminal_progress()
    with progress(list(range(3)), "Checking") as items:
        assert list(items) == [0, 1, 2]
    assert "Checking" in terminal.getvalue()


# ------------------------------------------------------------------ dry run


def test_dry_run_reports_and_writes_nothing(runner, app, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content)
    before = row_counts()
    result = runner.invoke(args=["content", "import", str(content), "--dry-run"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Dry run, nothing written:")
    assert "themes 11 would create" in result.stdout
    db.session.rollback()
    assert row_counts() == before

    assert runner.invoke(args=["content", "import", str(content)]).exit_code == 0
    after_import = row_counts()
    theme_file = content / "themes" / "mentoren.md"
    theme_file.write_text(
        theme_file.read_text(encoding="utf-8").replace("title: Mentoren", "title: Anders"),
        encoding="utf-8",
    )
    result = runner.invoke(args=["content", "import", str(content), "--dry-run"])
    assert result.exit_code == 0, result.stderr
    assert "themes 0 would create, 1 would update, 10 unchanged" in result.stdout
    db.session.rollback()
    assert row_counts() == after_import
    assert db.session.scalar(select(Theme.title).where(Theme.slug == "mentoren")) == "Mentoren"


# ------------------------------------------------------------------ export and round trips

SPECIAL_BODY = (
    "Aanhalingstekens \"dubbel\" en 'enkel', één — twee… € 5 & <b>html</b> 👩‍🏫\n"
    "\n"
    "---\n"
    "\n"
    "Na een lijn: `sleutel: waarde` en # geen kop\n"
    "\n"
    "```yaml\n"
    "---\n"
    "title: nep\n"
    "---\n"
    "```\n"
    "regel met spaties achteraan   \n"
    "\ttab\n"
    "\n"
    "\n"
)


def make_every_kind() -> None:
    """Documents of every kind with the hard cases: specials, DST, lists, drafts, members."""
    mentoren = Theme(slug="mentoren", title="Mentoren: begeleiden & opleiden", body=SPECIAL_BODY)
    ja = Theme(slug="ja", title="yes", body="")
    getal = Theme(slug="getal", title="2024", body="Eén regel zonder einde")
    citaat = Theme(slug="citaat", title="'Citaat' en \"meer\" # geen commentaar", body="\n")
    leie = Organisation(
        slug="hogeschool-leie",
        title="Hogeschool Leie",
        type="hogeschool",
        website="https://leie.example/duaal?x=1&y=2",
    )
    partner = Organisation(slug="vdab-partner", title="Partner: VDAB", type="partner")
    informatica = Proeftuin(
        slug="informatica",
        title="Toegepaste informatica",
        level="hoger-onderwijs",
        programme="Bachelor: Toegepaste informatica",
        academic_years=["2022-2023", "2021-2022"],
        organisations=[partner, leie],
        themes=[ja, mentoren],
        body="## Over\n\nTekst.",
    )
    kaal = Proeftuin(slug="kaal", title="Kale proeftuin", level="secundair")
    db.session.add_all([mentoren, ja, getal, citaat, leie, partner, informatica, kaal])
    db.session.add_all(
        [
            Meeting(  # winter time, everything filled in
                slug="winter",
                title="Kick-off: duaal leren",
                kind="kick-off",
                starts_at=datetime(2024, 1, 15, 8, 0, tzinfo=UTC),
                ends_at=datetime(2024, 1, 15, 15, 30, tzinfo=UTC),
                location="Zaal 1: Gent",
                online_url="https://meet.example/abc?pw=1",
                capacity=0,
                registration_deadline=datetime(2024, 1, 10, 22, 59, tzinfo=UTC),
                themes=[mentoren, getal],
                host=informatica,
                status="cancelled",
                visibility="members",
                body=SPECIAL_BODY,
                report='Verslag: "goed"\n\n- punt één\n- punt twee\n',
            ),
            Meeting(  # summer time, seconds
                slug="zomer",
                title="Webinar",
                kind="webinar",
                starts_at=datetime(2024, 6, 20, 11, 30, 15, tzinfo=UTC),
                ends_at=datetime(2024, 6, 20, 13, 0, tzinfo=UTC),
                capacity=25,
            ),
            Meeting(  # 02:30 and 02:45 on the night the clocks go back: both ambiguous
                slug="nacht",
                title="Nachtsessie",
                kind="intervisie",
                starts_at=datetime(2024, 10, 27, 0, 30, tzinfo=UTC),
                ends_at=datetime(2024, 10, 27, 1, 45, tzinfo=UTC),
            ),
            Practice(
                slug="concept",
                title="Concept",
                summary="Regel een.\nRegel twee: met dubbelpunt.",
                themes=[mentoren],
                level="volwassenenonderwijs",
                sector="zorg",
                proeftuin=informatica,
                status="draft",
                visibility="members",
                body=SPECIAL_BODY,
            ),
            Practice(slug="gepubliceerd", title="Gepubliceerd", summary="Kort."),
            VisitReport(
                slug="bezoek-concept",
                title="Bezoek (concept)",
                proeftuin=informatica,
                visited=date(2023, 2, 28),
                status="draft",
                visibility="public",
                body=FULL_REPORT_BODY,
            ),
            VisitReport(
                slug="bezoek",
                title="Bezoek",
                proeftuin=kaal,
                visited=date(2022, 11, 14),
                body="Inleiding.\n\n" + FULL_REPORT_BODY + "\n",
            ),
            Recommendation(
                slug="verworpen",
                title="Een verworpen voorstel",
                theme=mentoren,
                level="hoger-onderwijs",
                status="verworpen",
                status_reason="Niet haalbaar:\n- budget\n- timing",
                closed=True,
                visibility="members",
                body=SPECIAL_BODY,
            ),
            Recommendation(slug="open", title="Open draad", theme=getal),
        ]
    )
    db.session.flush()
    winter, zomer = (
        db.session.scalar(select(Meeting).where(Meeting.slug == slug))
        for slug in ("winter", "zomer")
    )
    db.session.add_all(
        [
            Product(
                slug="toolkit-concept",
                title='Toolkit: mentoren & "feedback"',
                summary="Regel een.\nRegel twee: met dubbelpunt.",
                kind="toolkit",
                themes=[mentoren, ja],
                level="volwassenenonderwijs",
                proeftuin=informatica,
                organisation=partner,
                link="https://video.example/film?id=1&t=2",
                sessions=[zomer, winter],
                status="draft",
                visibility="members",
                body=SPECIAL_BODY,
            ),
            Product(slug="film", title="Film", summary="Kort.", kind="film"),
        ]
    )
    db.session.commit()


def attach(parent_type: str, model, slug: str, files: dict[str, bytes]) -> None:
    """Attach files to a document as an upload would: stored content, attachment, version."""
    from lerend_netwerk.files.models import Attachment, AttachmentVersion, FileBlob
    from lerend_netwerk.files.storage import storage

    parent = db.session.scalar(select(model).where(model.slug == slug))
    for position, (name, data) in enumerate(files.items()):
        sha = storage().put(data)
        blob = db.session.scalar(select(FileBlob).where(FileBlob.sha256 == sha))
        if blob is None:
            blob = FileBlob(sha256=sha, size=len(data), mimetype="text/plain")
        attachment = Attachment(
            parent_type=parent_type,
            parent_id=parent.id,
            filename=name,
            position=position,
            blob=blob,
            versions=[AttachmentVersion(number=1, filename=name, blob=blob)],
        )
        db.session.add(attachment)
    db.session.commit()


def attachment_rows() -> list[tuple[str, int, str, int, str]]:
    """Every attachment as (parent type, parent id, file name, position, checksum)."""
    from lerend_netwerk.files.models import Attachment

    return sorted(
        (a.parent_type, a.parent_id, a.filename, a.position, a.blob.sha256)
        for a in db.session.scalars(select(Attachment))
    )


def test_export_import_export_reproduces_files_and_fields(app, tmp_path):
    make_every_kind()
    attach("session", Meeting, "winter", {"programma.txt": b"09:00 onthaal\n", "één.txt": b"1"})
    attach("practice", Practice, "concept", {"z.txt": b"eerst", "a.txt": b"daarna"})
    attach("report", VisitReport, "bezoek", {"foto's, 'bezoek'.txt": b"1"})
    records = all_records()
    files = attachment_rows()
    first = tmp_path / "first"

    exported = export_directory(first)
    assert exported.warnings == []
    assert sum(exported.counts.values()) == sum(len(r) for r in records.values())
    assert exported.files == 5

    empty_content_tables()
    result = import_directory(first)
    db.session.commit()
    db.session.expire_all()
    # The default network is in every database: its file updates it; the rest is new.
    assert result.counts["networks"].created == len(records["networks"]) - 1
    assert all(
        c.created == len(records[name]) for name, c in result.counts.items() if name != "networks"
    )
    after = all_records()
    for kind in records:
        for slug in records[kind]:
            for key in records[kind][slug]:
                assert after[kind][slug][key] == records[kind][slug][key], (kind, slug, key)
    assert after == records
    # The ids are new; names, order and contents are the same.
    assert [row[2:] for row in attachment_rows()] == [row[2:] for row in files]

    second = tmp_path / "second"
    export_directory(second)
    assert read_tree(second) == read_tree(first)
    assert read_tree(first)["practices/concept/z.txt"] == b"eerst"
    # and importing the export once more changes nothing
    again = import_directory(second)
    assert all(c.updated == 0 and c.created == 0 for c in again.counts.values())
    assert again.files.unchanged == 5 and again.files.added == again.files.replaced == 0


def test_export_writes_the_contract_format(app, tmp_path):
    make_every_kind()
    export_directory(tmp_path)
    winter = (tmp_path / "sessions" / "winter.md").read_text(encoding="utf-8")
    assert winter.startswith(
        "---\n"
        "title: 'Kick-off: duaal leren'\n"
        "kind: kick-off\n"
        "starts: 2024-01-15T09:00\n"
        "ends: 2024-01-15T16:30\n"
        "location: 'Zaal 1: Gent'\n"
        "online_url: https://meet.example/abc?pw=1\n"
        "capacity: 0\n"
        "registration_deadline: 2024-01-10T23:59\n"
        "themes: [getal, mentoren]\n"
        "host: informatica\n"
        "status: cancelled\n"
        "visibility: members\n"
        "report: |\n"
    )
    assert winter.endswith("---\n" + SPECIAL_BODY + "\n")
    zomer = (tmp_path / "sessions" / "zomer.md").read_text(encoding="utf-8")
    zomer_uid = db.session.scalar(select(Meeting.uid).where(Meeting.slug == "zomer"))
    # Made without a publication date: dated by the day it was stored.
    today = to_local(utcnow()).date().isoformat()
    assert (
        "starts: '2024-06-20T13:30:15'\nends: 2024-06-20T15:00\ncapacity: 25\n"
        f"uid: {zomer_uid}\npublished: {today}\n---\n"
    ) in zomer
    nacht = (tmp_path / "sessions" / "nacht.md").read_text(encoding="utf-8")
    assert "starts: 2024-10-27T02:30+02:00\nends: 2024-10-27T02:45+01:00\n" in nacht
    assert (tmp_path / "themes" / "ja.md").read_text() == "---\ntitle: 'yes'\n---\n"
    proeftuin = (tmp_path / "proeftuinen" / "informatica.md").read_text(encoding="utf-8")
    assert "organisations: [hogeschool-leie, vdab-partner]\n" in proeftuin
    assert "academic_years: [2022-2023, 2021-2022]\n" in proeftuin
    assert "status: draft\nvisibility: members\n" in (
        tmp_path / "practices" / "concept.md"
    ).read_text(encoding="utf-8")
    toolkit = (tmp_path / "products" / "toolkit-concept.md").read_text(encoding="utf-8")
    assert (
        "kind: toolkit\nthemes: [ja, mentoren]\nlevel: volwassenenonderwijs\n"
        "proeftuin: informatica\norganisation: vdab-partner\n"
        "link: https://video.example/film?id=1&t=2\nsessions: [winter, zomer]\n"
        "status: draft\nvisibility: members\n---\n"
    ) in toolkit
    assert (
        (tmp_path / "products" / "film.md")
        .read_text(encoding="utf-8")
        .startswith("---\ntitle: Film\nsummary: Kort.\nkind: film\npublished: ")
    )
    # A report is members-only by default: the key is left out; public is written.
    assert "visibility" not in (tmp_path / "reports" / "bezoek.md").read_text(encoding="utf-8")
    assert "visibility: public" in (tmp_path / "reports" / "bezoek-concept.md").read_text(
        encoding="utf-8"
    )
    assert (tmp_path / "recommendations" / "open.md").read_text(encoding="utf-8") == (
        f"---\ntitle: Open draad\ntheme: getal\npublished: {today}\n---\n"
    )


def test_the_demo_content_round_trips(app, tmp_path):
    import_directory(CONTENT_DIR)
    db.session.commit()
    records = all_records()
    first, second = tmp_path / "first", tmp_path / "second"
    assert export_directory(first).warnings == []
    empty_content_tables()
    import_directory(first)
    db.session.commit()
    db.session.expire_all()
    assert all_records() == records
    export_directory(second)
    assert read_tree(second) == read_tree(first)


def test_export_mirrors_the_database_and_leaves_other_files(app, make_theme, tmp_path):
    make_theme(slug="mentoren", title="Mentoren")
    write(tmp_path, "themes/verwijderd.md", "---\ntitle: Weg\n---\n")
    write(tmp_path, "themes/notities.txt", "blijft")
    write(tmp_path, "themes/.verborgen.md", "blijft")
    write(tmp_path, "README.md", "blijft")
    result = export_directory(tmp_path)
    assert result.removed == [tmp_path / "themes" / "verwijderd.md"]
    assert sorted(read_tree(tmp_path)) == [
        "README.md",
        "networks/duaal-leren-ho-vwo.md",
        "themes/.verborgen.md",
        "themes/mentoren.md",
        "themes/notities.txt",
    ]


def test_export_warns_about_documents_that_would_not_import(app, make_report, make_theme, tmp_path):
    make_report(slug="zonder-secties", body="Alleen tekst.")
    make_theme(slug="../buiten", title="Gevaarlijk")
    result = export_directory(tmp_path / "uit")
    messages = [str(w) for w in result.warnings]
    assert any(
        "zonder-secties.md" in m and "missing section '## Doelstellingen'" in m for m in messages
    )
    assert any("not exported: slug '../buiten'" in m for m in messages)
    assert not (tmp_path / "buiten.md").exists()
    assert (tmp_path / "uit" / "reports" / "zonder-secties.md").exists()


# ------------------------------------------------------------------ one file, no database


def problems_of(kind: str, text: str) -> list[tuple[int, str]]:
    return parse_document(kinds_by_name()[kind], text).problems


@pytest.mark.parametrize(
    "kind,text,line,message",
    [
        ("themes", "title: Geen front matter\n", 1, "must start with a '---' line"),
        ("themes", "---\ntitle: Niet gesloten\n", 1, "not closed"),
        ("themes", "---\n- een\n- lijst\n---\n", 2, "must be a list of 'key: value' lines"),
        ("themes", "---\ntitle: A\ntitle: B\n---\n", 3, "duplicate key 'title' (first on line 2)"),
        ("themes", "---\ntitle: ''\n---\n", 2, "'title' must not be empty"),
        ("themes", "---\ntitle:\n---\n", 2, "'title' has no value"),
        ("themes", '---\ntitle: "twee\\nregels"\n---\n', 2, "must be a single line"),
        (
            "themes",
            "---\ntitle: " + "x" * 201 + "\n---\n",
            2,
            "too long (201 characters, at most 200)",
        ),
        ("themes", "---\ntitle: [a]\n---\n", 2, "'title' must be text"),
        ("organisations", "---\ntitle: O\ntype: bakkerij\n---\n", 3, "'type' must be one of"),
        (
            "organisations",
            "---\ntitle: O\ntype: cvo\nwebsite: javascript:alert(1)\n---\n",
            4,
            "'website' must be a web address",
        ),
        (
            "products",
            "---\ntitle: P\nsummary: S\nkind: film\nlink: ftp://films.example/a\n---\n",
            5,
            "'link' must be a web address",
        ),
        ("products", "---\ntitle: P\nsummary: S\nkind: poster\n---\n", 4, "'kind' must be one of"),
        (
            "proeftuinen",
            "---\ntitle: P\nlevel: secundair\nthemes: mentoren\n---\n",
            4,
            "'themes' must be a list",
        ),
        (
            "proeftuinen",
            "---\ntitle: P\nlevel: secundair\nthemes: [a, b, a]\n---\n",
            4,
            "'a' is listed twice",
        ),
        (
            "proeftuinen",
            "---\ntitle: P\nlevel: secundair\nthemes: [Mentoren]\n---\n",
            4,
            "'Mentoren' is not a slug",
        ),
        (
            "proeftuinen",
            "---\ntitle: P\nlevel: secundair\nacademic_years:\n- 2021-2022\n- 2022-2024\n---\n",
            6,
            "'2022-2024' is not an academic year",
        ),
        (
            "sessions",
            "---\ntitle: S\nkind: webinar\nstarts: 2024-03-01\nends: 2024-03-01T11:00\n---\n",
            4,
            "'starts' must be a date and time",
        ),
        (
            "sessions",
            "---\ntitle: S\nkind: webinar\nstarts: 2024-03-31T02:30\nends: 2024-03-31T04:00\n---\n",
            4,
            "does not exist in Brussels",
        ),
        (
            "sessions",
            "---\ntitle: S\nkind: webinar\nstarts: 2024-03-01T10:00\nends: 2024-03-01T09:00\n---\n",
            5,
            "'ends' must be after 'starts'",
        ),
        (
            "sessions",
            "---\ntitle: S\nkind: webinar\nstarts: 2024-03-01T10:00\n"
            "ends: 2024-03-01T11:00\ncapacity: -1\n---\n",
            6,
            "'capacity' must be a whole number",
        ),
        (
            "reports",
            "---\ntitle: R\nproeftuin: p\nvisited: 15/01/2023\n---\n" + FULL_REPORT_BODY,
            4,
            "'visited' must be a date YYYY-MM-DD",
        ),
        (
            "reports",
            "---\ntitle: R\nproeftuin: p\nvisited: 2023-01-15\n---\n"
            + FULL_REPORT_BODY.replace("## Observaties", "## Observaties\n\n## Extra"),
            20,
            "'## Extra' is not a section of the visit-report template",
        ),
        (
            "reports",
            "---\ntitle: R\nproeftuin: p\nvisited: 2023-01-15\n---\n"
            + FULL_REPORT_BODY
            + "\n\n## Doelstellingen\n",
            38,
            "appears twice (first on line 6)",
        ),
        (
            "recommendations",
            "---\ntitle: R\ntheme: t\nclosed: misschien\n---\n",
            4,
            "'closed' must be true or false",
        ),
    ],
)
def test_each_problem_is_reported_at_its_line(kind, text, line, message):
    problems = problems_of(kind, text)
    assert any(n == line and message in m for n, m in problems), problems


def test_report_sections_out_of_order_and_in_code_blocks():
    order = list(REPORT_SECTIONS)
    order[2], order[3] = order[3], order[2]
    body = "\n".join(f"## {name}" for name in order)
    text = "---\ntitle: R\nproeftuin: p\nvisited: 2023-01-15\n---\n" + body + "\n"
    assert problems_of("reports", text) == [
        (9, "section '## Uitdagingen' is out of order: it comes before '## Observaties'")
    ]
    fenced = FULL_REPORT_BODY.replace(
        "## Observaties\n", "## Observaties\n\n```\n## Geen kop\n```\n"
    )
    ok = "---\ntitle: R\nproeftuin: p\nvisited: 2023-01-15\n---\n" + fenced
    assert problems_of("reports", ok) == []


def test_a_report_with_no_headings_names_every_missing_section():
    text = "---\ntitle: R\nproeftuin: p\nvisited: 2023-01-15\n---\nAlleen tekst.\n"
    problems = problems_of("reports", text)
    assert [m for _, m in problems] == [
        f"missing section '## {name}' of the visit-report template" for name in REPORT_SECTIONS
    ]
    assert {n for n, _ in problems} == {6}


@pytest.mark.parametrize(
    "text,body",
    [
        ("---\ntitle: T\n---\n", ""),
        ("---\ntitle: T\n---", ""),
        ("---\ntitle: T\n---\nTekst\n", "Tekst"),
        ("---\ntitle: T\n---\nTekst", "Tekst"),
        ("---\ntitle: T\n---\n\nTekst\n\n", "\nTekst\n"),
        ("---\r\ntitle: T\r\n---\r\nTekst\r\n", "Tekst\r"),
    ],
)
def test_the_body_is_kept_exactly_and_written_back_the_same(text, body):
    kind = kinds_by_name()["themes"]
    parsed = parse_document(kind, text)
    assert parsed.problems == []
    assert parsed.record["body"] == body
    rendered = render_document(kind, parsed.record)
    assert parse_document(kind, rendered).record == parsed.record


REPORT_BODY = "\n\n".join(f"## {section}\n\nTekst." for section in REPORT_SECTIONS)


@pytest.mark.parametrize(
    "kind,slug,front,body",
    [
        (
            "sessions",
            "nieuw",
            "title: X\nkind: webinar\nstarts: 2027-01-01T10:00\nends: 2027-01-01T11:00",
            "Tekst.",
        ),
        ("recommendations", "eindrapport", "title: X\ntheme: thema-a", "Tekst."),
        ("reports", "overzicht", "title: X\nproeftuin: p\nvisited: 2022-11-14", REPORT_BODY),
    ],
)
def test_slugs_taken_by_pages_are_refused(
    app, tmp_path, make_theme, make_proeftuin, kind, slug, front, body
):
    from lerend_netwerk.content_io.service import ContentError, import_directory

    make_theme(slug="thema-a")
    make_proeftuin(slug="p")
    directory = tmp_path / kind
    directory.mkdir()
    (directory / f"{slug}.md").write_text(f"---\n{front}\n---\n{body}\n", encoding="utf-8")
    with pytest.raises(ContentError) as raised:
        import_directory(tmp_path)
    assert [problem.message for problem in raised.value.problems] == [
        f"slug {slug!r} is taken by a page of the site: choose another name"
    ]
