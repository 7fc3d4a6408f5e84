"""`askcity eval assist`: the agent console's suggested replies on labelled conversations.

Each labelled question is asked as the latest resident message of its conversation (the history's
user turns as the resident's, its agent turns as the agent's). Figures over answerable questions:

- best_of_three_f1: SQuAD-style token F1 (`evaluation.answers.token_f1`, x100) of the best of the
  suggestions against the gold span or answer: the agent picks the one that answers;
- first_suggestion_f1: the same for the first suggestion alone;
- gold_document_in_citations: the share where a suggestion cites a gold document;
- latency of one request for suggestions, in-process (redaction, embedding, retrieval, composition,
  verification and the gate for each suggestion).
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from pydantic import BaseModel

from bot.answering.factory import AnsweringConfig
from bot.privacy import PiiDetector, Redactor
from bot.staff.assist import Assistant, Said
from evaluation.answers import bench, token_f1
from evaluation.questions import LabelledQuestion, load_questions
from evaluation.retrieval import percentile, with_history_turns
from knowledge_base.embedder import Embedder
from knowledge_base.retriever import RetrievalConfig


class AssistReport(BaseModel):
    n: int
    suggestions_per_request: int
    best_of_three_f1: float
    first_suggestion_f1: float
    gold_document_in_citations: float
    gold_document_in_first: float
    mean_suggestions: float
    mean_suggestion_chars: float
    latency_ms_p50: float
    latency_ms_p95: float


def conversation(q: LabelledQuestion) -> list[Said]:
    said = [Said("resident" if t.role == "user" else "agent", t.text) for t in q.history]
    return [*said, Said("resident", q.question)]


def evaluate(assistant: Assistant, questions: list[LabelledQuestion]) -> AssistReport:
    best: list[float] = []
    first: list[float] = []
    gold_in: list[bool] = []
    gold_first: list[bool] = []
    counts: list[int] = []
    chars: list[int] = []
    latencies: list[float] = []
    for q in questions:
        started = time.perf_counter()
        found = assistant.suggest(conversation(q))
        latencies.append((time.perf_counter() - started) * 1000)
        if not q.answerable:
            continue
        golds = [s.text for s in q.gold_spans if s.text] + ([q.gold_answer] if q.gold_answer else [])
        scores = [100 * max((token_f1(s.text, g) for g in golds), default=0.0) for s in found.suggestions]
        best.append(max(scores, default=0.0))
        first.append(scores[0] if scores else 0.0)
        cited = [{c.document_id for c in s.citations} for s in found.suggestions]
        gold = set(q.gold_doc_ids)
        gold_in.append(any(c & gold for c in cited))
        gold_first.append(bool(cited and cited[0] & gold))
        counts.append(len(found.suggestions))
        chars.extend(len(s.text) for s in found.suggestions)
    n = max(1, len(best))
    return AssistReport(
        n=len(best),
        suggestions_per_request=assistant.count,
        best_of_three_f1=round(statistics.fmean(best), 2) if best else 0.0,
        first_suggestion_f1=round(statistics.fmean(first), 2) if first else 0.0,
        gold_document_in_citations=round(sum(gold_in) / n, 4),
        gold_document_in_first=round(sum(gold_first) / n, 4),
        mean_suggestions=round(statistics.fmean(counts), 2) if counts else 0.0,
        mean_suggestion_chars=round(statistics.fmean(chars), 1) if chars else 0.0,
        latency_ms_p50=percentile(latencies, 0.5),
        latency_ms_p95=percentile(latencies, 0.95),
    )


def run(
    documents: Path,
    questions: Path,
    embedder: Embedder,
    history_turns: int | None = None,
    retrieval: RetrievalConfig | None = None,
    answering: AnsweringConfig | None = None,
    workdir: Path | None = None,
) -> AssistReport:
    config = with_history_turns(retrieval or RetrievalConfig(), history_turns)
    labelled = load_questions(questions)
    redactor = Redactor(PiiDetector())
    redactor.warm_up()
    with bench(documents, workdir, embedder, redactor, answering, config) as (_, pipeline):
        return evaluate(Assistant(pipeline), labelled)
