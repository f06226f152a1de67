"""Queries against the Whoosh index: parsing, audience filter, snippets, facets, suggestions.

The user's text is never handed to Whoosh's query language. A small parser of our
own takes "quoted phrases" and words, and ignores everything else (`AND(`, `*`,
`title:`, `[` ...): a query cannot fail to parse, and nobody can address internal
fields such as the audience.

Visibility is absolute. Every query is `restrict(user_query, audience [+ filters])`, so
results, totals (Whoosh recomputes those from the query) and facet counts (intersections
with the matched documents) only ever see documents of the caller's audience. Snippets
come from those documents only. A "bedoelde je" suggestion is only offered for a word
that occurs in a document of the caller's audience, and only when the suggested query
itself finds such documents.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape
from whoosh.highlight import BasicFragmentScorer, ContextFragmenter, Formatter, highlight
from whoosh.query import And, ConstantScoreQuery, Every, Or, Phrase, Query, Term
from whoosh.searching import Searcher

from lerend_netwerk.search.index import SCHEMA, IndexHandle, analyze, fold

MAX_QUERY_CHARS = 200
MAX_CLAUSES = 12
MIN_PREFIX = 3
PREFIX_EXPANSIONS = 12
SNIPPET_CHARS = 240
FACET_FIELDS = {"type": "type", "theme": "themes", "level": "level"}

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
    ):
        parsed.prefix = fold(last_match.group(2))
    return parsed


def _term_clause(stem: str) -> Query:
    return Or([Term("title", stem), Term("body", stem), Term("keywords", stem)])


def _word_clause(word: str) -> Query | None:
    stems = analyze(word)
    if not stems:
        return None
    clauses = [_term_clause(stem) for stem in stems]
    return clauses[0] if len(clauses) == 1 else And(clauses)


def _phrase_clause(phrase: str) -> Query | None:
    stems = analyze(phrase)
    if not stems:
        return None
    if len(stems) == 1:
        return _term_clause(stems[0])
    return Or([Phrase("title", stems), Phrase("body", stems)])


def _prefix_words(searcher: Searcher, prefix: str) -> list[str]:
    """The most frequent whole words that start with `prefix` (as-you-type)."""
    reader = searcher.reader()
    candidates = []
    for index, btext in enumerate(reader.expand_prefix("spell", prefix)):
        if index >= 200:
            break
        candidates.append(btext.decode("utf-8"))
    candidates.sort(key=lambda word: -reader.doc_frequency("spell", word))
    return candidates[:PREFIX_EXPANSIONS]


@dataclass
class BuiltQuery:
    query: Query | None
    highlight_terms: frozenset[str]


def build_query(searcher: Searcher, parsed: ParsedQuery) -> BuiltQuery:
    """The Whoosh query for the user's words and phrases (AND of all of them)."""
    clauses: list[Query] = []
    terms: set[str] = set()
    for position, (word, _start, _end) in enumerate(parsed.words[:MAX_CLAUSES]):
        clause = _word_clause(word)
        terms.update(analyze(word))
        is_last = position == len(parsed.words) - 1
        if is_last and parsed.prefix and parsed.prefix == fold(word):
            expansions = _prefix_words(searcher, parsed.prefix)
            if expansions:
                extra = Or([Term("spell", w, boost=0.5) for w in expansions])
                clause = Or([clause, extra]) if clause is not None else extra
                for expansion in expansions:
                    terms.update(analyze(expansion))
        if clause is not None:
            clauses.append(clause)
    for phrase in parsed.phrases[:MAX_CLAUSES]:
        clause = _phrase_clause(phrase)
        terms.update(analyze(phrase))
        if clause is not None:
            clauses.append(clause)
    if not clauses:
        return BuiltQuery(None, frozenset(terms))
    query = clauses[0] if len(clauses) == 1 else And(clauses)
    return BuiltQuery(query, frozenset(terms))


def audience_filter(audience: str, filters: dict[str, str | None]) -> Query:
    """The documents `audience` may see, narrowed by the type/theme/level filters."""
    terms = [Term("audience", audience)]
    for name, fieldname in FACET_FIELDS.items():
        value = filters.get(name)
        if value:
            terms.append(Term(fieldname, value))
    return terms[0] if len(terms) == 1 else And(terms)


def restrict(query: Query, allowed: Query) -> Query:
    """`query`, limited to the `allowed` documents, scored by `query` alone.

    (Not whoosh.query.Require: in Whoosh 2.7.4 its matcher is an AND NOT, the exact
    opposite, while its docs() is an AND.)
    """
    return And([query, ConstantScoreQuery(allowed, 0.0)])


def visible_count(searcher: Searcher, query: Query, allowed: Query) -> int:
    """How many documents of the allowed set match `query`."""
    return sum(1 for _ in searcher.docs_for_query(restrict(query, allowed)))


# Snippets --------------------------------------------------------------------------


class MarkFormatter(Formatter):
    """Matched words in <mark>, everything else HTML-escaped."""

    between = " … "

    def _text(self, text: str) -> str:
        return str(escape(text))

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        original = token.text if replace else text[token.startchar : token.endchar]
        return f"<mark>{escape(original)}</mark>"

    def format_fragment(self, fragment: Any, replace: bool = False) -> str:
        inner = super().format_fragment(fragment, replace=replace)
        before = "… " if fragment.startchar > 0 else ""
        after = " …" if fragment.endchar < len(fragment.text) else ""
        return before + inner + after


_FRAGMENTER = ContextFragmenter(maxchars=SNIPPET_CHARS, surround=70)


def _shorten(text: str, limit: int = SNIPPET_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > 0 else limit] + " …"


def make_snippet(text: str, terms: frozenset[str]) -> Markup:
    """Safe HTML: the best passages of `text` with the query's words marked."""
    text = text or ""
    if terms and text:
        html = highlight(
            text,
            terms,
            SCHEMA["body"].analyzer,
            _FRAGMENTER,
            MarkFormatter(),
            top=2,
            scorer=BasicFragmentScorer(),
        )
        if html:
            return Markup(" ".join(html.split()))
    return Markup(escape(_shorten(text)))


# Suggestions ---------------------------------------------------------------------


def _correct_word(searcher: Searcher, word: str, allowed: Query) -> str | None:
    """The closest whole word that the audience can see, if any."""
    folded = fold(word)
    if len(folded) < 3 or folded.isdigit():
        return None
    reader = searcher.reader()
    for maxdist in (1, 2):
        candidates = [
            candidate
            for candidate in reader.terms_within("spell", folded, maxdist, prefix=1)
            if candidate != folded
        ][:40]
        scored = []
        for candidate in candidates:
            count = visible_count(searcher, Term("spell", candidate), allowed)
            if count:
                scored.append((-count, candidate))
        if scored:
            return min(scored)[1]
    return None


def suggest(searcher: Searcher, parsed: ParsedQuery, allowed: Query) -> str | None:
    """'Bedoelde je ...': the query with unknown words replaced by visible look-alikes."""
    replacements: list[tuple[int, int, str]] = []
    for word, start, end in parsed.words[:MAX_CLAUSES]:
        clause = _word_clause(word)
        if clause is None or visible_count(searcher, clause, allowed):
            continue
        correction = _correct_word(searcher, word, allowed)
        if correction:
            replacements.append((start, end, correction))
    if not replacements:
        return None
    source = parsed.source
    for start, end, correction in sorted(replacements, reverse=True):
        source = source[:start] + correction + source[end:]
    suggestion = " ".join(source.split())
    check = build_query(searcher, parse(suggestion + " "))
    if check.query is None or not visible_count(searcher, check.query, allowed):
        return None
    return suggestion


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
) -> Outcome:
    """Search the index for `audience`: one page of hits, facets and a suggestion."""
    parsed = parse(text)
    outcome = Outcome(query=parsed.text, page=max(page, 1), per_page=per_page)
    has_filter = any(filters.get(name) for name in FACET_FIELDS)
    searcher = handle.searcher()
    built = build_query(searcher, parsed)
    user_query = built.query
    if user_query is None:
        if not has_filter or not parsed.is_empty:
            return outcome
        user_query = Every()
    allowed = audience_filter(audience, filters)
    query = restrict(user_query, allowed)
    outcome.searched = True
    limit = outcome.page * per_page
    results = searcher.search(query, limit=limit)
    docset = results.docs()
    outcome.total = len(docset)
    if outcome.total and outcome.page > outcome.pages:
        outcome.page = outcome.pages
        results = searcher.search(query, limit=outcome.page * per_page)
    start = (outcome.page - 1) * per_page
    for hit in list(results)[start : start + per_page]:
        stored = hit.fields()
        outcome.hits.append(
            Hit(
                type=stored["type"],
                slug=stored["slug"],
                title=stored["title"],
                url=stored["url"],
                snippet=make_snippet(stored.get("body", ""), built.highlight_terms),
                themes=(stored.get("themes") or "").split(),
                level=stored.get("level") or None,
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
        outcome.suggestion = suggest(searcher, parsed, allowed)
    return outcome
