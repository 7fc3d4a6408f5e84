"""Look-alike letters of another script inside a Latin word, spelled in Latin ("dоg" with a Cyrillic о
reads "dog", "Ιgnore" with a Greek capital iota reads "Ignore"): Unicode's confusables (TR39, the
`confusable_homoglyphs` package). A word of one script alone ("Москва", "café") stays as written.

One mechanism for what residents type (`bot/answering/normalise.py`) and what documents say
(`ingest/screening.py`): planted text and typed attacks hide behind the same letters.
"""

from __future__ import annotations

import re
import string
from collections import defaultdict
from functools import lru_cache

_WORD = re.compile(r"[^\W\d_]{2,}")


@lru_cache(maxsize=1)
def _letters_by_skeleton() -> dict[str, tuple[str, ...]]:
    """ASCII letters by each letter that looks like them (themselves included): TR39 gives "l" as the
    look-alike of both "I" and the Greek capital iota, so the iota can be read as the capital "I"."""
    from confusable_homoglyphs import confusables

    table: dict[str, list[str]] = defaultdict(list)
    for letter in string.ascii_letters:
        table[letter].append(letter)
        for look_alike in confusables.confusables_data.get(letter, []):
            table[look_alike["c"]].append(letter)
    return {skeleton: tuple(letters) for skeleton, letters in table.items()}


def _latin(word: re.Match[str]) -> str:
    text = word.group()
    if text.isascii() or not any("a" <= ch.lower() <= "z" for ch in text):
        return text
    from confusable_homoglyphs import confusables  # its table loads on the first mixed word

    found = confusables.is_confusable(text, greedy=True, preferred_aliases=["latin"]) or []
    by_skeleton = _letters_by_skeleton()
    latin = {}
    for item in found:
        char = item["character"]
        ascii_ = [h["c"] for h in item["homoglyphs"] if h["c"].isascii() and h["c"].isalpha()]
        letters = [a for h in ascii_ for a in by_skeleton.get(h, (h,))]
        if letters:  # the look-alike of the same case: "Ι" reads "I", not "l"
            latin[char] = next((a for a in letters if a.isupper() == char.isupper()), letters[0])
    return "".join(latin.get(ch, ch) for ch in text)


def fold_lookalikes(text: str) -> str:
    """`text` with each mixed-script word's look-alike letters spelled in Latin (same length)."""
    return text if text.isascii() else _WORD.sub(_latin, text)
