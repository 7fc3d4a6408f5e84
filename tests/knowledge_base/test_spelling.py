"""Misspelt question words are respelled as the documents spell them; real words and names are not."""

from __future__ import annotations

import pytest

from knowledge_base.spelling import Speller, english_words
from knowledge_base.text import words

DOCUMENTS = (
    "Garbage and recycling are collected on alternating weeks. Green bin organics are collected every "
    "week. Every household receives a garbage cart. Residential parking permits cost $60. Eastgate: "
    "Wednesday. Register your business with the council. A permitted deck needs a renovation permit; "
    "unused tags are refunded. Spayed dogs pay less."
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
    assert s.correct("Westgate collection day?") == "Westgate collection day?"  # a place, not "Eastgate"
    assert s.correct("ctr 4b2x recyling's") == "ctr 4b2x recyling's"


@pytest.mark.parametrize(
    "word",
    ["unpermitted", "deregister", "councilor", "unhoused", "unspayed", "renoviction", "westgate"],
)
def test_a_real_word_the_list_lacks_is_not_made_into_another(word: str) -> None:
    """Letters cut from a word's start or end, two edits, or another first letter: another word with
    another meaning ("unpermitted" is not "permitted"), so the word stays as asked."""
    assert speller().correct(f"what about {word} things") == f"what about {word} things"


def test_one_edit_is_respelled_two_are_not() -> None:
    s = speller()
    assert s.correct("cart carrt") == "cart cart"
    assert s.correct("grabage") == "garbage"  # a transposition is one edit (Damerau)
    assert s.correct("residentail") == "residential"
    assert s.correct("parkng permmits") == "parking permits"
    assert s.correct("orgnaics") == "organics"
    assert s.correct("resdintal") == "resdintal"  # two edits away: left as asked
