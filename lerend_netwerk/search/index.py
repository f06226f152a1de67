"""The Whoosh index: schema, Dutch analysis, opening, searchers, the writer lock.

Every `import whoosh` of the platform lives in this package (search/), so that the
same small interface (service.py) could sit on PostgreSQL full-text search instead.

- One searcher per process and thread, refreshed (not reopened) before each use:
  opening an index costs about 25 ms, refreshing an unchanged one next to nothing.
- The writer lock is Whoosh's own file lock. A second writer gets LockError at once;
  `acquire_writer` retries with backoff until its deadline and otherwise gives up
  without losing anything (the outbox keeps the change for the next sync).
- The sync state (the highest outbox id applied, plus ids still expected) is a
  stored document inside the index, so it is committed atomically with the changes
  it describes.
- Segment files are read in place from the memory map (search/mapped.py): every
  worker shares the index pages instead of holding a copy of the index.
"""

from __future__ import annotations

import json
import os
import threading
import time
import zlib
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from typing import Any

from whoosh import index as whoosh_index
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.formats import Frequency, Positions
from whoosh.index import LockError
from whoosh.matching.wrappers import FilterMatcher
from whoosh.searching import Searcher
from whoosh.system import pack_uint
from whoosh.writing import SegmentWriter

from lerend_netwerk.search import analysis, mapped
from lerend_netwerk.search.analysis import STOPWORDS, DutchTokenizer, WordTokenizer, fold
from lerend_netwerk.search.writer import FastSegmentWriter

mapped.install()

STATE_KEY = "_state"
# Bump SCHEMA_GENERATION when the schema or the way documents are built changes; the
# version also carries a checksum of the analyzer (stemmer, exceptions, stop words,
# word list), so changing any of those rebuilds as well: the next sync (or
# `search reindex`) rebuilds an index of another version, and /healthz says it is due.
SCHEMA_GENERATION = 6
SCHEMA_VERSION = (SCHEMA_GENERATION << 32) | zlib.crc32(analysis.fingerprint().encode("utf-8"))
# Title words count this many times in `content`: title matches outrank body matches.
TITLE_REPEAT = 3


DUTCH_STOPWORDS = STOPWORDS


def dutch_analyzer():
    """Words, lowercased, accents folded, Dutch stop words removed, Dutch Snowball stems."""
    return DutchTokenizer()


def parts_analyzer():
    """The terms of the parts of compound words (werkgevers|betrokkenheid)."""
    return DutchTokenizer(parts=True)


def word_analyzer():
    """Whole words (no stemming) for spelling suggestions and as-you-type prefixes."""
    return WordTokenizer()


# Encoded values shared by many postings: a term once in a document has one position,
# and most frequencies are small.
_ONE_POSITION: dict[int, bytes] = {}
MAX_SHARED_POSITION = 4096
_FREQUENCIES = [pack_uint(n) for n in range(256)]
_WEIGHTS = [float(n) for n in range(256)]


def _weight(n: int, boost: float) -> float:
    """n * boost, one shared float for the usual boost of 1 (less memory per posting)."""
    return _WEIGHTS[n] if boost == 1.0 and n < 256 else n * boost


class FastPositions(Positions):
    """Whoosh's Positions format, fed by our analyzers' `terms()` (no Token objects).

    The values are Whoosh's; a single position is encoded once, not per posting.
    """

    def _positions(self, value: str, terms) -> dict[str, list[int]]:
        poses: dict[str, list[int]] = {}
        for pos, term in enumerate(terms(value)):
            found = poses.get(term)
            if found is None:
                poses[term] = [pos]
            else:
                found.append(pos)
        return poses

    def encode(self, poslist):
        if len(poslist) != 1:
            return super().encode(poslist)
        pos = poslist[0]
        found = _ONE_POSITION.get(pos)
        if found is None:
            found = super().encode(poslist)
            if 0 <= pos < MAX_SHARED_POSITION:
                _ONE_POSITION[pos] = found
        return found

    def word_values(self, value, analyzer, **kwargs):
        terms = getattr(analyzer, "terms", None)
        if terms is None:
            return super().word_values(value, analyzer, **kwargs)
        boost, encode = self.field_boost, self.encode
        return [
            (w, len(p), _weight(len(p), boost), encode(p))
            for w, p in self._positions(value, terms).items()
        ]


def _frequency(n: int) -> bytes:
    return _FREQUENCIES[n] if n < 256 else pack_uint(n)


class FastFrequency(Frequency):
    """Whoosh's Frequency format, fed by our analyzers' `terms()`."""

    def word_values(self, value, analyzer, **kwargs):
        terms = getattr(analyzer, "terms", None)
        if terms is None:
            return super().word_values(value, analyzer, **kwargs)
        boost = self.field_boost
        return [(w, n, _weight(n, boost), _frequency(n)) for w, n in Counter(terms(value)).items()]


def _text(analyzer, phrase: bool) -> TEXT:
    field = TEXT(analyzer=analyzer, phrase=phrase)
    field.format = FastPositions(field_boost=1.0) if phrase else FastFrequency(field_boost=1.0)
    return field


def build_schema() -> Schema:
    """The fields of a search document.

    All searchable text is ONE field, `content` (title repeated TITLE_REPEAT times, body,
    keywords such as theme, proeftuin and place names): a word is then one posting list
    instead of a union over fields, which Whoosh walks several times faster, and the
    repetition weighs title matches above body matches. `title` and `body` are stored
    for display and snippets only.

    The text of the document's files is a field of its own, `files` (and `fileparts`
    for the parts of its compounds): a long annex neither lengthens `content` (which
    would push the document's own words down) nor counts as much as the document's
    own text. `attached` stores, per file, its id, name and the start of its text for
    the snippet ("In bijlage leidraad.pdf: …").
    """
    return Schema(
        key=ID(stored=True, unique=True),
        type=ID(stored=True),
        slug=STORED(),
        url=STORED(),
        title=STORED(),
        body=STORED(),
        content=_text(dutch_analyzer(), phrase=True),
        parts=_text(parts_analyzer(), phrase=False),
        spell=_text(word_analyzer(), phrase=False),
        files=_text(dutch_analyzer(), phrase=True),
        fileparts=_text(parts_analyzer(), phrase=False),
        attached=STORED(),
        themes=KEYWORD(stored=True, scorable=False),
        level=ID(stored=True),
        # The id of the document's network (a facet; the service shows its slug).
        network=ID(stored=True),
        audience=KEYWORD(stored=True, scorable=False),
        fingerprint=STORED(),
        state=STORED(),
    )


SCHEMA = build_schema()


def analyze(text: str, analyzer=None) -> list[str]:
    """The index terms of `text` (stemmed Dutch by default), in order."""
    analyzer = analyzer or SCHEMA["content"].analyzer
    return [token.text for token in analyzer(text)]


@dataclass
class SyncState:
    """How far this index has applied the outbox.

    `gaps` are id ranges at or below `last_id` that were not visible yet when a later
    id was applied: on PostgreSQL a transaction that started earlier can commit later.
    They stay on the list (and are looked for at every sync) until they show up or
    are older than the configured gap timeout (a rolled-back transaction never shows).
    """

    last_id: int = 0
    gaps: list[list[float]] = field(default_factory=list)
    schema_version: int = SCHEMA_VERSION

    def to_json(self) -> str:
        return json.dumps(
            {"last_id": self.last_id, "gaps": self.gaps, "schema_version": self.schema_version}
        )

    @classmethod
    def from_json(cls, raw: str | None) -> SyncState:
        if not raw:
            return cls(schema_version=0)
        data = json.loads(raw)
        return cls(
            last_id=int(data.get("last_id", 0)),
            gaps=[list(gap) for gap in data.get("gaps", [])],
            schema_version=int(data.get("schema_version", 0)),
        )

    def advance(self, ids: list[int], now: float, gap_seconds: float) -> SyncState:
        """The state after applying the outbox rows with these ids."""
        present = set(ids)
        above = sorted(i for i in present if i > self.last_id)
        gaps: list[list[float]] = []
        for lo, hi, seen in self.gaps:
            if now - seen > gap_seconds:
                continue
            gaps.extend(_split_range(int(lo), int(hi), seen, present))
        previous = self.last_id
        for i in above:
            if i > previous + 1:
                gaps.append([previous + 1, i - 1, now])
            previous = i
        return SyncState(
            last_id=above[-1] if above else self.last_id,
            gaps=_cap_gaps(gaps),
            schema_version=self.schema_version,
        )


MAX_GAP_RANGES = 200


def _split_range(lo: int, hi: int, seen: float, present: set[int]) -> list[list[float]]:
    inside = sorted(i for i in present if lo <= i <= hi)
    if not inside:
        return [[lo, hi, seen]]
    pieces: list[list[float]] = []
    start = lo
    for i in inside:
        if i > start:
            pieces.append([start, i - 1, seen])
        start = i + 1
    if start <= hi:
        pieces.append([start, hi, seen])
    return pieces


def _cap_gaps(gaps: list[list[float]]) -> list[list[float]]:
    """Keep the list short: merge the closest neighbours (re-applying is harmless)."""
    gaps = sorted(gaps)
    while len(gaps) > MAX_GAP_RANGES:
        best = min(range(len(gaps) - 1), key=lambda i: gaps[i + 1][0] - gaps[i][1])
        left, right = gaps[best], gaps[best + 1]
        gaps[best : best + 2] = [[left[0], right[1], min(left[2], right[2])]]
    return gaps


class IndexHandle:
    """One index directory, opened once per process."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self._ix = None
        self._lock = threading.Lock()
        self._local = threading.local()
        self._lengths: dict[tuple[str, str], list[int]] = {}

    # Opening -------------------------------------------------------------------

    def open(self):
        """The Whoosh index, created (under a file lock) if it does not exist yet."""
        with self._lock:
            if self._ix is None:
                self._ix = _open_or_create(self.directory)
            return self._ix

    def searcher(self) -> Searcher:
        """This thread's searcher, refreshed to the latest committed generation."""
        current = getattr(self._local, "searcher", None)
        current = self.open().searcher() if current is None else current.refresh()
        if current is not getattr(self._local, "searcher", None):
            self._local.facets = None
        self._local.searcher = current
        return current

    def _cache(self, searcher: Searcher) -> dict:
        cache = getattr(self._local, "facets", None)
        if cache is None or cache[0] is not searcher:
            cache = (searcher, {}, OrderedDict())
            self._local.facets = cache
        return cache

    def postings(self, searcher: Searcher, fieldname: str, text: str) -> dict[int, float]:
        """Live document -> term frequency for a term (read-only!), cached per generation."""
        terms = self._cache(searcher)[2]
        key = (fieldname, text)
        found = terms.get(key)
        if found is None:
            found = term_postings(searcher, fieldname, text)
            terms[key] = found
            # Bounded by the number of postings held (memory), least recently used first.
            held = sum(len(postings) for postings in terms.values())
            while len(terms) > 1 and held > TERM_CACHE_POSTINGS:
                _, dropped = terms.popitem(last=False)
                held -= len(dropped)
        else:
            terms.move_to_end(key)
        return found

    def forget_terms(self) -> None:
        """Empty this thread's posting cache (benchmarks measure cold queries with it)."""
        cache = getattr(self._local, "facets", None)
        if cache is not None:
            cache[2].clear()

    def field_lengths(self, searcher: Searcher, fieldname: str) -> list[int]:
        """Length (in terms) of `fieldname` per document number, cached per generation."""
        cache = self._cache(searcher)[1]
        key = ("#lengths", fieldname)
        lengths = cache.get(key)
        if lengths is None:
            lengths = []
            for sub, _offset in searcher.subsearchers or [(searcher, 0)]:
                lengths.extend(self._segment_lengths(sub.reader(), fieldname))
            cache[key] = lengths
        return lengths

    def _segment_lengths(self, reader: Any, fieldname: str) -> list[int]:
        # A segment never changes once written: its lengths are kept while it lives.
        segment = reader.segment()
        if segment is None:  # an empty index
            return []
        key = (segment.segment_id(), fieldname)
        with self._lock:
            lengths = self._lengths.get(key)
        if lengths is None:
            lengths = segment_lengths(reader, fieldname)
            with self._lock:
                self._lengths[key] = lengths
                while len(self._lengths) > 64:
                    self._lengths.pop(next(iter(self._lengths)))
        return lengths

    def field_average(self, searcher: Searcher, fieldname: str) -> float:
        """The mean length of `fieldname` over the documents that have it (not over all:
        most documents carry no files), cached per generation."""
        cache = self._cache(searcher)[1]
        key = ("#average", fieldname)
        average = cache.get(key)
        if average is None:
            lengths = [n for n in self.field_lengths(searcher, fieldname) if n]
            average = cache[key] = (sum(lengths) / len(lengths)) if lengths else 1.0
        return average

    def facet_sets(self, searcher: Searcher, fieldname: str) -> dict[str, set[int]]:
        """Value -> document numbers of a field, cached per searcher generation (read-only!).

        Plain sets rather than frozensets: Whoosh accepts only `set` as a search filter.
        """
        cache = self._cache(searcher)
        sets = cache[1].get(fieldname)
        if sets is None:
            sets = {}
            for btext in searcher.lexicon(fieldname):
                value = btext.decode("utf-8")
                sets[value] = set(term_postings(searcher, fieldname, value))
            cache[1][fieldname] = sets
        return sets

    def reset(self) -> None:
        """Forget the open index (after a rebuild that may have changed the schema)."""
        with self._lock:
            self._ix = None
        self.close()

    def close(self) -> None:
        current = getattr(self._local, "searcher", None)
        if current is not None:
            current.close()
            self._local.searcher = None
            self._local.facets = None

    # State ---------------------------------------------------------------------

    def read_state(self, searcher: Searcher | None = None) -> SyncState:
        """The sync state committed in the index."""
        searcher = searcher or self.searcher()
        stored = searcher.document(key=STATE_KEY)
        return SyncState.from_json(stored.get("state") if stored else None)

    def document_count(self, searcher: Searcher | None = None) -> int:
        """Searchable documents (the state document not counted)."""
        searcher = searcher or self.searcher()
        count = searcher.doc_count()
        return count - 1 if searcher.document(key=STATE_KEY) else count

    # Writing -------------------------------------------------------------------

    def acquire_writer(self, timeout: float, limitmb: int = 128) -> SegmentWriter | None:
        """The writer, retrying on LockError with backoff; None when `timeout` passed."""
        ix = self.open()
        deadline = time.monotonic() + max(timeout, 0.0)
        delay = 0.02
        while True:
            try:
                return FastSegmentWriter(ix, limitmb=limitmb)
            except LockError:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                time.sleep(min(delay, remaining))
                delay = min(delay * 2, 1.0)


# About 10 MB per worker thread at most (a posting costs about 100 bytes in a dict):
# the postings of the terms of recent queries; an older term is read from the index
# again (a millisecond or so for a common one). Repeated visitors' searches are served
# from the page cache before they get here.
TERM_CACHE_POSTINGS = 100_000


def term_postings(searcher: Searcher, fieldname: str, text: str) -> dict[int, float]:
    """Live document number -> weight (term frequency) of a term, over all segments.

    Reads the posting blocks' id and weight arrays directly (several times faster than
    Whoosh's generic per-posting iteration); falls back to that for other codecs.
    """
    found: dict[int, float] = {}
    for sub, offset in searcher.subsearchers or [(searcher, 0)]:
        reader = sub.reader()
        if (fieldname, text) not in reader:
            continue
        matcher = reader.postings(fieldname, text)
        deleted: Any = ()
        if isinstance(matcher, FilterMatcher):
            deleted, matcher = matcher._ids, matcher.child
        if hasattr(matcher, "_read_ids") and hasattr(matcher, "_read_weights"):
            while matcher.is_active():
                if matcher._ids is None:
                    matcher._read_ids()
                if matcher._weights is None:
                    matcher._read_weights()
                start = matcher._i
                ids = matcher._ids[start:]
                weights = matcher._weights[start:]
                if offset:
                    ids = [i + offset for i in ids]
                found.update(zip(ids, weights, strict=True))
                matcher._next_block()
        else:
            while matcher.is_active():
                found[matcher.id() + offset] = matcher.weight()
                matcher.next()
        for docnum in deleted:
            found.pop(docnum + offset, None)
    return found


def segment_lengths(reader: Any, fieldname: str) -> list[int]:
    """The field length of every document of one segment (deleted ones included)."""
    try:
        from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
        from whoosh.util.numeric import byte_to_length

        column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    except (AttributeError, ImportError):
        column = False
    count = reader.doc_count_all()
    if column is None:
        return [0] * count
    if column is False:
        return [reader.doc_field_length(i, fieldname) for i in range(count)]
    table = [byte_to_length(i) for i in range(256)]
    return [table[byte] for byte in column]


def write_state(writer: SegmentWriter, state: SyncState) -> None:
    """Store the sync state in the same commit as the documents it describes."""
    writer.update_document(key=STATE_KEY, type=STATE_KEY, state=state.to_json())


def upgrade_schema(writer: SegmentWriter) -> None:
    """Make the writer's schema the current one (fields added, changed or dropped).

    Only used by a full rebuild, which commits with CLEAR so no old document survives.
    """
    for name in list(writer.schema.names()):
        if name not in SCHEMA or writer.schema[name] != SCHEMA[name]:
            writer.remove_field(name)
    for name in SCHEMA.names():
        if name not in writer.schema:
            writer.add_field(name, SCHEMA[name])


def _open_or_create(directory: str):
    os.makedirs(directory, exist_ok=True)
    if whoosh_index.exists_in(directory):
        return whoosh_index.open_dir(directory)
    # Two processes must not both create: creating wipes what the other wrote.
    from whoosh.filedb.filestore import FileStorage

    storage = FileStorage(directory)
    lock = storage.lock("_CREATELOCK")
    lock.acquire(blocking=True)
    try:
        if whoosh_index.exists_in(directory):
            return whoosh_index.open_dir(directory)
        return whoosh_index.create_in(directory, SCHEMA)
    finally:
        lock.release()


_handles: OrderedDict[str, IndexHandle] = OrderedDict()
_handles_lock = threading.Lock()
MAX_OPEN_INDEXES = 8


def get_handle(directory: str) -> IndexHandle:
    """The process-wide handle of an index directory (a few kept open, least recent closed)."""
    directory = os.path.abspath(directory)
    with _handles_lock:
        handle = _handles.get(directory)
        if handle is None:
            handle = IndexHandle(directory)
            _handles[directory] = handle
            while len(_handles) > MAX_OPEN_INDEXES:
                _, old = _handles.popitem(last=False)
                old.close()
        else:
            _handles.move_to_end(directory)
        return handle


def forget_handles(*, close: bool = True) -> None:
    """Drop every cached handle; a forked worker passes close=False (the files it
    inherited are the parent's: it opens its own)."""
    with _handles_lock:
        handles = list(_handles.values())
        _handles.clear()
    if close:
        for handle in handles:
            handle.close()


def forget_handle(directory: str) -> None:
    """Drop the cached handle (after the directory was removed, say)."""
    with _handles_lock:
        handle = _handles.pop(os.path.abspath(directory), None)
    if handle is not None:
        handle.close()


__all__ = [
    "SCHEMA",
    "SCHEMA_VERSION",
    "STATE_KEY",
    "IndexHandle",
    "SyncState",
    "analyze",
    "fold",
    "get_handle",
    "upgrade_schema",
    "write_state",
]
