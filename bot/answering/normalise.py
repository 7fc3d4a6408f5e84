"""Normalising a resident's message: Unicode NFKC, no control, format, tag or bidi characters."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_LINES = re.compile(r"\n{3,}")


def normalise(text: str) -> str:
    """NFKC; drop control characters (except newline and tab) and every format character (Cf): zero-width,
    bidi overrides and the invisible tag characters used to smuggle instructions; collapse spaces."""
    text = unicodedata.normalize("NFKC", text)
    kept = "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )
    kept = _SPACES.sub(" ", kept.replace("\r", "\n"))
    return _LINES.sub("\n\n", "\n".join(line.strip() for line in kept.split("\n"))).strip()
