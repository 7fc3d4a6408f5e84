"""Check-digit rules presidio does not ship (it already has Luhn for cards and MOD 97 for IBANs).

Pure functions, no third-party imports: cheap to test on their own.
"""

from __future__ import annotations

import datetime as dt

# GB/T 2260 province-level prefixes: the first two digits of the six-digit division code.
# 71 = Taiwan, 81/82/83 = residence permits for Hong Kong, Macao and Taiwan residents.
_CN_PROVINCES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46}
    | {50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83}
)
# ISO 7064 MOD 11-2 weights for the first 17 characters, and the check character for each remainder.
_CN_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CN_CHECK_CHARS = "10X98765432"


def cn_resident_id_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character ("0"-"9" or "X") for 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _CN_WEIGHTS, strict=True))
    return _CN_CHECK_CHARS[total % 11]


def is_valid_cn_resident_id(value: str) -> bool:
    """Whether `value` is a well-formed 18-character PRC resident identity number.

    Checks: 17 digits then a digit or X; a known province prefix; a birth date YYYYMMDD that exists
    and is not before 1900; and the MOD 11-2 check character. Whether the date lies in the future is
    not checked (that would make the answer depend on today's date).
    """
    if len(value) != 18 or not value[:17].isdigit():
        return False
    if int(value[:2]) not in _CN_PROVINCES:
        return False
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    if birth.year < 1900:
        return False
    return value[17].upper() == cn_resident_id_check_char(value[:17])
