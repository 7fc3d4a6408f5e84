"""The presidio recognizers behind `PiiDetector`, and the analyzer that runs them.

| entity | how | needs a context word |
|---|---|---|
| EMAIL_ADDRESS | presidio's regex; domain checked against tldextract's *bundled* suffix list | no |
| PHONE_NUMBER | `phonenumbers` matcher + shape rules (below) | only for weak shapes |
| CREDIT_CARD | presidio's regex + Luhn | no |
| US_SSN | presidio's patterns and rules; area 900-999 is never an SSN | only for bare digits |
| IBAN_CODE | presidio's regex + MOD 97 + per-country BBAN format | no |
| IP_ADDRESS | presidio's IPv4/IPv6 regexes + `ipaddress` | no |
| CN_RESIDENT_ID | 18 chars; province, real birth date, ISO 7064 MOD 11-2 check character | no |
| PASSPORT | 1-2 letters + 6-9 digits, or 9 digits | always ("passport") |

Context words are matched as whole words within 5 words before or 3 after a match (stop words not
counted), using the tokens of `TokenizingNlpEngine` and presidio's `LemmaContextAwareEnhancer`. A
weak match (score 0.1) becomes 0.45 with one, above the detector's threshold of 0.4. The SSN
recognizer also looks for the two-word phrase "social security" itself (presidio matches single
words only).

Phone numbers. A resident writes a number the way they were taught, so we accept:
- anything written with a leading "+" that `phonenumbers` finds possible (international format);
- North American grouped numbers, "(555) 014-2233", "212-555-0187", "415.555.2671", "+1 ..." or
  "1-800-...", without checking the area code, since fictional 555 numbers are written the same way;
- UK national numbers starting with 0 that `phonenumbers` calls valid ("020 7946 0958");
- and, only next to a word like "call" or "phone", a seven-digit local number "555-0142" or ten bare
  digits. Without that word "permit 555-0142" or "order 4155550000" stay unmasked. "number" alone is
  not a phone context word: "order number", "case number" are too common in a city's inbox.

This module imports presidio, so it is imported only from `PiiDetector.warm_up()`.
"""

from __future__ import annotations

import re
from typing import Any

import phonenumbers
import tldextract
from phonenumbers import Leniency
from presidio_analyzer import (
    AnalysisExplanation,
    AnalyzerEngine,
    EntityRecognizer,
    LemmaContextAwareEnhancer,
    LocalRecognizer,
    Pattern,
    PatternRecognizer,
    RecognizerRegistry,
    RecognizerResult,
)
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    IpRecognizer,
    UsSsnRecognizer,
)

from bot.privacy.checksums import is_valid_cn_resident_id
from bot.privacy.detection import PiiEntity
from bot.privacy.nlp_engine import TokenizingNlpEngine

WEAK_SCORE = 0.1
CONTEXT_BOOST = 0.35
MIN_SCORE_WITH_CONTEXT = 0.4
_FLAGS = re.DOTALL | re.MULTILINE | re.IGNORECASE


class OfflineEmailRecognizer(EmailRecognizer):  # type: ignore[misc]  # presidio is untyped
    """Presidio's email recognizer, but its domain check never fetches the public-suffix list.

    Presidio calls `tldextract.extract`, which downloads the list on first use; this uses the
    snapshot shipped inside tldextract and keeps no on-disk cache.
    """

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(supported_language=supported_language)
        self._extract = tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)

    def validate_result(self, pattern_text: str) -> bool:
        return self._extract(pattern_text).fqdn != ""


class StrictUsSsnRecognizer(UsSsnRecognizer):  # type: ignore[misc]
    """Presidio's SSN patterns and rules, with two changes.

    - Numbers starting with 9 are ITINs, never SSNs.
    - Context is the word "ssn"/"ssns" or the phrase "social security". Presidio also counts
      "social" and "security" on their own, but those are everyday words in a city's inbox
      ("social services", "security deposit") and would lift any nine-digit number nearby.
    """

    _PHRASE = re.compile(r"\bsocial[\s-]+security\b", re.IGNORECASE)
    _WINDOW = (60, 40)  # characters before and after a match searched for the phrase

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(context=["ssn", "ssns"], supported_language=supported_language)

    def invalidate_result(self, pattern_text: str) -> bool:
        digits = "".join(char for char in pattern_text if char.isdigit())
        return bool(super().invalidate_result(pattern_text)) or digits.startswith("9")

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
            global_regex_flags=_FLAGS,
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
            global_regex_flags=_FLAGS,
        )


class PhoneRecognizer(LocalRecognizer):  # type: ignore[misc]
    """Phone numbers found by `phonenumbers`, kept or weakened by how they are written."""

    STRONG_SCORE = 0.6
    CONTEXT = (
        "phone", "phones", "telephone", "tel", "mobile", "cell", "cellphone", "landline", "fax",
        "call", "calling", "called", "text", "texting", "sms", "whatsapp", "reach", "contact",
        "ring",
    )  # fmt: skip
    _NANP = re.compile(r"(?:\+?1[ .-]?)?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}")
    _WEAK = re.compile(r"\d{3}[ .-]\d{4}|1?\d{10}")

    def __init__(self, supported_language: str = "en", national_regions: tuple[str, ...] = ("GB",)) -> None:
        super().__init__(
            supported_entities=[PiiEntity.PHONE_NUMBER.value],
            supported_language=supported_language,
            context=list(self.CONTEXT),
        )
        self._national_regions = national_regions

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        found: dict[tuple[int, int], float] = {}
        for match in phonenumbers.PhoneNumberMatcher(text, "US", leniency=Leniency.POSSIBLE):
            score = self._score(match.raw_string)
            if score is not None:
                found[(match.start, match.end)] = score
        for region in self._national_regions:
            for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=Leniency.VALID):
                if match.raw_string.startswith("0"):
                    found.setdefault((match.start, match.end), self.STRONG_SCORE)
        results = [self._result(start, end, score) for (start, end), score in found.items()]
        return list(EntityRecognizer.remove_duplicates(results))

    def _score(self, raw: str) -> float | None:
        if raw.startswith("+") or self._NANP.fullmatch(raw):
            return self.STRONG_SCORE
        if self._WEAK.fullmatch(raw):
            return WEAK_SCORE
        return None

    def _result(self, start: int, end: int, score: float) -> Any:
        explanation = AnalysisExplanation(
            recognizer=self.name,
            original_score=score,
            textual_explanation="phone number found by phonenumbers",
        )
        return RecognizerResult(
            entity_type=PiiEntity.PHONE_NUMBER.value,
            start=start,
            end=end,
            score=score,
            analysis_explanation=explanation,
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            },
        )


def build_recognizers(language: str = "en") -> list[Any]:
    """One recognizer per entity type in `PiiEntity`."""
    return [
        OfflineEmailRecognizer(supported_language=language),
        PhoneRecognizer(supported_language=language),
        CreditCardRecognizer(supported_language=language),
        StrictUsSsnRecognizer(supported_language=language),
        IbanRecognizer(supported_language=language),
        IpRecognizer(supported_language=language),
        CnResidentIdRecognizer(supported_language=language),
        PassportRecognizer(supported_language=language),
    ]


def build_analyzer(language: str = "en") -> AnalyzerEngine:
    """An `AnalyzerEngine` over our recognizers and the model-free tokenizer; loads no model."""
    registry = RecognizerRegistry(recognizers=build_recognizers(language), supported_languages=[language])
    enhancer = LemmaContextAwareEnhancer(
        context_similarity_factor=CONTEXT_BOOST,
        min_score_with_context_similarity=MIN_SCORE_WITH_CONTEXT,
        context_prefix_count=5,
        context_suffix_count=3,
        context_matching_mode="whole_word",
    )
    return AnalyzerEngine(
        registry=registry,
        nlp_engine=TokenizingNlpEngine([language]),
        supported_languages=[language],
        context_aware_enhancer=enhancer,
    )
