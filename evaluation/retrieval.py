"""`askcity eval retrieval`: build a throwaway knowledge base with the real pipeline and measure retrieval."""

from __future__ import annotations

import contextlib
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel

from bot.generation.rewrite import is_follow_up
from evaluation.questions import LabelledQuestion, load_questions, locate
from ingest.chunking import ChunkingConfig
from ingest.pipeline import Ingestor
from knowledge_base.embedder import Embedder
from knowledge_base.kb import KnowledgeBase
from knowledge_base.records import RetrievedChunk, Turn
from knowledge_base.retriever import RetrievalConfig, Retriever

if TYPE_CHECKING:
    from bot.generation.generator import Generator

CUTOFFS = (1, 5, 10)

# A follow-up made standalone by a language model (None: keep the question and its conversation)
Rewriter = Callable[[str, Sequence[Turn]], "str | None"]


class RetrievalReport(BaseModel):
    n: int
    doc_recall_at_1: float
    doc_recall_at_5: float
    doc_recall_at_10: float
    span_recall_at_1: float
    span_recall_at_5: float
    span_recall_at_10: float
    mrr_at_10: float
    topic_change_n: int
    topic_change_doc_recall_at_1: float
    mean_chunk_chars: float
    latency_ms_p50: float
    latency_ms_p95: float
    index_seconds: float
    # with `--rewrite`: follow-ups sent to the model, and what came of them
    rewrite_asked: int = 0
    rewrite_used: int = 0
    rewrite_seconds_p50: float = 0.0

    def public(self) -> dict[str, float | int]:
        """The figures under the names the issue gives them (`doc_recall@1`, ...)."""
        return {k.replace("_at_", "@"): v for k, v in self.model_dump().items()}


@dataclass
class BuiltKnowledgeBase:
    kb: KnowledgeBase
    retriever: Retriever
    texts: dict[str, str]
    index_seconds: float
    mean_chunk_chars: float


def build(
    documents: Path,
    workdir: Path,
    embedder: Embedder,
    chunking: ChunkingConfig | None = None,
    retrieval: RetrievalConfig | None = None,
) -> BuiltKnowledgeBase:
    kb = KnowledgeBase(workdir / "kb", f"sqlite:///{workdir / 'kb.sqlite3'}", embedder)
    kb.migrate()
    started = time.perf_counter()
    summary = Ingestor(kb, chunking).ingest([documents])
    if summary.failed and not (summary.added or summary.updated):
        reasons = "; ".join(f"{f.source}: {f.reason}" for f in summary.failed[:3])
        raise ValueError(f"no documents could be ingested from {documents}: {reasons}")
    index_seconds = time.perf_counter() - started
    retriever = kb.retriever(retrieval, reload_check_seconds=3600)
    snap = retriever.snapshot
    texts = {d.id: d.text for d, _ in kb.store.active()}
    mean_chars = statistics.fmean(len(c.text) for c in snap.chunks) if snap.chunks else 0.0
    return BuiltKnowledgeBase(kb, retriever, texts, index_seconds, mean_chars)


def _span_hit(hit: RetrievedChunk, q: LabelledQuestion, texts: dict[str, str]) -> bool:
    for span in q.gold_spans:
        if span.doc_id != hit.document_id:
            continue
        if span.start is not None and span.end is not None:
            start, end = int(span.start), int(span.end)
        else:
            found = locate(texts.get(span.doc_id, ""), span.text)
            if found is None:
                continue
            start, end = found
        if hit.start < end and start < hit.end:
            return True
    return False


def model_rewriter(generator: Generator) -> Rewriter:
    """The answering pipeline's rewrite, as a function: the model's standalone question or None."""
    from bot.generation.rewrite import rewrite_follow_up

    return lambda question, history: rewrite_follow_up(generator, question, history)[0]


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of `values`, one of the values itself, to 2 decimals; 0 when empty."""
    return round(float(np.percentile(values, 100 * q, method="nearest")), 2) if values else 0.0


def evaluate(
    built: BuiltKnowledgeBase, questions: list[LabelledQuestion], rewrite: Rewriter | None = None
) -> RetrievalReport:
    """The figures; with `rewrite`, each follow-up is first made standalone by it and, when it gives a
    question, retrieved alone (as the answering pipeline's `rewrite` step does)."""
    answerable = [q for q in questions if q.answerable]
    doc_hits = dict.fromkeys(CUTOFFS, 0)
    span_hits = dict.fromkeys(CUTOFFS, 0)
    reciprocal = 0.0
    latencies: list[float] = []
    rewrites: Counter[str] = Counter()
    rewrite_seconds: list[float] = []
    for q in answerable:
        question, history = q.question, list(q.history)
        if rewrite is not None and is_follow_up(history):
            started = time.perf_counter()
            standalone = rewrite(question, history)
            rewrite_seconds.append(time.perf_counter() - started)
            rewrites["asked"] += 1
            if standalone is not None:
                rewrites["used"] += 1
                question, history = standalone, []
        started = time.perf_counter()
        hits = built.retriever.retrieve(question, history=history, k=max(CUTOFFS))
        latencies.append((time.perf_counter() - started) * 1000)
        gold = set(q.gold_doc_ids)
        first = next((r for r, h in enumerate(hits, 1) if h.document_id in gold), None)
        if first is not None:
            reciprocal += 1 / first
        span_ranks = [r for r, h in enumerate(hits, 1) if _span_hit(h, q, built.texts)]
        for k in CUTOFFS:
            doc_hits[k] += first is not None and first <= k
            span_hits[k] += bool(span_ranks) and span_ranks[0] <= k
    n = max(len(answerable), 1)
    return RetrievalReport(
        n=len(answerable),
        doc_recall_at_1=round(doc_hits[1] / n, 4),
        doc_recall_at_5=round(doc_hits[5] / n, 4),
        doc_recall_at_10=round(doc_hits[10] / n, 4),
        span_recall_at_1=round(span_hits[1] / n, 4),
        span_recall_at_5=round(span_hits[5] / n, 4),
        span_recall_at_10=round(span_hits[10] / n, 4),
        mrr_at_10=round(reciprocal / n, 4),
        **_topic_change(built, answerable),
        mean_chunk_chars=round(built.mean_chunk_chars, 1),
        latency_ms_p50=percentile(latencies, 0.5),
        latency_ms_p95=percentile(latencies, 0.95),
        index_seconds=round(built.index_seconds, 2),
        rewrite_asked=rewrites["asked"],
        rewrite_used=rewrites["used"],
        rewrite_seconds_p50=percentile(rewrite_seconds, 0.5),
    )


def _topic_change(built: BuiltKnowledgeBase, answerable: list[LabelledQuestion]) -> dict[str, float]:
    """doc@1 of each first-turn question asked right after an unrelated one (the next first-turn
    question of the set with other gold documents): a resident who changes the subject must not be
    answered from the earlier one."""
    firsts = [q for q in answerable if not q.history]
    hits = asked = 0
    for i, q in enumerate(firsts):
        gold = set(q.gold_doc_ids)
        earlier = next((o for o in firsts[i + 1 :] + firsts[:i] if not gold & set(o.gold_doc_ids)), None)
        if earlier is None:
            continue
        top = built.retriever.retrieve(q.question, history=[Turn("user", earlier.question)], k=1)
        asked += 1
        hits += bool(top) and top[0].document_id in gold
    return {"topic_change_n": asked, "topic_change_doc_recall_at_1": round(hits / max(asked, 1), 4)}


def with_history_turns(config: RetrievalConfig, history_turns: int | None) -> RetrievalConfig:
    """`--history-turns N`: N earlier user turns and at most N of the replies (None: the config's own)."""
    if history_turns is None:
        return config
    return replace(config, history_turns=history_turns, agent_turns=min(config.agent_turns, history_turns))


def run(
    documents: Path,
    questions: Path,
    embedder: Embedder,
    history_turns: int | None = None,
    chunking: ChunkingConfig | None = None,
    retrieval: RetrievalConfig | None = None,
    workdir: Path | None = None,
    rewrite: Rewriter | None = None,
) -> RetrievalReport:
    config = with_history_turns(retrieval or RetrievalConfig(), history_turns)
    labelled = load_questions(questions)
    with workspace(workdir) as where:
        built = build(documents, where, embedder, chunking, config)
        try:
            return evaluate(built, labelled, rewrite)
        finally:
            built.kb.close()


@contextlib.contextmanager
def workspace(workdir: Path | None) -> Iterator[Path]:
    """A throwaway directory, or `workdir` kept between runs (unchanged documents are not re-embedded)."""
    if workdir is not None:
        workdir.mkdir(parents=True, exist_ok=True)
        yield workdir
        return
    with tempfile.TemporaryDirectory(prefix="askcity-eval-") as tmp:
        yield Path(tmp)
