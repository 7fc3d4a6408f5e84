"""Masking: replace detected spans with placeholders ("detect, then transform").

`redact(text, spans)` consumes spans from any detector and hands them to presidio-anonymizer's
`AnonymizerEngine` with one `replace` operator per entity type. The placeholder for each type is
data, in `placeholders.yml` next to this module. `Redactor` chains a `PiiDetector` and `redact`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import TYPE_CHECKING

import yaml

from bot.privacy.detection import PiiDetector, PiiSpan
from bot.privacy.errors import InvalidSpanError, MaskingPolicyError

if TYPE_CHECKING:
    from presidio_anonymizer import AnonymizerEngine

PLACEHOLDERS_FILE = "placeholders.yml"
DEFAULT_KEY = "DEFAULT"


@functools.cache
def load_placeholders() -> Mapping[str, str]:
    """The masking policy: entity type -> placeholder, with a `DEFAULT` entry for other types."""
    raw = resources.files("bot.privacy").joinpath(PLACEHOLDERS_FILE).read_text(encoding="utf-8")
    table = yaml.safe_load(raw)
    if not isinstance(table, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in table.items()
    ):
        raise MaskingPolicyError(f"{PLACEHOLDERS_FILE} must map entity types to placeholder strings")
    if DEFAULT_KEY not in table:
        raise MaskingPolicyError(f"{PLACEHOLDERS_FILE} needs a {DEFAULT_KEY} placeholder")
    return MappingProxyType(dict(table))


@functools.cache
def _anonymizer() -> AnonymizerEngine:
    from presidio_anonymizer import AnonymizerEngine

    return AnonymizerEngine()


def redact(text: str, spans: Sequence[PiiSpan]) -> str:
    """`text` with every span replaced by its type's placeholder.

    Spans may come in any order. Overlapping spans are masked as one (with the type of the
    higher-scoring span), so no character covered by any span survives; adjacent spans stay separate
    placeholders. A span outside the text or empty raises `InvalidSpanError`.
    """
    if not spans:
        return text
    for span in spans:
        if not 0 <= span.start < span.end <= len(text):
            raise InvalidSpanError(
                f"Span {span.start}-{span.end} ({span.entity_type}) does not fit a text of "
                f"length {len(text)}."
            )
    from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

    operators = {
        entity_type: OperatorConfig("replace", {"new_value": placeholder})
        for entity_type, placeholder in load_placeholders().items()
    }
    results = [
        RecognizerResult(span.entity_type, span.start, span.end, span.score)
        for span in merge_overlapping(spans)
    ]
    engine_result = _anonymizer().anonymize(text, results, operators, merge_entities_with_spaces=False)
    return str(engine_result.text)


def merge_overlapping(spans: Sequence[PiiSpan]) -> list[PiiSpan]:
    """Spans sorted, overlapping ones joined; touching ones (a.end == b.start) stay apart."""
    merged: list[PiiSpan] = []
    for span in sorted(spans, key=lambda item: (item.start, item.end)):
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            best = last if last.score >= span.score else span
            merged[-1] = PiiSpan(best.entity_type, last.start, max(last.end, span.end), best.score)
        else:
            merged.append(span)
    return merged


@dataclass(frozen=True, slots=True)
class RedactionResult:
    """The redacted text, and the spans that were masked (offsets into the original text)."""

    text: str
    spans: tuple[PiiSpan, ...]


class Redactor:
    """Detect, then mask: the one call the bot makes before storing or logging a resident's text."""

    def __init__(self, detector: PiiDetector) -> None:
        self._detector = detector

    def warm_up(self) -> None:
        """Build the detector and the anonymizer, and read the placeholder table."""
        self._detector.warm_up()
        load_placeholders()
        _anonymizer()

    def redact(self, text: str, context: str = "") -> RedactionResult:
        """`context`: what the resident wrote just before (already redacted). A label there can name
        the data here: "My card number starts [CARD]" then "and ends 1111 1111" (the second half alone
        is any eight digits). The message is also read after its context, and what is found in its
        own part is masked too; only when the message alone could hold personal data at all."""
        spans = self._detector.detect(text)
        if context.strip() and self._detector.may_hold(text):
            offset = len(context) + 1
            spans += [
                PiiSpan(span.entity_type, max(0, span.start - offset), span.end - offset, span.score)
                for span in self._detector.detect(f"{context} {text}")
                if span.end > offset
            ]
            spans = merge_overlapping(spans)
        return RedactionResult(text=redact(text, spans), spans=tuple(spans))
