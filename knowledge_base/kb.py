"""The knowledge base facade: save documents and chunks, publish versions, roll back, open a retriever."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from knowledge_base.embedder import Embedder
from knowledge_base.errors import DocumentNotFoundError
from knowledge_base.records import Chunk, Document
from knowledge_base.retriever import RetrievalConfig, Retriever
from knowledge_base.snapshot import Manifest, served_documents, write_snapshot
from knowledge_base.store import DocumentSummary, IndexedChunk, MetadataStore
from knowledge_base.text import sentence_spans
from knowledge_base.versions import VersionStore

log = logging.getLogger(__name__)

SaveOutcome = Literal["added", "updated", "unchanged"]


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class SaveResult:
    document_id: str
    outcome: SaveOutcome
    chunks: int
    embedded: int


@dataclass(frozen=True, slots=True)
class Status:
    current: Manifest | None
    versions: list[str]
    documents: list[DocumentSummary]  # the working set (what the next publish is built from)
    served: dict[str, int]  # document id -> version in the version being served


class KnowledgeBase:
    """Working set in SQL + published versions on disk. Plain values in, no settings object."""

    def __init__(self, root: Path, database_url: str, embedder: Embedder, keep_versions: int = 5) -> None:
        self.root = root
        self.embedder = embedder
        self.store = MetadataStore(database_url)
        self.versions = VersionStore(root, keep=keep_versions)

    def migrate(self) -> None:
        self.store.migrate()

    def close(self) -> None:
        self.store.close()

    def is_unchanged(self, document: Document, chunking_key: str) -> bool:
        state = self.store.state(document.id)
        return (
            state is not None
            and not state.retired
            and state.content_hash == document.content_hash
            and state.chunking_key == chunking_key
        )

    def save(self, document: Document, chunks: list[Chunk], chunking_key: str) -> SaveResult:
        """Store a new or changed document; embeds only texts the cache has not seen with this model."""
        if self.is_unchanged(document, chunking_key):
            return SaveResult(document.id, "unchanged", len(chunks), 0)
        existed = self.store.state(document.id) is not None
        indexed = [
            IndexedChunk(
                chunk=c,
                embed_hash=text_hash(c.text_for_embedding()),
                sentences=tuple(
                    (s, e, text_hash(document.text[s:e]))
                    for s, e in sentence_spans(document.text, c.start, c.end)
                ),
            )
            for c in chunks
        ]
        embedded = self._embed_missing(_texts_by_hash([(document, indexed)]))
        self.store.save(document, chunking_key, indexed)
        return SaveResult(document.id, "updated" if existed else "added", len(chunks), embedded)

    def _embed_missing(self, texts: dict[str, str]) -> int:
        cached = self.store.cached_vectors(self.embedder.name, texts)
        missing = [h for h in texts if h not in cached]
        if missing:
            vectors = self.embedder.embed([texts[h] for h in missing])
            self.store.store_vectors(self.embedder.name, missing, vectors)
        return len(missing)

    def remove(self, document_id: str) -> None:
        """Retire a document: it leaves the index at the next publish."""
        if not self.store.retire(document_id):
            raise DocumentNotFoundError(f"No document in service with id {document_id!r}.")

    def publish(self) -> Manifest:
        """Build a new version from every document in service and make it current atomically."""
        with self.versions.lock():
            items = self.store.active()
            model = self.embedder.name
            wanted = {i.embed_hash for _, chunks in items for i in chunks} | {
                h for _, chunks in items for i in chunks for _, _, h in i.sentences
            }
            vectors = self.store.cached_vectors(model, wanted)
            if len(vectors) < len(wanted):  # e.g. the configured model changed since ingest
                texts = _texts_by_hash(items)
                self._embed_missing({h: texts[h] for h in wanted - vectors.keys()})
                vectors = self.store.cached_vectors(model, wanted)
            name = self.versions.next_name()
            with self.versions.build() as scratch:
                manifest = write_snapshot(
                    scratch, name, model, items, vectors, _dimension(vectors, self.embedder)
                )
                self.versions.commit(scratch, name)
            self.store.prune_vectors(model, wanted)
            log.info("published knowledge base version %s", name)
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
        return Retriever(self.versions, self.embedder, config, reload_check_seconds)


def _texts_by_hash(items: list[tuple[Document, list[IndexedChunk]]]) -> dict[str, str]:
    texts: dict[str, str] = {}
    for document, chunks in items:
        for item in chunks:
            texts[item.embed_hash] = item.chunk.text_for_embedding()
            for s, e, h in item.sentences:
                texts[h] = document.text[s:e]
    return texts


def _dimension(vectors: dict[str, np.ndarray], embedder: Embedder) -> int:
    for vector in vectors.values():
        return int(vector.shape[0])
    return embedder.dimension
