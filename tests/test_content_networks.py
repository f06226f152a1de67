"""Content directories with several networks: the networks/ kind, the network key,
export and import of one network, and the whole installation."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lerend_netwerk.agenda.models import Meeting
from lerend_netwerk.content_io.schema import kinds, record_of
from lerend_netwerk.content_io.service import ContentError, export_directory, import_directory
from lerend_netwerk.extensions import db
from lerend_netwerk.networks.models import DEFAULT_NETWORK_SLUG, Network, NetworkMembership
from lerend_netwerk.practices.models import Practice
from lerend_netwerk.proeftuinen.models import REPORT_SECTIONS, Proeftuin, VisitReport
from lerend_netwerk.themes.models import Theme

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
SECOND = "duaal-so-leiestreek"
REPORT_BODY = "\n\n".join(f"## {name}\n\nTekst." for name in REPORT_SECTIONS)


def write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path


def read_tree(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def all_records() -> dict[str, dict[str, dict]]:
    return {
        kind.name: {
            obj.slug: record_of(kind, obj) for obj in db.session.scalars(select(kind.model))
        }
        for kind in kinds()
    }


def row_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
        if not table.name.startswith("search")
    }


def empty_content_tables() -> None:
    """Every table emptied, as in a new database: only the default network remains."""
    for table in reversed(db.metadata.sorted_tables):
        if table.name != "network":
            db.session.execute(table.delete())
    db.session.execute(Network.__table__.delete().where(Network.is_default.is_(False)))
    db.session.commit()


def network_id(slug: str) -> int:
    return db.session.scalar(select(Network.id).where(Network.slug == slug))


def import_demo() -> None:
    import_directory(CONTENT_DIR)
    db.session.commit()


# ------------------------------------------------------------------ the demo's networks


def test_the_demo_content_puts_documents_in_their_networks(app):
    import_demo()
    default, second = network_id(DEFAULT_NETWORK_SLUG), network_id(SECOND)
    network = db.session.get(Network, second)
    assert network.title == "Overlegforum duaal leren Leiestreek"
    assert network.levels == ["secundair"]
    assert network.colour == "#2e7d4f"
    assert network.region == "Leiestreek"
    assert not network.is_default
    assert db.session.get(Network, default).is_default
    assert db.session.get(Network, default).summary.startswith("Hogescholen, universiteiten")

    sessions = dict(db.session.execute(select(Meeting.slug, Meeting.network_id)).all())
    assert sessions["mentortraining-secundair-2027"] == second
    assert sessions["kick-off-lerend-netwerk-2021"] == default
    assert 3 <= sum(1 for n in sessions.values() if n == second) < len(sessions)
    practices = dict(db.session.execute(select(Practice.slug, Practice.network_id)).all())
    assert 4 <= sum(1 for n in practices.values() if n == second) <= 6
    from lerend_netwerk.products.models import Product

    products = dict(db.session.execute(select(Product.slug, Product.network_id)).all())
    assert products["film-ouders-over-duaal-leren-so"] == second
    assert products["toolkit-matchingdag"] == default
    themes = dict(db.session.execute(select(Theme.slug, Theme.network_id)).all())
    assert themes["aanloopfase"] == second
    assert themes["mentoren"] is None  # shared by every network


def test_export_writes_the_network_key_only_for_other_networks(app, tmp_path):
    import_demo()
    export_directory(tmp_path)
    assert sorted(p.name for p in (tmp_path / "networks").iterdir()) == [
        f"{DEFAULT_NETWORK_SLUG}.md",
        f"{SECOND}.md",
    ]
    default_file = (tmp_path / "networks" / f"{DEFAULT_NETWORK_SLUG}.md").read_text()
    assert "default: true\n" in default_file
    assert "default" not in (tmp_path / "networks" / f"{SECOND}.md").read_text()
    kick_off = (tmp_path / "sessions" / "kick-off-lerend-netwerk-2021.md").read_text()
    assert "network:" not in kick_off
    training = (tmp_path / "sessions" / "mentortraining-secundair-2027.md").read_text()
    assert "ends: 2027-03-09T21:30\nnetwork: duaal-so-leiestreek\n" in training
    assert "network: duaal-so-leiestreek\n" in (tmp_path / "themes" / "aanloopfase.md").read_text()
    assert "network" not in (tmp_path / "themes" / "mentoren.md").read_text()


# ------------------------------------------------------------------ one network


def test_export_of_one_network_has_its_documents_and_the_shared_ones_they_use(app, tmp_path):
    import_demo()
    result = export_directory(tmp_path, network=SECOND)
    assert result.warnings == []
    files = set(read_tree(tmp_path))
    assert f"networks/{SECOND}.md" in files
    assert f"networks/{DEFAULT_NETWORK_SLUG}.md" not in files
    sessions = {f for f in files if f.startswith("sessions/")}
    assert sessions == {
        "sessions/infoavond-ouders-duaal-leren-2027.md",
        "sessions/infosessie-leerlingen-duaal-leren-2027.md",
        "sessions/mentortraining-secundair-2027.md",
        "sessions/netwerkmoment-overlegforum-leiestreek-2026.md",
    }
    themes = {f for f in files if f.startswith("themes/")}
    # Its own theme and the shared themes its documents name; no other theme.
    assert "themes/aanloopfase.md" in themes and "themes/mentoren.md" in themes
    assert "themes/kader.md" not in themes
    assert {f for f in files if f.startswith("organisations/")} == {
        "organisations/campus-leiedal.md",
        "organisations/metaalbouw-deleye.md",
    }
    assert not any(f.startswith("abbreviations/") for f in files)
    assert "practices/screening-arbeidsrijpheid.md" not in files
    assert result.counts["networks"] == 1


def test_one_network_round_trips_through_an_empty_database(app, tmp_path):
    import_demo()
    first, second = tmp_path / "first", tmp_path / "second"
    export_directory(first, network=SECOND)
    before = {
        kind: {
            slug: record
            for slug, record in records.items()
            if (first / kind / f"{slug}.md").exists()
        }
        for kind, records in all_records().items()
    }
    empty_content_tables()
    result = import_directory(first)
    db.session.commit()
    db.session.expire_all()
    assert result.counts["networks"].created == 1
    after = all_records()
    for kind, records in before.items():
        assert {slug: after[kind][slug] for slug in records} == records, kind
    export_directory(second, network=SECOND)
    assert read_tree(second) == read_tree(first)


def test_importing_one_network_touches_nothing_else(app, tmp_path):
    import_demo()
    export_directory(tmp_path, network=SECOND)
    counts = row_counts()
    default_sessions = set(
        db.session.scalars(
            select(Meeting.slug).where(Meeting.network_id == network_id(DEFAULT_NETWORK_SLUG))
        )
    )
    # One document of the network changed, one removed from the directory.
    path = tmp_path / "practices" / "ambassadeurs-duaal-leren.md"
    path.write_text(path.read_text().replace("een tiental leerlingen", "twintig leerlingen"))
    (tmp_path / "practices" / "matchingdag-leerlingen-en-bedrijven.md").unlink()

    result = import_directory(tmp_path)
    db.session.commit()
    assert result.counts["practices"].updated == 1
    assert sum(c.created for c in result.counts.values()) == 0
    assert sum(c.updated for c in result.counts.values()) == 1
    assert row_counts() == counts  # nothing deleted, in this network or another
    assert (
        set(
            db.session.scalars(
                select(Meeting.slug).where(Meeting.network_id == network_id(DEFAULT_NETWORK_SLUG))
            )
        )
        == default_sessions
    )
    assert db.session.scalar(
        select(Practice.id).where(Practice.slug == "matchingdag-leerlingen-en-bedrijven")
    )


def test_a_visit_report_follows_its_proeftuin_into_the_network_export(
    app, make_proeftuin, tmp_path
):
    import_demo()
    db.session.add(Network(slug="derde", title="Derde netwerk", levels=[], is_default=False))
    db.session.flush()
    third = network_id("derde")
    mine = make_proeftuin(slug="eigen-proeftuin", title="Eigen", network_id=third)
    other = make_proeftuin(slug="andere-proeftuin", title="Andere")
    db.session.add_all(
        [
            VisitReport(
                slug="bezoek-eigen",
                title="Bezoek",
                proeftuin=mine,
                visited=date(2026, 5, 4),
                body=REPORT_BODY,
            ),
            VisitReport(
                slug="bezoek-ander",
                title="Bezoek",
                proeftuin=other,
                visited=date(2026, 5, 4),
                body=REPORT_BODY,
            ),
        ]
    )
    db.session.commit()
    export_directory(tmp_path, network="derde")
    files = set(read_tree(tmp_path))
    assert "reports/bezoek-eigen.md" in files and "proeftuinen/eigen-proeftuin.md" in files
    assert "reports/bezoek-ander.md" not in files
    assert "network: derde\n" in (tmp_path / "proeftuinen" / "eigen-proeftuin.md").read_text()
    assert "network" not in (tmp_path / "reports" / "bezoek-eigen.md").read_text()


def test_a_reference_into_another_network_is_exported_with_a_warning(
    app, make_proeftuin, make_meeting, tmp_path
):
    import_demo()
    host = db.session.scalar(
        select(Proeftuin).where(Proeftuin.slug == "bachelor-bedrijfsmanagement-maasland")
    )
    make_meeting(slug="gast-bij-de-buren", host=host, network_id=network_id(SECOND))
    result = export_directory(tmp_path, network=SECOND)
    assert [w.message for w in result.warnings] == [
        "verwijst naar proeftuinen/bachelor-bedrijfsmanagement-maasland van een ander "
        "netwerk: importeer dat netwerk eerst"
    ]
    assert (
        "host: bachelor-bedrijfsmanagement-maasland"
        in (tmp_path / "sessions" / "gast-bij-de-buren.md").read_text()
    )


def test_exporting_an_unknown_network_is_refused(runner, app, tmp_path):
    result = runner.invoke(args=["content", "export", "--network", "nergens", str(tmp_path)])
    assert result.exit_code == 1
    assert "onbekend netwerk 'nergens'" in result.stderr
    assert DEFAULT_NETWORK_SLUG in result.stderr
    assert not (tmp_path / "sessions").exists()


def test_the_cli_exports_one_network(runner, app, tmp_path):
    import_demo()
    result = runner.invoke(args=["content", "export", "--network", SECOND, str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "networks" / f"{SECOND}.md").exists()
    assert not (tmp_path / "sessions" / "kick-off-lerend-netwerk-2021.md").exists()


# ------------------------------------------------------------------ problems


def problems(tmp_path: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        import_directory(tmp_path)
    return [str(problem) for problem in caught.value.problems]


def test_an_unknown_network_is_an_error_and_nothing_is_imported(app, tmp_path):
    write(tmp_path, "themes/t.md", "---\ntitle: T\n---\n")
    write(
        tmp_path,
        "practices/p.md",
        "---\ntitle: P\nsummary: S\nnetwork: nergens\n---\n",
    )
    found = problems(tmp_path)
    assert found == [
        f"{tmp_path}/practices/p.md:4: onbekend netwerk 'nergens': geen networks/nergens.md "
        "in deze import en niet in de databank"
    ]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Theme)) == 0


def test_a_network_and_its_documents_come_in_one_import(app, tmp_path):
    write(tmp_path, "networks/nieuw.md", "---\ntitle: Nieuw netwerk\nlevels: [secundair]\n---\n")
    write(tmp_path, "themes/eigen.md", "---\ntitle: Eigen\nnetwork: nieuw\n---\n")
    write(
        tmp_path,
        "practices/p.md",
        "---\ntitle: P\nsummary: S\nnetwork: nieuw\nthemes: [eigen]\n---\n",
    )
    write(tmp_path, "practices/q.md", "---\ntitle: Q\nsummary: S\n---\n")
    import_directory(tmp_path)
    db.session.commit()
    nieuw = network_id("nieuw")
    assert db.session.scalar(select(Practice.network_id).where(Practice.slug == "p")) == nieuw
    assert db.session.scalar(select(Theme.network_id).where(Theme.slug == "eigen")) == nieuw
    default = network_id(DEFAULT_NETWORK_SLUG)
    assert db.session.scalar(select(Practice.network_id).where(Practice.slug == "q")) == default


def test_a_slug_of_another_network_is_an_error(app, tmp_path):
    import_demo()
    write(
        tmp_path,
        "practices/screening-arbeidsrijpheid.md",
        f"---\ntitle: Andere screening\nsummary: S\nnetwork: {SECOND}\n---\n",
    )
    write(
        tmp_path,
        "sessions/mentortraining-secundair-2027.md",
        "---\ntitle: T\nkind: intervisie\nstarts: 2027-03-09T18:30\nends: 2027-03-09T21:30\n---\n",
    )
    assert problems(tmp_path) == [
        f"{tmp_path}/practices/screening-arbeidsrijpheid.md:1: practices/screening-"
        "arbeidsrijpheid bestaat al in het standaardnetwerk: een slug hoort bij één document "
        "van de hele installatie, kies een andere naam",
        f"{tmp_path}/sessions/mentortraining-secundair-2027.md:1: sessions/mentortraining-"
        f"secundair-2027 bestaat al in netwerk '{SECOND}': een slug hoort bij één document "
        "van de hele installatie, kies een andere naam",
    ]


def test_an_import_does_not_choose_another_default_network(app, tmp_path):
    write(tmp_path, "networks/ander.md", "---\ntitle: Ander\ndefault: true\n---\n")
    assert problems(tmp_path) == [
        f"{tmp_path}/networks/ander.md:1: 'default: true' kan alleen bij het "
        f"standaardnetwerk van deze installatie, '{DEFAULT_NETWORK_SLUG}': een import kiest "
        "geen ander standaardnetwerk"
    ]


def test_the_default_network_file_may_leave_default_out(app, tmp_path):
    write(tmp_path, f"networks/{DEFAULT_NETWORK_SLUG}.md", "---\ntitle: Hernoemd\n---\nTekst\n")
    import_directory(tmp_path)
    db.session.commit()
    network = db.session.scalar(select(Network).where(Network.slug == DEFAULT_NETWORK_SLUG))
    assert network.is_default and network.title == "Hernoemd" and network.body == "Tekst"


@pytest.mark.parametrize(
    "front,line,message",
    [
        ("colour: blauw\n", 3, "'colour' must be a colour written #rrggbb"),
        ("colour: '#12345'\n", 3, "'colour' must be a colour written #rrggbb"),
        ("levels: [lager]\n", 3, "'levels': 'lager' is not one of hoger-onderwijs"),
        ("levels: [secundair, secundair]\n", 3, "'levels': 'secundair' is listed twice"),
        ("default: misschien\n", 3, "'default' must be true or false"),
    ],
)
def test_bad_network_values_are_reported_at_their_line(app, tmp_path, front, line, message):
    write(tmp_path, "networks/n.md", f"---\ntitle: N\n{front}---\n")
    found = problems(tmp_path)
    assert len(found) == 1 and found[0].startswith(f"{tmp_path}/networks/n.md:{line}: {message}")


def test_the_whole_installation_round_trips_with_every_network(app, tmp_path):
    import_demo()
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
    shutil.rmtree(second)


# ------------------------------------------------------------------ the command line


def test_a_first_coordinator_is_added_on_the_command_line(runner, app, make_user, tmp_path):
    write(tmp_path, "networks/nieuw.md", "---\ntitle: Nieuw netwerk\n---\n")
    assert runner.invoke(args=["content", "import", str(tmp_path)]).exit_code == 0
    user = make_user(email="eerste@example.be")
    result = runner.invoke(args=["networks", "add-member", "nieuw", user.email, "--coordinator"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "eerste@example.be is coördinator van Nieuw netwerk\n"
    role = db.session.scalar(
        select(NetworkMembership.role).where(
            NetworkMembership.user_id == user.id,
            NetworkMembership.network_id == network_id("nieuw"),
        )
    )
    assert role == "coordinator"
    listed = runner.invoke(args=["networks", "list"]).stdout
    assert "nieuw" in listed and "1 members   1 coordinators  Nieuw netwerk" in listed
    assert f"{DEFAULT_NETWORK_SLUG}" in listed and "(default)" in listed
    unknown = runner.invoke(args=["networks", "add-member", "nergens", user.email])
    assert unknown.exit_code == 1 and "onbekend netwerk 'nergens'" in unknown.stderr
    nobody = runner.invoke(args=["networks", "add-member", "nieuw", "niemand@example.be"])
    assert nobody.exit_code == 1 and "geen account met e-mailadres" in nobody.stderr
