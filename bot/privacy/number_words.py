"""Numbers written as words, read back as digits: "five five five oh one four two" (a phone number
told digit by digit), "nineteen eighty five" (a year), "the third of March" (a day); and a number
written in parts with anything between them ("536|22|8741", "4111 then 1111", "4111 one one one one"):
`digit_parts()`.

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
# a house number in words: "forty two", "twelve", "one hundred and twelve", "two thousand"
_UP_TO_99 = rf"(?:(?:{_TENS})(?:(?:{_GAP})(?:{_UNITS}))?|{_TEENS}|{_UNITS})"
CARDINAL_WORDS = (
    rf"(?:(?:{_UNITS})(?:{_GAP})(?:thousand|hundred)(?:(?:{_GAP})(?:and(?:{_GAP}))?{_UP_TO_99})?|{_UP_TO_99})"
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


# A part of a number written to slip past a filter: a digit group (not glued to letters: "3rd" is no
# part) or a digit as a word.
_PART = rf"(?:(?<![A-Za-z])\d+(?![A-Za-z])|\b{_DIGIT_WORD}\b)"
# Between the parts: a short run of anything that is neither a letter nor a digit (spaces, newlines,
# "|", "*", "~", ":", ",", " -- ", brackets), or words that only join them ("then", "and", "dash").
_JOINING_WORDS = r"then|and(?:[ \t]+then)?|dash|hyphen|space|followed[ \t]+by|next"
_BETWEEN_PARTS = rf"(?:[\W_]{{1,6}}|[\W_]*\b(?:{_JOINING_WORDS})\b[\W_]*)"
_PARTS = re.compile(rf"(?i:[^\w]{{0,3}}?(?P<parts>{_PART}(?:{_BETWEEN_PARTS}{_PART})*))")
_ONE_PART = re.compile(rf"(?i:{_PART})")


def digit_parts(text: str, position: int) -> list[tuple[int, int, str]]:
    """(start, end, digits) of each part of a number written from `position` on (after up to three
    characters that are no letters or digits: "card (4111)(1111)…"): digit groups and digits as words
    ("4111 one one one one 1111", "five three six"), with anything but letters and digits between
    them, or a joining word ("4111 then 1111"). Empty when no number starts there."""
    match = _PARTS.match(text, position)
    if match is None:
        return []
    return [
        (part.start(), part.end(), spoken_digits(part.group()))
        for part in _ONE_PART.finditer(text, *match.span("parts"))
    ]


def may_hold_spelled_number(text: str) -> bool:
    """Whether `text` holds seven or more digits as words in a row, or a year in words."""
    return _SPELLED_NUMBER.search(text) is not None
