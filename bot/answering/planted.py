"""Sentences addressed to an AI assistant ("Ignore all previous instructions.") are never quoted.

The ingest checks hold a document with such text for an editor (`ingest/screening.py`, rule
`instructions`), but an editor may confirm it (`askcity kb confirm`) and a sentence may slip past the
document-level windows. The composer asks the same rule about each sentence it would quote, so the
check is one set of patterns (`ingest/data/screening.<language>.yml`), not a copy. Sentences repeat
from turn to turn (the documents do not change between versions), so verdicts are cached.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from ingest.screening import Screener

RULE = "instructions"


def addressed_to_assistant(language: str = "en", cache_size: int = 50_000) -> Callable[[str], bool]:
    """`check(sentence)`: whether the sentence gives orders to an AI assistant."""
    screener = Screener()

    @lru_cache(maxsize=cache_size)
    def check(sentence: str) -> bool:
        return any(finding.check == RULE for finding in screener.scan(sentence, language))

    return check
