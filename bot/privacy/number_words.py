"""Numbers written as words, read back as digits: "five five five oh one four two" (a phone number
told digit by digit), "nineteen eighty five" (a year), "the third of March" (a day).

Plain `re`, no presidio: the phone and date-of-birth recognizers read these, and the detector's
pre-filter (`detection._may_hold_pii`) asks `may_hold_spelled_number()` before deciding to run the
analyzer on a message with no digit in it.
"""

from __future__ import annotations

import re

# A digit as a word; "oh" and "o" are zero when a number is read out ("five five five oh one four two").
DIGIT_WORDS: dict[str, str] = {
    "zero": "0", "oh": "0", "o": "0", "nought": "0",
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
_UNITS = "one|two|three|four|five|six|seven|eight|nine"
_TEENS = "ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_GAP = r"[ \t]*-[ \t]*|[ \t]+"
# "eighty five", "eighty-five", "twelve", "oh five"
_TWO_DIGITS = rf"(?:(?:{_TENS})(?:(?:{_GAP})(?:{_UNITS}))?|{_TEENS}|oh(?:{_GAP})(?:{_UNITS}))"
# "nineteen eighty five", "twenty twenty", "two thousand", "two thousand and one"
YEAR_WORDS = (
    rf"(?:(?:nineteen|twenty)(?:{_GAP}){_TWO_DIGITS}"
    rf"|two(?:{_GAP})thousand(?:(?:{_GAP})(?:and(?:{_GAP}))?(?:{_TWO_DIGITS}|{_UNITS}))?)"
)
_ORDINAL_UNITS = "first|second|third|fourth|fifth|sixth|seventh|eighth|ninth"
# "third", "twenty-first", "thirtieth"
ORDINAL_DAY_WORDS = (
    rf"(?:twenty(?:{_GAP})(?:{_ORDINAL_UNITS})|thirty(?:{_GAP})first|{_ORDINAL_UNITS}|tenth|eleventh|"
    r"twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|thirtieth)"
)
_DIGIT_WORD = rf"(?:{'|'.join(DIGIT_WORDS)}|double[ \t]+(?:{'|'.join(DIGIT_WORDS)}))"
# Digits as words, or digit groups, one after another: "five five five 0142", "five-five-five oh one".
SPOKEN_DIGITS = re.compile(
    rf"(?i:\b(?:{_DIGIT_WORD}|\d+)(?:(?:[ \t]*[-,.][ \t]*|[ \t]+)(?:{_DIGIT_WORD}|\d+))+\b)"
)
_WORD_OR_DIGITS = re.compile(r"(?i:double[ \t]+(?P<doubled>\w+)|(?P<word>[a-z]+)|(?P<digits>\d+))")
# Enough digit words in a row to be a phone number, or a year in words: worth running the analyzer.
_SPELLED_NUMBER = re.compile(
    rf"(?i:\b{_DIGIT_WORD}(?:(?:[ \t]*[-,.][ \t]*|[ \t]+){_DIGIT_WORD}){{6,}}\b|\b{YEAR_WORDS}\b)"
)


def spoken_digits(text: str) -> str:
    """The digits that `text` (a match of `SPOKEN_DIGITS`) reads out: "five five five oh 142" ->
    "5550142", "double four" -> "44"."""
    digits = []
    for part in _WORD_OR_DIGITS.finditer(text):
        if part.group("doubled"):
            digits.append(DIGIT_WORDS[part.group("doubled").lower()] * 2)
        elif part.group("word"):
            digits.append(DIGIT_WORDS[part.group("word").lower()])
        else:
            digits.append(part.group("digits"))
    return "".join(digits)


def may_hold_spelled_number(text: str) -> bool:
    """Whether `text` holds seven or more digits as words in a row, or a year in words."""
    return _SPELLED_NUMBER.search(text) is not None
