"""PII detection: text in, non-overlapping `PiiSpan`s out ("detect, then transform").

`PiiDetector` wraps a presidio `AnalyzerEngine` that runs fully offline: a regex tokenizer stands
in for the spaCy pipeline (see `bot.privacy.nlp_engine`) and every recognizer is a pattern, a
checksum or `phonenumbers` (see `bot.privacy.recognizers`). Presidio is heavy to import (it pulls
in spaCy and transformers), so nothing here touches it until `warm_up()`.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from bot.privacy.errors import DetectorNotReadyError

if TYPE_CHECKING:
    from presidio_analyzer import AnalyzerEngine


class PiiEntity(StrEnum):
    """The entity types we detect. Values are presidio's names where presidio has one."""

    EMAIL_ADDRESS = "EMAIL_ADDRESS"
    PHONE_NUMBER = "PHONE_NUMBER"
    CREDIT_CARD = "CREDIT_CARD"
    US_SSN = "US_SSN"
    IBAN_CODE = "IBAN_CODE"
    IP_ADDRESS = "IP_ADDRESS"
    CN_RESIDENT_ID = "CN_RESIDENT_ID"
    PASSPORT = "PASSPORT"


SUPPORTED_ENTITIES: tuple[str, ...] = tuple(entity.value for entity in PiiEntity)


@dataclass(frozen=True, slots=True)
class PiiSpan:
    """One detected entity: `text[start:end]` is of type `entity_type`, with confidence `score`."""

    entity_type: str
    start: int
    end: int
    score: float


class PiiDetector:
    """Finds PII in short texts (chat messages, queries) with presidio, offline and model-free.

    `score_threshold` drops weak matches; matches that need a context word (passport numbers, local
    seven-digit phone numbers, bare nine-digit SSNs) reach it only when one is nearby.
    """

    def __init__(
        self,
        *,
        language: str = "en",
        score_threshold: float = 0.4,
        entities: tuple[str, ...] = SUPPORTED_ENTITIES,
    ) -> None:
        self._language = language
        self._score_threshold = score_threshold
        self._entities = list(entities)
        self._analyzer: AnalyzerEngine | None = None
        self._lock = threading.Lock()

    @property
    def is_ready(self) -> bool:
        return self._analyzer is not None

    def warm_up(self) -> None:
        """Build the analyzer (imports presidio, compiles patterns). Idempotent and thread-safe."""
        with self._lock:
            if self._analyzer is not None:
                return
            from bot.privacy.recognizers import build_analyzer

            analyzer = build_analyzer(self._language)
            # One pass loads what recognizers load lazily (the public-suffix snapshot for emails).
            analyzer.analyze("warm-up: a@example.com", language=self._language)
            self._analyzer = analyzer

    def detect(self, text: str) -> list[PiiSpan]:
        """Spans of PII in `text`, sorted by start and never overlapping."""
        if self._analyzer is None:
            raise DetectorNotReadyError("The PII detector is not ready: call warm_up() first.")
        if not text.strip() or not _may_hold_pii(text):
            return []
        results = self._analyzer.analyze(
            text,
            language=self._language,
            entities=self._entities,
            score_threshold=self._score_threshold,
        )
        spans = [
            PiiSpan(str(result.entity_type), int(result.start), int(result.end), float(result.score))
            for result in results
        ]
        return resolve_overlaps(spans)


# two colons around hexadecimal groups: every IPv6 address has them, even one written without digits
_IPV6_SHAPE = re.compile(r"[0-9a-f]{0,4}:[0-9a-f]{0,4}:", re.IGNORECASE)


def _may_hold_pii(text: str) -> bool:
    """Every entity type we detect has a digit (phones, cards, SSNs, IBANs, IPs, IDs, passports), an
    `@` (emails) or an IPv6 shape in it: a message with none of these skips the analyzer (most
    questions, at a fraction of the cost)."""
    return "@" in text or any(ch.isdigit() for ch in text) or _IPV6_SHAPE.search(text) is not None


def resolve_overlaps(spans: list[PiiSpan]) -> list[PiiSpan]:
    """Keep the best of overlapping spans (higher score, longer, earlier), sorted by start."""
    ranked = sorted(spans, key=lambda span: (-span.score, span.start - span.end, span.start))
    kept: list[PiiSpan] = []
    for span in ranked:
        if all(span.end <= other.start or other.end <= span.start for other in kept):
            kept.append(span)
    return sorted(kept, key=lambda span: span.start)
