"""Dates of birth: a date next to a word that says it is one ("born", "birth", "DOB", "birthday"; or
"nacimiento", "naissance", "né", "geboren", "nascita", "nascimento", "geboortedatum").

A date of birth identifies a resident; any other date ("the deadline is 2026-3-3", "collection on
March 3") is not personal data and stays. The date may be written

- in digits: "12/03/1985", "1987-06-14", "1985/3/3" (a year first, then one or two digits each),
  "1985 03 03" or "03 03 1985" (spaces, with a four-digit year), eight digits ("03121985");
- with a month's name in English or in the languages of the default phone regions (`MONTH_NAMES`:
  Spanish, French, German, Italian, Dutch, Portuguese): "12 March 1950", "12-Mar-1985", "January 29,
  1999", "3 marzo 1985", "3 de marzo de 1985", "3. März 1985", in any order of day, month and year
  ("born in 1985 on March 3", "March 1985, the 3rd": a day after the year needs "st"/"nd"/"rd"/"th");
- in words: "the third of March nineteen eighty five" (`bot.privacy.number_words`).

A month and a year with no day ("born in March 1985") are not taken.
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern

from bot.privacy.detection import PiiEntity
from bot.privacy.number_words import ORDINAL_DAY_WORDS, YEAR_WORDS
from bot.privacy.recognizers.common import WEAK_SCORE, PhraseContext, ShapeRecognizer

# Month names, English first, then Spanish, French, German, Italian, Dutch, Portuguese (the same
# word once). Matched in any case; accented letters may be written without their accent.
MONTH_NAMES: tuple[tuple[str, ...], ...] = (
    ("jan(?:uary)?", "enero", "janvier", "januar", "j[äa]nner", "gennaio", "januari", "janeiro"),
    ("feb(?:ruary)?", "febrero", "f[ée]vrier", "februar", "febbraio", "februari", "fevereiro"),
    ("mar(?:ch)?", "marzo", "mars", "m[äa]rz", "maerz", "maart", "mar[çc]o"),
    ("apr(?:il)?", "abril", "avril", "aprile"),
    ("may", "mayo", "mai", "maggio", "mei", "maio"),
    ("june?", "junio", "juin", "juni", "giugno", "junho"),
    ("july?", "julio", "juillet", "juli", "luglio", "julho"),
    ("aug(?:ust)?", "agosto", "ao[ûu]t", "augustus"),
    ("sep(?:t(?:ember)?)?", "septiembre", "setiembre", "septembre", "settembre", "setembro"),
    ("oct(?:ober)?", "octubre", "octobre", "oktober", "ottobre", "outubro"),
    ("nov(?:ember)?", "noviembre", "novembre", "novembro"),
    ("dec(?:ember)?", "diciembre", "d[ée]cembre", "dezember", "dicembre", "dezembro"),
)
_MONTH = rf"(?:{'|'.join(name for names in MONTH_NAMES for name in names)})\.?"
_DAY_NUMBER = r"(?:0?[1-9]|[12]\d|3[01])"
_DAY = rf"(?:{_DAY_NUMBER}(?:st|nd|rd|th|er|o|°|\.)?|{ORDINAL_DAY_WORDS})"  # "3", "3rd", "1er", "3."
_ORDINAL_DAY = rf"(?:{_DAY_NUMBER}(?:st|nd|rd|th)|{ORDINAL_DAY_WORDS})"
_YEAR4 = rf"(?:(?:19|20)\d{{2}}|{YEAR_WORDS})"
_YEAR = rf"(?:{_YEAR4}|['’]?\d{{2}})"  # "1985", "85", "'85", "nineteen eighty five"
# between a day, a month's name and a year: spaces, a comma, a dash, a slash or a dot ("12-Mar-1985",
# "12 Mar 85"), and the little words of a spoken date ("the 3rd of March", "3 de marzo de 1985",
# "in 1985 on March 3")
_JOIN = r"(?:,?\s+|\s*[-/.]\s*)(?:(?:of|de|del|in|on|the|le|am|el|il)\s+)*"
_THE = r"(?:the\s+)?"
# eight digits that are a date: DDMMYYYY, MMDDYYYY or YYYYMMDD ("03121985")
_DD = r"(?:0[1-9]|[12]\d|3[01])"
_MM = r"(?:0[1-9]|1[0-2])"
_M = r"(?:0?[1-9]|1[0-2])"
_COMPACT_DATE = rf"(?:{_DD}{_MM}|{_MM}{_DD})(?:19|20)\d{{2}}|(?:19|20)\d{{2}}{_MM}{_DD}"
# where a date starts and ends: not inside a word or a longer number; a full stop after it ends the
# sentence ("I was born 12/03/1985.")
_DATE_START = r"(?<![\w/.-])"
_DATE_END = r"(?![\w/-]|\.\w)"
# a date in spaced digits is not the middle of a longer run of them (a phone number)
_SPACED_START = r"(?<![\w/.-])(?<!\d[ \t])"
_SPACED_END = r"(?![\w/-]|\.\w|[ \t]+\d)"


class DateOfBirthRecognizer(PhraseContext, ShapeRecognizer):
    """A date next to a word that says it is a date of birth (see the module's note)."""

    PHRASE = re.compile(r"(?<!\w)d\.?\s?o\.?\s?b\b", re.IGNORECASE)

    PATTERNS = (
        Pattern(
            "numeric date (weak)",
            rf"{_DATE_START}\d{{1,4}}[-/.]\d{{1,2}}[-/.]\d{{2,4}}{_DATE_END}",
            WEAK_SCORE,
        ),
        Pattern(
            "year first, one-digit month or day (weak)",
            rf"{_DATE_START}(?:19|20)\d{{2}}([-/.])\d{{1,2}}\1\d{{1,2}}{_DATE_END}",
            WEAK_SCORE,
        ),
        Pattern(
            "spaced digits (weak)",
            rf"{_SPACED_START}(?:(?:19|20)\d{{2}}[ \t]+{_M}[ \t]+{_DAY_NUMBER}"
            rf"|{_DAY_NUMBER}[ \t]+{_DAY_NUMBER}[ \t]+(?:19|20)\d{{2}}){_SPACED_END}",
            WEAK_SCORE,
        ),
        Pattern("eight digits (weak)", rf"{_DATE_START}(?:{_COMPACT_DATE}){_DATE_END}", WEAK_SCORE),
        Pattern("day month year (weak)", rf"\b{_THE}{_DAY}{_JOIN}{_MONTH}{_JOIN}{_YEAR}\b", WEAK_SCORE),
        Pattern("month day year (weak)", rf"\b{_MONTH}{_JOIN}{_THE}{_DAY}{_JOIN}{_YEAR}\b", WEAK_SCORE),
        Pattern(
            "year, then month and day (weak)",
            rf"\b{_YEAR4}{_JOIN}(?:{_MONTH}{_JOIN}{_DAY}|{_DAY}{_JOIN}{_MONTH})\b",
            WEAK_SCORE,
        ),
        Pattern("month, year, day (weak)", rf"\b{_MONTH}{_JOIN}{_YEAR4}{_JOIN}{_ORDINAL_DAY}\b", WEAK_SCORE),
    )

    ENTITY = PiiEntity.DATE_OF_BIRTH
    CONTEXT = (
        "born", "birth", "dob", "birthday", "birthdate",
        "nacimiento", "nacido", "nacida", "naissance", "né", "née", "geboren", "geburtsdatum",
        "geburtstag", "nascita", "nato", "nata", "nascimento", "nascido", "nascida", "geboortedatum",
    )  # fmt: skip
