"""Payment card numbers: issuer ranges (IIN) and the Luhn check, as pure functions.

A run of digits is a card number when its first digits fall in a range a card scheme has been given,
its length is one that scheme issues, and it passes Luhn. The Luhn check alone would pass one random
digit string in ten; the issuer table rejects most of the rest (order, tracking and reference numbers
start with digits no scheme uses at that length).

Ranges are the published IIN ranges of the schemes residents use (ISO/IEC 7812 numbers, as listed by
the schemes and summarised on Wikipedia's "Payment card number" page). UnionPay numbers that skip the
Luhn check are not recognised: every scheme here is held to Luhn.
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_LENGTH = 12
MAX_LENGTH = 19


@dataclass(frozen=True, slots=True)
class IssuerRange:
    """Numbers whose first `len(str(low))` digits lie in `low..high`, with one of `lengths`."""

    scheme: str
    low: int
    high: int
    lengths: frozenset[int]

    def covers(self, digits: str) -> bool:
        width = len(str(self.low))
        return len(digits) in self.lengths and self.low <= int(digits[:width]) <= self.high


def _lengths(first: int, last: int | None = None) -> frozenset[int]:
    return frozenset(range(first, (last or first) + 1))


ISSUER_RANGES: tuple[IssuerRange, ...] = (
    IssuerRange("Visa", 4, 4, frozenset({13, 16, 19})),
    IssuerRange("Mastercard", 51, 55, _lengths(16)),
    IssuerRange("Mastercard", 2221, 2720, _lengths(16)),
    IssuerRange("American Express", 34, 34, _lengths(15)),
    IssuerRange("American Express", 37, 37, _lengths(15)),
    IssuerRange("Discover", 6011, 6011, _lengths(16, 19)),
    IssuerRange("Discover", 644, 649, _lengths(16, 19)),
    IssuerRange("Discover", 65, 65, _lengths(16, 19)),
    IssuerRange("JCB", 3528, 3589, _lengths(16, 19)),
    IssuerRange("Maestro", 5018, 5018, _lengths(12, 19)),
    IssuerRange("Maestro", 5020, 5020, _lengths(12, 19)),
    IssuerRange("Maestro", 5038, 5038, _lengths(12, 19)),
    IssuerRange("Maestro", 5893, 5893, _lengths(12, 19)),
    IssuerRange("Maestro", 6304, 6304, _lengths(12, 19)),
    IssuerRange("Maestro", 6759, 6759, _lengths(12, 19)),
    IssuerRange("Maestro", 6761, 6763, _lengths(12, 19)),
    IssuerRange("UnionPay", 62, 62, _lengths(16, 19)),
    IssuerRange("UnionPay", 81, 81, _lengths(16, 19)),
    IssuerRange("Diners Club", 300, 305, _lengths(14, 19)),
    IssuerRange("Diners Club", 3095, 3095, _lengths(14, 19)),
    IssuerRange("Diners Club", 36, 36, _lengths(14, 19)),
    IssuerRange("Diners Club", 38, 39, _lengths(16, 19)),
    IssuerRange("RuPay", 60, 60, _lengths(16)),
    IssuerRange("RuPay", 508, 508, _lengths(16)),
    IssuerRange("RuPay", 82, 82, _lengths(16)),
    IssuerRange("Mir", 2200, 2204, _lengths(16, 19)),
    IssuerRange("Dankort", 5019, 5019, _lengths(16)),
    IssuerRange("Verve", 506099, 506198, frozenset({16, 18, 19})),
    IssuerRange("Verve", 650002, 650027, frozenset({16, 18, 19})),
    IssuerRange("InstaPayment", 637, 639, _lengths(16)),
    IssuerRange("Troy", 9792, 9792, _lengths(16)),
)


def luhn_valid(digits: str) -> bool:
    """Whether the ASCII digit string `digits` passes the Luhn (mod 10) check."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def card_scheme(digits: str) -> str | None:
    """The scheme that issues the ASCII digit string `digits` as a card number, or None.

    None when no scheme issues numbers of that prefix and length, or when the Luhn check fails.
    """
    if not (MIN_LENGTH <= len(digits) <= MAX_LENGTH and digits.isascii() and digits.isdigit()):
        return None
    if not luhn_valid(digits):
        return None
    return next((issuer.scheme for issuer in ISSUER_RANGES if issuer.covers(digits)), None)
