"""Public case references, `MB-XXXX-XXXX-XXXX-X`: issued here, read by both services
(`trust.case_references`: the format, the forgiving reading).

Thirteen symbols of Crockford base32 drawn from `secrets`: 65 bits of randomness, so guessing is
hopeless even before the rate limit applies.

An audit row names a case by its canonical reference, never by what the caller typed: a reference
that does not parse is stored as `MALFORMED_MARKER` and a short hash of the input
(`malformed#3f1c...`), so the caller cannot write text of their choosing (line breaks, markup,
made-up `seq=` or `allowed`) into the audit table, yet repeats of one input can still be told apart.
"""

from __future__ import annotations

import hashlib
import secrets

from trust.case_references import ALPHABET, SYMBOLS, format_reference, is_canonical, parse_reference

RANDOM_BITS = SYMBOLS * 5
MALFORMED_MARKER = "malformed#"
MALFORMED_HASH_CHARS = 16

__all__ = ["MALFORMED_MARKER", "audited_reference", "is_canonical", "new_reference", "parse_reference"]


def new_reference() -> str:
    value = secrets.randbits(RANDOM_BITS)
    return format_reference("".join(ALPHABET[(value >> (5 * i)) & 31] for i in range(SYMBOLS)))


def audited_reference(text: str) -> str:
    """What an audit row stores for a reference as given: its canonical form, or, when it is not one,
    `malformed#` and the first 16 hex digits of the SHA-256 of its UTF-8 bytes."""
    reference = parse_reference(text)
    if reference is not None:
        return reference
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return MALFORMED_MARKER + digest[:MALFORMED_HASH_CHARS]
