"""Public case references, `MB-XXXX-XXXX-XXXX-X`: the records service issues them, residents type them
to the bot, and both services read them the same way.

Thirteen symbols of Crockford base32 (`0-9A-Z` without `I L O U`). Input is forgiving in the ways
people are: case and spaces do not matter, hyphens are optional, and `O`, `I`, `L` read as `0`, `1`,
`1`. Anything else is malformed and answered exactly like a reference that does not exist.
"""

from __future__ import annotations

import re

PREFIX = "MB"
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SYMBOLS = 13
GROUPS = (4, 4, 4, 1)
MAX_INPUT_LENGTH = 40

_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_CANONICAL = re.compile(rf"^{PREFIX}-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}-[{ALPHABET}]$")
# in a message: the prefix, then the thirteen symbols (or the letters read as them) in groups of 4, 4,
# 4 and 1, each group after a hyphen, a space or nothing ("MB-0DAB-JQSN-TZRH-2", "mb 0dab jqsn tzrh 2")
_SYMBOL = "[0-9A-TV-Z]"
_IN_TEXT = re.compile(
    rf"\b{PREFIX}[- ]?{_SYMBOL}{{4}}[- ]?{_SYMBOL}{{4}}[- ]?{_SYMBOL}{{4}}[- ]?{_SYMBOL}\b", re.IGNORECASE
)
# what a resident meant as a reference but is none: the prefix and a hyphen, then one to five groups
# of letters and digits with at least one digit ("MB-XXXX-1234", "MB-DDNS-1WAF-S34Y")
_ATTEMPT = re.compile(
    rf"\b{PREFIX}-(?=[A-Z0-9-]*\d)[A-Z0-9]{{1,8}}(?:-[A-Z0-9]{{1,8}}){{0,4}}\b", re.IGNORECASE
)


def format_reference(symbols: str) -> str:
    """`MB-` and the thirteen symbols in their groups."""
    parts, start = [], 0
    for size in GROUPS:
        parts.append(symbols[start : start + size])
        start += size
    return "-".join([PREFIX, *parts])


def parse_reference(text: str) -> str | None:
    """The canonical form of a reference, or None when it is not one."""
    if len(text) > MAX_INPUT_LENGTH:
        return None
    compact = re.sub(r"[\s-]", "", text).upper()
    if not compact.startswith(PREFIX):
        return None
    symbols = compact[len(PREFIX) :].translate(_ALIASES)
    if len(symbols) != SYMBOLS or any(ch not in ALPHABET for ch in symbols):
        return None
    return format_reference(symbols)


def is_canonical(text: str) -> bool:
    return bool(_CANONICAL.match(text))


def find_references(text: str) -> list[str]:
    """The case references a message names, in the canonical form, each once, in order."""
    found = (parse_reference(match.group()) for match in _IN_TEXT.finditer(text))
    return list(dict.fromkeys(reference for reference in found if reference is not None))


def mask_references(text: str, mask: str = "[CASE]") -> str:
    """`text` with every case reference, and everything written as one, replaced by `mask`: what is
    kept of a message (transcripts, logs) never names a case."""
    return _ATTEMPT.sub(mask, _IN_TEXT.sub(mask, text))


def mistyped_references(text: str) -> list[str]:
    """What the message writes as a case reference without being one ("MB-XXXX-1234"), as written."""
    taken = [match.span() for match in _IN_TEXT.finditer(text)]
    return [
        match.group()
        for match in _ATTEMPT.finditer(text)
        if not any(start <= match.start() < end for start, end in taken)
    ]
