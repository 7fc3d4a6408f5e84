"""`askcity eval answers`: the real answering pipeline on labelled questions.

answer_f1 is SQuAD-style token F1 (lower-cased, punctuation and articles removed) of the answer text
against the best-matching gold span (or gold answer), x100, averaged over answerable questions;
a refusal scores 0 there. Out-of-scope questions (no gold document) count toward `no_answer_rate`.
"""

from __future__ import annotations

import collections
import re
import statistics
import string
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel

from bot.answering.factory import AnsweringConfig, build_pipeline
from bot.answering.pipeline import Pipeline
from bot.answering.statuses import AnswerStatus
from bot.privacy import PiiDetector, Redactor
from evaluation.questions import LabelledQuestion, load_questions
from evaluation.retrieval import BuiltKnowledgeBase, build, percentile, with_history_turns, workspace
from knowledge_base.embedder import Embedder
from knowledge_base.retriever import RetrievalConfig

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = str.maketrans("", "", string.punctuation)


def _tokens(text: str) -> list[str]:
    return _ARTICLES.sub(" ", text.lower().translate(_PUNCT)).split()


def token_f1(prediction: str, gold: str) -> float:
    pred, ref = _tokens(prediction), _tokens(gold)
    if not pred or not ref:
        return float(pred == ref)
    common = sum((collections.Counter(pred) & collections.Counter(ref)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


class AnswersReport(BaseModel):
    n: int
    answer_f1: float
    status_counts: dict[str, int]
    no_answer_rate: float
    out_of_scope_n: int
    out_of_scope_refusal_rate: float
    answerable_refusal_rate: float
    mean_answer_chars: float
    latency_ms_p50: float
    latency_ms_p95: float


REFUSALS = {AnswerStatus.NO_ANSWER, AnswerStatus.HANDOFF, AnswerStatus.REJECTED}


def evaluate(pipeline: Pipeline, questions: list[LabelledQuestion]) -> AnswersReport:
    f1s: list[float] = []
    chars: list[int] = []
    latencies: list[float] = []
    counts: collections.Counter[str] = collections.Counter()
    refused_in, refused_out, out_n = 0, 0, 0
    for q in questions:
        started = time.perf_counter()
        answer = pipeline.run(q.question, q.history)
        latencies.append((time.perf_counter() - started) * 1000)
        counts[answer.status.value] += 1
        refused = answer.status in REFUSALS
        if not q.answerable:
            out_n += 1
            refused_out += refused
            continue
        refused_in += refused
        golds = [s.text for s in q.gold_spans if s.text] + ([q.gold_answer] if q.gold_answer else [])
        text = "" if refused else answer.text
        if answer.status == AnswerStatus.ANSWERED:
            chars.append(len(answer.text))
        f1s.append(100 * max((token_f1(text, g) for g in golds), default=0.0))
    answerable = max(1, len(questions) - out_n)
    return AnswersReport(
        n=len(questions),
        answer_f1=round(statistics.fmean(f1s), 2) if f1s else 0.0,
        status_counts=dict(sorted(counts.items())),
        no_answer_rate=round(counts[AnswerStatus.NO_ANSWER.value] / max(1, len(questions)), 4),
        out_of_scope_n=out_n,
        out_of_scope_refusal_rate=round(refused_out / out_n, 4) if out_n else 0.0,
        answerable_refusal_rate=round(refused_in / answerable, 4),
        mean_answer_chars=round(statistics.fmean(chars), 1) if chars else 0.0,
        latency_ms_p50=percentile(latencies, 0.5),
        latency_ms_p95=percentile(latencies, 0.95),
    )


@contextmanager
def bench(
    documents: Path,
    workdir: Path | None,
    embedder: Embedder,
    redactor: Redactor,
    answering: AnsweringConfig | None = None,
    retrieval: RetrievalConfig | None = None,
) -> Iterator[tuple[BuiltKnowledgeBase, Pipeline]]:
    """A knowledge base built from `documents` and the real answering pipeline over it."""
    with workspace(workdir) as where:
        built = build(documents, where, embedder, retrieval=retrieval)
        try:
            yield built, build_pipeline(answering or AnsweringConfig(), redactor, built.retriever)
        finally:
            built.kb.close()


def run(
    documents: Path,
    questions: Path,
    embedder: Embedder,
    history_turns: int | None = None,
    retrieval: RetrievalConfig | None = None,
    answering: AnsweringConfig | None = None,
    workdir: Path | None = None,
) -> AnswersReport:
    config = with_history_turns(retrieval or RetrievalConfig(), history_turns)
    labelled = load_questions(questions)
    redactor = Redactor(PiiDetector())
    redactor.warm_up()
    with bench(documents, workdir, embedder, redactor, answering, config) as (_, pipeline):
        return evaluate(pipeline, labelled)
