"""Public case references: `MB-XXXX-XXXX-XXXX-X`.

Thirteen symbols of Crockford base32 (`0-9A-Z` without `I L O U`) drawn from `secrets`: 65 bits
of randomness, so guessing is hopeless even before the rate limit applies. Input is forgiving in
the ways people are: case and spaces do not matter, hyphens are optional, and `O`, `I`, `L` read as
`0`, `1`, `1`. Anything else is malformed and answered exactly like a reference that does not exist.
"""

from __future__ import annotations

import re
import secrets

PREFIX = "MB"
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SYMBOLS = 13
RANDOM_BITS = SYMBOLS * 5
GROUPS = (4, 4, 4, 1)
MAX_INPUT_LENGTH = 40

_CANONICAL = re.compile(rf"^{PREFIX}-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}-[{ALPHABET}]$")
_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _format(symbols: str) -> str:
    parts, start = [], 0
    for size in GROUPS:
        parts.append(symbols[start : start + size])
        start += size
    return "-".join([PREFIX, *parts])


def new_reference() -> str:
    value = secrets.randbits(RANDOM_BITS)
    symbols = "".join(ALPHABET[(value >> (5 * i)) & 31] for i in range(SYMBOLS))
    return _format(symbols)


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
    return _format(symbols)


def is_canonical(text: str) -> bool:
    return bool(_CANONICAL.match(text))
