"""Hybrid retrieval over the published version: FAISS (dense) + BM25 (lexical), fused, conversation-aware.

A follow-up ("how much does it cost?") names its topic only in earlier turns, while the passage that
answers it is picked out by the current question. So every candidate chunk gets two fused scores that
differ only in how much the conversation weighs:

    fused(h)  = w * cosine(q + h * c, chunk) + (1 - w) * (BM25(q) + h * BM25(c)) / (1 + h)
                + s * best cosine(q + h * c, sentence of the chunk)
    score     = fused(h_focus) + d * max over the chunk's document of fused(h_topic)

where q is the current question and c the conversation: the mean vector of the earlier user turns plus
a share of the mean vector of the last replies given (BM25 uses the user turns; vectors are normalised
after summing, BM25 by its best score). With h_topic > h_focus the conversation decides the document and the
question decides the passage. Reciprocal-rank fusion can replace the weighted sum (`fusion="rrf"`).

Residents also change the subject ("thanks, and when is my bin collected?"). When the question alone
matches some passage clearly better (`topic_shift`, in cosine) than any passage of the document the
conversation points at, it is treated as a new subject and scored without the conversation (h = 0).

The retriever watches the published `CURRENT` pointer and swaps to a new version in the background:
queries keep being served by the old version until the new one is fully loaded and has passed its
content checks (snapshot.py); a version that fails them is refused and the old one stays.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from knowledge_base.continuity import continuity, follow_up_form, keeps_subject, load_cues
from knowledge_base.dense import search_parameters
from knowledge_base.embedder import (
    BatchingEmbedder,
    CachingEmbedder,
    Embedder,
    QueryEncoding,
    StoredEmbedder,
    Vectors,
)
from knowledge_base.errors import CorruptVersionError, KnowledgeBaseError, NoPublishedVersionError
from knowledge_base.records import Filters, RetrievedChunk, Sentence, Turn
from knowledge_base.snapshot import Snapshot
from knowledge_base.text import terms
from knowledge_base.versions import VersionStore

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RetrievalConfig:
    fusion: Literal["weighted", "rrf"] = "weighted"
    dense_weight: float = 0.6
    history_turns: int = 10
    history_weight: float = 0.5
    topic_history_weight: float = 4.0
    sentence_weight: float = 0.3
    document_weight: float = 1.5
    agent_turns: int = 2
    agent_weight: float = 0.5
    candidates: int = 200
    query_cache: int = 20_000  # recent question/turn vectors kept; 0 turns the cache off
    rrf_k: int = 60
    # The resident has moved on to another subject when the question alone (its fused dense, lexical and
    # best-sentence score) matches a passage this much better than anything in the document the
    # conversation points at; 0 turns the check off. A message that does not lean on the conversation
    # (continuity below `continuity_cut`) needs a smaller gap (`topic_shift_standalone`) than a
    # follow-up ("and how much is it?"). Chosen on the train splits of the carry-over set and of
    # doc2dial (docs/benchmarks.md, ADR 3).
    topic_shift: float = 0.6
    topic_shift_standalone: float = 0.4
    continuity_cut: float = 0.5


@dataclass(frozen=True, slots=True)
class Refusal:
    """A published version a process would not serve, and why (for the operator: readiness, logs)."""

    version: str
    reason: str


@dataclass(frozen=True, slots=True)
class Query:
    """A question with its conversation, embedded and tokenised once."""

    question: str
    history_text: str
    question_vector: Vectors
    vector: Vectors
    topic_vector: Vectors
    question_terms: list[str] = field(default_factory=list)
    history_terms: list[str] = field(default_factory=list)
    has_context: bool = False


@dataclass(frozen=True, slots=True)
class SearchResult:
    """What a search found, and how well the current question alone (without the conversation) matches:
    its best cosine with any candidate passage, and with the best passage of each candidate document."""

    chunks: tuple[RetrievedChunk, ...]
    question_best: float
    question_by_document: dict[str, float]
    topic_document: str = ""  # the document the conversation (and question) pointed at
    changed_subject: bool = False  # the question alone decided the document instead
    subject_gap: float = 0.0  # how much better the question alone matched another document
    question_sentence_best: float = 0.0  # best cosine of the question alone with any candidate sentence


def history_turns(history: Sequence[Turn], turns: int) -> list[str]:
    """The last `turns` distinct user turns, oldest first. Each is embedded on its own, so a session's
    earlier turns hit the embedding cache and only the new question costs a model call. A turn asked
    again counts once, where it was last asked: "how much does it cost?" asked three times would
    otherwise outweigh the "parking permit" it is about, and the conversation's topic drift away."""
    if turns <= 0:
        return []
    said = [t.text for t in history if t.role == "user" and t.text.strip()]
    return _distinct(said)[-turns:]


def _last_agent_turns(history: Sequence[Turn], turns: int) -> list[str]:
    """The last `turns` distinct replies (the same fee list given twice counts once, so the reply
    before it, which named the topic, still counts)."""
    if turns <= 0:
        return []
    said = [t.text for t in history if t.role == "agent" and t.text.strip()]
    return _distinct(said)[-turns:]


def _distinct(texts: Sequence[str]) -> list[str]:
    """Each text once, where it last appears, in order."""
    return list(reversed(dict.fromkeys(reversed(texts))))


class Retriever:
    def __init__(
        self,
        versions: VersionStore,
        embedder: Embedder,
        config: RetrievalConfig | None = None,
        reload_check_seconds: float = 1.0,
        vector_dir: Path | None = None,
    ) -> None:
        self._versions = versions
        self.config = config or RetrievalConfig()
        if isinstance(embedder, QueryEncoding):
            embedder = embedder.for_queries()  # questions may use a faster encoder of the same model
        self._examples: Embedder = embedder if vector_dir is None else StoredEmbedder(embedder, vector_dir)
        batched = BatchingEmbedder(embedder)  # concurrent questions share one model call
        self._embedder: Embedder = (
            CachingEmbedder(batched, self.config.query_cache) if self.config.query_cache > 0 else batched
        )
        self._reload_check_seconds = reload_check_seconds
        self._snapshot: Snapshot | None = None
        self._last_check = 0.0
        self._lock = threading.Lock()
        self._loading = False
        self._refusal: Refusal | None = None
        self._watcher: threading.Thread | None = None
        self._closed = threading.Event()

    # ---- versions ---------------------------------------------------------------------------
    @property
    def snapshot(self) -> Snapshot:
        if self._snapshot is None:
            self.refresh()
        else:
            self._maybe_reload_in_background()
        assert self._snapshot is not None
        return self._snapshot

    @property
    def served(self) -> Snapshot | None:
        """The version being served, without loading or checking anything (None before the first)."""
        return self._snapshot

    @property
    def refusal(self) -> Refusal | None:
        """The published version this process refused to load, while `CURRENT` still names it."""
        refusal = self._refusal
        return refusal if refusal is not None and refusal.version == self._versions.current() else None

    def refresh(self) -> bool:
        """Load the published version now if it differs from the one being served. A version that fails
        its checks is refused once (CorruptVersionError, ModelMismatchError) and not loaded again while
        `CURRENT` names it: the old version keeps being served."""
        name = self._versions.current()
        if name is None:
            if self._snapshot is None:
                raise NoPublishedVersionError(
                    "No knowledge base has been published yet. Run `askcity ingest PATH` first."
                )
            return False
        if self._snapshot is not None and self._snapshot.name == name:
            return False
        refused = self._refusal
        if refused is not None and refused.version == name:
            if self._snapshot is None:
                raise CorruptVersionError(refused.reason)
            return False
        try:
            snapshot = Snapshot.load(self._versions.versions_dir / name, self._embedder.name)
        except KnowledgeBaseError as exc:
            self._refusal = Refusal(name, str(exc))
            served = self._snapshot.name if self._snapshot is not None else "nothing"
            log.error("knowledge base version %s refused, still serving %s: %s", name, served, exc)
            raise
        _ = snapshot.speller  # built here, off the request path, before the version is served
        self._snapshot = snapshot  # one reference swap: in-flight queries keep the old object
        self._refusal = None
        log.info("knowledge base version %s (%s) loaded", name, snapshot.manifest.digest or "no digest")
        return True

    def watch(self) -> None:
        """Also look for a new version every `reload_check_seconds` in a background thread, so that
        this process picks one up without waiting for a question; `close` stops it."""
        with self._lock:
            if self._watcher is not None:
                return
            self._watcher = threading.Thread(target=self._watch, name="kb-watch", daemon=True)
        self._watcher.start()

    def close(self) -> None:
        self._closed.set()

    def _watch(self) -> None:
        while not self._closed.wait(self._reload_check_seconds or 1.0):
            if self._claim():
                self._reload()

    def _claim(self) -> bool:
        """True when a new published version should be loaded and no load is running (then this
        caller loads it and must call `_reload`)."""
        name = self._versions.current()
        if name is None or (self._snapshot is not None and name == self._snapshot.name):
            return False
        if self._refusal is not None and name == self._refusal.version:
            return False
        with self._lock:
            if self._loading:
                return False
            self._loading = True
            return True

    def _maybe_reload_in_background(self) -> None:
        now = time.monotonic()
        if now - self._last_check < self._reload_check_seconds:
            return
        self._last_check = now
        if self._claim():
            threading.Thread(target=self._reload, name="kb-reload", daemon=True).start()

    def _reload(self) -> None:
        try:
            self.refresh()
        except KnowledgeBaseError:
            pass  # refused and logged by refresh: the old version is still served
        finally:
            self._loading = False

    # ---- queries ----------------------------------------------------------------------------
    def embed_questions(self, texts: list[str]) -> Vectors:
        """Vectors of questions, from the same encoder (and cache) `encode` uses."""
        return self._embedder.embed(texts)

    def embed_examples(self, texts: list[str]) -> Vectors:
        """Vectors of a fixed list of example questions (a classifier's training set), from the encoder
        `encode` uses; kept on disk between starts when the retriever has a `vector_dir`."""
        return self._examples.embed(texts)

    def encode(self, question: str, history: Sequence[Turn] = ()) -> Query:
        turns = history_turns(history, self.config.history_turns)
        replies = _last_agent_turns(history, self.config.agent_turns)
        # A reply quoted from the knowledge base reuses its stored sentence vectors; others are embedded.
        snap = self.snapshot
        question = snap.speller.correct(question)  # "recyling" is searched as "recycling"
        known = {r: v for r in replies if (v := snap.quoted_vector(r)) is not None}
        unknown = [r for r in replies if r not in known]
        vectors = self._embedder.embed([question, *turns, *unknown])
        context_vector = vectors[1 : 1 + len(turns)].mean(axis=0) if turns else None
        if replies:
            known.update(zip(unknown, vectors[1 + len(turns) :], strict=True))
            reply_rows = np.vstack([known[r] for r in replies])
            reply_vector = self.config.agent_weight * reply_rows.mean(axis=0)
            context_vector = reply_vector if context_vector is None else context_vector + reply_vector

        def mix(weight: float) -> Vectors:
            if context_vector is None:
                return np.asarray(vectors[0], dtype=np.float32)
            combined = vectors[0] + weight * context_vector
            return np.asarray(combined / max(float(np.linalg.norm(combined)), 1e-12), dtype=np.float32)

        context = " ".join(turns)
        return Query(
            question=question,
            history_text=context,
            question_vector=vectors[0],
            vector=mix(self.config.history_weight),
            topic_vector=mix(self.config.topic_history_weight),
            question_terms=terms(question),
            history_terms=terms(context),
            has_context=context_vector is not None,
        )

    def retrieve(
        self,
        question: str,
        history: Sequence[Turn] = (),
        k: int = 5,
        filters: Filters | None = None,
    ) -> list[RetrievedChunk]:
        return self.search(self.encode(question, history), k=k, filters=filters)

    def search(self, query: Query, k: int = 5, filters: Filters | None = None) -> list[RetrievedChunk]:
        return list(self.search_detailed(query, k, filters).chunks)

    def search_detailed(self, query: Query, k: int = 5, filters: Filters | None = None) -> SearchResult:
        """The top `k` chunks, and how well the question alone matches the knowledge base."""
        snap = self.snapshot
        n = len(snap.chunks)
        if n == 0 or k <= 0:
            return SearchResult((), 0.0, {})
        allowed = _allowed(snap, filters)
        if allowed is not None and not allowed.any():
            return SearchResult((), 0.0, {})
        cfg = self.config
        pool = min(n, max(cfg.candidates, 4 * k))

        lex_question = _lexical(snap, query.question_terms)
        lex_history = _lexical(snap, query.history_terms)
        focus_lexical = _mix(lex_question, lex_history, cfg.history_weight)
        topic_lexical = _mix(lex_question, lex_history, cfg.topic_history_weight)
        if allowed is not None:
            focus_lexical = np.where(allowed, focus_lexical, 0.0)
            topic_lexical = np.where(allowed, topic_lexical, 0.0)
        candidates = np.unique(
            np.concatenate(
                [
                    _dense_top(snap, query.vector, pool, allowed),
                    _dense_top(snap, query.topic_vector, pool, allowed),
                    _dense_top(snap, query.question_vector, pool, allowed)
                    if query.has_context
                    else np.zeros(0, dtype=np.int64),
                    np.argsort(-focus_lexical)[:pool],
                    np.argsort(-topic_lexical)[:pool],
                ]
            )
        )
        if allowed is not None:
            candidates = candidates[allowed[candidates]]
        vectors = snap.chunk_vectors[candidates]
        # columns: focus (question + some conversation), topic (more conversation), the question alone
        query_vectors = np.vstack([query.vector, query.topic_vector, query.question_vector])
        dense = vectors @ query_vectors.T
        lexical_alone = lex_question if allowed is None else np.where(allowed, lex_question, 0.0)
        # dense and lexical fused, then each candidate's best sentence (all three columns at once)
        base = np.column_stack(
            [
                self._fused(dense[:, 0], focus_lexical[candidates]),
                self._fused(dense[:, 1], topic_lexical[candidates]),
                self._fused(dense[:, 2], lexical_alone[candidates]),
            ]
        )
        # how well the question alone matches the best passage, and the best passage of each document
        question_best = float(dense[:, 2].max())
        by_document = {
            snap.documents[d].id: float(best)
            for d, best in _best_by_document(snap.chunk_doc[candidates], dense[:, 2], len(snap.documents))
        }
        sentences = (
            snap.best_sentence_similarity(candidates, query_vectors)
            if cfg.sentence_weight
            else np.zeros_like(dense)
        )
        fused = base + cfg.sentence_weight * sentences
        focus, topic = fused[:, 0], fused[:, 1]
        focus_dense = dense[:, 0]
        alone = dense[:, 2]
        topic_document = int(snap.chunk_doc[candidates[int(np.argmax(topic))]])
        changed, gap = False, 0.0
        if query.has_context:
            # the question alone, scored like any query: dense, lexical and best sentence together
            alone_fused = fused[:, 2]
            in_topic = snap.chunk_doc[candidates] == topic_document
            gap = float(alone_fused.max()) - float(alone_fused[in_topic].max())
            changed = self.changes_subject(query, gap)
            if changed:
                # a new subject: the question alone picks both the document and the passage
                focus = alone_fused
                focus_dense = alone
                topic = focus

        docs = snap.chunk_doc[candidates]
        doc_best = np.full(len(snap.documents), -np.inf, dtype=np.float32)
        np.maximum.at(doc_best, docs, topic)
        final = focus + cfg.document_weight * doc_best[docs]

        order = np.argsort(-final, kind="stable")[:k]
        chunks = tuple(
            _hit(snap, int(candidates[j]), float(final[j]), float(focus_dense[j]), float(alone[j]), query)
            for j in order
        )
        return SearchResult(
            chunks,
            question_best,
            by_document,
            snap.documents[topic_document].id,
            changed,
            gap,
            float(sentences[:, 2].max()) if cfg.sentence_weight else 0.0,
        )

    def changes_subject(self, query: Query, gap: float) -> bool:
        """Whether the question starts a new subject: scored alone, it matches some passage better by
        `gap` than anything in the document the conversation points at. The gap needed is smaller for a
        message that does not lean on the conversation (`continuity`) than for one that does."""
        cfg = self.config
        cues = load_cues()
        if keeps_subject(query.question, query.question_terms, query.history_terms, cues):
            return False  # "what about for seniors?", "how quickly?"
        form = follow_up_form(query.question, query.question_terms, query.history_terms, cues)
        lean = continuity(query.question, query.question_terms, query.history_terms, cues)
        leans = lean.score >= cfg.continuity_cut and form != "names"  # "what about a dog licence?": new
        needed = cfg.topic_shift if leans else cfg.topic_shift_standalone
        return bool(needed) and gap > needed

    def _fused(self, dense: np.ndarray, lexical: np.ndarray) -> np.ndarray:
        """The fused score of each candidate from its dense cosine and lexical score (the best sentence
        is added by the caller)."""
        cfg = self.config
        lex = lexical.astype(np.float32)
        if cfg.fusion == "rrf":
            fused = _rrf(dense, cfg.rrf_k) + _rrf(lex, cfg.rrf_k)
            fused = fused / max(float(fused.max()), 1e-12)
        else:
            lex_scaled = lex / max(float(lex.max()), 1e-12)
            fused = cfg.dense_weight * dense + (1 - cfg.dense_weight) * lex_scaled
        return np.asarray(fused, dtype=np.float32)


def _best_by_document(docs: np.ndarray, scores: np.ndarray, documents: int) -> list[tuple[int, float]]:
    """(document, best score of its chunks) for each document among `docs`, in order of first appearance."""
    best = np.full(documents, -np.inf, dtype=np.float32)
    np.maximum.at(best, docs, scores)
    _, first = np.unique(docs, return_index=True)
    present = docs[np.sort(first)]
    return list(zip(present.tolist(), best[present].tolist(), strict=True))


def _allowed(snap: Snapshot, filters: Filters | None) -> np.ndarray | None:
    if filters is None or filters.is_empty():
        return None
    keep = np.array(
        [
            (filters.department is None or d.department == filters.department)
            and (filters.language is None or d.language == filters.language)
            and (filters.domain is None or d.domain == filters.domain)
            for d in snap.documents
        ],
        dtype=bool,
    )
    return keep[snap.chunk_doc]


def _dense_top(snap: Snapshot, vector: Vectors, pool: int, allowed: np.ndarray | None) -> np.ndarray:
    params = search_parameters(snap.dense, None if allowed is None else np.flatnonzero(allowed))
    _, ids = snap.dense.search(vector.reshape(1, -1), pool, params=params)
    return np.asarray(ids[0][ids[0] >= 0], dtype=np.int64)


def _lexical(snap: Snapshot, tokens: list[str]) -> np.ndarray:
    """BM25 of every chunk for these terms, divided by the best score (0 when nothing matches)."""
    known = [t for t in tokens if t in snap.bm25.vocab_dict]
    if not known:
        return np.zeros(len(snap.chunks), dtype=np.float32)
    raw = np.asarray(snap.bm25.get_scores(known), dtype=np.float32)
    return raw / max(float(raw.max()), 1e-12)


def _mix(question: np.ndarray, history: np.ndarray, weight: float) -> np.ndarray:
    return (question + weight * history) / (1 + weight)


def _rrf(values: np.ndarray, k: int) -> np.ndarray:
    ranks = np.empty(len(values), dtype=np.float32)
    ranks[np.argsort(-values, kind="stable")] = np.arange(1, len(values) + 1)
    return 1.0 / (k + ranks)


def _sentence_sims(snap: Snapshot, chunk_index: int, vector: Vectors) -> np.ndarray:
    c = snap.chunks[chunk_index]
    rows = snap.sentence_vectors[c.first_sentence : c.first_sentence + len(c.sentence_offsets)]
    return rows @ vector if len(rows) else np.zeros(0, dtype=np.float32)


def _hit(
    snap: Snapshot, index: int, score: float, dense: float, question_score: float, query: Query
) -> RetrievedChunk:
    c = snap.chunks[index]
    d = snap.documents[c.doc]
    sims = _sentence_sims(snap, index, query.vector).tolist()
    question_sims = _sentence_sims(snap, index, query.question_vector).tolist()
    sentences = tuple(
        Sentence(c.text[s - c.start : e - c.start], s, e, float(sim), float(qsim))
        for (s, e), sim, qsim in zip(c.sentence_offsets, sims, question_sims, strict=True)
    )
    return RetrievedChunk(
        document_id=d.id,
        title=d.title,
        section_path=c.section_path,
        text=c.text,
        start=c.start,
        end=c.end,
        score=score,
        source_uri=d.source_uri,
        department=d.department,
        contact=d.contact,
        language=d.language,
        domain=d.domain,
        effective_date=d.effective_date,
        dense_score=dense,
        question_score=question_score,
        sentences=sentences,
    )
