"""Curated answers: editor-pinned question variants → a fixed answer with citations.

The variants are embedded once; a resident's question matches when its vector is close enough to one
of them (cosine ≥ threshold). Curated answers win over retrieval. The index reloads itself when the
stored set changes (another process, e.g. `askcity curated add`, may have edited it).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from knowledge_base.embedder import Embedder, Vectors
from knowledge_base.records import Citation


@dataclass(frozen=True, slots=True)
class CuratedAnswer:
    id: int
    questions: tuple[str, ...]
    answer: str
    citations: tuple[Citation, ...]


@dataclass(frozen=True, slots=True)
class CuratedMatch:
    answer: str
    citations: tuple[Citation, ...]
    similarity: float
    curated_id: int


class CuratedIndex:
    def __init__(
        self,
        load: Callable[[], Sequence[CuratedAnswer]],
        stamp: Callable[[], str],
        embedder: Embedder,
        threshold: float = 0.85,
        check_seconds: float = 2.0,
    ) -> None:
        self._load = load
        self._stamp = stamp
        self._embedder = embedder
        self.threshold = threshold
        self._check_seconds = check_seconds
        self._answers: list[CuratedAnswer] = []
        self._owners: list[int] = []
        self._matrix: Vectors = np.zeros((0, 1), dtype=np.float32)
        self._loaded_stamp: str | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def refresh(self) -> None:
        stamp = self._stamp()
        if stamp == self._loaded_stamp:
            return
        answers = list(self._load())
        questions = [(i, q) for i, a in enumerate(answers) for q in a.questions]
        matrix = (
            self._embedder.embed([q for _, q in questions]) if questions else np.zeros((0, 1), np.float32)
        )
        with self._lock:
            self._answers, self._owners, self._matrix = answers, [i for i, _ in questions], matrix
            self._loaded_stamp = stamp

    def match(self, question_vector: Vectors) -> CuratedMatch | None:
        now = time.monotonic()
        if now - self._checked >= self._check_seconds:
            self._checked = now
            self.refresh()
        with self._lock:
            if not self._owners:
                return None
            sims = self._matrix @ question_vector
            best = int(np.argmax(sims))
            similarity = float(sims[best])
            if similarity < self.threshold:
                return None
            answer = self._answers[self._owners[best]]
        return CuratedMatch(answer.answer, answer.citations, similarity, answer.id)
