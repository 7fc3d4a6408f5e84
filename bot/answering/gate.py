"""The confidence gate: answer only when retrieval and support are strong; otherwise say so and route.

confidence = clip(a * best answer-sentence similarity + b * passage similarity + c * question-term
coverage of the cited passage + bias, 0, 1); the weights and the threshold are data
(`GateConfig`), calibrated on labelled in-scope and out-of-scope questions (`askcity eval answers`).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.answering.context import TurnContext
from bot.answering.replies import Replies
from bot.answering.statuses import AnswerStatus
from knowledge_base.records import RetrievedChunk
from knowledge_base.text import terms


@dataclass(frozen=True, slots=True)
class GateConfig:
    sentence_weight: float = 0.5
    passage_weight: float = 0.5
    coverage_weight: float = 0.2
    bias: float = 0.0
    answer_threshold: float = 0.45
    department_floor: float = 0.35  # passage similarity above which its department is the right contact
    clarify_margin: float = 0.04  # top documents this close (relative) make a short question ambiguous
    clarify_max_terms: int = 2


def coverage(question: str, passage: str) -> float:
    wanted = set(terms(question))
    return len(wanted & set(terms(passage))) / len(wanted) if wanted else 0.0


class Gate:
    def __init__(self, config: GateConfig, replies: Replies, default_contact: str) -> None:
        self.config = config
        self.replies = replies
        self.default_contact = default_contact

    def confidence(self, ctx: TurnContext) -> float:
        if not ctx.sentences or not ctx.hits:
            return 0.0
        cfg = self.config
        cited = {c.document_id for c in ctx.citations}
        hit = next((h for h in ctx.hits if h.document_id in cited), ctx.hits[0])
        shown = {s.text for s in ctx.sentences}
        sims = [s.similarity for h in ctx.hits for s in h.sentences if s.text in shown]
        raw = (
            cfg.sentence_weight * (max(sims) if sims else 0.0)
            + cfg.passage_weight * hit.dense_score
            + cfg.coverage_weight * coverage(ctx.message, hit.text)
            + cfg.bias
        )
        return max(0.0, min(1.0, raw))

    def decide(self, ctx: TurnContext) -> None:
        ctx.confidence = self.confidence(ctx)
        if ctx.confidence < self.config.answer_threshold:
            self._no_answer(ctx)
            return
        options = self._ambiguous(ctx)
        if options:
            ctx.sentences, ctx.citations = [], []
            ctx.stop(AnswerStatus.CLARIFICATION, self.replies.get("clarification"), follow_ups=options)
            return
        ctx.follow_ups = _follow_ups(ctx)
        ctx.stop(AnswerStatus.ANSWERED, " ".join(s.text for s in ctx.sentences))

    def _no_answer(self, ctx: TurnContext) -> None:
        top = ctx.hits[0] if ctx.hits else None
        text = self.replies.get("no_answer")
        if top is not None and top.dense_score >= self.config.department_floor and top.contact:
            text += " " + self.replies.get(
                "no_answer_contact", department=top.department or top.title, contact=top.contact
            )
        else:
            text += " " + self.replies.get("no_answer_default", contact=self.default_contact)
        ctx.sentences, ctx.citations = [], []
        ctx.stop(AnswerStatus.NO_ANSWER, text, follow_ups=["Talk to a person"])

    def _ambiguous(self, ctx: TurnContext) -> list[str]:
        """Titles of the documents a short, context-free question fits about equally well."""
        cfg = self.config
        if ctx.history or len(terms(ctx.message)) > cfg.clarify_max_terms:
            return []
        best: dict[str, RetrievedChunk] = {}
        for hit in ctx.hits:
            best.setdefault(hit.document_id, hit)
        ranked = list(best.values())
        if len(ranked) < 2:
            return []
        top = ranked[0].score
        close = [h for h in ranked if top - h.score <= cfg.clarify_margin * abs(top)]
        return [h.title for h in close[:3]] if len(close) > 1 else []


def _follow_ups(ctx: TurnContext) -> list[str]:
    """Other sections of the cited document, as things the resident may want next."""
    cited = ctx.citations[0] if ctx.citations else None
    if cited is None:
        return []
    seen = {cited.section_path}
    out: list[str] = []
    for hit in ctx.hits:
        if hit.document_id == cited.document_id and hit.section_path not in seen and hit.section_path:
            seen.add(hit.section_path)
            out.append(f"{hit.title}: {hit.section_path[-1]}")
    return out[:3]
