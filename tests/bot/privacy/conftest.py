"""One real, warmed-up detector (presidio, phonenumbers, the default regions) for the privacy tests."""

from __future__ import annotations

import pytest

from bot.privacy import PiiDetector


@pytest.fixture(scope="session")
def detector() -> PiiDetector:
    detector = PiiDetector()
    detector.warm_up()
    return detector


def found(detector: PiiDetector, text: str) -> list[tuple[str, str]]:
    """(entity type, the characters of `text` it covers) for every span the detector returns."""
    return [(span.entity_type, text[span.start : span.end]) for span in detector.detect(text)]
