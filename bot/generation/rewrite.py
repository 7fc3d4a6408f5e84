"""Reading the model's rewrite of a follow-up: one standalone question, or nothing usable.

What the model writes is only ever a search text. It is used when it is one line of question-like
text of a sensible length; anything else (empty, several paragraphs, an answer instead of a question,
the prompt's canary) leaves the resident's own words as the search text."""

from __future__ import annotations

import re

_PREFIX = re.compile(r"^\s*(?:standalone question|question|rewritten|follow-up)\s*:\s*", re.IGNORECASE)
_QUOTES = "\"'“”‘’`"
MAX_WORDS = 40


def standalone_question(text: str, question: str, canary: str) -> str | None:
    """The rewritten question in `text`, or None when it is not usable (see the module's docstring)."""
    if canary in text:
        return None
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return None
    first = _PREFIX.sub("", lines[0]).strip().strip(_QUOTES).strip()
    words = first.split()
    if not words or len(words) > max(MAX_WORDS, 3 * len(question.split())):
        return None
    if "[" in first and re.search(r"\[\d+\]", first):  # it answered (with a citation) instead
        return None
    return " ".join(words)
