"""The answering steps. Each takes the turn context and may stop the turn with a reply and a status.

normalise → redact → route → status lookup → curated → retrieve → compose → verify → gate
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.answering.composer import ExtractiveComposer
from bot.answering.context import AnswerSentence, Citation, TurnContext
from bot.answering.curated import CuratedIndex
from bot.answering.gate import Gate
from bot.answering.normalise import normalise
from bot.answering.records import RecordsLookup
from bot.answering.replies import Replies, RoutePatterns
from bot.answering.statuses import AnswerStatus
from bot.answering.verify import supported
from bot.privacy import Redactor
from knowledge_base.retriever import Retriever


class Step(Protocol):
    name: str

    def __call__(self, ctx: TurnContext) -> None: ...


@dataclass
class Normalise:
    replies: Replies
    max_chars: int
    name: str = "normalise"

    def __call__(self, ctx: TurnContext) -> None:
        length = len(ctx.message)
        ctx.message = normalise(ctx.message)
        if length > self.max_chars:
            ctx.message = ctx.message[: self.max_chars]
            ctx.stop(
                AnswerStatus.REJECTED,
                self.replies.get("rejected_too_long", length=f"{length:,}", limit=f"{self.max_chars:,}"),
            )
        elif not any(ch.isalnum() for ch in ctx.message):
            ctx.stop(AnswerStatus.REJECTED, self.replies.get("rejected_empty"))


@dataclass
class Redact:
    redactor: Redactor
    name: str = "redact"

    def __call__(self, ctx: TurnContext) -> None:
        result = self.redactor.redact(ctx.message)
        ctx.message = result.text
        ctx.pii_found = sorted({span.entity_type for span in result.spans})


@dataclass
class Route:
    patterns: RoutePatterns
    replies: Replies
    city: str
    default_contact: str
    name: str = "route"

    def __call__(self, ctx: TurnContext) -> None:
        text = ctx.message
        if self.patterns.matches("abuse", text):
            ctx.stop(AnswerStatus.REJECTED, self.replies.get("rejected_abuse"))
        elif self.patterns.matches("greeting", text):
            ctx.intent = "greeting"
            ctx.stop(AnswerStatus.ANSWERED, self.replies.get("greeting", city=self.city))
        elif self.patterns.matches("thanks", text):
            ctx.intent = "thanks"
            ctx.stop(AnswerStatus.ANSWERED, self.replies.get("thanks"))
        elif self.patterns.matches("handoff", text):
            ctx.intent = "handoff"
            ctx.stop(AnswerStatus.HANDOFF, self.replies.get("handoff", contact=self.default_contact))
        elif self.patterns.matches("status", text):
            ctx.intent = "status"


@dataclass
class StatusLookup:
    lookup: RecordsLookup
    name: str = "status_lookup"

    def __call__(self, ctx: TurnContext) -> None:
        if ctx.intent == "status":
            self.lookup.answer(ctx)


@dataclass
class Curated:
    index: CuratedIndex
    retriever: Retriever
    name: str = "curated"

    def __call__(self, ctx: TurnContext) -> None:
        ctx.query = self.retriever.encode(ctx.message, ctx.history)
        match = self.index.match(ctx.query.question_vector)
        if match is not None:
            ctx.citations = list(match.citations)
            ctx.sentences = [AnswerSentence(match.answer, 0 if match.citations else -1)]
            ctx.confidence = match.similarity
            ctx.stop(AnswerStatus.CURATED, match.answer)


@dataclass
class Retrieve:
    retriever: Retriever
    k: int = 5
    name: str = "retrieve"

    def __call__(self, ctx: TurnContext) -> None:
        if ctx.query is None:
            ctx.query = self.retriever.encode(ctx.message, ctx.history)
        ctx.hits = self.retriever.search(ctx.query, k=self.k)


@dataclass
class Compose:
    composer: ExtractiveComposer
    name: str = "compose"

    def __call__(self, ctx: TurnContext) -> None:
        for picked in self.composer.compose(ctx.message, ctx.hits):
            hit, sentence = picked.hit, picked.sentence
            citation = Citation(
                document_id=hit.document_id,
                title=hit.title,
                section_path=hit.section_path,
                source_url=hit.source_uri,
                effective_date=hit.effective_date,
                quote=hit.text,
                start=hit.start,
                end=hit.end,
            )
            if citation not in ctx.citations:
                ctx.citations.append(citation)
            ctx.sentences.append(AnswerSentence(sentence.text, ctx.citations.index(citation)))


@dataclass
class Verify:
    name: str = "verify"

    def __call__(self, ctx: TurnContext) -> None:
        kept = [s for s in ctx.sentences if supported(s.text, ctx.citations[s.citation].quote)]
        used = sorted({s.citation for s in kept})
        ctx.sentences = [AnswerSentence(s.text, used.index(s.citation)) for s in kept]
        ctx.citations = [ctx.citations[i] for i in used]


@dataclass
class ConfidenceGate:
    gate: Gate
    name: str = "gate"

    def __call__(self, ctx: TurnContext) -> None:
        self.gate.decide(ctx)
