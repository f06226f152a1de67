"""The analysis caches of the index build: bounded, and the same terms with or without.

No database: the Dutch analysis (search/analysis.py) and the index formats
(search/index.py) on their own.
"""

from __future__ import annotations

import pytest
from whoosh.formats import Frequency, Positions

from lerend_netwerk.search import analysis, index
from lerend_netwerk.search.analysis import DutchTokenizer, WordTokenizer

TEXTS = [
    "Werkgeversbetrokkenheid bij de mentorenopleiding: hoe begeleiden mentoren studenten?",
    "Het ontwerpdecreet over duaal leren en de matchingdag voor kmo's en CVO's.",
    "Intervisies en evaluaties in bedrijven; thema's van het lerend netwerk 2.0, NT2.",
    "Begeleiding begeleiding BEGELEIDING financiële financiele Financiële werkplekleren",
    "",
    "de het een van en",  # stop words only
]


def _reference(text: str, parts: bool) -> list[str]:
    """The terms of `text` computed without any of the caches."""
    found: list[str] = []
    for word in analysis._WORD_RE.findall(text):
        folded = analysis._APOSTROPHE_S.sub("", analysis.fold(word))
        if not folded or folded in analysis.STOPWORDS:
            continue
        if parts:
            found.extend(analysis.compound_parts.__wrapped__(folded))
        else:
            found.append(analysis.stem(folded))
    return found


def _reference_words(text: str) -> list[str]:
    found = []
    for word in analysis._WORD_RE.findall(text):
        folded = analysis._APOSTROPHE_S.sub("", analysis.fold(word))
        if len(folded) >= 2 and folded not in analysis.STOPWORDS:
            found.append(folded)
    return found


@pytest.fixture
def empty_caches():
    def empty() -> None:
        analysis._infos.clear()
        analysis._words.clear()
        analysis._last_text = ("", [])
        analysis.compound_parts.cache_clear()
        index._ONE_POSITION.clear()

    empty()
    yield empty
    empty()


@pytest.mark.parametrize("parts", [False, True])
def test_terms_are_the_same_with_and_without_the_caches(empty_caches, parts):
    tokenizer = DutchTokenizer(parts=parts)
    cold = [tokenizer.terms(text) for text in TEXTS]  # filling the caches
    warm = [tokenizer.terms(text) for text in TEXTS]  # from the caches
    tokens = [[token.text for token in tokenizer(text)] for text in TEXTS]  # Whoosh's path
    reference = [_reference(text, parts) for text in TEXTS]
    assert cold == warm == tokens == reference
    assert any(reference)  # the texts do have (compound) terms


def test_content_and_parts_of_one_text_share_one_analysis(empty_caches):
    content, parts = DutchTokenizer(), DutchTokenizer(parts=True)
    first, second = TEXTS[0], TEXTS[1]
    # Interleaved and with an equal text that is another object: never a stale answer.
    again = "".join(list(first))
    assert again == first and again is not first
    assert content.terms(first) == _reference(first, False)
    assert parts.terms(first) == _reference(first, True)
    assert parts.terms(second) == _reference(second, True)
    assert content.terms(first) == _reference(first, False)
    assert content.terms(again) == _reference(first, False)
    assert analysis._last_text[0] is again


def test_the_word_memo_is_bounded_and_gives_the_same_terms(empty_caches, monkeypatch):
    monkeypatch.setattr(analysis, "_MEMO_SIZE", 25)
    text = " ".join(f"woord{n} mentoren{n} begeleiding" for n in range(200))
    content, words = DutchTokenizer(), WordTokenizer()
    assert content.terms(text) == _reference(text, False)
    assert len(analysis._infos) <= 25
    assert words.terms(text) == _reference_words(text)
    assert len(analysis._words) <= 25


def test_position_values_are_whooshs_and_their_cache_is_bounded(empty_caches):
    fast, whoosh = index.FastPositions(), Positions()
    for poslist in ([0], [1], [7], [4095], [4096], [123_456], [0, 3, 9], [5, 5000]):
        assert fast.encode(poslist) == whoosh.encode(poslist)
        assert fast.encode(poslist) == whoosh.encode(poslist)  # from the cache
    for pos in range(10_000):
        fast.encode([pos])
    assert len(index._ONE_POSITION) == index.MAX_SHARED_POSITION


@pytest.mark.parametrize("boost", [1.0, 2.5])
def test_index_values_are_those_of_whooshs_own_formats(empty_caches, boost):
    analyzer, words = DutchTokenizer(), WordTokenizer()
    text = " ".join(TEXTS) + " mentor" * 300  # a frequency past the shared values
    for fast, whoosh, tokenizer in (
        (index.FastPositions(field_boost=boost), Positions(field_boost=boost), analyzer),
        (index.FastFrequency(field_boost=boost), Frequency(field_boost=boost), analyzer),
        (index.FastFrequency(field_boost=boost), Frequency(field_boost=boost), words),
    ):
        ours = sorted(fast.word_values(text, tokenizer))
        theirs = sorted(whoosh.word_values(text, tokenizer))
        assert ours == theirs and len(ours) > 10
