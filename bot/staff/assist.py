"""Suggested replies for agents: three answers to the resident's latest message, each from a different
passage (or an editor's curated answer), with citations and the gate's confidence.

Built from the answering pipeline's own parts, so a suggestion is what the bot would say from that
passage: the conversation is redacted (`redact`) and embedded (`encode`); a curated answer that
matches comes first (`curated`); the retriever's best passages follow, each composed on its own
(`ExtractiveComposer`), verified (`verify`) and scored by the confidence gate as if it were the cited
passage. After the first suggestion, passages of documents no suggestion cites yet come first (any
passage when none is left): on doc2dial's held-out dialogues that puts the gold document among the
citations 80 % of the time instead of 67 %, for the same answer F1 (docs/call_center.md). Passages
whose answer repeats an earlier suggestion are skipped. Nothing here refuses: the agent reads the
confidence and decides.

The same parts answer the console's knowledge-base search (`search`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from bot.answering.composer import ExtractiveComposer
from bot.answering.links import join_sentences
from bot.answering.pipeline import Pipeline
from bot.answering.turn import AnswerSentence, Draft, Hits, RedactedMessage, TurnRequest
from knowledge_base.records import Citation, RetrievedChunk, Turn
from knowledge_base.retriever import Query, SearchResult
from knowledge_base.text import terms

Speaker = Literal["resident", "agent"]


@dataclass(frozen=True, slots=True)
class Said:
    """One message of the conversation the agent asks about."""

    role: Speaker
    text: str


@dataclass(frozen=True, slots=True)
class Suggestion:
    text: str
    sentences: tuple[AnswerSentence, ...]
    citations: tuple[Citation, ...]
    confidence: float
    source: Literal["passage", "curated"]


@dataclass(frozen=True, slots=True)
class Suggestions:
    question: str  # the resident's latest message, redacted
    suggestions: tuple[Suggestion, ...]
    timings_ms: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SearchHit:
    citation: Citation
    department: str
    score: float


class Assistant:
    def __init__(
        self,
        pipeline: Pipeline,
        count: int = 3,
        candidates: int = 8,
        overlap: float = 0.6,
        new_documents_from: int = 1,
        by_confidence_from: int = 99,
        composer: ExtractiveComposer | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.composer = composer or pipeline.compose.composer
        self.count = count
        self.candidates = candidates
        # from the n-th suggestion on, prefer documents not cited yet; from the n-th, the most confident
        self.new_documents_from = new_documents_from
        self.by_confidence_from = by_confidence_from
        self.overlap = overlap  # a suggestion sharing more of its words with an earlier one is a repeat

    def _redact(self, text: str) -> RedactedMessage:
        return self.pipeline.redact(TurnRequest(text))

    def suggest(self, conversation: Sequence[Said]) -> Suggestions:
        """Suggestions for the latest resident message of `conversation` (oldest first)."""
        started = time.perf_counter()
        last = max((i for i, m in enumerate(conversation) if m.role == "resident"), default=-1)
        if last < 0:
            return Suggestions("", ())
        history = tuple(
            Turn("user" if m.role == "resident" else "agent", self._redact(m.text).text)
            for m in conversation[:last]
            if m.text.strip()
        )
        message = self._redact(conversation[last].text)
        if not any(ch.isalnum() for ch in message.text):
            return Suggestions(message.text, ())
        query = self.pipeline.encode(message, history)
        out: list[Suggestion] = []
        curated = self.pipeline.curated
        if curated is not None:
            match = curated.match(query)
            if match is not None:
                out.append(
                    Suggestion(
                        match.answer,
                        (AnswerSentence(match.answer, 0 if match.citations else -1),),
                        match.citations,
                        round(match.similarity, 3),
                        "curated",
                    )
                )
        found = self.pipeline.retrieve.retriever.search_detailed(query, k=self.candidates)
        made: dict[int, Suggestion | None] = {}

        def made_from(index: int) -> Suggestion | None:
            if index not in made:
                made[index] = self._from_passage(query, found.chunks[index], found, history)
            return made[index]

        left = list(range(len(found.chunks)))
        while left and len(out) < self.count:
            cited = {c.document_id for s in out for c in s.citations}
            pool = left
            if len(out) >= self.new_documents_from:
                pool = [i for i in left if found.chunks[i].document_id not in cited] or left
            if len(out) >= self.by_confidence_from:
                ranked = [(made_from(i), i) for i in pool]
                index = max(ranked, key=lambda x: (x[0].confidence if x[0] else -1.0, -x[1]))[1]
            else:
                index = pool[0]
            left.remove(index)
            suggestion = made_from(index)
            if suggestion is not None and not any(self._repeats(suggestion, s) for s in out):
                out.append(suggestion)
        elapsed = round((time.perf_counter() - started) * 1000, 2)
        return Suggestions(message.text, tuple(out), {"total": elapsed})

    def _from_passage(
        self, query: Query, chunk: RetrievedChunk, found: SearchResult, history: tuple[Turn, ...]
    ) -> Suggestion | None:
        picked = self.composer.compose(query.question, [chunk])
        if not picked:
            return None
        citation = chunk.citation()
        sentences = tuple(AnswerSentence(p.sentence.text, 0, p.list_item) for p in picked)
        # the gate reads the cited passage as the first of the hits
        others = tuple(c for c in found.chunks if c is not chunk)
        hits = Hits(
            query,
            (chunk, *others),
            history,
            found.question_best,
            found.question_by_document,
            found.question_sentence_best,
        )
        verified = self.pipeline.verify(Draft(hits, sentences, (citation,)))
        if not verified.sentences:
            return None
        confidence = self.pipeline.gate.gate.confidence(verified)
        return Suggestion(
            join_sentences(verified.sentences),
            verified.sentences,
            verified.citations,
            round(confidence, 3),
            "passage",
        )

    def _repeats(self, a: Suggestion, b: Suggestion) -> bool:
        ta, tb = set(terms(a.text)), set(terms(b.text))
        return bool(ta) and len(ta & tb) / max(1, min(len(ta), len(tb))) > self.overlap

    def search(self, text: str, k: int = 8) -> tuple[str, list[SearchHit]]:
        """(the redacted search text, the best passages) for the console's knowledge-base search."""
        message = self._redact(text)
        if not any(ch.isalnum() for ch in message.search_text):
            return message.text, []
        retriever = self.pipeline.retrieve.retriever
        chunks = retriever.search(retriever.encode(message.search_text), k=k)
        return message.text, [SearchHit(c.citation(), c.department, round(c.score, 4)) for c in chunks]
