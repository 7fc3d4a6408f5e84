"""Credentials pasted into a message (a bearer token, a JSON web token, an API key): a SECRET
wherever they are, no label needed (`bot.privacy.credentials`)."""

from __future__ import annotations

from typing import Any

from presidio_analyzer import LocalRecognizer

from bot.privacy.credentials import credentials
from bot.privacy.credentials import warm_up as load_patterns
from bot.privacy.detection import PiiEntity
from bot.privacy.recognizers.common import STRONG_SCORE, span_result


class CredentialRecognizer(LocalRecognizer):  # type: ignore[misc]  # presidio is untyped
    """Tokens and keys by their own formats, and credential-shaped words after a credential's label."""

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=[PiiEntity.SECRET.value],
            supported_language=supported_language,
            name=type(self).__name__,
        )

    def load(self) -> None:
        """detect-secrets' patterns (imported here, at the detector's warm-up)."""
        load_patterns()

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        if PiiEntity.SECRET.value not in entities:
            return []
        return [
            span_result(self, PiiEntity.SECRET.value, start, end, STRONG_SCORE, "credential")
            for start, end in credentials(text)
        ]
