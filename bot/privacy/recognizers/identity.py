"""Identity numbers: US social security numbers, Canadian social insurance numbers, PRC resident IDs,
Italian fiscal codes, passports. (Dates of birth: `birth_date`.)"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern
from presidio_analyzer.predefined_recognizers import (
    CaSinRecognizer,
    ItFiscalCodeRecognizer,
    UsSsnRecognizer,
)

from bot.privacy.checksums import is_valid_cn_resident_id
from bot.privacy.detection import PiiEntity
from bot.privacy.recognizers.common import (
    SEPARATOR,
    STRONG_SCORE,
    WEAK_SCORE,
    PhraseContext,
    ShapeRecognizer,
)

_NOT_BEFORE = r"(?<![\w+])(?<!\d[-./])"  # not inside a word or a longer number
_NOT_AFTER = r"(?![\w]|[-./]\d)"
_GROUP_SEPARATOR = re.compile(r"\D+")


class StrictUsSsnRecognizer(PhraseContext, UsSsnRecognizer):  # type: ignore[misc]
    """SSNs in three groups with any one separator, or nine digits next to "SSN".

    Compared with presidio's recognizer:
    - the separator may be "-", ".", "/", "_", one or two spaces, or any of those with spaces around
      ("536 - 22 - 8726"); both separators must be the same;
    - numbers starting with 9 are ITINs, never SSNs;
    - context is the word "ssn"/"ssns" or the phrase "social security". Presidio also counts
      "social" and "security" on their own, but those are everyday words in a city's inbox
      ("social services", "security deposit") and would lift any nine-digit number nearby.
    """

    PATTERNS = (
        Pattern(
            "three groups",
            rf"{_NOT_BEFORE}\d{{3}}{SEPARATOR}\d{{2}}{SEPARATOR}\d{{4}}{_NOT_AFTER}",
            0.5,
        ),
        Pattern("nine digits (weak)", rf"{_NOT_BEFORE}\d{{9}}{_NOT_AFTER}", WEAK_SCORE),
        Pattern("nine spaced digits (weak)", rf"{_NOT_BEFORE}\d(?:[ \t]\d){{8}}(?![\w]|[ \t]\d)", WEAK_SCORE),
        Pattern("five and four (weak)", rf"{_NOT_BEFORE}\d{{5}}-\d{{4}}{_NOT_AFTER}", WEAK_SCORE),
        Pattern("three and six (weak)", rf"{_NOT_BEFORE}\d{{3}}-\d{{6}}{_NOT_AFTER}", WEAK_SCORE),
    )
    PHRASE = re.compile(r"\bsocial[\s-]+security\b", re.IGNORECASE)

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            patterns=list(self.PATTERNS), context=["ssn", "ssns"], supported_language=supported_language
        )

    def invalidate_result(self, pattern_text: str) -> bool:
        separators = {gap.strip() or " " for gap in _GROUP_SEPARATOR.findall(pattern_text)}
        digits = "".join(char for char in pattern_text if char.isdigit())
        return len(separators) > 1 or bool(super().invalidate_result(digits)) or digits.startswith("9")


class CnResidentIdRecognizer(ShapeRecognizer):
    """18-character PRC resident identity numbers whose check character is right."""

    PATTERNS = (
        Pattern(
            "PRC resident ID",
            r"(?<![0-9A-Za-z])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
            r"\d{3}[0-9X](?![0-9A-Za-z])",
            0.3,
        ),
    )

    ENTITY = PiiEntity.CN_RESIDENT_ID
    CONTEXT = ("resident", "identity", "id", "chinese", "china", "prc")

    def validate_result(self, pattern_text: str) -> bool:
        return is_valid_cn_resident_id(pattern_text)


class PassportRecognizer(ShapeRecognizer):
    """Passport-like numbers, which only pass the threshold next to the word "passport"."""

    PATTERNS = (
        Pattern("letters then digits (weak)", r"(?<![\w-])[A-Z]{1,2}\d{6,9}(?![\w-])", WEAK_SCORE),
        Pattern("nine digits (weak)", r"(?<![\w-])\d{9}(?![\w-])", WEAK_SCORE),
    )

    ENTITY = PiiEntity.PASSPORT
    CONTEXT = ("passport", "passports", "pasport")


class CanadianSinRecognizer(PhraseContext, CaSinRecognizer):  # type: ignore[misc]
    """Presidio's SIN recognizer (nine digits, Luhn), which also hears the phrase "social insurance"."""

    PHRASE = re.compile(r"\bsocial[\s-]+insurance\b", re.IGNORECASE)


class ItalianFiscalCodeRecognizer(ItFiscalCodeRecognizer):  # type: ignore[misc]  # presidio is untyped
    """Presidio's codice fiscale: 16 characters, surname and name letters, the birth year, a month
    letter, the day (plus 40 for women), the place's code and a check character ("RSSMRA85C03H501K"),
    as a `LABELLED_ID` (an identity number that the labelled set has no type of its own for).
    The shape is so particular that it is masked on its own, as a mistyped code (a wrong check
    character) still gives the resident away; a right check character makes it certain. Not inside a
    longer word or number."""

    def __init__(self, supported_language: str = "en") -> None:
        shape = ItFiscalCodeRecognizer.PATTERNS[0].regex.removeprefix("(?i)")
        super().__init__(
            patterns=[Pattern("fiscal code", rf"(?<![A-Za-z0-9]){shape}(?![A-Za-z0-9])", STRONG_SCORE)],
            supported_language=supported_language,
            supported_entity=PiiEntity.LABELLED_ID.value,  # an identity number, masked as [ID_NUMBER]
        )
