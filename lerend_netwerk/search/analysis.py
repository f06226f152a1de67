"""Dutch text analysis: words, folding, stop words, stems, compound parts.

One function, `word_info`, turns a word as written into its index term and the terms
of its compound parts; it is memoised, so the index build and the snippets analyse
each distinct word once instead of running a chain of filters on every occurrence.

- Words: letters and digits, with "." inside (e.g. 2.0) as one word; a trailing
  apostrophe plural ("kmo's", "CVO's", "thema's") is one word, the singular's term.
- Stems: Snowball 3's Dutch stemmer (PyStemmer's `dutch`), chosen over the old
  Porter variant on the relevance set (tests/relevance/; see docs/search.md), with
  STEM_EXCEPTIONS for the network's words it gets wrong: it strips "ge" (so
  "begeleiding" became "beleid", the network's word for policy, and "werkgever"
  "werkver") and splits "mentor" from "mentoren".
- Compounds: a word of 8 letters or more that splits into two known Dutch words
  ("werkgevers|betrokkenheid", "ontwerp|decreet", "matching|dag", linking s allowed:
  "beleids|aanbeveling") also yields the terms of its parts. The known words are
  the most frequent words of wordfreq's open Dutch word list plus DOMAIN_WORDS.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import Stemmer
from whoosh.analysis import Token, Tokenizer
from whoosh.lang import stopwords_for_language
from whoosh.support.charset import accent_map

STEMMER_ALGORITHM = "dutch"

# Words in, one word out: a word of the index matches its term exactly.
_WORD_RE = re.compile(r"\w+(?:\.\w+)*(?:['’`]s\b)?", re.UNICODE)
_APOSTROPHE_S = re.compile(r"['’`]s$")


def fold(text: str) -> str:
    """Lowercase and strip accents the way the index does (financiële -> financiele)."""
    return text.lower().translate(accent_map)


# Whoosh's Dutch list plus question words members type ("welke sessies", "waar ...").
STOPWORDS = frozenset(
    {fold(word) for word in stopwords_for_language("nl")}
    | {
        "s",
        "t",
        "welk",
        "welke",
        "waar",
        "wanneer",
        "waarom",
        "hoeveel",
        "we",
        "wij",
        "jij",
        "jouw",
        "jullie",
        "onze",
        "kun",
        "kunt",
        "mag",
        "moeten",
        "gaat",
    }
)

# Verbs of a question ("hoe werkt het leerportfolio", "hoe verloopt de evaluatie"):
# left out of a query that has other content words, kept when they are all it has.
QUESTION_VERBS = frozenset(
    {"werkt", "gaat", "doet", "verloopt", "loopt", "vind", "vindt", "krijg", "krijgt", "zit"}
)

# Folded word -> index term, where Snowball's Dutch stemmer is wrong for the network.
_EXCEPTION_GROUPS: dict[str, tuple[str, ...]] = {
    "mentor": ("mentor", "mentoren", "mentors"),
    "begeleid": (
        "begeleid",
        "begeleide",
        "begeleiden",
        "begeleidt",
        "begeleiding",
        "begeleidingen",
    ),
    "begeleider": ("begeleider", "begeleiders", "begeleidster", "begeleidsters"),
    "werkgever": ("werkgever", "werkgevers"),
    "werknemer": ("werknemer", "werknemers"),
    "gesprek": ("gesprek", "gesprekken"),
    "hogeschool": ("hogeschool", "hogescholen"),
    "gemeente": ("gemeente", "gemeenten", "gemeentes"),
    "thema": ("thema", "themas", "thema's"),
    "lid": ("lid", "leden"),
    "verslag": ("verslag", "verslagen"),
    "evaluatie": ("evaluatie", "evaluaties"),
    "evalueer": ("evalueren", "evalueert", "evalueerde", "geevalueerd"),
    "organisatie": ("organisatie", "organisaties"),
    "organiseer": ("organiseren", "organiseert", "organiseerde", "georganiseerd"),
    "gebruik": ("gebruik", "gebruiken", "gebruikt", "gebruikers", "gebruiker"),
}
STEM_EXCEPTIONS: dict[str, str] = {
    word: stem for stem, words in _EXCEPTION_GROUPS.items() for word in words
}

# Words of the network that a general word list lacks or ranks low, as compound parts.
DOMAIN_WORDS = frozenset(
    {
        "aanbeveling",
        "begeleiding",
        "decreet",
        "duaal",
        "duale",
        "intervisie",
        "kmo",
        "leer",
        "leren",
        "matching",
        "mentor",
        "mentoren",
        "praktijk",
        "proeftuin",
        "traject",
        "vergoeding",
        "werkplek",
        "werkgevers",
        "werkgever",
    }
)
VOCABULARY_SIZE = 50_000
MIN_COMPOUND = 8
MIN_PART = 4
SHORT_PARTS = frozenset({"dag", "uur", "wet"})


# Frequent words are not split ("studenten" is not "stud|enten"), nor the words of
# STEM_EXCEPTIONS ("mentoren" is not "ment|oren").
COMMON_SIZE = 30_000


@lru_cache(maxsize=1)
def _word_list() -> tuple[frozenset[str], frozenset[str]]:
    import wordfreq

    words = [fold(w) for w in wordfreq.top_n_list("nl", VOCABULARY_SIZE, wordlist="large")]
    known = frozenset(word for word in words if word.isalpha()) | DOMAIN_WORDS
    # wordfreq keeps the whole list it read (every Dutch word it knows, some 18 MB of
    # strings) and the top-n slice in its own caches: only the two sets are needed.
    for cached in (wordfreq.top_n_list, wordfreq.get_frequency_list):
        getattr(cached, "cache_clear", lambda: None)()
    return known, frozenset(words[:COMMON_SIZE])


def preload() -> None:
    """Load the word list now (the gunicorn master does, so that its workers share it)."""
    _word_list()


def vocabulary() -> frozenset[str]:
    """The known Dutch words a compound may be split into."""
    return _word_list()[0]


_stemmers = threading.local()


def _stemmer() -> Stemmer.Stemmer:
    # A PyStemmer object is not thread-safe: one per thread.
    stemmer = getattr(_stemmers, "stemmer", None)
    if stemmer is None:
        stemmer = _stemmers.stemmer = Stemmer.Stemmer(STEMMER_ALGORITHM)
    return stemmer


def stem(folded: str) -> str:
    """The index term of a folded word that is not a stop word."""
    found = STEM_EXCEPTIONS.get(folded)
    return found if found is not None else _stemmer().stemWord(folded)


def _is_part(word: str, known: frozenset[str]) -> bool:
    if word in STOPWORDS:
        return False
    return word in known and (len(word) >= MIN_PART or word in SHORT_PARTS)


def _split(word: str, known: frozenset[str], depth: int = 2) -> list[str] | None:
    """The parts of a compound (most balanced split first), or None."""
    best: list[str] | None = None
    best_balance = 0
    for cut in range(MIN_PART, len(word) - 2):
        head, tail = word[:cut], word[cut:]
        heads = [head]
        if head.endswith("s") and len(head) > MIN_PART:
            heads.append(head[:-1])  # the linking s of beleids|aanbeveling
        head_ok = next((h for h in heads if _is_part(h, known)), None)
        if head_ok is None:
            continue
        if _is_part(tail, known):
            parts = [head_ok, tail]
        elif depth > 1 and len(tail) >= MIN_COMPOUND:
            rest = _split(tail, known, depth - 1)
            if rest is None:
                continue
            parts = [head_ok, *rest]
        else:
            continue
        balance = min(len(head), len(tail))
        if balance > best_balance:
            best, best_balance = parts, balance
    return best


@lru_cache(maxsize=200_000)
def compound_parts(folded: str) -> tuple[str, ...]:
    """The terms of a compound's parts ('' for none): werkgeversbetrokkenheid -> ..."""
    if len(folded) < MIN_COMPOUND or not folded.isalpha() or folded in STEM_EXCEPTIONS:
        return ()
    if folded in _word_list()[1]:
        return ()
    parts = _split(folded, vocabulary())
    if not parts:
        return ()
    own = stem(folded)
    terms = []
    for part in parts:
        term = stem(part)
        # werkplek|ken is an inflection, not a compound: the head is the word itself.
        if term != own and term not in terms:
            terms.append(term)
    return tuple(terms) if len(terms) == len(parts) else ()


_MEMO_SIZE = 200_000
_infos: dict[str, tuple[str, tuple[str, ...]] | None] = {}
_words: dict[str, str | None] = {}


def word_info(word: str) -> tuple[str, tuple[str, ...]] | None:
    """(term, compound part terms) of a word as written; None for a stop word.

    Memoised in a plain dict (a lookup is most of the index build's analysis).
    """
    try:
        return _infos[word]
    except KeyError:
        pass
    folded = _APOSTROPHE_S.sub("", fold(word))
    info = None if not folded or folded in STOPWORDS else (stem(folded), compound_parts(folded))
    if len(_infos) >= _MEMO_SIZE:
        _infos.clear()
    _infos[word] = info
    return info


_UNSEEN = object()
# The text last analysed and its words' infos: the index build analyses each
# document's text twice in a row (the `content` and `parts` fields).
_last_text: tuple[str, list[tuple[str, tuple[str, ...]]]] = ("", [])


def _known(words: list[str], memo: dict[str, Any], compute: Callable[[str], Any]) -> list[Any]:
    """What `compute` says of each word, read from `memo` where it is there, leaving out
    the words it says nothing of (None)."""
    found = []
    for word in words:
        value = memo.get(word, _UNSEEN)
        if value is _UNSEEN:
            value = compute(word)
        if value is not None:
            found.append(value)
    return found


def _word_infos(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """word_info of every word of `text` that is not a stop word, in order."""
    global _last_text
    last = _last_text  # one read: another thread may replace it meanwhile
    if last[0] is text:
        return last[1]
    found = _known(_WORD_RE.findall(text), _infos, word_info)
    _last_text = (text, found)
    return found


def _folded_word(word: str) -> str | None:
    """A word as the spelling field keeps it: folded, no stop word, two letters or more."""
    try:
        return _words[word]
    except KeyError:
        pass
    folded: str | None = _APOSTROPHE_S.sub("", fold(word))
    if folded is not None and (len(folded) < 2 or folded in STOPWORDS):
        folded = None
    if len(_words) >= _MEMO_SIZE:
        _words.clear()
    _words[word] = folded
    return folded


def words(text: str):
    """The words of `text` as the index sees them (re.Match objects)."""
    return _WORD_RE.finditer(text)


class DutchTokenizer(Tokenizer):
    """Whoosh tokenizer that yields each word's term (or its compound parts' terms).

    `parts=False`: the term of every word that is not a stop word (positions count
    only those words, like Whoosh's StopFilter). `parts=True`: the terms of the parts
    of compound words, for the lower-weighted `parts` field.
    """

    def __init__(self, parts: bool = False) -> None:
        self.parts = parts

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.parts == self.parts  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), self.parts))

    def terms(self, value: str) -> list[str]:
        """The terms of `value` in order, without Token objects (the index build)."""
        if self.parts:
            return [term for info in _word_infos(value) for term in info[1]]
        return [info[0] for info in _word_infos(value)]

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        for match in _WORD_RE.finditer(value):
            info = word_info(match.group())
            if info is None:
                continue
            texts = info[1] if self.parts else (info[0],)
            for text in texts:
                token.text = text
                token.boost = 1.0
                token.stopped = False
                if keeporiginal:
                    token.original = match.group()
                if positions:
                    token.pos = pos
                if chars:
                    token.startchar = start_char + match.start()
                    token.endchar = start_char + match.end()
                yield token
            pos += 1


class WordTokenizer(Tokenizer):
    """Whole words, folded, without stop words and unstemmed (spelling and prefixes)."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def terms(self, value: str) -> list[str]:
        return _known(_WORD_RE.findall(value), _words, _folded_word)

    def __call__(self, value, positions=False, chars=False, mode="", **kwargs):
        token = Token(positions, chars, mode=mode, **kwargs)
        for pos, match in enumerate(_WORD_RE.finditer(value)):
            folded = _folded_word(match.group())
            if folded is None:
                continue
            token.text = folded
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = pos
            if chars:
                token.startchar = match.start()
                token.endchar = match.end()
            yield token


def fingerprint() -> str:
    """Everything that decides which terms a text gets: a change means a rebuild."""
    import wordfreq

    return repr(
        (
            STEMMER_ALGORITHM,
            # A function in PyStemmer: its repr carried a memory address, so every
            # process computed another fingerprint and rebuilt the index.
            Stemmer.version() if callable(Stemmer.version) else Stemmer.version,
            _WORD_RE.pattern,
            sorted(STOPWORDS),
            sorted(QUESTION_VERBS),
            sorted(STEM_EXCEPTIONS.items()),
            sorted(DOMAIN_WORDS),
            sorted(SHORT_PARTS),
            VOCABULARY_SIZE,
            COMMON_SIZE,
            MIN_COMPOUND,
            MIN_PART,
            getattr(wordfreq, "__version__", ""),
        )
    )
