"""Labels that name the value right after them, and secrets: "my password is hunter2", "pwd:
Tr0ub4dor&3", "the verification code: 482913", "password Hunter22!", "pw: Hunter22!".

A label is a name (a secret's here, an identifier's in `recognizers/labelled.py`), perhaps with an
owner before it ("my", "her", "my son's", "the"; "mi", "mon", "mein", ...) and "number", "no.", "#"
(or "número", "nummer", "nº") after it, then ":", "=", "#", "-", "is", "was", "reads" (or "es",
"est", "ist", "è", "é") or a space, then the value.

A secret's value is the next word, up to the next space or quote, punctuation and all ("S3cret!" is
masked whole), perhaps in quotes ("my password is 'hunter2'"). With any sentence punctuation at its end
set aside ("my password is wrong!" names none), it is a secret when
- it holds a digit or a symbol ("hunter2", "P@ss", "pa$$word"), digits alone only when there are at
  least `MIN_CODE_DIGITS` of them ("I typed the PIN 3 times" names no PIN), or
- it is a passphrase: letters alone, at least `MIN_PASSPHRASE_LETTERS` of them
  ("correcthorsebatterystaple");
so "password reset", "my password for the portal" name no password. After a bare space (no owner, no
":", "-" or "is") the value must also start with a letter or a digit: "password (8+ characters)"
names none.

Three more places a secret is written, around a secret's label (not "pass" or "pw"):
- a passphrase of words, to the end of the clause: "my password: correct horse battery staple", when
  its words hold `MIN_PASSPHRASE_LETTERS` letters and none of them is a word that describes a password
  rather than being one (`NOT_PASSPHRASE_WORDS`: "my password: reset link never arrived", "my
  password is not working");
- before the label: "p4ssw0rd is my password", "1234 is my PIN";
- later in the label's sentence, after a colon or "=": "my password is the same as my dog's name plus
  85: Rex85".

"pass" and "pw" (`AMBIGUOUS_SECRET_LABELS`) are also everyday words ("bus pass", "a day pass costs
$5") and an abbreviation, so after them a secret needs more: an owner or a connecting ":", "=", "-"
or "is" ("my pass is Hunter22!", "user: jsmith pass: Hunter22!"), no word before the label that says
which kind of pass it is (`PASS_KINDS`: "my bus pass is 12345"), and a value with a letter and a digit
or a symbol that is neither a price nor a count of something ("$5", "24/7", "3-day").

Plain `re`, no presidio: the detector's pre-filter (`detection._may_hold_pii`) asks the same question
as the recognizer before deciding to run the analyzer, since a secret need hold no digit.
"""

from __future__ import annotations

import re

SECRET_LABELS: tuple[str, ...] = (
    r"password",
    r"passwd",
    r"pwd",
    r"passcode",
    r"passphrase",
    r"pin(?:[ \t]+code)?",
    r"security[ \t]+(?:answer|question[ \t]+answer)",
    r"(?:verification|one[ \t-]+time|login|access)[ \t]+code",
    r"bearer",
    r"api[ \t_-]?key",
    r"(?:access|auth|bearer|api|session|refresh)[ \t_-]?token",
)
# Labels whose value is a word of any kind, since an answer is what the resident remembers ("my security
# answer is fluffy", "memorable word: fluffy", "mother's maiden name smith"): any word after them that
# does not describe the answer (`NOT_PASSPHRASE_WORDS`: "my security answer is wrong") is a secret.
ANSWER_LABELS: tuple[str, ...] = (
    r"security[ \t]+(?:answer|question[ \t]+answer|word)",
    r"secret[ \t]+(?:answer|question[ \t]+answer|word)",
    r"(?:answer|reply)[ \t]+to[ \t]+(?:my|the)[ \t]+(?:security|secret)[ \t]+question",
    r"memorable[ \t]+(?:word|answer|name|place|date|information|info)",
    r"mother['’]?s[ \t]+maiden[ \t]+name",
    r"maiden[ \t]+name",
)
# Labels of a login name: the next word, when it has the shape of one (a digit, ".", "_" or "@":
# "username maria.lopez85", "login: jdoe_85") or, after "username" with an owner or a connecting word, any
# word that does not describe it ("my username is jdoe"; not "my username is too long").
USERNAME_LABELS: tuple[str, ...] = (r"user[ \t_-]?name", r"user[ \t_-]?id", r"login(?:[ \t_-]?(?:name|id))?")
_HANDLE = re.compile(r"[\d._@]")
# Labels that are also everyday words or abbreviations: a secret after them needs more (module note).
AMBIGUOUS_SECRET_LABELS: tuple[str, ...] = (r"pass", r"pw")
# Words before "pass" that say which kind of pass it is, not a password ("my bus pass is 12345").
PASS_KINDS: frozenset[str] = frozenset(
    {
        "bus", "day", "transit", "train", "rail", "metro", "subway", "tram", "ferry", "ride", "fare",
        "travel", "transfer", "commuter", "parking", "visitor", "visitors", "guest", "resident",
        "residential", "residents", "boarding", "hall", "season", "annual", "monthly", "weekly",
        "daily", "yearly", "week", "month", "year", "senior", "seniors", "student", "youth", "child",
        "family", "adult", "library", "pool", "swim", "swimming", "gym", "fitness", "leisure",
        "recreation", "rec", "park", "parks", "beach", "museum", "zoo", "ski", "festival", "event",
        "access", "press", "backstage", "employee", "staff", "contractor", "temporary", "temp",
        "hiking", "camping", "fishing", "hunting", "disabled", "disability", "companion", "free",
        "boat", "dump", "landfill", "recycling", "waste", "permit", "bike", "scooter",
    }
)  # fmt: skip

_OWNER = (
    r"(?P<owner>\b(?:my|our|his|her|their|the|mi|mis|su|mon|ma|mes|mein|meine|meu|minha|mijn)"
    r"(?:[ \t]+[a-z]+['’]s)?[ \t]+)?"
)
_NUMBER_WORD = r"(?:[ \t]+(?:number|num|no\.?|#|n[º°]|nr\.?|n[úu]mero|num[ée]ro|nummer))?"
_CONNECT = (
    r"(?:[ \t]*(?P<connect>[:=#]|-+|\bis\b|\bwas\b|\breads\b|\bes\b|\best\b|\bist\b|\bè|\bé)[ \t]*"
    r"|[ \t]+)"
)
_QUOTES = "\"'“”‘’"
# a secret runs to the next space or quote
_SECRET_VALUE = rf"(?P<quote>[{_QUOTES}])?(?P<value>[^\s{_QUOTES}]+)"
_SENTENCE_PUNCTUATION = ".,;:!?"
# what makes a word a secret: a digit, or a symbol other than sentence punctuation
_SECRET_CHARACTER = re.compile(rf"\d|[^\w\s{_SENTENCE_PUNCTUATION}]")
# letters alone, this many, make a passphrase: more than the words that follow "my password is"
# ("unrecognisable" has 14)
MIN_PASSPHRASE_LETTERS = 15
# PINs and one-time codes have four digits or more
MIN_CODE_DIGITS = 4
# after "pass"/"pw": a count of something ("3-day", "10rides"); a price or "24/7" has no letter
_COUNT = re.compile(r"\d+-?[a-z]+", re.IGNORECASE | re.ASCII)
_LETTER = re.compile(r"[^\W\d_]")
_WORD_BEFORE = re.compile(r"(\w+)[ \t-]*\Z")


def label_pattern(labels: tuple[str, ...]) -> str:
    """A regex for any of `labels` (regexes, matched in any case) with its owner, "number" and
    connecting word: the groups `owner` and `connect` say whether it had them."""
    return rf"(?i:{_OWNER}\b(?:{'|'.join(labels)}){_NUMBER_WORD}){_CONNECT}"


_SECRET = re.compile(rf"{label_pattern(SECRET_LABELS)}{_SECRET_VALUE}")
_AMBIGUOUS_SECRET = re.compile(rf"{label_pattern(AMBIGUOUS_SECRET_LABELS)}{_SECRET_VALUE}")
# the labels alone: most messages have none, and are told so faster than by `_SECRET`
_ANY_SECRET_LABEL = re.compile(
    rf"\b(?:{'|'.join((*SECRET_LABELS, *AMBIGUOUS_SECRET_LABELS, *ANSWER_LABELS, *USERNAME_LABELS))})\b",
    re.IGNORECASE,
)


def is_secret(value: str) -> bool:
    """Whether the word after a secret's label is one: it holds a digit or a symbol (sentence
    punctuation at its end aside), or it is a passphrase of letters; digits alone are a code when
    there are enough of them."""
    word = value.rstrip(_SENTENCE_PUNCTUATION)
    if word.isdecimal():
        return len(word) >= MIN_CODE_DIGITS
    return bool(_SECRET_CHARACTER.search(word)) or (word.isalpha() and len(word) >= MIN_PASSPHRASE_LETTERS)


def _names_a_secret(match: re.Match[str]) -> bool:
    """After a secret's label: whether the value is a secret, written as one (see the module's note)."""
    value = match.group("value")
    if match.group("owner") or match.group("connect") or match.group("quote"):
        return is_secret(value)
    return value[0].isalnum() and is_secret(value)


def _names_a_password(text: str, match: re.Match[str]) -> bool:
    """After "pass" or "pw": whether the value is a password (see the module's note)."""
    word = match.group("value").rstrip(_SENTENCE_PUNCTUATION)
    before = _WORD_BEFORE.search(text, 0, match.start())  # the word before the label (no owner)
    kind = match.group("owner") is None and before is not None and before.group(1).lower() in PASS_KINDS
    return (
        bool(match.group("owner") or match.group("connect"))
        and not kind
        and is_secret(word)
        and _LETTER.search(word) is not None
        and _SECRET_CHARACTER.search(word) is not None
        and _COUNT.fullmatch(word) is None
    )


# Words that describe a password rather than being one, and the little words of a sentence: a run of
# words after a secret's label holding one of them is no passphrase.
NOT_PASSPHRASE_WORDS: frozenset[str] = frozenset(
    {
        "i", "me", "my", "mine", "it", "its", "is", "was", "are", "be", "been", "being", "am", "not", "no",
        "the", "a", "an", "to", "for", "of", "on", "in", "at", "by", "from", "with", "as", "and", "or",
        "but", "if", "so", "this", "that", "you", "your", "we", "our", "they", "their", "he", "she", "his",
        "her", "can", "cannot", "could", "would", "will", "should", "do", "does", "did", "has", "have",
        "had", "any", "all", "some", "too", "very", "still", "again", "anymore", "never", "always",
        "same", "new", "old", "how", "what", "why", "when", "where", "which", "who", "reset", "forgot",
        "forgotten", "expired", "expires", "locked", "lock", "blocked", "disabled", "working", "work",
        "works", "wrong", "incorrect", "invalid", "accepted", "rejected", "change", "changed", "help",
        "please", "link", "email", "need", "needs", "want", "get", "got", "keep", "keeps", "problem",
        "issue", "error", "recovery", "recover", "login", "log", "sign", "account", "portal", "website",
        "site", "page", "missing", "required", "requirements", "characters", "character", "letters",
        "digits", "numbers", "symbols", "long", "short", "strong", "weak", "hint", "something", "else",
        "there", "here", "now", "then", "just", "only", "also", "yet", "because", "since", "until",
    }
)  # fmt: skip
# a passphrase's words run to the end of the clause: punctuation, or a word that joins clauses
_CLAUSE_WORDS = r"(?i:and|but|or|so|because|please|thanks|thank)\b"
_PASSPHRASE_WORD = rf"(?!{_CLAUSE_WORDS})[A-Za-z][A-Za-z'’-]*"
_PASSPHRASE = re.compile(
    rf"{label_pattern(SECRET_LABELS)}(?P<quote>[{_QUOTES}])?"
    rf"(?P<value>{_PASSPHRASE_WORD}(?:[ \t]+{_PASSPHRASE_WORD})+)"
    rf"(?=[ \t]*(?:[.,;:!?\n\"”’)]|$)|[ \t]+{_CLAUSE_WORDS})"
)
_SECRET_BEFORE = re.compile(
    rf"(?<![^\s{_QUOTES}])(?P<value>[^\s{_QUOTES}]+)[{_QUOTES}]?[ \t]+(?i:is|was|=)[ \t]+"
    rf"(?i:my|our|the|his|her|their)[ \t]+(?i:{'|'.join(SECRET_LABELS)})\b"
)
_LATER_IN_SENTENCE = re.compile(rf"[^.?!\n]*?(?:=[ \t]*|:[ \t]+){_SECRET_VALUE}")
_SENTENCE_END = re.compile(r"[.?!](?:\s|$)|\n")


def _passphrase(match: re.Match[str]) -> bool:
    """Words after a secret's label that are a passphrase (see the module's note)."""
    words = match.group("value").split()
    letters = sum(char.isalpha() for char in match.group("value"))
    return letters >= MIN_PASSPHRASE_LETTERS and not any(
        word.lower().strip("'’-") in NOT_PASSPHRASE_WORDS for word in words
    )


def _later_in_sentence(text: str, label: re.Match[str]) -> tuple[int, int] | None:
    """A secret after a colon or "=" later in the label's sentence ("… plus 85: Rex85")."""
    end = _SENTENCE_END.search(text, label.end())
    later = _LATER_IN_SENTENCE.match(text, label.end(), end.start() if end else len(text))
    if later is None:
        return None
    word = later.group("value").rstrip(_SENTENCE_PUNCTUATION)
    return later.span("value") if is_secret(word) and _LETTER.search(word) else None


_ANSWER = re.compile(rf"{label_pattern(ANSWER_LABELS)}{_SECRET_VALUE}")
_USERNAME = re.compile(rf"{label_pattern(USERNAME_LABELS)}{_SECRET_VALUE}")


def _an_answer(match: re.Match[str]) -> bool:
    """After a security answer's label: a word that does not describe the answer."""
    word = match.group("value").rstrip(_SENTENCE_PUNCTUATION)
    return bool(word) and word.lower().strip("'’-") not in NOT_PASSPHRASE_WORDS and word[0].isalnum()


def _a_username(match: re.Match[str]) -> bool:
    """After a username's label: a login name (see `USERNAME_LABELS`)."""
    word = match.group("value").rstrip(_SENTENCE_PUNCTUATION)
    if not word or not word[0].isalnum() or word.lower() in NOT_PASSPHRASE_WORDS:
        return False
    if _HANDLE.search(word) and _LETTER.search(word):
        return True
    label = match.group().lower()
    return (
        bool(match.group("owner") or match.group("connect"))
        and not label.lstrip().startswith(("login", "my login", "the login"))
        and word.isalpha()
        and word.lower() not in NOT_USERNAME_WORDS
    )


# words after "my username is" that describe it rather than being one
NOT_USERNAME_WORDS: frozenset[str] = frozenset(
    {"taken", "unavailable", "available", "broken", "case", "sensitive", "correct", "right", "fine", "ok"}
)


def labelled_secrets(text: str) -> list[tuple[int, int]]:
    """(start, end) of each secret (password, PIN, one-time code) written after its label, or around
    it (see the module's note)."""
    if _ANY_SECRET_LABEL.search(text) is None:
        return []
    found = [match.span("value") for match in _PASSPHRASE.finditer(text) if _passphrase(match)]
    found += [
        match.span("value") for match in _SECRET_BEFORE.finditer(text) if is_secret(match.group("value"))
    ]
    found += [match.span("value") for match in _SECRET.finditer(text) if _names_a_secret(match)]
    found += [
        match.span("value") for match in _AMBIGUOUS_SECRET.finditer(text) if _names_a_password(text, match)
    ]
    found += [
        span
        for label in _SECRET.finditer(text)
        if not _names_a_secret(label) and (span := _later_in_sentence(text, label)) is not None
    ]
    found += [match.span("value") for match in _ANSWER.finditer(text) if _an_answer(match)]
    found += [match.span("value") for match in _USERNAME.finditer(text) if _a_username(match)]
    kept: list[tuple[int, int]] = []
    for start, end in found:  # the first found of those that overlap
        if not any(start < other_end and other_start < end for other_start, other_end in kept):
            kept.append((start, end))
    return sorted(kept)
