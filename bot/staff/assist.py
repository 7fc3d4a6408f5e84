"""Suggested replies for agents: three answers to the resident's latest message, each from a different
passage (or an editor's curated answer), with citations and the gate's confidence.

Built from the answering pipeline's own parts, so a suggestion is what the bot would say from that
passage: the conversation is redacted (`redact`) and embedded (`encode`); a curated answer that
matches comes first (`curated`); the retriever's best passages follow, each composed on its own
(`ExtractiveComposer`), verified (`verify`) and scored by the confidence gate as if it were the cited
passage. The first suggestion comes from the best passage; the others from the best passages of other
documents, ranked by their retrieval score and by how many of the agent's own earlier words they use
(`rank_documents`); passages of documents already cited come last. On doc2dial's held-out dialogues
that puts the gold document among the citations more often than the passages' own order does
(docs/call_center.md). Passages whose answer repeats an earlier suggestion are skipped. Nothing here
refuses: the agent reads the confidence and decides.

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
        candidates: int = 16,
        overlap: float = 0.6,
        agent_weight: float = 0.2,
        agent_turns: int = 3,
        composer: ExtractiveComposer | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.composer = composer or pipeline.compose.composer
        self.count = count
        self.candidates = candidates
        self.overlap = overlap  # a suggestion sharing more of its words with an earlier one is a repeat
        # how much the agent's own earlier words count in a document's rank (`rank_documents`)
        self.agent_weight = agent_weight
        self.agent_turns = agent_turns  # the agent's last replies that count (a long chat stays cheap)

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
        if not found.chunks:
            return Suggestions(message.text, tuple(out), _since(started))
        # the first suggestion is the best passage; the others come from the documents
        # `rank_documents` puts next, each from its best passage that makes a new suggestion, then
        # (fewer documents than suggestions) from the passages left, in rank order
        first = found.chunks[0].document_id
        ranked = [first, *[d for d in self.rank_documents(found, history) if d != first]]
        tried: set[int] = set()

        def add(chunk: RetrievedChunk) -> bool:
            tried.add(id(chunk))
            suggestion = self._from_passage(query, chunk, found, history)
            if suggestion is None or any(self._repeats(suggestion, s) for s in out):
                return False
            out.append(suggestion)
            return True

        for document in ranked:
            if len(out) >= self.count:
                break
            if document in {c.document_id for s in out for c in s.citations}:
                continue
            for chunk in (c for c in found.chunks if c.document_id == document):
                if add(chunk):
                    break
        for chunk in found.chunks:
            if len(out) >= self.count:
                break
            if id(chunk) not in tried:
                add(chunk)
        return Suggestions(message.text, tuple(out), _since(started))

    def rank_documents(self, found: SearchResult, history: tuple[Turn, ...]) -> list[str]:
        """The candidate documents, best first: the retrieval score of a document's best passage
        (relative to the best passage's), plus `agent_weight` times the share of the words of the
        agent's last `agent_turns` replies that the document uses (rarity-weighted). An agent's replies
        come from the page they were reading, in their own words: on doc2dial's train half this ordering
        put the gold document among the citations 86.0 % of the time instead of 82.2 %
        (docs/call_center.md)."""
        top = found.chunks[0].score if found.chunks else 0.0
        best: dict[str, float] = {}
        for chunk in found.chunks:
            best.setdefault(chunk.document_id, chunk.score / top if top > 0 else 0.0)
        replies = [t.text for t in history if t.role == "agent"][-self.agent_turns :]
        said = [t for t in set(terms(" ".join(replies))) if len(t) >= 3]
        if said and self.agent_weight:
            stats = self.pipeline.retrieve.retriever.snapshot.term_stats
            for document in best:
                best[document] += self.agent_weight * stats.covered_share(said, document)
        return sorted(best, key=lambda d: -best[d])

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


def _since(started: float) -> dict[str, float]:
    return {"total": round((time.perf_counter() - started) * 1000, 2)}
