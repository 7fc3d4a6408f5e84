"""Misspelt question words are respelled as the documents spell them; real words and names are not."""

from __future__ import annotations

from knowledge_base.spelling import Speller, english_words
from knowledge_base.text import words

DOCUMENTS = (
    "Garbage and recycling are collected on alternating weeks. Green bin organics are collected every "
    "week. Every household receives a garbage cart. Residential parking permits cost $60."
)


def speller() -> Speller:
    return Speller(words(DOCUMENTS))


def test_misspelt_words_take_the_documents_spelling() -> None:
    assert speller().correct("wen is my recyling colected") == "wen is my recycling collected"
    assert speller().correct("too much garbige, it wont fit") == "too much garbage, it wont fit"


def test_real_words_the_documents_never_use_stay_as_asked() -> None:
    """'asylum' is English, not a typo of a city word: it stays, and stays evidence of a new subject."""
    assert "asylum" in english_words()
    assert speller().correct("how do i apply for asylum") == "how do i apply for asylum"


def test_names_short_words_and_numbers_are_left_alone() -> None:
    s = speller()
    assert s.correct("is garbage collected in Garbadge Falls?") == "is garbage collected in Garbadge Falls?"
    assert s.correct("Garbadge day?") == "Garbage day?"  # the first word of a sentence is not a name
    assert s.correct("ctr 4b2x recyling's") == "ctr 4b2x recyling's"


def test_one_edit_for_short_words_two_for_long_ones() -> None:
    s = speller()
    assert s.correct("cart carrt") == "cart cart"
    assert s.correct("grabage") == "garbage"  # a transposition is one edit (Damerau)
    assert s.correct("residntal") == "residential"
    assert s.correct("parkng permmits") == "parking permits"
    assert s.correct("orgnaics") == "organics"
    assert s.correct("rezzidentail") == "rezzidentail"  # three edits away: left as asked
