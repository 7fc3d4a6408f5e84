"""The knowledge base facade: save documents and chunks, publish versions, roll back, open a retriever."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import numpy as np

from knowledge_base.dense import DenseIndexConfig
from knowledge_base.drafts import Draft, DraftStore
from knowledge_base.embedder import Embedder
from knowledge_base.errors import DocumentNotFoundError, NotHeldError, SupersededError, VersionNotFoundError
from knowledge_base.records import Chunk, Document
from knowledge_base.retriever import RetrievalConfig, Retriever
from knowledge_base.review import Finding, Review, findings_key
from knowledge_base.snapshot import Manifest, served_documents, write_snapshot
from knowledge_base.store import (
    DocumentSummary,
    IndexedChunk,
    MetadataStore,
    PendingDocument,
    StoredState,
)
from knowledge_base.text import sentence_spans
from knowledge_base.versions import VersionStore

Fence = Callable[[], bool]  # asked before a build is kept: does its caller still hold the work?

log = logging.getLogger(__name__)

SaveOutcome = Literal["added", "updated", "unchanged"]
EMBED_BATCH = 1024  # texts per embedding call while saving (cached and reported after each)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class SaveResult:
    document_id: str
    outcome: SaveOutcome
    chunks: int
    embedded: int
    review: Review = "ok"


@dataclass(frozen=True, slots=True)
class Status:
    current: Manifest | None
    versions: list[str]
    documents: list[DocumentSummary]  # the working set (what the next publish is built from)
    served: dict[str, int]  # document id -> version in the version being served


class KnowledgeBase:
    """Working set in SQL + published versions on disk. Plain values in, no settings object."""

    def __init__(
        self,
        root: Path,
        database_url: str,
        embedder: Embedder,
        keep_versions: int = 5,
        dense: DenseIndexConfig | None = None,
        vector_dir: Path | None = None,
    ) -> None:
        self.root = root
        self.embedder = embedder
        self.vector_dir = vector_dir  # where retrievers keep the vectors of fixed example lists
        self.dense = dense or DenseIndexConfig()
        self.store = MetadataStore(database_url)
        self.versions = VersionStore(root, keep=keep_versions)
        self.drafts = DraftStore(self.store)

    def migrate(self) -> None:
        self.store.migrate()

    def close(self) -> None:
        self.store.close()

    def is_unchanged(self, document: Document, chunking_key: str, findings: Sequence[Finding] = ()) -> bool:
        return unchanged(self.store.state(document.id), document, chunking_key, findings)

    def prepare(
        self, document: Document, chunks: list[Chunk], findings: Sequence[Finding] = ()
    ) -> PendingDocument:
        """A document with its chunks' sentence spans and text hashes, ready to embed and save."""
        indexed = tuple(
            IndexedChunk(
                chunk=c,
                embed_hash=text_hash(c.text_for_embedding()),
                sentences=tuple(
                    (s, e, text_hash(document.text[s:e]))
                    for s, e in sentence_spans(document.text, c.start, c.end)
                ),
            )
            for c in chunks
        )
        return PendingDocument(document, indexed, tuple(findings))

    def embed_missing(
        self, pending: Sequence[PendingDocument], progress: Callable[[int, int], None] | None = None
    ) -> int:
        """Embed every chunk and sentence text of the batch the vector cache lacks; returns how many.
        Vectors are cached as they are made (a batch stopped halfway leaves them for the next run)."""
        return self._embed_missing(
            texts_by_hash([(p.document, p.chunks) for p in pending]), progress=progress
        )

    def save_batch(self, pending: Sequence[PendingDocument], chunking_key: str) -> list[SaveResult]:
        """Save new or changed documents in one transaction (embed them first: `embed_missing`)."""
        saved = self.store.save_all(pending, chunking_key)
        return [
            SaveResult(p.document.id, "updated" if s.existed else "added", len(p.chunks), 0, s.review)
            for p, s in zip(pending, saved, strict=True)
        ]

    def save(
        self, document: Document, chunks: list[Chunk], chunking_key: str, findings: Sequence[Finding] = ()
    ) -> SaveResult:
        """Store one new or changed document; embeds only texts the cache has not seen with this model."""
        if self.is_unchanged(document, chunking_key, findings):
            return SaveResult(document.id, "unchanged", len(chunks), 0)
        pending = [self.prepare(document, chunks, findings)]
        embedded = self.embed_missing(pending)
        [result] = self.save_batch(pending, chunking_key)
        return SaveResult(result.document_id, result.outcome, result.chunks, embedded, result.review)

    def missing_texts(self, pending: Sequence[PendingDocument]) -> dict[str, str]:
        """The batch's texts the vector cache lacks (text hash -> text), shortest first: each embedding
        call's texts are of similar length, whatever order the documents came in."""
        return self.uncached(texts_by_hash([(p.document, p.chunks) for p in pending]))

    def embed_texts(self, texts: dict[str, str], progress: Callable[[int, int], None] | None = None) -> int:
        """Embed these texts (text hash -> text) in batches and cache each batch's vectors at once."""
        hashes = list(texts)
        for start in range(0, len(hashes), EMBED_BATCH):
            batch = hashes[start : start + EMBED_BATCH]
            vectors = self.embedder.embed([texts[h] for h in batch])
            self.store.store_vectors(self.embedder.name, batch, vectors)
            if progress:
                progress(start + len(batch), len(hashes))
        return len(hashes)

    def uncached(self, texts: dict[str, str]) -> dict[str, str]:
        """Those of the texts (text hash -> text) without a cached vector, shortest first."""
        cached = self.store.known_hashes(self.embedder.name, texts)
        return {
            h: texts[h] for h in sorted((h for h in texts if h not in cached), key=lambda h: len(texts[h]))
        }

    def _embed_missing(
        self, texts: dict[str, str], progress: Callable[[int, int], None] | None = None
    ) -> int:
        return self.embed_texts(self.uncached(texts), progress)

    def confirm(self, document_id: str) -> SaveResult:
        """An editor confirms a held document after review: it is published with the next version."""
        saved = self.store.confirm(document_id)
        if saved is None:
            raise DocumentNotFoundError(f"No document in service with id {document_id!r}.")
        if saved.review != "confirmed":
            raise NotHeldError(f"Document {document_id!r} is not held for review.")
        return SaveResult(saved.document_id, "updated", 0, 0, saved.review)

    def remove(self, document_id: str) -> None:
        """Retire a document: it leaves the index at the next publish."""
        if not self.store.retire(document_id):
            raise DocumentNotFoundError(f"No document in service with id {document_id!r}.")

    def publish(self, today: date | None = None, still_held: Fence | None = None) -> Manifest:
        """Build a new version from every document in service and make it current atomically."""
        return self._build(point=True, today=today, still_held=still_held)

    def build_draft(self, by: str, today: date | None = None, still_held: Fence | None = None) -> Draft:
        """Build a version from the working set that is not served: the open draft (replacing the
        version an open draft held; it goes back to "open")."""
        base = self.versions.current() or ""
        manifest = self._build(point=False, today=today, still_held=still_held)
        return self.drafts.record_build(manifest.name, base, by)

    def _build(self, point: bool, today: date | None, still_held: Fence | None = None) -> Manifest:
        """A version of the documents in service whose effective date has come (`today`, default the
        local date): a document effective later is left out until a version is built on or after it.

        `still_held` fences a caller that may have been replaced (a background job's worker thought
        dead, whose job another worker now runs): asked under the versions lock just before the
        finished build is moved into place, and when it answers False nothing is kept
        (`SupersededError`)."""
        day = today or date.today()
        with self.versions.lock():
            items = [
                (d, c) for d, c in self.store.active() if d.effective_date is None or d.effective_date <= day
            ]
            model = self.embedder.name
            wanted = texts_hashes(items)
            vectors = self.store.cached_vectors(model, wanted)
            if len(vectors) < len(wanted):  # e.g. the configured model changed since ingest
                texts = texts_by_hash(items)
                self._embed_missing({h: texts[h] for h in wanted - vectors.keys()})
                vectors = self.store.cached_vectors(model, wanted)
            name = self.versions.next_name()
            with self.versions.build() as scratch:
                manifest = write_snapshot(
                    scratch, name, model, items, vectors, _dimension(vectors, self.embedder), self.dense
                )
                if still_held is not None and not still_held():
                    raise SupersededError(
                        f"Version {name} was not kept: its job is now run by another worker."
                    )
                self.versions.commit(scratch, name, point=point)
            # keep the vectors of everything in service (a future-dated document's too)
            self.store.prune_vectors(model, self.store.kept_hashes())
            log.info("%s knowledge base version %s", "published" if point else "built draft", name)
            return manifest

    def deferred(self, today: date | None = None) -> list[tuple[str, date]]:
        """Documents in service left out of versions built `today` because they take effect later."""
        day = today or date.today()
        return sorted(
            (d.id, d.effective_date)
            for d, _ in self.store.active()
            if d.effective_date is not None and d.effective_date > day
        )

    def serve(self, name: str) -> Manifest:
        """Point CURRENT at a kept version (publishing a draft, or rolling back to any kept version)."""
        with self.versions.lock():
            if name not in self.versions.names():
                raise VersionNotFoundError(
                    f"Version {name!r} is not kept (kept: {', '.join(self.versions.names())})."
                )
            manifest = Manifest.read(self.versions.versions_dir / name)
            self.versions.point_to(name)
            log.info("serving knowledge base version %s", name)
            return manifest

    def rollback(self) -> Manifest:
        with self.versions.lock():
            name = self.versions.previous()
            self.versions.point_to(name)
            return Manifest.read(self.versions.versions_dir / name)

    def status(self) -> Status:
        current = self.versions.current()
        manifest = Manifest.read(self.versions.versions_dir / current) if current else None
        served = served_documents(self.versions.versions_dir / current) if current else {}
        return Status(manifest, self.versions.names(), self.store.summaries(), served)

    def retriever(
        self, config: RetrievalConfig | None = None, reload_check_seconds: float = 1.0
    ) -> Retriever:
        return Retriever(self.versions, self.embedder, config, reload_check_seconds, self.vector_dir)


def unchanged(
    state: StoredState | None, document: Document, chunking_key: str, findings: Sequence[Finding]
) -> bool:
    """Saving the document again would change nothing: same content, chunking and findings, in service."""
    return (
        state is not None
        and not state.retired
        and state.content_hash == document.content_hash
        and state.chunking_key == chunking_key
        and state.findings_key == findings_key(findings)
    )


def texts_by_hash(items: Sequence[tuple[Document, Sequence[IndexedChunk]]]) -> dict[str, str]:
    """Every text the index embeds (each chunk's text for embedding and its sentences), by text hash."""
    texts: dict[str, str] = {}
    for document, chunks in items:
        for item in chunks:
            texts[item.embed_hash] = item.chunk.text_for_embedding()
            for s, e, h in item.sentences:
                texts[h] = document.text[s:e]
    return texts


def texts_hashes(items: Sequence[tuple[Document, Sequence[IndexedChunk]]]) -> set[str]:
    return {i.embed_hash for _, chunks in items for i in chunks} | {
        h for _, chunks in items for i in chunks for _, _, h in i.sentences
    }


def _dimension(vectors: dict[str, np.ndarray], embedder: Embedder) -> int:
    for vector in vectors.values():
        return int(vector.shape[0])
    return embedder.dimension
