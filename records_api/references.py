"""Public case references, `MB-XXXX-XXXX-XXXX-X`: issued here, read by both services
(`trust.case_references`: the format, the forgiving reading).

Thirteen symbols of Crockford base32 drawn from `secrets`: 65 bits of randomness, so guessing is
hopeless even before the rate limit applies.
"""

from __future__ import annotations

import secrets

from trust.case_references import ALPHABET, SYMBOLS, format_reference, is_canonical, parse_reference

RANDOM_BITS = SYMBOLS * 5

__all__ = ["is_canonical", "new_reference", "parse_reference"]


def new_reference() -> str:
    value = secrets.randbits(RANDOM_BITS)
    return format_reference("".join(ALPHABET[(value >> (5 * i)) & 31] for i in range(SYMBOLS)))
