"""Misspelt question words, respelled as the knowledge base spells them, before anything searches.

A resident types "wen is my recyling colected": BM25 finds no "recyling", the embedding of a misspelt
word drifts, and the question is refused although the collection page answers it. A word is respelled
only when the knowledge base does not use it *and* general English does not know it (SymSpell's
English frequency list, 82,765 words): "recyling" becomes "recycling", while "asylum" or "hockey",
real words the documents never use, stay as asked (they are evidence that the question is out of
scope, and respelling them into a city word would hide that).

Respelling is conservative, because a real word missing from the list ("councilor", "unhoused",
"deregister", "tweens") must not become another word with another meaning: the replacement is the
knowledge base's word one edit away (SymSpell, Damerau–Levenshtein: one letter added, dropped,
changed or two swapped, the most frequent on a tie; most typing errors are one edit, Damerau 1964),
with the same first letter ("Westgate" is not "Eastgate"), and never the word with letters only cut
from its start or end ("unpermitted" is not "permitted", "councilor" not "council"). Words under four
letters, with digits or apostrophes, and capitalised words (names and places: "Oakfield", "Lyft") are
left alone.
"""

from __future__ import annotations

import importlib.resources
import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from symspellpy import SymSpell, Verbosity

_WORD = re.compile(r"(?<![\w'’])[^\W\d_]{4,}(?![\w'’])")
_MAX_DISTANCE = 1


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """General English vocabulary (lower case), from the frequency list that ships with symspellpy."""
    listing = importlib.resources.files("symspellpy") / "frequency_dictionary_en_82_765.txt"
    lines = listing.read_text(encoding="utf-8").splitlines()
    return frozenset(line.split(" ", 1)[0] for line in lines if line)


class Speller:
    """Respells question words against one version's vocabulary (built once per published version)."""

    def __init__(self, words: Iterable[str]) -> None:
        counts = Counter(w for w in words if w.isalpha())
        self._known = frozenset(counts)
        self._symspell = SymSpell(max_dictionary_edit_distance=_MAX_DISTANCE, prefix_length=7)
        for word, count in counts.items():
            if len(word) >= 3:
                self._symspell.create_dictionary_entry(word, count)

    def correct(self, text: str) -> str:
        """`text` with its misspelt words respelled (everything else exactly as it was)."""
        return _WORD.sub(self._respell, text)

    def _respell(self, match: re.Match[str]) -> str:
        word = match.group()
        if not word.islower():
            return word  # a name or a place ("Oakfield", "Westgate"), or an acronym
        if word in self._known or word in english_words():
            return word
        for found in self._symspell.lookup(word, Verbosity.CLOSEST, max_edit_distance=_MAX_DISTANCE):
            term = str(found.term)
            if term[0] == word[0] and not (word.startswith(term) or word.endswith(term)):
                return term
        return word
