"""Dutch search: stems and the domain's exceptions, stop words, compounds, apostrophe
plurals, abbreviations, suggestions, the new document types and the analyzer version.

Real Whoosh index in the test's own directory, SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest

from lerend_netwerk.content_io.service import export_directory, import_directory
from lerend_netwerk.extensions import db
from lerend_netwerk.search import analysis, service
from lerend_netwerk.search.index import SCHEMA, analyze
from lerend_netwerk.search.models import Abbreviation
from lerend_netwerk.search.sync import handle_for


def sync(app) -> None:
    assert not service.sync_index(app).locked


def titles(found) -> list[str]:
    return [hit.title for hit in found.hits]


# Stems --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("mentor", "mentoren"),
        ("begeleiden", "begeleiding"),
        ("intervisie", "intervisies"),
        ("evaluatie", "evaluaties"),
        ("bedrijf", "bedrijven"),
        ("filmpje", "film"),
        ("werkgever", "werkgevers"),
        ("hogeschool", "hogescholen"),
        ("sessie", "sessies"),
        ("praktijk", "praktijken"),
        ("verslag", "verslagen"),
        ("aanbeveling", "aanbevelingen"),
        ("thema", "thema's"),
        ("kmo", "kmo's"),
        ("CVO", "CVO's"),
        ("financiële", "financiele"),
    ],
)
def test_word_pairs_share_their_term(one, other):
    assert analyze(one) == analyze(other) and analyze(one)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("begeleiding", "beleid"),
        ("begeleiden", "beleid"),
        ("begeleider", "beleid"),
        ("werkgever", "werkver"),
        ("mentor", "mentoor"),
    ],
)
def test_domain_words_are_not_confused(one, other):
    assert analyze(one) != analyze(other)


def test_apostrophe_plurals_leave_no_lone_s():
    assert analyze("De kmo's en CVO's, de thema's.") == ["kmo", "cvo", "thema"]
    assert "s" not in analyze("'s avonds in 's-Hertogenbosch")


# Compounds ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("compound", "part"),
    [
        ("werkgeversbetrokkenheid", "werkgevers"),
        ("ontwerpdecreet", "decreet"),
        ("matchingdag", "matching"),
        ("werkplekleren", "werkplek"),
        ("werkplekleren", "leren"),
        ("mentorenopleiding", "mentoren"),
        ("beleidsaanbevelingen", "beleid"),
    ],
)
def test_compounds_yield_their_parts(compound, part):
    parts = analyze(compound, SCHEMA["parts"].analyzer)
    assert analyze(part)[0] in parts


@pytest.mark.parametrize("word", ["studenten", "werknemers", "opleidingen", "mentoren"])
def test_common_words_and_inflections_are_not_split(word):
    assert analyze(word, SCHEMA["parts"].analyzer) == []


def test_a_part_finds_the_compound_below_the_exact_word(app, make_practice):
    make_practice(title="Ontwerpdecreet", summary="Over het ontwerpdecreet duaal leren.")
    make_practice(title="Decreet", summary="Over het decreet duaal leren.")
    make_practice(title="Iets anders", summary="Over de agenda.")
    sync(app)
    assert titles(service.search("decreet", None)) == ["Decreet", "Ontwerpdecreet"]
    assert titles(service.search("werkplek leren", None)) == []
    make_practice(title="Werkplekleren in de zorg", summary="Hoe het werkplekleren loopt.")
    sync(app)
    assert titles(service.search("werkplek leren", None)) == ["Werkplekleren in de zorg"]


# Stop words ---------------------------------------------------------------------------


def test_a_trailing_stop_word_is_not_a_prefix(app, make_practice):
    make_practice(title="Mentoren", summary="De mentoren van de werkplek.")
    make_practice(title="Vandamme", summary="Mentoren bij Vandamme, vanaf maart.")
    make_practice(title="Anders", summary="Vandamme vanaf maart.")
    sync(app)
    assert service.search("mentoren van", None).total == service.search("mentoren", None).total
    found = service.search("mentoren van", None)
    assert sorted(titles(found)) == ["Mentoren", "Vandamme"]
    snippets = " ".join(str(hit.snippet) for hit in found.hits)
    assert "<mark>Vandamme</mark>" not in snippets and "<mark>vanaf</mark>" not in snippets


def test_a_query_of_mostly_stop_words_finds_its_content_words(app, make_practice):
    make_practice(title="Het leerportfolio", summary="Zo werkt het leerportfolio op de werkvloer.")
    make_practice(title="Hetzelfde anders", summary="Een heterogene groep.")
    sync(app)
    assert titles(service.search("hoe werkt het", None)) == ["Het leerportfolio"]
    assert titles(service.search("hoe werkt het leerportfolio", None)) == ["Het leerportfolio"]


# Abbreviations and suggestions --------------------------------------------------------


def _abbreviation(title: str, meaning: str) -> None:
    db.session.add(Abbreviation(slug=title.lower(), title=title, meaning=meaning))
    db.session.commit()


def test_abbreviations_expand_and_are_never_corrected(app, make_practice):
    make_practice(
        title="Toeleiding", summary="De Vlaamse Dienst voor Arbeidsbemiddeling leidt toe."
    )
    make_practice(title="Vlaag", summary="Een vlaag van enthousiasme.")
    sync(app)
    assert service.search("VLAIO", None).suggestion == "vlaag"
    _abbreviation("VLAIO", "Vlaams Agentschap Innoveren en Ondernemen")
    found = service.search("VLAIO", None)
    assert found.suggestion is None and found.total == 0
    _abbreviation("VDAB", "Vlaamse Dienst voor Arbeidsbemiddeling en Beroepsopleiding")
    found = service.search("VDAB", None)
    assert found.suggestion is None and found.total == 0  # the meaning has all its words
    _abbreviation("HO", "hoger onderwijs")
    make_practice(title="Hoger", summary="Duaal leren in het hoger onderwijs.")
    sync(app)
    found = service.search("HO", None)
    assert titles(found) == ["Hoger"] and found.suggestion is None
    assert "<mark>hoger</mark> <mark>onderwijs</mark>" in str(found.hits[0].snippet)


def test_short_words_get_no_far_fetched_suggestion(app, make_practice):
    make_practice(title="Vol", summary="Een volle zaal, zoals vaak.")
    sync(app)
    assert service.search("VWO", None).suggestion is None
    assert service.search("VDAB", None).suggestion is None
    assert service.search("vaag", None).suggestion == "vaak"  # one letter off: still offered


def test_abbreviations_are_content_that_import_and_export_keep(app, tmp_path):
    directory = tmp_path / "content" / "abbreviations"
    directory.mkdir(parents=True)
    (directory / "esf.md").write_text(
        '---\ntitle: "ESF"\nmeaning: "Europees Sociaal Fonds"\n---\nHet Europese fonds.\n',
        encoding="utf-8",
    )
    import_directory(tmp_path / "content")
    db.session.commit()
    assert service.abbreviations(app) == {"esf": ["Europees Sociaal Fonds"]}
    export_directory(tmp_path / "out")
    text = (tmp_path / "out" / "abbreviations" / "esf.md").read_text("utf-8")
    assert "title: ESF" in text.replace('"', "") and "Europees Sociaal Fonds" in text


def test_an_abbreviation_without_meaning_is_refused_in_dutch_context(app, tmp_path):
    directory = tmp_path / "abbreviations"
    directory.mkdir()
    (directory / "x.md").write_text('---\ntitle: "X"\n---\n', encoding="utf-8")
    with pytest.raises(Exception) as error:
        import_directory(tmp_path)
    assert "meaning" in str(error.value)


# New document types -------------------------------------------------------------------


def test_theme_and_organisation_pages_are_found_and_link_onwards(
    client, app, make_theme, make_organisation, make_proeftuin, make_meeting, make_practice
):
    theme = make_theme(slug="mentoren", title="Mentoren", body="Over mentoren.")
    org = make_organisation(slug="cvo-noord", title="CVO Noord", type="cvo")
    proeftuin = make_proeftuin(slug="pt", title="Zorg", organisations=[org], themes=[theme])
    make_meeting(slug="s-open", title="Open sessie", host=proeftuin, themes=[theme])
    make_practice(slug="p-leden", title="Ledenpraktijk", proeftuin=proeftuin, visibility="members")
    sync(app)
    hit = service.search("CVO Noord", None).hits[0]
    assert (hit.type, hit.url) == ("organisation", "/organisaties/cvo-noord")
    hit = service.search("thema mentoren", None).hits[0]
    assert (hit.type, hit.url) == ("theme", "/themas/mentoren")
    page = client.get("/organisaties/cvo-noord").get_data(as_text=True)
    assert 'href="/proeftuinen/pt"' in page and 'href="/sessies/s-open"' in page
    assert "Ledenpraktijk" not in page  # members-only, and this visitor is anonymous
    assert client.get("/organisaties/bestaat-niet").status_code == 404
    page = client.get("/themas/mentoren").get_data(as_text=True)
    assert 'href="/sessies/s-open"' in page


def test_the_final_report_is_found_and_follows_accepted_threads(
    client, app, make_recommendation, make_user
):
    rec = make_recommendation(title="Stabiele premie", status="open")
    hidden = make_recommendation(title="Geheime premie", status="aanvaard", visibility="members")
    sync(app)
    hit = service.search("eindrapport", None).hits[0]
    assert (hit.type, hit.url) == ("final_report", "/aanbevelingen/eindrapport")
    assert client.get(hit.url).status_code == 200
    assert "Stabiele premie" not in service.search("eindrapport", None).hits[0].snippet
    rec.status = "aanvaard"
    db.session.commit()
    sync(app)
    assert [h.type for h in service.search("stabiele premie", None).hits] == [
        "recommendation",
        "final_report",
    ]
    # A members-only thread is never named in a document everybody sees.
    assert [h.type for h in service.search("geheime", make_user()).hits] == ["recommendation"]
    assert service.search("geheime", None).total == 0
    assert hidden.id


# The analyzer's version ---------------------------------------------------------------


def test_changing_the_analyzer_changes_the_index_version(monkeypatch):
    before = analysis.fingerprint()
    monkeypatch.setitem(analysis.STEM_EXCEPTIONS, "proeftuinen", "proeftuin")
    assert analysis.fingerprint() != before
    monkeypatch.setattr(analysis, "STEMMER_ALGORITHM", "dutch_porter")
    assert analysis.fingerprint() != before


def test_every_process_computes_the_same_index_version():
    """A worker, `search sync` from cron and `search reindex` are separate processes: a
    version that differed between them (PyStemmer's version function printed with its
    address) made each of them rebuild the whole index the first time it synced."""
    import subprocess
    import sys

    code = "from lerend_netwerk.search.index import SCHEMA_VERSION; print(SCHEMA_VERSION)"
    versions = {
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.strip()
        for _ in range(2)
    }
    from lerend_netwerk.search.index import SCHEMA_VERSION

    assert versions == {str(SCHEMA_VERSION)}
    assert " at 0x" not in analysis.fingerprint()


def test_an_index_of_another_analyzer_is_rebuilt_by_the_next_search(app, make_practice):
    from lerend_netwerk.search.index import SyncState, write_state

    make_practice(title="Intervisies", summary="x")
    sync(app)
    writer = handle_for(app).open().writer()
    # As an index built with an older analyzer: its terms are not today's.
    writer.delete_by_term("type", "practice")
    write_state(writer, SyncState(last_id=10**6, schema_version=2))
    writer.commit()
    assert titles(service.search("intervisie", None)) == ["Intervisies"]
