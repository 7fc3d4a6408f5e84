"""Offline PII detection and masking: everything the bot stores or logs goes through `Redactor`.

Detect, then transform: `PiiDetector.detect()` returns `PiiSpan`s, `redact()` consumes them.
Importing this package is cheap; presidio is imported by `PiiDetector.warm_up()`.
"""

from bot.privacy.detection import (
    DEFAULT_PHONE_REGIONS,
    SUPPORTED_ENTITIES,
    PiiDetector,
    PiiEntity,
    PiiSpan,
)
from bot.privacy.errors import (
    DatasetError,
    DetectorConfigError,
    DetectorNotReadyError,
    InvalidSpanError,
    MaskingPolicyError,
    PrivacyError,
)
from bot.privacy.evaluation import DEFAULT_DATASET, EntityScores, PiiReport, evaluate
from bot.privacy.masking import RedactionResult, Redactor, load_placeholders, redact

__all__ = [
    "DEFAULT_DATASET",
    "DEFAULT_PHONE_REGIONS",
    "SUPPORTED_ENTITIES",
    "DatasetError",
    "DetectorConfigError",
    "DetectorNotReadyError",
    "EntityScores",
    "InvalidSpanError",
    "MaskingPolicyError",
    "PiiDetector",
    "PiiEntity",
    "PiiReport",
    "PiiSpan",
    "PrivacyError",
    "RedactionResult",
    "Redactor",
    "evaluate",
    "load_placeholders",
    "redact",
]
