"""The extractive composer: verbatim sentences from the retrieved passages, each with its citation.

No language model: sentences are scored against the question, the best one is chosen, and its
neighbours in the same passage are added while they still look relevant and the answer stays short.
Redundant sentences (too similar to one already chosen) are skipped. A sentence holding the kind of
answer the question asks for (an amount for "how much", a date for "when": `data/answer_types.*.yml`)
gets a small bonus.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

from knowledge_base.records import RetrievedChunk, Sentence
from knowledge_base.text import terms


@dataclass(frozen=True, slots=True)
class ComposerConfig:
    passages: int = 2  # how many top passages sentences are taken from
    max_sentences: int = 3
    max_chars: int = 250
    lexical_weight: float = 0.6
    question_weight: float = 0.3  # weight of the similarity to the question alone (vs. with conversation)
    rank_weight: float = 0.6
    keep_ratio: float = 0.3  # a neighbour is kept when its score is at least this share of the best
    redundancy: float = 0.8  # word-overlap ratio above which a sentence repeats one already chosen
    min_words: int = 3
    forward_bonus: float = 0.0  # preference for continuing after the best sentence (reading order)
    answer_type_weight: float = 0.2  # bonus for a sentence holding the kind of answer the question wants


@dataclass(frozen=True, slots=True)
class Picked:
    hit: RetrievedChunk
    sentence: Sentence
    score: float


def _overlap(question_terms: set[str], sentence: str) -> float:
    if not question_terms:
        return 0.0
    return len(question_terms & set(terms(sentence))) / len(question_terms)


def _similar(a: str, b: str) -> float:
    ta, tb = set(terms(a)), set(terms(b))
    return len(ta & tb) / max(1, min(len(ta), len(tb)))


AnswerTypes = tuple[tuple[re.Pattern[str], re.Pattern[str]], ...]


@lru_cache
def load_answer_types(language: str = "en") -> AnswerTypes:
    """(question pattern, answer pattern) pairs from `data/answer_types.<language>.yml`."""
    path = Path(__file__).parent / "data" / f"answer_types.{language}.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return tuple(
        (re.compile(v["question"], re.IGNORECASE), re.compile(v["answer"], re.IGNORECASE))
        for v in raw.values()
    )


class ExtractiveComposer:
    def __init__(self, config: ComposerConfig | None = None, answer_types: AnswerTypes = ()) -> None:
        self.config = config or ComposerConfig()
        self.answer_types = answer_types

    def compose(self, question: str, hits: list[RetrievedChunk]) -> list[Picked]:
        cfg = self.config
        if not hits:
            return []
        question_terms = set(terms(question))
        wanted = [answer for asks, answer in self.answer_types if asks.search(question)]
        top_score = max(h.score for h in hits[: cfg.passages]) or 1.0
        scored: list[tuple[float, int, int]] = []
        for h_index, hit in enumerate(hits[: cfg.passages]):
            prior = cfg.rank_weight * (hit.score / top_score)
            for s_index, sentence in enumerate(hit.sentences):
                if len(sentence.text.split()) < cfg.min_words:
                    continue
                score = (
                    (1 - cfg.question_weight) * sentence.similarity
                    + cfg.question_weight * sentence.question_similarity
                    + cfg.lexical_weight * _overlap(question_terms, sentence.text)
                    + prior
                )
                if wanted and any(answer.search(sentence.text) for answer in wanted):
                    score += cfg.answer_type_weight
                scored.append((score, h_index, s_index))
        if not scored:
            return []
        best_score, h_index, s_index = max(scored)
        hit = hits[h_index]
        by_position = {s: sc for sc, h, s in scored if h == h_index}
        first = last = s_index
        chars = len(hit.sentences[s_index].text)
        # grow a contiguous window around the best sentence, towards the better-scoring neighbour
        while last - first + 1 < cfg.max_sentences:
            options = []
            for index in (last + 1, first - 1):
                neighbour = by_position.get(index)
                if neighbour is None or neighbour < cfg.keep_ratio * best_score:
                    continue
                text = hit.sentences[index].text
                if chars + len(text) > cfg.max_chars:
                    continue
                if any(
                    _similar(hit.sentences[i].text, text) > cfg.redundancy for i in range(first, last + 1)
                ):
                    continue
                options.append((neighbour + (cfg.forward_bonus if index > last else 0.0), index))
            if not options:
                break
            _, index = max(options)
            first, last = min(first, index), max(last, index)
            chars += len(hit.sentences[index].text)
        picked = [
            Picked(hit, hit.sentences[i], by_position.get(i, best_score)) for i in range(first, last + 1)
        ]
        picked.sort(key=lambda p: p.sentence.start)
        return picked


def best_similarity(picked: list[Picked]) -> float:
    return float(np.max([p.sentence.similarity for p in picked])) if picked else 0.0
