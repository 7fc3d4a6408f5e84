"""Verification: a sentence reaches the resident only if the passage it cites supports it.

A sentence is supported when it appears in the cited passage (ignoring whitespace and case), or, for
composers that rephrase, when nearly all of its content words and every one of its numbers occur in
the passage. The extractive composer always passes the first test unless an offset or a passage is
wrong, which is exactly what this step exists to catch.
"""

from __future__ import annotations

import re

from knowledge_base.text import terms

_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")


def _squash(text: str) -> str:
    return " ".join(text.lower().split())


def supported(sentence: str, passage: str, min_term_recall: float = 0.8) -> bool:
    if not sentence.strip():
        return False
    if _squash(sentence) in _squash(passage):
        return True
    numbers = set(_NUMBER.findall(sentence))
    if numbers - set(_NUMBER.findall(passage)):
        return False
    sentence_terms = set(terms(sentence))
    if not sentence_terms:
        return False
    return len(sentence_terms & set(terms(passage))) / len(sentence_terms) >= min_term_recall
