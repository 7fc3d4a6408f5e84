"""The confidence gate: answer only when the passage is supported by what the resident asked *now*;
otherwise say so and route to a person.

Confidence is a logistic score over signals of the verified draft (`FEATURES`):

    qsent    best similarity of a shown sentence to the question alone
    qdense   similarity of the cited passage to the question alone
    qgap     how much better the question alone matches some other document than the cited one
    qbest    best similarity of the question alone to any passage
    cov      share of the question's terms found in the cited passage
    miss     rarity-weighted share of the question's terms the cited document never uses
    maxmiss  rarity of the rarest such missing term, relative to the question's rarest term
    absent   rarity-weighted share of the question's terms no document uses
    refers, short, shared   how much the message leans on the conversation (`continuity.py`)
    csent, cdense           the best shown sentence's and the cited passage's similarity to the question
                            *with its conversation*, counted only as far as the message leans on it
    scov     share of the question's terms found in the shown sentences themselves
    typed    1 when the question asks for a kind of thing (an amount, a date, …) and a shown sentence
             holds one, 0 when none does, 0.5 when the question asks for no particular kind
    qmargin  how much better the question alone matches its best document than the second best
    qsentbest best similarity of the question alone to any sentence of the candidate passages
    nterms   the question's content words (a tenth of their number, at most 1)
    unknown  1 when some content word of the question (four letters or more) is used by no document
             at all, not even in a near form ("oakfield", "asylum"), else 0
    bestcov  rarity-weighted share of the question's terms found in the single best-covering document
    tcov     rarity-weighted share of the question's terms in the cited document's title and section
             headings: is the page *about* what was asked, or does it only mention it?
    pcov     rarity-weighted share of the question's terms found in the cited passage itself

The conversation's similarity enters only through `csent` and `cdense`: when it entered on its own,
an unrelated question after a few on parking ("what's the weather tomorrow?") was answered from the
parking page, carried by the conversation. Now its support counts for a follow-up, not for a new
question.
The weights, bias and threshold are data (`data/gate.en.yml`) fitted by `askcity eval calibrate`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from bot.answering.composer import AnswerTypes
from bot.answering.links import join_sentences
from bot.answering.replies import Replies
from bot.answering.statuses import AnswerStatus
from bot.answering.turn import Reply, VerifiedDraft
from knowledge_base.continuity import Continuity, ContinuityCues, continuity, load_cues
from knowledge_base.records import RetrievedChunk
from knowledge_base.termstats import TermStats
from knowledge_base.text import terms

FEATURES = (
    "qsent",
    "qdense",
    "qgap",
    "qbest",
    "cov",
    "miss",
    "maxmiss",
    "absent",
    "refers",
    "short",
    "shared",
    "csent",
    "cdense",
    "scov",
    "typed",
    "qmargin",
    "qsentbest",
    "nterms",
    "unknown",
    "bestcov",
    "tcov",
    "pcov",
)
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


def features(
    draft: VerifiedDraft, stats: TermStats | None, cues: ContinuityCues, answer_types: AnswerTypes = ()
) -> dict[str, float]:
    """The gate's signals for a verified draft (all zero, and every term missing, when it is empty)."""
    hits = draft.hits
    if not draft.sentences or not hits.chunks or not draft.citations:
        return dict.fromkeys(FEATURES, 0.0) | {"miss": 1.0, "maxmiss": 1.0}
    query = hits.query
    question = query.question
    cited = draft.citations[0].document_id
    hit = next((h for h in hits.chunks if h.document_id == cited), hits.chunks[0])
    shown = {s.text for s in draft.sentences}
    picked = [s for h in hits.chunks for s in h.sentences if s.text in shown]
    lean = (
        continuity(question, query.question_terms, query.history_terms, cues)
        if query.has_context
        else Continuity()
    )
    sent = max((s.similarity for s in picked), default=0.0)
    values = {
        "qsent": max((s.question_similarity for s in picked), default=0.0),
        "qdense": hit.question_score,
        "qgap": max(0.0, hits.question_best - hits.question_by_document.get(cited, hit.question_score)),
        "qbest": hits.question_best,
        "cov": coverage(question, hit.text),
        "miss": 0.0,
        "maxmiss": 0.0,
        "absent": 0.0,
        "refers": lean.refers,
        "short": lean.short,
        "shared": lean.shared,
        "csent": lean.score * sent,
        "cdense": lean.score * hit.dense_score,
        "scov": coverage(question, " ".join(shown)),
        "typed": _typed(question, shown, answer_types),
        "qmargin": _margin(hits.question_by_document),
        "qsentbest": hits.question_sentence_best,
        "nterms": min(1.0, len(set(query.question_terms)) / 10),
        "unknown": 0.0,
        "bestcov": 0.0,
        "tcov": 0.0,
        "pcov": 0.0,
    }
    wanted = [t for t in set(terms(question)) if len(t) >= 3]
    if stats is not None and wanted:
        weight = {t: stats.idf(t) for t in wanted}
        total = sum(weight.values()) or 1.0
        missing = [t for t in wanted if not stats.covered(t, cited)]
        values["miss"] = sum(weight[t] for t in missing) / total
        values["maxmiss"] = max((weight[t] for t in missing), default=0.0) / (max(weight.values()) or 1.0)
        values["absent"] = sum(weight[t] for t in missing if not stats.covered(t)) / total
        values["unknown"] = float(any(len(t) >= 4 and t.isalpha() and not stats.covered(t) for t in wanted))
        near = sorted(hits.question_by_document, key=lambda d: -hits.question_by_document[d])[:5]
        docs = {h.document_id for h in hits.chunks} | set(near)
        values["bestcov"] = max((stats.covered_share(wanted, d) for d in docs), default=0.0)
        heading = set(terms(" ".join([hit.title, *hit.section_path])))
        passage = set(terms(hit.text))
        values["tcov"] = sum(weight[t] for t in wanted if t in heading) / total
        values["pcov"] = sum(weight[t] for t in wanted if t in passage) / total
    return values


def _typed(question: str, shown: set[str], answer_types: AnswerTypes) -> float:
    wanted = [t for t in answer_types if t.question.search(question)]
    if not wanted:
        return 0.5
    return 1.0 if any(t.holds(text, question) for t in wanted for text in shown) else 0.0


def _margin(by_document: Mapping[str, float]) -> float:
    best = sorted(by_document.values(), reverse=True)[:2]
    return best[0] - best[1] if len(best) == 2 else (best[0] if best else 0.0)


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
        cues: ContinuityCues | None = None,
        answer_types: AnswerTypes = (),
    ) -> None:
        self.config = config
        self.replies = replies
        self.default_contact = default_contact
        self._term_stats = term_stats
        self.cues = cues or load_cues()
        self.answer_types = answer_types

    def features(self, draft: VerifiedDraft) -> dict[str, float]:
        stats = self._term_stats() if self._term_stats is not None else None
        return features(draft, stats, self.cues, self.answer_types)

    def confidence(self, draft: VerifiedDraft) -> float:
        if not draft.sentences:
            return 0.0
        return probability(self.config, self.features(draft))

    def decide(self, draft: VerifiedDraft) -> Reply:
        confidence = self.confidence(draft)
        if confidence < self.config.answer_threshold:
            return self.no_answer(draft, confidence)
        options = self._ambiguous(draft)
        if options:
            return Reply(
                AnswerStatus.CLARIFICATION,
                self.replies.get("clarification"),
                confidence=confidence,
                follow_ups=tuple(options),
            )
        return Reply(
            AnswerStatus.ANSWERED,
            join_sentences(draft.sentences),
            sentences=draft.sentences,
            citations=draft.citations,
            confidence=confidence,
            follow_ups=_follow_ups(draft),
        )

    def no_answer(self, draft: VerifiedDraft, confidence: float = 0.0) -> Reply:
        """ "I can't answer that", with the best contact: the department of a passage that matches the
        question itself well enough, else the city's contact centre."""
        top = draft.hits.chunks[0] if draft.hits.chunks else None
        text = self.replies.get("no_answer")
        if top is not None and top.question_score >= self.config.department_floor and top.contact:
            text += " " + self.replies.get(
                "no_answer_contact", department=top.department or top.title, contact=top.contact
            )
        else:
            text += " " + self.replies.get("no_answer_default", contact=self.default_contact)
        return Reply(AnswerStatus.NO_ANSWER, text, confidence=confidence, follow_ups=("Talk to a person",))

    def _ambiguous(self, draft: VerifiedDraft) -> list[str]:
        """Titles of the documents a short, context-free question fits about equally well."""
        cfg = self.config
        hits = draft.hits
        if hits.query.has_context or len(terms(hits.query.question)) > cfg.clarify_max_terms:
            return []
        best: dict[str, RetrievedChunk] = {}
        for hit in hits.chunks:
            best.setdefault(hit.document_id, hit)
        ranked = list(best.values())
        if len(ranked) < 2:
            return []
        top = ranked[0].score
        close = [h for h in ranked if top - h.score <= cfg.clarify_margin * abs(top)]
        return [h.title for h in close[:3]] if len(close) > 1 else []


def _follow_ups(draft: VerifiedDraft) -> tuple[str, ...]:
    """Other sections of the cited document, as things the resident may want next."""
    cited = draft.citations[0] if draft.citations else None
    if cited is None:
        return ()
    seen = {cited.section_path}
    out: list[str] = []
    for hit in draft.hits.chunks:
        if hit.document_id == cited.document_id and hit.section_path not in seen and hit.section_path:
            seen.add(hit.section_path)
            out.append(f"{hit.title}: {hit.section_path[-1]}")
    return tuple(out[:3])
