"""The one typed context a turn carries through the answering pipeline, and what the pipeline returns."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from bot.answering.statuses import AnswerStatus
from knowledge_base.records import RetrievedChunk, Turn
from knowledge_base.retriever import Query

Intent = Literal["greeting", "thanks", "handoff", "status", "question"]


@dataclass(frozen=True, slots=True)
class Citation:
    document_id: str
    title: str
    section_path: tuple[str, ...]
    source_url: str
    effective_date: date | None
    quote: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class AnswerSentence:
    text: str
    citation: int  # index into Answer.citations


@dataclass(frozen=True, slots=True)
class Answer:
    answer_id: str
    status: AnswerStatus
    text: str
    sentences: tuple[AnswerSentence, ...]
    citations: tuple[Citation, ...]
    confidence: float
    follow_ups: tuple[str, ...]
    timings_ms: dict[str, float]
    redacted_question: str
    pii_found: tuple[str, ...] = ()


@dataclass
class TurnContext:
    """Everything one turn learns on its way through the steps. Only redacted text is kept here."""

    message: str  # the resident's message after normalisation and redaction
    history: list[Turn] = field(default_factory=list)  # redacted earlier turns, oldest first
    access_token: str | None = None  # the resident's own bearer token, never stored
    answer_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    pii_found: list[str] = field(default_factory=list)
    intent: Intent = "question"
    query: Query | None = None
    hits: list[RetrievedChunk] = field(default_factory=list)
    sentences: list[AnswerSentence] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    confidence: float = 0.0
    follow_ups: list[str] = field(default_factory=list)
    status: AnswerStatus | None = None
    text: str = ""
    timings_ms: dict[str, float] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)

    def stop(self, status: AnswerStatus, text: str, follow_ups: list[str] | None = None) -> None:
        """End the turn with a reply (canned or composed) and a status."""
        self.status = status
        self.text = text
        if follow_ups is not None:
            self.follow_ups = follow_ups

    @property
    def stopped(self) -> bool:
        return self.status is not None

    def answer(self) -> Answer:
        assert self.status is not None
        return Answer(
            answer_id=self.answer_id,
            status=self.status,
            text=self.text,
            sentences=tuple(self.sentences),
            citations=tuple(self.citations),
            confidence=round(self.confidence, 3),
            follow_ups=tuple(self.follow_ups),
            timings_ms=dict(self.timings_ms),
            redacted_question=self.message,
            pii_found=tuple(self.pii_found),
        )
