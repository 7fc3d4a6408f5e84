"""Labels that name the value right after them, and secrets: "my password is hunter2", "pwd:
Tr0ub4dor&3", "the verification code: 482913".

A label is a name (a secret's here, an identifier's in `recognizers/labelled.py`), perhaps with an
owner before it ("my", "her", "my son's", "the") and "number", "no." or "#" after it, then ":", "=",
"#", "is", "was", "reads" (or German "ist") or a space, then the value.

A secret's value is the next word, up to the next space or quote, punctuation and all ("S3cret!" is
masked whole), perhaps in quotes ("my password is 'hunter2'"). With any sentence punctuation at its end
set aside ("my password is wrong!" names none), it is a secret when
- it holds a digit or a symbol ("hunter2", "P@ss", "pa$$word"), digits alone only when there are at
  least `MIN_CODE_DIGITS` of them ("I typed the PIN 3 times" names no PIN), or
- it is a passphrase: letters alone, at least `MIN_PASSPHRASE_LETTERS` of them
  ("correcthorsebatterystaple");
and only after an owner or a connecting ":", "=" or "is": "password reset" names no password.

Plain `re`, no presidio: the detector's pre-filter (`detection._may_hold_pii`) asks the same question
as the recognizer before deciding to run the analyzer, since a secret need hold no digit.
"""

from __future__ import annotations

import re

SECRET_LABELS: tuple[str, ...] = (
    r"password",
    r"pwd",
    r"passcode",
    r"passphrase",
    r"pin(?:[ \t]+code)?",
    r"security[ \t]+(?:answer|question[ \t]+answer)",
    r"(?:verification|one[ \t-]+time|login|access)[ \t]+code",
)

_OWNER = r"(?P<owner>\b(?:my|our|his|her|their|the)(?:[ \t]+[a-z]+['’]s)?[ \t]+)?"
_NUMBER_WORD = r"(?:[ \t]+(?:number|num|no\.?|#))?"
_CONNECT = r"(?:[ \t]*(?P<connect>[:=#]|\bis\b|\bwas\b|\breads\b|\bist\b)[ \t]*|[ \t]+)"
_QUOTES = "\"'“”‘’"
# a secret runs to the next space or quote
_SECRET_VALUE = rf"[{_QUOTES}]?(?P<value>[^\s{_QUOTES}]+)"
_SENTENCE_PUNCTUATION = ".,;:!?"
# what makes a word a secret: a digit, or a symbol other than sentence punctuation
_SECRET_CHARACTER = re.compile(rf"\d|[^\w\s{_SENTENCE_PUNCTUATION}]")
# letters alone, this many, make a passphrase: more than the words that follow "my password is"
# ("unrecognisable" has 14)
MIN_PASSPHRASE_LETTERS = 15
# PINs and one-time codes have four digits or more
MIN_CODE_DIGITS = 4


def label_pattern(labels: tuple[str, ...]) -> str:
    """A regex for any of `labels` (regexes, matched in any case) with its owner, "number" and
    connecting word: the groups `owner` and `connect` say whether it had them."""
    return rf"(?i:{_OWNER}\b(?:{'|'.join(labels)}){_NUMBER_WORD}){_CONNECT}"


_SECRET = re.compile(rf"{label_pattern(SECRET_LABELS)}{_SECRET_VALUE}")
# the labels alone: most messages have none, and are told so faster than by `_SECRET`
_ANY_SECRET_LABEL = re.compile(rf"\b(?:{'|'.join(SECRET_LABELS)})", re.IGNORECASE)


def is_secret(value: str) -> bool:
    """Whether the word after a secret's label is one: it holds a digit or a symbol (sentence
    punctuation at its end aside), or it is a passphrase of letters; digits alone are a code when
    there are enough of them."""
    word = value.rstrip(_SENTENCE_PUNCTUATION)
    if word.isdecimal():
        return len(word) >= MIN_CODE_DIGITS
    return bool(_SECRET_CHARACTER.search(word)) or (word.isalpha() and len(word) >= MIN_PASSPHRASE_LETTERS)


def labelled_secrets(text: str) -> list[tuple[int, int]]:
    """(start, end) of each secret (password, PIN, one-time code) written after its label."""
    if _ANY_SECRET_LABEL.search(text) is None:
        return []
    return [
        match.span("value")
        for match in _SECRET.finditer(text)
        if (match.group("owner") or match.group("connect")) and is_secret(match.group("value"))
    ]
