"""The confidence gate: answer only when retrieval and support are strong; otherwise say so and route.

Confidence is a logistic score over a few signals of the composed answer (see `FEATURES`):

    sent     best similarity of a shown sentence to the question with its conversation
    qsent    best similarity of a shown sentence to the question alone
    dense    similarity of the cited passage to the question with its conversation
    cov      share of the question's terms found in the cited passage
    miss     rarity-weighted share of the question's terms the cited document never uses
    maxmiss  rarity of the rarest such missing term, relative to the question's rarest term
    absent   rarity-weighted share of the question's terms no document uses

The weights, bias and threshold are data (`data/gate.en.yml`), fitted by `askcity eval calibrate` on
labelled answerable and out-of-scope questions. `miss` and `maxmiss` catch the near misses that
embeddings alone do not ("do I need to license my cat?" against the dog licence page).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from bot.answering.context import TurnContext
from bot.answering.replies import Replies
from bot.answering.statuses import AnswerStatus
from knowledge_base.records import RetrievedChunk
from knowledge_base.termstats import TermStats
from knowledge_base.text import terms

FEATURES = ("sent", "qsent", "dense", "cov", "miss", "maxmiss", "absent")
DATA = Path(__file__).parent / "data"


@dataclass(frozen=True, slots=True)
class GateConfig:
    weights: dict[str, float] = field(default_factory=dict)
    bias: float = 0.0
    answer_threshold: float = 0.5  # probability that the answer is grounded
    department_floor: float = 0.35  # passage similarity above which its department is the right contact
    clarify_margin: float = 0.04  # top documents this close (relative) make a short question ambiguous
    clarify_max_terms: int = 1


@lru_cache
def load_gate_config(language: str = "en") -> GateConfig:
    raw = yaml.safe_load((DATA / f"gate.{language}.yml").read_text(encoding="utf-8"))
    return GateConfig(
        weights={k: float(v) for k, v in raw["weights"].items()},
        bias=float(raw["bias"]),
        answer_threshold=float(raw["threshold"]),
    )


def coverage(question: str, passage: str) -> float:
    wanted = set(terms(question))
    return len(wanted & set(terms(passage))) / len(wanted) if wanted else 0.0


def features(ctx: TurnContext, stats: TermStats | None) -> dict[str, float]:
    """The gate's signals for a composed turn (all zero when nothing was composed)."""
    if not ctx.sentences or not ctx.hits or not ctx.citations:
        return dict.fromkeys(FEATURES, 0.0) | {"miss": 1.0, "maxmiss": 1.0}
    cited = ctx.citations[0].document_id
    hit = next((h for h in ctx.hits if h.document_id == cited), ctx.hits[0])
    shown = {s.text for s in ctx.sentences}
    picked = [s for h in ctx.hits for s in h.sentences if s.text in shown]
    values = {
        "sent": max((s.similarity for s in picked), default=0.0),
        "qsent": max((s.question_similarity for s in picked), default=0.0),
        "dense": hit.dense_score,
        "cov": coverage(ctx.message, hit.text),
        "miss": 0.0,
        "maxmiss": 0.0,
        "absent": 0.0,
    }
    wanted = [t for t in set(terms(ctx.message)) if len(t) >= 3]
    if stats is not None and wanted:
        weight = {t: stats.idf(t) for t in wanted}
        total = sum(weight.values()) or 1.0
        missing = [t for t in wanted if not stats.covered(t, cited)]
        values["miss"] = sum(weight[t] for t in missing) / total
        values["maxmiss"] = max((weight[t] for t in missing), default=0.0) / (max(weight.values()) or 1.0)
        values["absent"] = sum(weight[t] for t in missing if not stats.covered(t)) / total
    return values


def probability(config: GateConfig, values: dict[str, float]) -> float:
    z = config.bias + sum(config.weights.get(name, 0.0) * values[name] for name in FEATURES)
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


class Gate:
    def __init__(
        self,
        config: GateConfig,
        replies: Replies,
        default_contact: str,
        term_stats: Callable[[], TermStats] | None = None,
    ) -> None:
        self.config = config
        self.replies = replies
        self.default_contact = default_contact
        self._term_stats = term_stats

    def confidence(self, ctx: TurnContext) -> float:
        if not ctx.sentences:
            return 0.0
        stats = self._term_stats() if self._term_stats is not None else None
        return probability(self.config, features(ctx, stats))

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
