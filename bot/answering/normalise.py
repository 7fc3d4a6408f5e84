"""Normalising a resident's message: Unicode NFKC, no control, format, tag or bidi characters, and no
look-alike letters of another script inside a Latin word ("dоg" with a Cyrillic о reads "dog")."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_WORD = re.compile(r"[^\W\d_]{2,}")
_LINES = re.compile(r"\n{3,}")


def _kept(ch: str) -> str:
    category = unicodedata.category(ch)
    if ch in "\n\t" or category not in ("Cc", "Cf", "Cs", "Co", "Cn"):
        return ch
    if ch == "\r":
        return "\n"
    return " " if category == "Cc" else ""  # a control character parts words ("parking\x00permit")


def _latin_lookalikes(word: re.Match[str]) -> str:
    """A word mixing Latin letters with letters of another script that look like Latin ones ("dоg",
    "іgnore", "ρassword"), spelled in Latin: Unicode's confusables (TR39, `confusable_homoglyphs`). A
    word of one script alone ("Москва", "café") stays as written."""
    text = word.group()
    if text.isascii() or not any("a" <= ch.lower() <= "z" for ch in text):
        return text
    from confusable_homoglyphs import confusables  # its table loads on the first mixed word

    found = confusables.is_confusable(text, greedy=True, preferred_aliases=["latin"]) or []
    latin = {}
    for item in found:
        ascii_letters = [h["c"] for h in item["homoglyphs"] if h["c"].isascii() and h["c"].isalpha()]
        if ascii_letters:
            latin[item["character"]] = ascii_letters[0]
    return "".join(latin.get(ch, ch) for ch in text)


def normalise(text: str) -> str:
    """NFKC; control characters (except newline and tab) become spaces; every format character (Cf):
    zero-width, bidi overrides and the invisible tag characters used to smuggle instructions, and
    unassigned or private-use code points are dropped ("pass\u200bword" reads "password"); spaces are
    collapsed."""
    text = unicodedata.normalize("NFKC", text).replace("\r\n", "\n")
    kept = _SPACES.sub(" ", "".join(_kept(ch) for ch in text))
    if not kept.isascii():
        kept = _WORD.sub(_latin_lookalikes, kept)
    return _LINES.sub("\n\n", "\n".join(line.strip() for line in kept.split("\n"))).strip()
