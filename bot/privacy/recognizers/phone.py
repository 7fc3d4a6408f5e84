"""Phone numbers, found by `phonenumbers` in the regions the city configures.

A resident writes a number the way they were taught at home, so the recognizer looks at every run
of digits and phone punctuation in a message (seven digits or more, with an extension if one
follows) and asks `phonenumbers` about it, region by region:

- written internationally, with "+" or an exit code ("00 33 …", "011 44 …"), and possible: strong;
- North American shapes, "(555) 014-2233", "(212)5550199", "212-555-0187", "415 / 555 / 2671", "+1 …",
  "1-800-…", when a +1 region is configured: strong, without checking the area code, since fictional 555
  numbers are written the same way; a seven-digit local number "555-0142" or ten bare digits: weak;
- a national number that `phonenumbers` calls valid for a configured region, written with
  separators, and either starting with that region's trunk prefix ("06 23 35 33 55" in France,
  "030 12345678" in Germany, "090-1234-5678" in Japan) or grouped exactly as that region groups it
  ("612 345 678" in Spain, "(11) 91234-5678" in Brazil, "138 0013 8000" in China): strong;
- the same number written as bare digits ("0623353355") or digit by digit ("0 6 2 3 …"), or grouped
  like a US social security number ("051-59-4398") when that is not how the region groups it: weak;
- anything that reads as a date ("05.10.2023"), which phonenumbers lets through: never;
- written to slip past a filter, weak: digit by digit in North America ("5 5 5 0 1 4 2"), a letter
  for a digit ("555-O142", "555-0l42": an O or o for 0, an l or I for 1, between digits), or read out
  in words ("five five five oh one four two", "five five five 0142", "double four";
  `bot.privacy.number_words`), when the digits are a possible number of a configured region.

Weak matches count only next to a word like "call" or "phone" (see `CONTEXT`), or right after "my
number is" (`_MY_NUMBER`: "my number is 555-0199", "my cell no.: …"). "number" alone is not one:
"order number", "case number" are too common in a city's inbox. Extensions ("ext. 89",
"x1234", "#22") are part of the span. Regions that share a calling code are asked once (US and CA:
+1), and only about runs holding a stretch of digit groups that could be one of its numbers (by
the lengths and the pattern that phonenumbers' metadata gives for all of them).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher
from presidio_analyzer import EntityRecognizer, LocalRecognizer

from bot.privacy.detection import PiiEntity
from bot.privacy.errors import DetectorConfigError
from bot.privacy.number_words import SPOKEN_DIGITS, spoken_digits
from bot.privacy.recognizers.common import SEPARATOR, STRONG_SCORE, WEAK_SCORE, span_result

_EXTENSION = r"(?:[ \t]*,?[ \t]*(?:ext\.?|extn\.?|extension|x|\#)[ \t]*\d{1,7})"
# A run of digits and phone punctuation; it may hold more than one number, phonenumbers splits it.
_RUN = re.compile(rf"(?<![\w+])\+?\(?\d(?:[\d()./\- \t]*\d)?{_EXTENSION}?(?!\w)", re.IGNORECASE)
_TRAILING_EXTENSION = re.compile(rf"{_EXTENSION}$", re.IGNORECASE)
_DIGIT = re.compile(r"\d+")
# "(212) 555-0199", "212-555-0187", and with the area code in brackets the seven digits may be run
# together: "(212)5550199", "(212) 5550199"
_NANP = re.compile(
    rf"(?:\+?1{SEPARATOR}?)?"
    rf"(?:\(\d{{3}}\)[ \t]*\d{{3}}{SEPARATOR}?|\d{{3}}{SEPARATOR}\d{{3}}{SEPARATOR})\d{{4}}"
)
_NANP_WEAK = re.compile(rf"\d{{3}}{SEPARATOR}\d{{4}}|\d{{7}}|1?\d{{10}}")
_SSN_SHAPE = re.compile(rf"\d{{3}}({SEPARATOR})\d{{2}}\1\d{{4}}")  # "051-59-4398": a US SSN's grouping
_SPELLED_OUT = re.compile(r"\d(?:[ \t.-]\d)+")  # "0 6 2 3 3 5 3 3 5 5"
_NO_SEPARATORS = str.maketrans("", "", " \t.-")
# a date: "05.10.2023", "2023-10-05", and in spaces with a four-digit year ("05 10 2023", "2023 10 05")
_DATE = re.compile(
    r"(\d{1,2})[-./](\d{1,2})[-./](?:\d{4}|\d{2})|\d{4}[-./](\d{1,2})[-./](\d{1,2})"
    r"|(\d{1,2})[ \t]+(\d{1,2})[ \t]+(?:19|20)\d{2}|(?:19|20)\d{2}[ \t]+(\d{1,2})[ \t]+(\d{1,2})"
)
# "my number is", "my cell number:", "my phone no." right before a number: the resident's own phone.
_MY_NUMBER = re.compile(
    r"\bmy[ \t]+(?:(?:phone|cell|cellphone|mobile|home|work|telephone|contact)[ \t]+)?"
    r"(?:number|no\.?|\#)[ \t]*(?:is|:|=|-)?[ \t]*$",
    re.IGNORECASE,
)
# A letter for a digit, between digits: "555-O142", "5O5-0142", "555-0l42" (O or o for 0, l or I for 1).
_LOOKALIKE = re.compile(r"(?<=[\d\-. ])[OoIl](?=\d)|(?<=\d)[OoIl](?=[\d\-. ]|$)")
_LETTER = re.compile(r"[A-Za-z]")
_LOOKALIKE_DIGIT = {"O": "0", "o": "0", "I": "1", "l": "1"}
_NANP_CALLING_CODE = 1
MIN_DIGITS = 7
MAX_DIGITS = 17  # 15 for E.164, and a trunk prefix or an exit code


@dataclass(frozen=True)
class _Dialling:
    """What a region dials: its trunk prefix ("0"; "" where there is none), the lengths of its
    national numbers and a pattern every one of them matches (from phonenumbers' metadata)."""

    prefix: str
    lengths: frozenset[int]
    pattern: re.Pattern[str]

    def could_be(self, digits: str) -> bool:
        """Whether `digits`, with or without the trunk prefix, could be a number of the region."""
        if self.prefix and digits.startswith(self.prefix):
            national = digits[len(self.prefix) :]
            if len(national) in self.lengths and self.pattern.fullmatch(national):
                return True
        return len(digits) in self.lengths and self.pattern.fullmatch(digits) is not None


@functools.cache
def _dialling(region: str) -> _Dialling:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    general = metadata.general_desc if metadata else None
    if metadata is None or general is None or general.national_number_pattern is None:
        raise DetectorConfigError(f"phonenumbers has no numbering plan for the region {region}.")
    return _Dialling(
        metadata.national_prefix or "",
        frozenset(general.possible_length),
        re.compile(general.national_number_pattern),
    )


def _digit_spans(run: str) -> set[str]:
    """The digits of every stretch of whole groups in `run` long enough to be a phone number."""
    groups = _DIGIT.findall(_TRAILING_EXTENSION.sub("", run))
    spans = set()
    for first in range(len(groups)):
        digits = ""
        for group in groups[first:]:
            digits += group
            if len(digits) > MAX_DIGITS:
                break
            if len(digits) >= MIN_DIGITS:
                spans.add(digits)
    return spans


class PhoneRecognizer(LocalRecognizer):  # type: ignore[misc]  # presidio is untyped
    """Phone numbers of the configured regions, scored by how they are written (see the module)."""

    CONTEXT = (
        "phone", "phones", "telephone", "tel", "mobile", "cell", "cellphone", "landline", "fax",
        "call", "calling", "called", "text", "texting", "sms", "whatsapp", "reach", "contact",
        "ring", "mob", "extension", "ext", "reachable", "contactable", "dial", "phoned", "texted",
    )  # fmt: skip

    def __init__(self, regions: Sequence[str], supported_language: str = "en") -> None:
        unknown = sorted(set(regions) - phonenumbers.SUPPORTED_REGIONS)
        if unknown or not regions:
            raise DetectorConfigError(
                f"Phone regions must be ISO 3166 codes that phonenumbers knows; not {unknown or 'none'}."
            )
        super().__init__(
            supported_entities=[PiiEntity.PHONE_NUMBER.value],
            supported_language=supported_language,
            context=list(self.CONTEXT),
        )
        by_code: dict[int, str] = {}
        for region in regions:
            by_code.setdefault(phonenumbers.country_code_for_region(region), region)
        self._home = regions[0]
        self._nanp = _NANP_CALLING_CODE in by_code
        self._national = tuple(
            region for code, region in by_code.items() if not (self._nanp and code == _NANP_CALLING_CODE)
        )

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        found: dict[tuple[int, int], float] = {}
        self._score_runs(text, found)
        self._score_disguised(text, found)
        for (start, end), score in found.items():
            if score < STRONG_SCORE and _MY_NUMBER.search(text[max(0, start - 40) : start]):
                found[(start, end)] = STRONG_SCORE
        results = [
            span_result(self, PiiEntity.PHONE_NUMBER.value, start, end, score, "phone number (phonenumbers)")
            for (start, end), score in found.items()
        ]
        return list(EntityRecognizer.remove_duplicates(results))

    def _score_runs(self, text: str, found: dict[tuple[int, int], float]) -> None:
        for run in _RUN.finditer(text):
            if sum(map(len, _DIGIT.findall(run.group()))) >= MIN_DIGITS:
                self._score_run(run.group(), run.start(), found)

    def _score_disguised(self, text: str, found: dict[tuple[int, int], float]) -> None:
        """Numbers written to slip past a filter, weak at best: a letter for a digit ("555-O142"), or
        digits read out in words ("five five five oh one four two")."""
        disguised: dict[tuple[int, int], float] = {}
        if _LOOKALIKE.search(text):
            digitised = _LOOKALIKE.sub(lambda letter: _LOOKALIKE_DIGIT[letter.group()], text)
            changed = [
                index for index, (old, new) in enumerate(zip(text, digitised, strict=True)) if old != new
            ]
            numbers: dict[tuple[int, int], float] = {}
            self._score_runs(digitised, numbers)
            disguised |= {
                span: score
                for span, score in numbers.items()
                if any(span[0] <= index < span[1] for index in changed)
            }
        for spoken in SPOKEN_DIGITS.finditer(text):
            if _LETTER.search(spoken.group()) and self._possible(spoken_digits(spoken.group())):
                disguised[spoken.span()] = WEAK_SCORE
        for span, score in disguised.items():
            found[span] = max(found.get(span, 0.0), min(score, WEAK_SCORE))

    def _possible(self, digits: str) -> bool:
        """Whether bare `digits` could be a phone number of a configured region."""
        if not MIN_DIGITS <= len(digits) <= MAX_DIGITS:
            return False
        if self._nanp and _NANP_WEAK.fullmatch(digits):
            return True
        return any(_dialling(region).could_be(digits) for region in self._national)

    def _score_run(self, run: str, offset: int, found: dict[tuple[int, int], float]) -> None:
        def keep(start: int, end: int, raw: str, score: float | None) -> None:
            key = (offset + start, offset + end)
            if score is not None and score > found.get(key, 0.0) and not _is_date(raw):
                found[key] = score

        if _is_date(run):
            return
        for match in PhoneNumberMatcher(run, self._home, leniency=Leniency.POSSIBLE):
            score = self._international_or_nanp_score(match.raw_string)
            keep(match.start, match.end, match.raw_string, score)
            if score == STRONG_SCORE and match.start == 0 and match.end == len(run):
                return  # the whole run is one number; no national format can do better
        spans = _digit_spans(run)
        dialled_abroad = any(span.startswith(("00", "01")) for span in spans)  # maybe an exit code
        for region in self._national:
            dialling = _dialling(region)
            if not (dialled_abroad or any(dialling.could_be(span) for span in spans)):
                continue  # spares asking phonenumbers about numbers the region cannot have
            for match in PhoneNumberMatcher(run, region, leniency=Leniency.VALID):
                score = self._national_score(match.raw_string, region, dialling.prefix)
                keep(match.start, match.end, match.raw_string, score)

    def _international_or_nanp_score(self, raw: str) -> float | None:
        if raw.startswith("+") or (raw.startswith("0") and _dialled_abroad(raw, self._home)):
            return STRONG_SCORE
        if not self._nanp:
            return None
        number = _TRAILING_EXTENSION.sub("", raw)
        if _NANP.fullmatch(number):
            return STRONG_SCORE
        if _NANP_WEAK.fullmatch(number) or (
            _SPELLED_OUT.fullmatch(number) and _NANP_WEAK.fullmatch(number.translate(_NO_SEPARATORS))
        ):
            return WEAK_SCORE
        return None

    @staticmethod
    def _national_score(raw: str, region: str, prefix: str) -> float | None:
        number = _TRAILING_EXTENSION.sub("", raw)
        if number.isdigit() or _SPELLED_OUT.fullmatch(number):
            return WEAK_SCORE
        ssn_like = _SSN_SHAPE.fullmatch(number) is not None
        if prefix and number.lstrip("(").startswith(prefix) and not ssn_like:
            return STRONG_SCORE
        exact = PhoneNumberMatcher(raw, region, leniency=Leniency.EXACT_GROUPING)
        if any(match.start == 0 and match.end == len(raw) for match in exact):
            return STRONG_SCORE
        return WEAK_SCORE if ssn_like else None


def _is_date(raw: str) -> bool:
    """Whether `raw` reads as a date ("05.10.2023", "2024-03-15", "05 10 2023"): phonenumbers does not
    rule these out."""
    date = _DATE.fullmatch(raw)
    if date is None:
        return False
    first, second = (int(part) for part in (part for part in date.groups() if part is not None))
    low, high = sorted((first, second))
    return 1 <= low <= 12 and high <= 31


def _dialled_abroad(raw: str, region: str) -> bool:
    """Whether `raw` starts with the exit code of `region` ("011" from the US, "00" from Europe)."""
    try:
        number = phonenumbers.parse(raw, region, keep_raw_input=True)
    except phonenumbers.NumberParseException:
        return False
    return number.country_code_source == phonenumbers.CountryCodeSource.FROM_NUMBER_WITH_IDD
