"""Verification: a sentence reaches the resident only if the passage it cites supports it.

A sentence is supported when it appears in the cited passage (ignoring whitespace and case), or, for
composers that rephrase, when nearly all of its content words and every one of its numbers occur in
the passage, a number with its currency sign or percent ("$1" is not supported by "$150"). A rephrased
sentence of fewer than two content words says too little to check and is not supported. The
extractive composer always passes the first test unless an offset or a passage is wrong, which
is exactly what this step exists to catch.
"""

from __future__ import annotations

import re

from knowledge_base.text import terms

_NUMBER = re.compile(r"[$€£¥]?\s?\d+(?:[.,:]\d+)*\s?%?")
MIN_TERMS = 2


def _squash(text: str) -> str:
    return " ".join(text.lower().split())


def supported(sentence: str, passage: str, min_term_recall: float = 0.8) -> bool:
    if not sentence.strip():
        return False
    if _squash(sentence) in _squash(passage):
        return True
    numbers = {_squash(n).replace(" ", "") for n in _NUMBER.findall(sentence)}
    if numbers - {_squash(n).replace(" ", "") for n in _NUMBER.findall(passage)}:
        return False
    sentence_terms = set(terms(sentence))
    if len(sentence_terms) < MIN_TERMS:
        return False
    return len(sentence_terms & set(terms(passage))) / len(sentence_terms) >= min_term_recall
