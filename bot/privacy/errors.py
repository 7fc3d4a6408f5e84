"""Errors raised by PII detection, masking and evaluation.

    PrivacyError
    ├── DetectorNotReadyError   detect() was called before warm_up()
    ├── DetectorConfigError     a detector setting is invalid (an unknown phone region)
    ├── InvalidSpanError        a span lies outside the text or is empty
    ├── MaskingPolicyError      placeholders.yml is malformed
    └── DatasetError            a labelled PII dataset file is missing or malformed

Messages name the thing and the fix; they never echo the text being analysed (it may hold PII).
"""

from __future__ import annotations


class PrivacyError(Exception):
    """Base class of every error the privacy package raises."""


class DetectorNotReadyError(PrivacyError):
    pass


class DetectorConfigError(PrivacyError):
    pass


class InvalidSpanError(PrivacyError):
    pass


class MaskingPolicyError(PrivacyError):
    pass


class DatasetError(PrivacyError):
    pass
