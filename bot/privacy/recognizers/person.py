"""Names that the message introduces, for presidio: the patterns are in `bot.privacy.names`."""

from __future__ import annotations

from typing import Any

from presidio_analyzer import LocalRecognizer

from bot.privacy.detection import PiiEntity
from bot.privacy.names import introduced_names
from bot.privacy.recognizers.common import STRONG_SCORE, span_result


class NameRecognizer(LocalRecognizer):  # type: ignore[misc]  # presidio is untyped
    """Names that the message introduces (see `bot.privacy.names`)."""

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=[PiiEntity.PERSON.value],
            supported_language=supported_language,
            name="NameRecognizer",
        )

    def load(self) -> None:
        """Nothing to load: patterns only."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        if PiiEntity.PERSON.value not in entities:
            return []
        return [
            span_result(self, PiiEntity.PERSON.value, start, end, STRONG_SCORE, "introduced")
            for start, end in introduced_names(text)
        ]
