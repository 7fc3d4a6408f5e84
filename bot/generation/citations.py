"""Reading a generated answer: which sentence cites which passage.

A model is asked to end every sentence with `[n]` (or `[n, m]`). The text is cut at each marker; the
sentences before a marker cite the passages it names. Text after the last marker cites nothing and is
dropped by the caller, as is a sentence citing a passage number that was not given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge_base.text import sentence_spans

_MARKER = re.compile(r"\s*\[(\s*\d+(?:\s*[,;]\s*\d+)*\s*)\]")
_LEADING = re.compile(r"^[\s.,;:!?)\]]+")
NO_ANSWER = "NO_ANSWER"


@dataclass(frozen=True, slots=True)
class CitedSentence:
    text: str
    passages: tuple[int, ...]  # 1-based passage numbers, as the model wrote them; () when uncited


def _sentences(text: str) -> list[str]:
    return [text[start:end].strip() for start, end in sentence_spans(text) if text[start:end].strip()]


def cited_sentences(text: str) -> list[CitedSentence]:
    found: list[CitedSentence] = []
    position = 0
    for marker in _MARKER.finditer(text):
        numbers = tuple(int(n) for n in re.findall(r"\d+", marker.group(1)))
        segment = _LEADING.sub("", text[position : marker.start()])
        position = marker.end()
        # a marker that follows the full stop ("... vehicle. [1]") belongs to the sentence before it
        for sentence in _sentences(segment):
            found.append(CitedSentence(sentence, numbers))
    for sentence in _sentences(_LEADING.sub("", text[position:])):
        found.append(CitedSentence(sentence, ()))
    return [_closed(s) for s in found]


def _closed(sentence: CitedSentence) -> CitedSentence:
    text = sentence.text.rstrip()
    if text and text[-1] not in ".!?:":
        text += "."
    return CitedSentence(text, sentence.passages)


def says_no_answer(text: str) -> bool:
    return NO_ANSWER in text.upper().replace(" ", "_")
