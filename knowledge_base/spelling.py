"""Misspelt question words, respelled as the knowledge base spells them, before anything searches.

A resident types "wen is my recyling colected": BM25 finds no "recyling", the embedding of a misspelt
word drifts, and the question is refused although the collection page answers it. A word is respelled
only when the knowledge base does not use it *and* general English does not know it (SymSpell's
English frequency list, 82,765 words): "recyling" becomes "recycling", while "asylum" or "hockey",
real words the documents never use, stay as asked (they are evidence that the question is out of
scope, and respelling them into a city word would hide that). The replacement is the knowledge base's
word nearest by edit distance (SymSpell, Damerau–Levenshtein), the more frequent on a tie, within one
edit for words of up to seven letters and two for longer ones; words under four letters, with digits
or apostrophes, and capitalised words inside a sentence (names: "Oakfield") are left alone.
"""

from __future__ import annotations

import importlib.resources
import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from symspellpy import SymSpell, Verbosity

_WORD = re.compile(r"(?<![\w'’])[^\W\d_]{4,}(?![\w'’])")
_MAX_DISTANCE = 2
_LONG = 8  # letters from which two edits are allowed


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
        low = word.lower()
        if low in self._known or low in english_words() or _names_something(match):
            return word
        limit = 1 if len(low) < _LONG else _MAX_DISTANCE
        found = self._symspell.lookup(low, Verbosity.TOP, max_edit_distance=limit)
        if not found:
            return word
        term = str(found[0].term)
        return term.capitalize() if word[0].isupper() else term


def _names_something(match: re.Match[str]) -> bool:
    """A capitalised word that does not start a sentence: a name, not a typo."""
    word, text, start = match.group(), match.string, match.start()
    if not word[0].isupper():
        return False
    before = text[:start].rstrip()
    return bool(before) and before[-1] not in ".!?:;\"'(«“"
