"""Dates of birth: a date next to a word that says it is one ("born", "birth", "DOB", "birthday"; or
"nacimiento", "naissance", "né", "geboren", "nascita", "nascimento", "geboortedatum").

A date of birth identifies a resident; any other date ("the deadline is 2026-3-3", "collection on
March 3") is not personal data and stays. The date may be written

- in digits: "12/03/1985", "03\\03\\1985", "3/3/'85", "1987-06-14" (also with a time after it:
  "1985-03-03T00:00:00Z"), "1985/3/3" (a year first, then one or two digits each), "1985 03 03" or
  "03 03 1985" (spaces, with a four-digit year), eight digits ("03121985"), "1985年3月3日";
- with the month in Roman numerals: "3.III.1985", "3 III 1985";
- with a month's name in English or in the languages of the default phone regions (`MONTH_NAMES`:
  Spanish, French, German, Italian, Dutch, Portuguese): "12 March 1950", "12-Mar-1985", "January 29,
  1999", "3 marzo 1985", "3 de marzo de 1985", "3. März 1985", in any order of day, month and year
  ("born in 1985 on March 3", "March 1985, the 3rd": a day after the year needs "st"/"nd"/"rd"/"th");
- in words: "the third of March nineteen eighty five", "the 3rd day of March in the year 1985"
  (`bot.privacy.number_words`).

A month and a year with no day ("born in March 1985") are not taken. A day and a month with no year
are taken right after a label that names a date of birth ("my birthday is 3 march", "DOB: March 3";
not "my birthday party is on March 3"), and then a year of birth in the same message too ("…, I was
born in 1985").
"""

from __future__ import annotations

import re
from typing import Any

from presidio_analyzer import Pattern

from bot.privacy.detection import PiiEntity
from bot.privacy.number_words import ORDINAL_DAY_WORDS, YEAR_WORDS
from bot.privacy.recognizers.common import (
    STRONG_SCORE,
    WEAK_SCORE,
    PhraseContext,
    ShapeRecognizer,
    span_result,
)

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
# a year that starts a date: four digits or words, or two digits after an apostrophe ("in '85 on …")
_YEAR_FIRST = rf"(?:\b{_YEAR4}|(?<!\w)['’]\d{{2}})"
# a month in Roman numerals, in capitals ("3.III.1985")
_ROMAN_MONTH = r"(?-i:XII|XI|X|IX|VIII|VII|VI|V|IV|III|II|I)"
# between a day, a month's name and a year: spaces, a comma, a dash, a slash or a dot ("12-Mar-1985",
# "12 Mar 85"), and the little words of a spoken date ("the 3rd of March", "3 de marzo de 1985",
# "in 1985 on March 3")
_JOIN = r"(?:,?\s+|\s*[-/.]\s*)(?:(?:of|de|del|in|on|the|le|am|el|il|day|month|year)\s+)*"
_THE = r"(?:the\s+)?"
# eight digits that are a date: DDMMYYYY, MMDDYYYY or YYYYMMDD ("03121985")
_DD = r"(?:0[1-9]|[12]\d|3[01])"
_MM = r"(?:0[1-9]|1[0-2])"
_M = r"(?:0?[1-9]|1[0-2])"
_COMPACT_DATE = rf"(?:{_DD}{_MM}|{_MM}{_DD})(?:19|20)\d{{2}}|(?:19|20)\d{{2}}{_MM}{_DD}"
# where a date starts and ends: not inside a word or a longer number; a full stop after it ends the
# sentence ("I was born 12/03/1985.")
_DATE_START = r"(?<![\w/.\\-])"
_DATE_END = r"(?![\w/\\-]|\.\w)"
_NUMERIC_SEPARATOR = r"[-/.\\]"  # "12/03/1985", "03\03\1985"
# a time after an ISO date: "1985-03-03T00:00:00Z"
_TIME = r"(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
# a date in spaced digits is not the middle of a longer run of them (a phone number)
_SPACED_START = r"(?<![\w/.-])(?<!\d[ \t])"
_SPACED_END = r"(?![\w/-]|\.\w|[ \t]+\d)"


class DateOfBirthRecognizer(PhraseContext, ShapeRecognizer):
    """A date next to a word that says it is a date of birth (see the module's note)."""

    # phrases and abbreviations presidio's whole words miss: "D.O.B.", "b-day", "bday", "b'day", "geb."
    # (German "geboren"), "b." or "né(e)" right before a date ("b. 1985-03-03")
    PHRASE = re.compile(
        r"(?<!\w)d\.?\s?o\.?\s?b\b|\bb[-'’]?day\b|\bgeb\.|(?<![\w.])b\.[ \t]*(?=\d)",
        re.IGNORECASE,
    )

    PATTERNS = (
        Pattern(
            "numeric date (weak)",
            rf"{_DATE_START}\d{{1,4}}{_NUMERIC_SEPARATOR}\d{{1,2}}{_NUMERIC_SEPARATOR}['’]?\d{{2,4}}{_DATE_END}",
            WEAK_SCORE,
        ),
        Pattern(
            "year first, one-digit month or day (weak)",
            rf"{_DATE_START}(?:19|20)\d{{2}}({_NUMERIC_SEPARATOR})\d{{1,2}}\1\d{{1,2}}{_TIME}{_DATE_END}",
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
            rf"{_YEAR_FIRST}{_JOIN}(?:{_MONTH}{_JOIN}{_DAY}|{_DAY}{_JOIN}{_MONTH})\b",
            WEAK_SCORE,
        ),
        Pattern(
            "Roman month (weak)",
            rf"\b{_DAY_NUMBER}(?:\.[ \t]?|[ \t]+|[ \t]*[-/][ \t]*){_ROMAN_MONTH}"
            rf"(?:\.[ \t]?|[ \t]+|[ \t]*[-/][ \t]*){_YEAR}\b",
            WEAK_SCORE,
        ),
        Pattern(
            "year, month, day in CJK characters (weak)",
            r"(?<!\d)(?:19|20)\d{2}[ \t]*[年년][ \t]*\d{1,2}[ \t]*[月월][ \t]*\d{1,2}(?:[ \t]*[日일])?",
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

    # Right after a label that names a date of birth, a day and a month are a birthday, with no year
    # ("my birthday is 3 march", "DOB: March 3"; not "my birthday party is on March 3", nor after "born":
    # "born November 30" may be anyone's).
    BIRTH_LABEL = re.compile(
        r"\b(?:birthday|birth[ \t]*date|date[ \t]+of[ \t]+birth|d\.?[ \t]?o\.?[ \t]?b\.?)"
        r"(?:[ \t]*(?:is|was|on|:|-|=)(?![\w]))*[ \t]*",
        re.IGNORECASE,
    )
    DAY_AND_MONTH = re.compile(
        rf"(?:{_THE}{_DAY}{_JOIN}{_MONTH}|{_MONTH}{_JOIN}{_THE}{_DAY})(?![\w'’])",
        re.IGNORECASE,
    )
    # then a year of birth: "…, I was born in 1985", "year of birth: 1985"
    YEAR_OF_BIRTH = re.compile(
        rf"\b(?:born[ \t]+in|year[ \t]+of[ \t]+birth[ \t]*(?:is|was|:|-)?)[ \t]*(?P<year>{_YEAR_FIRST})\b",
        re.IGNORECASE,
    )

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: Any = None, regex_flags: int | None = None
    ) -> list[Any]:
        results = list(super().analyze(text, entities, nlp_artifacts, regex_flags) or [])
        if self.ENTITY.value not in entities:
            return results
        birthdays = [
            day.span()
            for label in self.BIRTH_LABEL.finditer(text)
            if (day := self.DAY_AND_MONTH.match(text, label.end())) is not None
        ]
        if birthdays:
            birthdays += [year.span("year") for year in self.YEAR_OF_BIRTH.finditer(text)]
        results += [
            span_result(self, self.ENTITY.value, start, end, STRONG_SCORE, "birthday after its label")
            for start, end in birthdays
            if not any(found.start < end and start < found.end for found in results)  # a whole date
        ]
        return results
