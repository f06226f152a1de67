"""The index writer: the files it writes are byte for byte Whoosh's own writer's.

Real Whoosh indexes in the test's directory, with the platform's schema and Dutch
analysis; no database (an app only for the URL map that a document's address comes from).
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.writing import SegmentWriter

from lerend_netwerk import create_app
from lerend_netwerk.search.documents import SearchDocument
from lerend_netwerk.search.index import SCHEMA
from lerend_netwerk.search.sync import whoosh_fields
from lerend_netwerk.search.writer import FastSegmentWriter

TEXT = (
    "duaal leren werkplek mentor mentoren opleiding student studenten bedrijf bedrijven "
    "hogeschool centrum volwassenenonderwijs proeftuin begeleiding begeleiden evaluatie "
    "evaluaties financiering financiële vergoeding werving selectie samenwerking netwerk "
    "intervisie intervisies werkgeversbetrokkenheid mentorenopleiding ontwerpdecreet "
    "matchingdag kmo's CVO's thema's de het een van en in op voor met 2.0 NT2 VDAB"
)
WORDS = TEXT.split(" ")


@pytest.fixture(autouse=True)
def _url_map(tmp_path):
    """A document's address is its type's folder in the app's URL map."""
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'unused.sqlite'}",
            "SEARCH_INDEX_DIR": str(tmp_path / "unused-index"),
        }
    )
    with app.app_context():
        yield


TYPES = ("session", "proeftuin", "report", "practice", "recommendation", "theme")


def _documents(count: int, seed: int = 7) -> list[SearchDocument]:
    rng = random.Random(seed)
    docs = []
    for n in range(1, count + 1):
        body = " ".join(rng.choices(WORDS, k=rng.randint(1, 120)))
        if n % 17 == 0:
            body += f" uniekwoord{n}"  # a term in one document: inlined postings
        docs.append(
            SearchDocument(
                type=rng.choice(TYPES),
                id=n,
                slug=f"document-{n}",
                title=" ".join(rng.choices(WORDS, k=rng.randint(1, 6))),
                body=body,
                keywords=" ".join(rng.choices(WORDS, k=2)),
                themes=rng.sample(["mentoren", "kader", "financiering"], rng.randint(0, 2)),
                level=rng.choice([None, "secundair", "hoger-onderwijs"]),
                audiences=("public", "member", "coordinator")[rng.randint(0, 2) :],
            )
        )
    return docs


def _build(directory: Path, writer_class, batches, **kwargs) -> None:
    os.makedirs(directory)
    ix = whoosh_index.create_in(str(directory), SCHEMA)
    for batch in batches:
        writer = writer_class(ix, **kwargs)
        for fields in batch:
            if fields.pop("_update", False):
                writer.update_document(**fields)
            else:
                writer.add_document(**fields)
        writer.commit()


def _files(directory: Path) -> dict[str, bytes]:
    """The segment files by extension (segment names are random); the TOC aside."""
    ix = whoosh_index.open_dir(str(directory))
    found: dict[str, bytes] = {}
    for segment in ix._segments():
        prefix = segment.segment_id()
        for name in sorted(os.listdir(directory)):
            if name.startswith(prefix):
                key = f"{len(found)}:{name[len(prefix) :]}"
                found[key] = (directory / name).read_bytes()
    ix.close()
    return found


def _same_files(tmp_path: Path, batches, **kwargs) -> dict[str, bytes]:
    _build(tmp_path / "whoosh", SegmentWriter, [list(map(dict, b)) for b in batches], **kwargs)
    _build(tmp_path / "fast", FastSegmentWriter, [list(map(dict, b)) for b in batches], **kwargs)
    expected, actual = _files(tmp_path / "whoosh"), _files(tmp_path / "fast")
    assert expected and expected.keys() == actual.keys()
    for key in expected:
        assert actual[key] == expected[key], key
    return actual


def test_a_rebuild_writes_the_same_files_as_whoosh(tmp_path):
    fields = [whoosh_fields(doc) for doc in _documents(400)]
    files = _same_files(tmp_path, [fields], compound=False)
    # Several blocks per common term (128 postings each), so the test covers them.
    assert sum(len(data) for data in files.values()) > 100_000


def _contents(directory: Path) -> dict:
    """Everything a reader sees: per term its statistics and postings; stored fields."""
    ix = whoosh_index.open_dir(str(directory))
    with ix.reader() as reader:
        terms = {}
        for fieldname, btext in reader.all_terms():
            info = reader.term_info(fieldname, btext)
            matcher = reader.postings(fieldname, btext)
            postings = []
            while matcher.is_active():
                postings.append((matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
            stats = (info.weight(), info.doc_frequency(), info.min_length(), info.max_length())
            terms[(fieldname, btext)] = (stats, info.max_weight(), postings)
        stored = list(reader.iter_docs())
        lengths = [
            [reader.doc_field_length(n, name) for n in range(reader.doc_count_all())]
            for name in ("content", "parts", "spell")
        ]
    ix.close()
    return {"terms": terms, "stored": stored, "lengths": lengths}


def test_past_the_memory_limit_postings_spill_to_disk_with_the_same_result(tmp_path):
    fields = [whoosh_fields(doc) for doc in _documents(1000)]
    # 1 MB: the postings of 1,000 documents go to several runs on disk. Where a run ends
    # is an estimate of each writer's own, and a value read back from a run is another
    # bytes object than one still in memory, which pickle writes differently: the
    # files may differ in bytes, what they hold may not.
    batches = [list(map(dict, fields))]
    _build(tmp_path / "whoosh", SegmentWriter, batches, limitmb=1)
    spills = []

    class Spilling(FastSegmentWriter):
        def _spill(self):
            spills.append(self._held)
            super()._spill()

    _build(tmp_path / "fast", Spilling, [list(map(dict, fields))], limitmb=1)
    assert len(spills) >= 2
    expected = _contents(tmp_path / "whoosh")
    assert len(expected["terms"]) > 400 and len(expected["stored"]) == 1000
    assert _contents(tmp_path / "fast") == expected


def test_boosts_updates_and_merged_segments_are_the_same(tmp_path):
    docs = [whoosh_fields(doc) for doc in _documents(120)]
    boosted = dict(docs[5], _boost=2.0)
    updated = dict(docs[3], body="bijgewerkt verslag over mentoren", _update=True)
    # Second commit: an update, a boosted document (Whoosh's way) and a merge.
    # (Not compound: a compound file names its parts by the random segment name.)
    _same_files(tmp_path, [docs[:100], [*docs[100:], boosted, updated]], compound=False)


def test_an_unknown_field_is_refused(tmp_path):
    ix = whoosh_index.create_in(str(tmp_path), SCHEMA)
    writer = FastSegmentWriter(ix)
    with pytest.raises(Exception, match="nonsense"):
        writer.add_document(key="x", nonsense="y")
    writer.cancel()


def test_spilled_runs_joined_with_whooshs_own_postings_hold_the_same(tmp_path):
    fields = [whoosh_fields(doc) for doc in _documents(1000)]
    boosted = dict(fields[7], _boost=3.0)  # through Whoosh's pool
    _build(tmp_path / "whoosh", SegmentWriter, [[*map(dict, fields), dict(boosted)]], limitmb=1)
    _build(tmp_path / "fast", FastSegmentWriter, [[*map(dict, fields), dict(boosted)]], limitmb=1)
    expected = _contents(tmp_path / "whoosh")
    assert len(expected["stored"]) == 1001
    assert _contents(tmp_path / "fast") == expected


def test_a_cancelled_writer_leaves_no_runs_behind(tmp_path):
    ix = whoosh_index.create_in(str(tmp_path), SCHEMA)
    writer = FastSegmentWriter(ix, limitmb=1)
    for doc in _documents(1000):
        writer.add_document(**whoosh_fields(doc))
    assert writer._runs and all(os.path.exists(_run_path(writer, p)) for p in writer._runs)
    paths = [_run_path(writer, p) for p in writer._runs]
    writer.cancel()
    assert not any(os.path.exists(path) for path in paths)


def _run_path(writer, name: str) -> str:
    return os.path.join(writer.pool.tempstore.folder, name)
