"""What the recognizers share: the score scale, a way to report a span to presidio, the pattern
recognizer that our own patterns are written as, and phrase context."""

from __future__ import annotations

import re
from typing import Any

from presidio_analyzer import (
    AnalysisExplanation,
    EntityRecognizer,
    Pattern,
    PatternRecognizer,
    RecognizerResult,
)

from bot.privacy.detection import PiiEntity

# A weak match passes the detector's threshold (0.4) only with a context word nearby: the enhancer
# adds CONTEXT_BOOST and lifts the score to at least MIN_SCORE_WITH_CONTEXT.
WEAK_SCORE = 0.1
CONTEXT_BOOST = 0.35
MIN_SCORE_WITH_CONTEXT = 0.4
STRONG_SCORE = 0.6
CERTAIN_SCORE = 1.0  # a check digit passed

FLAGS = re.DOTALL | re.MULTILINE | re.IGNORECASE

# Between the groups of a number: a space or two, or one of - . / _ with spaces around it or not.
SEPARATOR = r"(?:[ \t]*[-./_][ \t]*|[ \t]{1,2})"


def span_result(
    recognizer: EntityRecognizer, entity: str, start: int, end: int, score: float, why: str
) -> Any:
    """A `RecognizerResult` that names its recognizer, so that the context enhancer can find its words."""
    return RecognizerResult(
        entity_type=entity,
        start=start,
        end=end,
        score=score,
        analysis_explanation=AnalysisExplanation(
            recognizer=recognizer.name, original_score=score, textual_explanation=why
        ),
        recognition_metadata={
            RecognizerResult.RECOGNIZER_NAME_KEY: recognizer.name,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: recognizer.id,
        },
    )


class PhraseContext:
    """Context that presidio cannot match: it matches single words, not phrases ("social security",
    "date of birth") or dotted abbreviations ("D.O.B."). A match with `PHRASE` within `WINDOW`
    characters (before, after) is enhanced as a context word would enhance it; presidio's enhancer
    then leaves it alone. Mixed into a recognizer class, before the presidio base class."""

    PHRASE: re.Pattern[str]
    WINDOW: tuple[int, int] = (60, 40)

    def enhance_using_context(
        self,
        text: str,
        raw_recognizer_results: list[Any],
        other_raw_recognizer_results: list[Any],
        nlp_artifacts: Any,
        context: list[str] | None = None,
    ) -> list[Any]:
        before, after = self.WINDOW
        for result in raw_recognizer_results:
            if self.PHRASE.search(text[max(0, result.start - before) : result.end + after]):
                result.score = min(1.0, max(result.score + CONTEXT_BOOST, MIN_SCORE_WITH_CONTEXT))
                result.recognition_metadata[RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY] = True
        return raw_recognizer_results


class ShapeRecognizer(PatternRecognizer):  # type: ignore[misc]  # presidio is untyped
    """A presidio pattern recognizer declared by its class: the entity, the patterns, the context
    words and the regex flags (case-insensitive unless a recognizer says otherwise)."""

    ENTITY: PiiEntity
    PATTERNS: tuple[Pattern, ...]
    CONTEXT: tuple[str, ...] = ()
    REGEX_FLAGS: int = FLAGS

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity=self.ENTITY.value,
            supported_language=supported_language,
            patterns=list(self.PATTERNS),
            context=list(self.CONTEXT),
            global_regex_flags=self.REGEX_FLAGS,
        )
