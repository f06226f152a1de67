"""Queries against the Whoosh index: parsing, audience filter, snippets, facets, suggestions.

The user's text is never handed to Whoosh's query language. A small parser of our
own takes "quoted phrases" and words, and ignores everything else (`AND(`, `*`,
`title:`, `[` ...): a query cannot fail to parse, and nobody can address internal
fields such as the audience.

How a search runs (query.run), and why:
- Matching is set algebra over posting lists read from the index and cached per index
  generation (IndexHandle.postings): a word's documents, ANDed over the words, ANDed
  with the documents the caller's audience may see and the type/theme/level filters
  (sets cached the same way). That one set gives the exact total, the facet counts
  (intersections with each facet value's set) and the candidates for ranking.
- Ranking is BM25 over those candidates (rank()); snippets are cut from the stored
  body of the hits on the page (make_snippet). Whoosh's own matcher tree and scorer
  cost about 15 µs per matching document, too slow for common words in 20,000
  documents (see benchmarks/bench_search.py). Phrases use Whoosh's positional query.

Visibility is absolute: nothing reaches a result, a count, a facet, a snippet or a
suggestion unless it is in the audience's set. A "bedoelde je" suggestion is only
offered for a word that occurs in a document of the caller's audience, and only when
the suggested query itself finds such documents.

Traps of Whoosh 2.7.4 this module stays clear of by not using searcher.search():
`query.Require` matches the opposite of what it says (its matcher is an AND NOT);
`Results.docs()` and `len(results)` after a filtered search recount the query
*without* the filter; and an empty filter set is silently ignored.
"""

from __future__ import annotations

import heapq
import math
import re
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape
from whoosh.query import And, NullQuery, Or, Phrase, Query, Term
from whoosh.searching import Searcher

from lerend_netwerk.search.analysis import QUESTION_VERBS, STOPWORDS, word_info, words
from lerend_netwerk.search.documents import type_adjectives, type_words
from lerend_netwerk.search.index import IndexHandle, analyze, fold

MAX_QUERY_CHARS = 200
MAX_CLAUSES = 12
MIN_PREFIX = 3
PREFIX_EXPANSIONS = 12
PREFIX_BOOST = 0.5
# A compound's part (decreet in ontwerpdecreet) and an abbreviation's meaning count
# less than the word itself.
PART_BOOST = 0.3
SYNONYM_BOOST = 0.8
# A word in an attached file counts less than in the document's own title or text: a
# mention deep in an annex never outranks the document that is about it.
FILE_BOOST = 0.3
# Added to the score of documents of the type a query names ("praktijken over ...").
TYPE_BONUS = 2.0
BM25_K1 = 1.2
BM25_B = 0.75
SNIPPET_CHARS = 240
FACET_FIELDS = {"type": "type", "theme": "themes", "level": "level", "network": "network"}

_TOKEN_RE = re.compile(r'"([^"]*)(?:"|$)|(\w+)', re.UNICODE)


@dataclass
class ParsedQuery:
    """Words and "phrases" of the user's text; `prefix` is the word still being typed."""

    text: str
    source: str = ""  # the text the word positions refer to
    words: list[tuple[str, int, int]] = field(default_factory=list)  # (word, start, end)
    phrases: list[str] = field(default_factory=list)
    prefix: str | None = None

    @property
    def is_empty(self) -> bool:
        return not self.words and not self.phrases


def parse(text: str | None) -> ParsedQuery:
    """Split the user's text into words and phrases; never fails."""
    text = (text or "").replace("\x00", " ")[:MAX_QUERY_CHARS]
    parsed = ParsedQuery(text=text.strip(), source=text)
    last_match = None
    for match in _TOKEN_RE.finditer(text):
        if match.group(1) is not None:
            if match.group(1).strip():
                parsed.phrases.append(match.group(1))
        else:
            parsed.words.append((match.group(2), match.start(2), match.end(2)))
        last_match = match
    if (
        last_match is not None
        and last_match.group(2) is not None
        and last_match.end() == len(text)
        and len(fold(last_match.group(2))) >= MIN_PREFIX
        and fold(last_match.group(2)) not in STOPWORDS
    ):
        parsed.prefix = fold(last_match.group(2))
    return parsed


def _prefix_words(searcher: Searcher, prefix: str) -> list[str]:
    """The most frequent whole words that start with `prefix` (as-you-type)."""
    reader = searcher.reader()
    candidates = []
    for index, btext in enumerate(reader.expand_prefix("spell", prefix)):
        if index >= 100:
            break
        candidates.append(btext.decode("utf-8"))
    candidates.sort(key=lambda word: -reader.doc_frequency("spell", word))
    return candidates[:PREFIX_EXPANSIONS]


@dataclass
class Clause:
    """One word or phrase of the query.

    A word matches documents with all of its `stems` in `content`, or (while it is
    being typed) one of the whole words in `expansions`; a phrase of several words
    matches through Whoosh's positional `phrase` query.
    """

    stems: list[str] = field(default_factory=list)
    expansions: list[str] = field(default_factory=list)
    phrase: Query | None = None
    # Other ways to match: (field, terms that must all occur, boost), e.g. the word as
    # a compound's part, or the meaning of an abbreviation.
    alternatives: list[tuple[str, list[str], float]] = field(default_factory=list)
    # The document type the word names ("praktijken"): its documents match too.
    doc_type: str | None = None


def _stem_docs(handle: IndexHandle, searcher: Searcher, stem: str) -> Any:
    """The documents with this term (a view on the cached postings)."""
    return handle.postings(searcher, "content", stem).keys()


def clause_docs(handle: IndexHandle, searcher: Searcher, clause: Clause) -> set[int]:
    """The documents a clause matches, by set algebra over cached posting lists."""
    if clause.phrase is not None:
        return set(searcher.docs_for_query(clause.phrase))
    docs: set[int] | None = None
    for stem in clause.stems:
        found = _stem_docs(handle, searcher, stem)
        docs = set(found) if docs is None else docs.intersection(found)
    docs = docs if docs is not None else set()
    for word in clause.expansions:
        docs.update(handle.postings(searcher, "spell", word).keys())
    for fieldname, terms, _boost in clause.alternatives:
        found: set[int] | None = None
        for term in terms:
            postings = handle.postings(searcher, fieldname, term).keys()
            found = set(postings) if found is None else found.intersection(postings)
        docs |= found or set()
    if clause.doc_type is not None:
        docs |= handle.facet_sets(searcher, "type").get(clause.doc_type, set())
    return docs


@dataclass
class BuiltQuery:
    clauses: list[Clause]
    highlight_terms: frozenset[str]

    @property
    def is_empty(self) -> bool:
        return not self.clauses

    def docs(self, handle: IndexHandle, searcher: Searcher, allowed: set[int]) -> set[int]:
        """The allowed documents that match every clause (all of them without clauses)."""
        docs = set(allowed)
        for clause in self.clauses:
            if not docs:
                break
            docs &= clause_docs(handle, searcher, clause)
        return docs

    def as_whoosh_query(self) -> Query | None:
        """The same search as a Whoosh query (for comparing with Whoosh's own scorer)."""
        if not self.clauses:
            return None
        parts: list[Query] = []
        for clause in self.clauses:
            if clause.phrase is not None:
                parts.append(clause.phrase)
                continue
            # (Whoosh's own query leaves the files' text out: it compares the ranking of
            # the documents' own text.)
            words: list[Query] = [Term("content", stem) for stem in clause.stems]
            word: Query = And(words) if len(words) > 1 else words[0] if words else NullQuery
            if clause.expansions:
                expansions = [Term("spell", w, boost=PREFIX_BOOST) for w in clause.expansions]
                word = Or([word, *expansions])
            parts.append(word)
        return And(parts) if len(parts) > 1 else parts[0]

    def scored_terms(self) -> list[tuple[str, str, float]]:
        """(field, term, boost) of every term that adds to a document's score."""
        terms = []
        for clause in self.clauses:
            terms += [("content", stem, 1.0) for stem in clause.stems]
            terms += [("spell", word, PREFIX_BOOST) for word in clause.expansions]
            for fieldname, alternative, boost in clause.alternatives:
                terms += [(fieldname, term, boost) for term in alternative]
        return terms

    def doc_types(self) -> list[str]:
        """The document types the query names, to favour in the ranking."""
        return [clause.doc_type for clause in self.clauses if clause.doc_type]


Synonyms = dict[str, list[str]]


def _synonym_key(word: str) -> str:
    """An abbreviation as looked up: folded, without an apostrophe plural (kmo's)."""
    folded = fold(word)
    for suffix in ("'s", "’s", "`s"):
        if folded.endswith(suffix):
            return folded[: -len(suffix)]
    return folded


def _word(
    handle: IndexHandle,
    searcher: Searcher,
    word: str,
    as_prefix: bool,
    synonyms: Synonyms | None = None,
) -> Clause | None:
    clause = Clause(stems=analyze(word))
    if clause.stems:
        # The word in an attached file's text.
        clause.alternatives.append(("files", clause.stems, FILE_BOOST))
    if len(clause.stems) == 1:
        stem = clause.stems[0]
        # The word as part of a compound: decreet finds ontwerpdecreet (weighted lower).
        clause.alternatives.append(("parts", [stem], PART_BOOST))
        clause.alternatives.append(("fileparts", [stem], PART_BOOST * FILE_BOOST))
        clause.doc_type = type_words().get(stem)
    for meaning in (synonyms or {}).get(_synonym_key(word), ()):
        terms = analyze(meaning)
        if terms:
            clause.alternatives.append(("content", terms, SYNONYM_BOOST))
    # As-you-type: a last word that is not a word of the index yet (mentoropl) also
    # matches the whole words it starts (mentoropleiding). A complete word does not
    # widen: that keeps the common case fast and the results precise.
    if as_prefix and not clause_docs(handle, searcher, clause):
        clause.expansions = _prefix_words(searcher, fold(word))
    return clause if clause.stems or clause.expansions else None


def build_query(
    handle: IndexHandle,
    searcher: Searcher,
    parsed: ParsedQuery,
    synonyms: Synonyms | None = None,
) -> BuiltQuery:
    """The clauses of the user's words and phrases (a document must match all of them)."""
    clauses: list[Clause] = []
    terms: set[str] = set()
    words_ = parsed.words[:MAX_CLAUSES]
    content_words = [w for w, _, _ in words_ if fold(w) not in STOPWORDS | QUESTION_VERBS]
    for position, (word, _start, _end) in enumerate(words_):
        is_last = position == len(parsed.words) - 1
        if _names_type_with_next(word, words_[position + 1 : position + 2]):
            continue  # "goede" of "goede praktijken": the type says it all
        if content_words and fold(word) in QUESTION_VERBS:
            continue  # "werkt" of "hoe werkt het leerportfolio"
        as_prefix = bool(is_last and parsed.prefix and parsed.prefix == fold(word))
        clause = _word(handle, searcher, word, as_prefix, synonyms)
        if clause is not None:
            clauses.append(clause)
            terms.update(clause.stems)
            for expansion in clause.expansions:
                terms.update(analyze(expansion))
            for _field, alternative, _boost in clause.alternatives:
                terms.update(alternative)
    for text in parsed.phrases[:MAX_CLAUSES]:
        stems = analyze(text)
        if stems:
            phrase = (
                Or([Phrase("content", stems), Phrase("files", stems)]) if len(stems) > 1 else None
            )
            files = [("files", stems, FILE_BOOST)]
            clauses.append(Clause(stems=stems, phrase=phrase, alternatives=files))
            terms.update(stems)
    return BuiltQuery(clauses, frozenset(terms))


def _names_type_with_next(word: str, following: list[tuple[str, int, int]]) -> bool:
    if not following or fold(word) not in type_adjectives():
        return False
    stems = analyze(following[0][0])
    return len(stems) == 1 and type_words().get(stems[0]) == type_adjectives()[fold(word)]


def allowed_docs(
    handle: IndexHandle, searcher: Searcher, audience: str, filters: dict[str, str | None]
) -> set[int]:
    """Document numbers `audience` may see, narrowed by the type/theme/level filters."""
    allowed = handle.facet_sets(searcher, "audience").get(audience, set())
    for name, fieldname in FACET_FIELDS.items():
        value = filters.get(name)
        if value and allowed:
            allowed = allowed & handle.facet_sets(searcher, fieldname).get(value, set())
    return allowed


# Snippets --------------------------------------------------------------------------


_SNIPPET_TERMS: dict[str, tuple[str, ...]] = {}
_MAX_SNIPPET_TERMS = 200_000


def _terms_of(word: str) -> tuple[str, ...]:
    """The index terms of one word as written: its own and its compound parts'."""
    info = word_info(word)
    return () if info is None else (info[0], *info[1])


def _shorten(text: str, limit: int = SNIPPET_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > 0 else limit] + " …"


def _best_window(matches: list[tuple[int, int, str]], limit: int) -> tuple[int, int]:
    """Indices [i, j) of the run of matches within `limit` chars with the most distinct terms."""
    best = (0, 1)
    best_score = (0, 0)
    j = 0
    for i in range(len(matches)):
        j = max(j, i + 1)
        while j < len(matches) and matches[j][1] - matches[i][0] <= limit:
            j += 1
        score = (len({m[2] for m in matches[i:j]}), j - i)
        if score > best_score:
            best, best_score = (i, j), score
    return best


def _matches(
    text: str, terms: frozenset[str], window: int | None = None
) -> list[tuple[int, int, str]]:
    """(start, end, term) of every word of `text` (normalised) that is one of `terms`;
    with `window`, only those up to `window` characters after the first (a long file's
    text is not scanned to its end).

    The text is scanned with the index's own tokenizer and stems (memoised), which is
    several times faster than re-running the whole analyzer chain on every result.
    """
    matches: list[tuple[int, int, str]] = []
    if terms and text:
        known = _SNIPPET_TERMS
        for match in words(text):
            if window is not None and matches and match.start() > matches[0][0] + window:
                break
            word = match.group()
            found = known.get(word)
            if found is None:
                if len(known) >= _MAX_SNIPPET_TERMS:
                    known.clear()
                found = known[word] = _terms_of(word)
            for term in found:
                if term in terms:
                    matches.append((match.start(), match.end(), term))
                    break
    return matches


def make_snippet(
    text: str, terms: frozenset[str], matches: list[tuple[int, int, str]] | None = None
) -> Markup:
    """Safe HTML: the passage of `text` with most of the query's words, those in <mark>.

    Everything outside the <mark> tags is HTML-escaped. `matches`: those of `_matches`
    on the normalised text, when the caller has them already.
    """
    text = " ".join((text or "").split())
    if matches is None:
        matches = _matches(text, terms)
    if not matches:
        return Markup(escape(_shorten(text)))
    i, j = _best_window(matches, SNIPPET_CHARS - 60)
    chosen = matches[i:j]
    room = max(SNIPPET_CHARS - (chosen[-1][1] - chosen[0][0]), 0)
    start = max(0, chosen[0][0] - room // 2)
    end = min(len(text), chosen[-1][1] + (room - (chosen[0][0] - start)))
    if start > 0:
        space = text.find(" ", start, chosen[0][0])
        start = space + 1 if space >= 0 else start
    if end < len(text):
        space = text.rfind(" ", chosen[-1][1], end)
        end = space if space >= 0 else end
    pieces = ["… " if start > 0 else ""]
    position = start
    for m_start, m_end, _stem_text in chosen:
        pieces.append(str(escape(text[position:m_start])))
        pieces.append(f"<mark>{escape(text[m_start:m_end])}</mark>")
        position = m_end
    pieces.append(str(escape(text[position:end])))
    pieces.append(" …" if end < len(text) else "")
    return Markup("".join(pieces))


@dataclass
class FileHit:
    """The attached file a hit's snippet comes from."""

    attachment_id: int
    filename: str
    # Its download link (filled in by search.service, which knows the routes).
    url: str = ""


def best_snippet(
    title: str,
    body: str,
    attached: list[Any] | None,
    terms: frozenset[str],
    from_files: bool | None,
) -> tuple[Markup, FileHit | None]:
    """The snippet of a hit: from its own text, or (`from_files`: its files have more of
    the query's words than its title and text; None: not known from the postings) from
    the first file with the most of them."""
    body = " ".join((body or "").split())
    if from_files is False or not attached:
        return make_snippet(body, terms), None
    own = _matches(body, terms)
    covered = 0
    if from_files is None:  # matched through a word as typed: count what the text has
        covered = len({m[2] for m in own} | {m[2] for m in _matches(title or "", terms)})
    best: tuple[int, Any, str, list[tuple[int, int, str]]] | None = None
    for attachment_id, filename, text in attached:
        text = " ".join((text or "").split())
        found = _matches(text, terms, window=SNIPPET_CHARS)
        distinct = len({m[2] for m in found})
        if distinct > covered and (best is None or distinct > best[0]):
            best = (distinct, FileHit(attachment_id, filename), text, found)
    if best is None:
        return make_snippet(body, terms, own), None
    return make_snippet(best[2], terms, best[3]), best[1]


_FILE_FIELDS = frozenset({"files", "fileparts"})


def _found_in_files(
    handle: IndexHandle, searcher: Searcher, built: BuiltQuery, docnum: int
) -> bool | None:
    """Whether more of the query's terms occur in the document's files than in its own
    title and text, read from the cached postings without scanning any text; None when
    it matched through whole words as typed (`spell` holds the files' words too)."""
    own: set[str] = set()
    files: set[str] = set()
    typed = False
    for fieldname, term, _boost in built.scored_terms():
        if docnum in handle.postings(searcher, fieldname, term):
            if fieldname == "spell":
                typed = True
            else:
                (files if fieldname in _FILE_FIELDS else own).add(term)
    if typed and not own:
        return None
    return len(files) > len(own)


# Suggestions ---------------------------------------------------------------------


def _correct_word(
    handle: IndexHandle, searcher: Searcher, word: str, allowed: set[int]
) -> str | None:
    """The closest whole word that occurs in a document of the allowed set, if any."""
    folded = fold(word)
    if len(folded) < 3 or folded.isdigit():
        return None
    reader = searcher.reader()
    # Two edits turn any short word into another (VWO -> vol): one at most there.
    for maxdist in (1, 2) if len(folded) > 4 else (1,):
        candidates = [
            candidate
            for candidate in reader.terms_within("spell", folded, maxdist, prefix=1)
            if candidate != folded
        ][:40]
        scored = []
        for candidate in candidates:
            count = len(allowed.intersection(handle.postings(searcher, "spell", candidate)))
            if count:
                scored.append((-count, candidate))
        if scored:
            return min(scored)[1]
    return None


def suggest(
    handle: IndexHandle,
    searcher: Searcher,
    parsed: ParsedQuery,
    allowed: set[int],
    synonyms: Synonyms | None = None,
) -> str | None:
    """'Bedoelde je ...': the query with unknown words replaced by visible look-alikes.

    A known abbreviation (VDAB) is never "corrected", nor a word that the caller's
    documents contain: both are what the member meant.
    """
    replacements: list[tuple[int, int, str]] = []
    for word, start, end in parsed.words[:MAX_CLAUSES]:
        if _synonym_key(word) in (synonyms or {}):
            continue
        clause = _word(handle, searcher, word, as_prefix=False, synonyms=synonyms)
        if clause is None or clause_docs(handle, searcher, clause) & allowed:
            continue
        if allowed.intersection(handle.postings(searcher, "spell", _synonym_key(word))):
            continue
        correction = _correct_word(handle, searcher, word, allowed)
        if correction:
            replacements.append((start, end, correction))
    if not replacements:
        return None
    source = parsed.source
    for start, end, correction in sorted(replacements, reverse=True):
        source = source[:start] + correction + source[end:]
    suggestion = " ".join(source.split())
    check = build_query(handle, searcher, parse(suggestion + " "), synonyms)
    if check.is_empty or not check.docs(handle, searcher, allowed):
        return None
    return suggestion


# Ranking ---------------------------------------------------------------------------


_TWIN_FIELDS = {"content": "files", "files": "content", "parts": "fileparts", "fileparts": "parts"}


def rank(
    handle: IndexHandle, searcher: Searcher, built: BuiltQuery, docs: set[int], limit: int
) -> list[int]:
    """The `limit` best of `docs` by BM25 over the query's terms, best first.

    Scored from the cached posting dictionaries and field lengths rather than with
    Whoosh's matcher tree: Whoosh walks every matching document through several layers
    of Python objects (about 15 µs each), which for a common word in 20,000 documents
    is far beyond the 30 ms budget. Same formula as Whoosh's BM25F (k1=1.2, b=0.75),
    on the one `content` field in which title words count TITLE_REPEAT times.
    """
    terms = built.scored_terms()
    if not terms:
        return sorted(docs)[:limit]
    total = max(searcher.doc_count(), 1)
    constant = BM25_K1 * (1 - BM25_B)
    # The files' text is normalised by its own lengths; everything else by `content`'s.
    content = (
        handle.field_lengths(searcher, "content"),
        BM25_K1 * BM25_B / (searcher.avg_field_length("content") or 1.0),
    )
    norms = {"content": content}
    scores = dict.fromkeys(docs, 0.0)
    for fieldname, text, boost in terms:
        postings = handle.postings(searcher, fieldname, text)
        if not postings:
            continue
        frequency = len(postings)
        # A word's rarity is judged over the documents and their files together: a
        # word common in the documents is not rare because few files have it.
        other = _TWIN_FIELDS.get(fieldname)
        if other is not None:
            twin = handle.postings(searcher, other, text)
            if twin:
                frequency = len(postings.keys() | twin.keys())
        length_field = "files" if fieldname in ("files", "fileparts") else "content"
        if length_field not in norms:
            norms[length_field] = (
                handle.field_lengths(searcher, length_field),
                BM25_K1 * BM25_B / handle.field_average(searcher, length_field),
            )
        lengths, slope = norms[length_field]
        weight = boost * math.log(1 + (total - frequency + 0.5) / (frequency + 0.5))
        weight *= BM25_K1 + 1
        if frequency < len(scores):
            for docnum, tf in postings.items():
                if docnum in scores:
                    scores[docnum] += weight * tf / (tf + constant + slope * lengths[docnum])
        else:
            for docnum in scores:
                tf = postings.get(docnum)
                if tf:
                    scores[docnum] += weight * tf / (tf + constant + slope * lengths[docnum])
    for doc_type in built.doc_types():
        for docnum in handle.facet_sets(searcher, "type").get(doc_type, ()):
            if docnum in scores:
                scores[docnum] += TYPE_BONUS
    return heapq.nlargest(limit, scores, key=lambda docnum: (scores[docnum], -docnum))


# Searching -------------------------------------------------------------------------


@dataclass
class Hit:
    type: str
    slug: str
    title: str
    url: str
    snippet: Markup
    themes: list[str]
    level: str | None
    network: str = ""
    # The attached file the snippet comes from ("In bijlage leidraad.pdf: …"), if any.
    file: FileHit | None = None


@dataclass
class Outcome:
    query: str
    total: int = 0
    page: int = 1
    per_page: int = 10
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    suggestion: str | None = None
    searched: bool = False

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.total else 0


def run(
    handle: IndexHandle,
    text: str | None,
    audience: str,
    filters: dict[str, str | None],
    page: int = 1,
    per_page: int = 10,
    synonyms: Synonyms | None = None,
) -> Outcome:
    """Search the index for `audience`: one page of hits, facets and a suggestion.

    `synonyms`: abbreviation (folded) -> what it stands for, expanded in the query.
    """
    parsed = parse(text)
    outcome = Outcome(query=parsed.text, page=max(page, 1), per_page=per_page)
    has_filter = any(filters.get(name) for name in FACET_FIELDS)
    searcher = handle.searcher()
    built = build_query(handle, searcher, parsed, synonyms)
    # Words that are all stop words find nothing; no words with a filter lists the filter.
    if built.is_empty and (not has_filter or not parsed.is_empty):
        return outcome
    outcome.searched = True
    allowed = allowed_docs(handle, searcher, audience, filters)
    docset = built.docs(handle, searcher, allowed)
    outcome.total = len(docset)
    if outcome.total:
        outcome.page = min(outcome.page, outcome.pages)
        start = (outcome.page - 1) * per_page
        ranked = rank(handle, searcher, built, docset, outcome.page * per_page)
        for docnum in ranked[start : start + per_page]:
            stored = searcher.stored_fields(docnum)
            attached = stored.get("attached")
            snippet, file = best_snippet(
                stored["title"],
                stored.get("body", ""),
                attached,
                built.highlight_terms,
                _found_in_files(handle, searcher, built, docnum) if attached else False,
            )
            outcome.hits.append(
                Hit(
                    type=stored["type"],
                    slug=stored["slug"],
                    title=stored["title"],
                    url=stored["url"],
                    snippet=snippet,
                    themes=(stored.get("themes") or "").split(),
                    level=stored.get("level") or None,
                    network=stored.get("network") or "",
                    file=file,
                )
            )
    for name, fieldname in FACET_FIELDS.items():
        counts = {}
        if docset:
            for value, docs in handle.facet_sets(searcher, fieldname).items():
                count = len(docs & docset)
                if count:
                    counts[value] = count
        outcome.facets[name] = dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
    if outcome.total == 0 and not parsed.is_empty:
        outcome.suggestion = suggest(handle, searcher, parsed, allowed, synonyms)
    return outcome
