"""Identity numbers: US social security numbers, PRC resident IDs, passports."""

from __future__ import annotations

import re
from typing import Any

from presidio_analyzer import Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.predefined_recognizers import UsSsnRecognizer

from bot.privacy.checksums import is_valid_cn_resident_id
from bot.privacy.detection import PiiEntity
from bot.privacy.recognizers.common import (
    CONTEXT_BOOST,
    FLAGS,
    MIN_SCORE_WITH_CONTEXT,
    SEPARATOR,
    WEAK_SCORE,
)

_NOT_BEFORE = r"(?<![\w+])(?<!\d[-./])"  # not inside a word or a longer number
_NOT_AFTER = r"(?![\w]|[-./]\d)"
_GROUP_SEPARATOR = re.compile(r"\D+")


class StrictUsSsnRecognizer(UsSsnRecognizer):  # type: ignore[misc]
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
    _PHRASE = re.compile(r"\bsocial[\s-]+security\b", re.IGNORECASE)
    _WINDOW = (60, 40)  # characters before and after a match searched for the phrase

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            patterns=list(self.PATTERNS), context=["ssn", "ssns"], supported_language=supported_language
        )

    def invalidate_result(self, pattern_text: str) -> bool:
        separators = {gap.strip() or " " for gap in _GROUP_SEPARATOR.findall(pattern_text)}
        digits = "".join(char for char in pattern_text if char.isdigit())
        return len(separators) > 1 or bool(super().invalidate_result(digits)) or digits.startswith("9")

    def enhance_using_context(
        self,
        text: str,
        raw_recognizer_results: list[Any],
        other_raw_recognizer_results: list[Any],
        nlp_artifacts: Any,
        context: list[str] | None = None,
    ) -> list[Any]:
        before, after = self._WINDOW
        for result in raw_recognizer_results:
            if self._PHRASE.search(text[max(0, result.start - before) : result.end + after]):
                result.score = min(1.0, max(result.score + CONTEXT_BOOST, MIN_SCORE_WITH_CONTEXT))
                result.recognition_metadata[RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY] = True
        return raw_recognizer_results


class CnResidentIdRecognizer(PatternRecognizer):  # type: ignore[misc]
    """18-character PRC resident identity numbers whose check character is right."""

    PATTERNS = (
        Pattern(
            "PRC resident ID",
            r"(?<![0-9A-Za-z])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
            r"\d{3}[0-9X](?![0-9A-Za-z])",
            0.3,
        ),
    )

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity=PiiEntity.CN_RESIDENT_ID.value,
            supported_language=supported_language,
            patterns=list(self.PATTERNS),
            context=["resident", "identity", "id", "chinese", "china", "prc"],
            global_regex_flags=FLAGS,
        )

    def validate_result(self, pattern_text: str) -> bool:
        return is_valid_cn_resident_id(pattern_text)


class PassportRecognizer(PatternRecognizer):  # type: ignore[misc]
    """Passport-like numbers, which only pass the threshold next to the word "passport"."""

    PATTERNS = (
        Pattern("letters then digits (weak)", r"(?<![\w-])[A-Z]{1,2}\d{6,9}(?![\w-])", WEAK_SCORE),
        Pattern("nine digits (weak)", r"(?<![\w-])\d{9}(?![\w-])", WEAK_SCORE),
    )

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity=PiiEntity.PASSPORT.value,
            supported_language=supported_language,
            patterns=list(self.PATTERNS),
            context=["passport", "passports", "pasport"],
            global_regex_flags=FLAGS,
        )
