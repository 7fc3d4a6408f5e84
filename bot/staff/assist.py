"""Suggested replies for agents: three answers to the resident's latest message, each a different
excerpt (no sentence in two of them) of the knowledge base or an editor's curated answer, with
citations and the gate's confidence.

Built from the answering pipeline's own parts, so a suggestion is what the bot would say from that
passage: the conversation is redacted (`redact`) and embedded (`encode`); a curated answer that
matches comes first (`curated`); passages follow, each composed on its own (`ExtractiveComposer`),
verified (`verify`) and scored by the confidence gate as if it were the cited passage.

Which passages (`plan`): documents are ranked by reciprocal-rank fusion of two searches, the
conversation's and one with the agent's last replies (an agent's replies come from the page they were
reading, in their own words). The lead document's best passage gives the first suggestion; the next
documents give the others, each from its best passage that makes a new suggestion. Once, when the next
document is weak (its best passage scores under `second_reading` of the best passage's, and the
agent's words do not find it first), a second reading of the lead document comes instead: its passage
composed again without the sentences already suggested. On doc2dial's held-out dialogues this gives
the agent a better answer more often than a weak third document does (docs/call_center.md). A
suggestion that repeats an earlier one is skipped. Nothing here refuses: the agent reads the
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
        candidates: int = 16,
        overlap: float = 0.6,
        agent_turns: int = 3,
        second_reading: float = 0.9,
        composer: ExtractiveComposer | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.composer = composer or pipeline.compose.composer
        self.count = count
        self.candidates = candidates
        self.overlap = overlap  # a suggestion sharing more of its words with an earlier one is a repeat
        self.agent_turns = agent_turns  # the agent's last replies searched with (a long chat stays cheap)
        # a document whose best passage scores under this share of the best passage's (and that the
        # agent's replies do not point to first) gives way to a second reading of the lead document
        self.second_reading = second_reading

    def _redact(self, text: str) -> RedactedMessage:
        return self.pipeline.redact(TurnRequest(text))

    def suggest(self, conversation: Sequence[Said]) -> Suggestions:
        """Suggestions for the latest resident message of `conversation` (oldest first) that asks
        something: "I want to talk to a person", "yes" or "ok thanks" give way to the question before
        them (an agent who claims a ticket sees suggestions for what the resident asked)."""
        started = time.perf_counter()
        redacted = [self._redact(m.text) for m in conversation]  # once each, before anything reads them
        residents = [i for i, m in enumerate(conversation) if m.role == "resident"]
        if not residents:
            return Suggestions("", ())
        asking = self.pipeline.route.patterns.latest_question([redacted[i].text for i in residents])
        last = residents[asking]  # -1, when none asks anything: the latest resident message
        history = tuple(
            Turn("user" if m.role == "resident" else "agent", r.text)
            for m, r in zip(conversation[:last], redacted[:last], strict=True)
            if m.text.strip()
        )
        message = redacted[last]
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
        retriever = self.pipeline.retrieve.retriever
        found = retriever.search_detailed(query, k=self.candidates)
        if not found.chunks:
            return Suggestions(message.text, tuple(out), _since(started))
        plan = self.plan(found, history)
        quoted: set[tuple[str, int]] = set()  # (document, sentence offset) already suggested
        tried: set[int] = set()

        def add(chunk: RetrievedChunk, skip: frozenset[tuple[str, int]] = frozenset()) -> bool:
            tried.add(id(chunk))
            suggestion = self._from_passage(query, chunk, found, history, skip)
            if suggestion is None or any(self._repeats(suggestion, s) for s in out):
                return False
            out.append(suggestion)
            said = {s.text for s in suggestion.sentences}
            quoted.update((chunk.document_id, s.start) for s in chunk.sentences if s.text in said)
            return True

        def from_document(document: str, skip: frozenset[tuple[str, int]] = frozenset()) -> bool:
            """A suggestion from the document's best passage that makes a new one."""
            return any(add(c, skip) for c in plan.pool if c.document_id == document)

        lead, *rest = plan.documents
        from_document(lead)
        read_again = False
        for document in rest:
            if len(out) >= self.count:
                break
            if not read_again and plan.weak(document, self.second_reading):
                read_again = True  # once: the lead document again, without what was suggested
                if from_document(lead, frozenset(quoted)) and len(out) >= self.count:
                    break
            if document not in {c.document_id for s in out for c in s.citations}:
                from_document(document)
        for chunk in plan.pool:
            if len(out) >= self.count:
                break
            if id(chunk) not in tried:
                add(chunk)
        return Suggestions(message.text, tuple(out), _since(started))

    def plan(self, found: SearchResult, history: tuple[Turn, ...]) -> Plan:
        """The documents to suggest from, best first: the reciprocal-rank fusion of the conversation's
        search and a search with the agent's last `agent_turns` replies. An agent's replies come from
        the page they were reading, in their own words, so they point at it when the resident's latest
        message is vague (docs/call_center.md)."""
        retriever = self.pipeline.retrieve.retriever
        replies = [t.text for t in history if t.role == "agent" and t.text.strip()]
        replies = replies[max(0, len(replies) - self.agent_turns) :] if self.agent_turns > 0 else []
        by_agent = retriever.search(retriever.encode(" ".join(replies)), k=self.candidates) if replies else []
        have = {(c.document_id, c.start) for c in found.chunks}
        pool = (*found.chunks, *(c for c in by_agent if (c.document_id, c.start) not in have))
        agent_order = list(dict.fromkeys(c.document_id for c in by_agent))
        top = found.chunks[0].score
        relative: dict[str, float] = {}
        for chunk in found.chunks:
            relative.setdefault(chunk.document_id, chunk.score / top if top > 0 else 0.0)
        documents = reciprocal_rank_fusion([list(relative), agent_order])
        return Plan(tuple(documents), pool, relative, agent_order[0] if agent_order else "")

    def _from_passage(
        self,
        query: Query,
        chunk: RetrievedChunk,
        found: SearchResult,
        history: tuple[Turn, ...],
        skip: frozenset[tuple[str, int]] = frozenset(),
    ) -> Suggestion | None:
        picked = self.composer.compose(query.question, [chunk], skip)
        if not picked:
            return None
        citation = self.composer.citation(chunk)
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
        return message.text, [
            SearchHit(self.composer.citation(c), c.department, round(c.score, 4)) for c in chunks
        ]


def reciprocal_rank_fusion(orders: Sequence[Sequence[str]], k: int = 60) -> list[str]:
    """Items of several rankings, by the sum of 1 / (k + rank) over the rankings they appear in (Cormack
    et al. 2009; k = 60 as there): no scores to put on one scale, and an item that two rankings agree
    on rises."""
    score: dict[str, float] = {}
    for order in orders:
        for rank, item in enumerate(order, start=1):
            score[item] = score.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(score, key=lambda item: -score[item])


@dataclass(frozen=True, slots=True)
class Plan:
    documents: tuple[str, ...]  # best first; the first is the lead
    pool: tuple[RetrievedChunk, ...]  # the conversation's passages, then the agent search's new ones
    relative: dict[str, float]  # a document's best passage score / the best passage's (conversation)
    agent_first: str  # the document the agent's replies point to first

    def weak(self, document: str, below: float) -> bool:
        return self.relative.get(document, 0.0) < below and document != self.agent_first


def _since(started: float) -> dict[str, float]:
    return {"total": round((time.perf_counter() - started) * 1000, 2)}
