"""Normalising a resident's message: Unicode NFKC, no control, format, tag or bidi characters, and no
look-alike letters of another script inside a Latin word ("dоg" with a Cyrillic о reads "dog")."""

from __future__ import annotations

import re
import unicodedata

from knowledge_base.lookalikes import fold_lookalikes

_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_LINES = re.compile(r"\n{3,}")


def _kept(ch: str) -> str:
    category = unicodedata.category(ch)
    if ch in "\n\t" or category not in ("Cc", "Cf", "Cs", "Co", "Cn"):
        return ch
    if ch == "\r":
        return "\n"
    return " " if category == "Cc" else ""  # a control character parts words ("parking\x00permit")


def normalise(text: str) -> str:
    """NFKC; control characters (except newline and tab) become spaces; every format character (Cf):
    zero-width, bidi overrides and the invisible tag characters used to smuggle instructions, and
    unassigned or private-use code points are dropped ("pass\u200bword" reads "password"); spaces are
    collapsed."""
    text = unicodedata.normalize("NFKC", text).replace("\r\n", "\n")
    kept = _SPACES.sub(" ", "".join(_kept(ch) for ch in text))
    kept = fold_lookalikes(kept)
    return _LINES.sub("\n\n", "\n".join(line.strip() for line in kept.split("\n"))).strip()
