"""One published version of the index: files on disk, loaded into memory for serving.

Files of a version directory (all listed with their SHA-256 in manifest.json):
    documents.json   document metadata (no full text)
    chunks.json      chunk text, offsets, section paths and their sentence spans
    dense.faiss      FAISS index of the chunk vectors: exact, or IVF-PQ for big versions (dense.py)
    vectors.npy      float32 chunk vectors (allow_pickle=False, memory-mapped when loaded): exact scores
    sentences.npy    float32 sentence vectors (allow_pickle=False), used to pick and score sentences
    bm25/            bm25s index over the chunks' lexical terms

A version is content-addressed: the manifest's `digest` ("sha256:...", `content_digest`) is the SHA-256
of its file list (every file's path and SHA-256), its model and its dimension, so two builds of the
same content have the same address and any changed byte changes it. Loading checks the whole chain
(digest → file list → every file's bytes, and no file on disk outside the list) once, before the
version is served; a version written before digests existed (no `digest`) is checked file by file as
before.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import bm25s
import faiss
import numpy as np

from knowledge_base.dense import DenseIndexConfig, build_dense_index, map_vectors
from knowledge_base.embedder import Vectors
from knowledge_base.errors import CorruptVersionError, ModelMismatchError
from knowledge_base.records import Document
from knowledge_base.spelling import Speller
from knowledge_base.store import IndexedChunk
from knowledge_base.termstats import TermStats
from knowledge_base.text import sentence_spans, terms, words

FORMAT = 1


@dataclass(frozen=True, slots=True)
class Manifest:
    name: str
    created_at: str
    model: str
    dimension: int
    documents: int
    chunks: int
    sentences: int
    files: dict[str, str]
    format: int = FORMAT
    digest: str = ""  # the content address (`content_digest`); "" in versions written before it existed

    def to_json(self) -> str:
        return json.dumps({k: getattr(self, k) for k in self.__dataclass_fields__}, indent=2, sort_keys=True)

    @classmethod
    def read(cls, directory: Path) -> Manifest:
        try:
            raw = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
            return cls(**raw)
        except (OSError, ValueError, TypeError) as exc:
            raise CorruptVersionError(f"{directory.name}: unreadable manifest ({exc})") from exc


def served_documents(directory: Path) -> dict[str, int]:
    """Document id -> document version in a published version, without loading its indexes."""
    try:
        raw = json.loads((directory / "documents.json").read_text(encoding="utf-8"))
        return {str(d["id"]): int(d["version"]) for d in raw}
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise CorruptVersionError(f"{directory.name}: unreadable documents.json ({exc})") from exc


@dataclass(frozen=True, slots=True)
class DocMeta:
    id: str
    title: str
    source_uri: str
    language: str
    department: str
    contact: str
    domain: str
    effective_date: date | None
    version: int


@dataclass(frozen=True, slots=True)
class ChunkMeta:
    doc: int  # index into Snapshot.documents
    ordinal: int
    section_path: tuple[str, ...]
    text: str
    start: int
    end: int
    token_count: int
    sentence_offsets: tuple[tuple[int, int], ...]  # into the document text
    first_sentence: int  # row of the first sentence in sentences.npy


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def content_digest(files: Mapping[str, str], model: str, dimension: int) -> str:
    """A version's content address: SHA-256 of its files' paths and SHA-256s, its model and dimension
    (canonical JSON), written "sha256:<hex>"."""
    canonical = json.dumps(
        {"dimension": dimension, "files": dict(sorted(files.items())), "model": model},
        sort_keys=True,
        separators=(",", ":"),
    )
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def verify(directory: Path, manifest: Manifest) -> None:
    """Raise CorruptVersionError unless the version's files are exactly those its manifest lists, with
    those bytes, and (when it has one) the manifest's content address matches its file list. Files are
    read once, streamed, several at a time (hashlib releases the GIL)."""
    name = manifest.name
    if manifest.digest:
        if content_digest(manifest.files, manifest.model, manifest.dimension) != manifest.digest:
            raise CorruptVersionError(f"{name}: its manifest does not match its content address")
        on_disk = {
            str(p.relative_to(directory))
            for p in directory.rglob("*")
            if p.is_file() and p != directory / "manifest.json"
        }
        extra = sorted(on_disk - manifest.files.keys())
        if extra:
            raise CorruptVersionError(f"{name}: {extra[0]} is not part of the version")

    def matches(item: tuple[str, str]) -> bool:
        path = directory / item[0]
        return path.is_file() and _sha256(path) == item[1]

    items = sorted(manifest.files.items())
    with ThreadPoolExecutor(max_workers=min(4, max(1, len(items)))) as pool:
        results = list(pool.map(matches, items))
    for (relative, _), ok in zip(items, results, strict=True):
        if not ok:
            raise CorruptVersionError(f"{name}: {relative} is missing or altered")


def _bm25_tokens(chunk: IndexedChunk, title: str) -> list[str]:
    return terms(" ".join([title, *chunk.chunk.section_path, chunk.chunk.text]))


def write_snapshot(
    directory: Path,
    name: str,
    model: str,
    items: list[tuple[Document, list[IndexedChunk]]],
    vectors: dict[str, np.ndarray],
    dimension: int,
    dense_config: DenseIndexConfig | None = None,
) -> Manifest:
    """Write every file of a version into `directory` (a scratch dir) and its manifest last."""
    documents: list[dict[str, Any]] = []
    chunks: list[dict[str, Any]] = []
    chunk_vectors: list[np.ndarray] = []
    sentence_vectors: list[np.ndarray] = []
    corpus: list[list[str]] = []
    for doc_index, (document, indexed) in enumerate(items):
        documents.append(
            {
                "id": document.id,
                "title": document.title,
                "source_uri": document.source_uri,
                "language": document.language,
                "department": document.department,
                "contact": document.contact,
                "domain": document.domain,
                "effective_date": document.effective_date.isoformat() if document.effective_date else None,
                "version": document.version,
            }
        )
        for item in indexed:
            c = item.chunk
            chunks.append(
                {
                    "doc": doc_index,
                    "ordinal": c.ordinal,
                    "section_path": list(c.section_path),
                    "text": c.text,
                    "start": c.start,
                    "end": c.end,
                    "token_count": c.token_count,
                    "sentences": [[s, e] for s, e, _ in item.sentences],
                    "first_sentence": len(sentence_vectors),
                }
            )
            chunk_vectors.append(vectors[item.embed_hash])
            sentence_vectors.extend(vectors[h] for _, _, h in item.sentences)
            corpus.append(_bm25_tokens(item, document.title) or ["__empty__"])

    chunk_matrix = (
        np.vstack(chunk_vectors).astype(np.float32) if chunk_vectors else np.zeros((0, dimension), np.float32)
    )
    np.save(directory / "vectors.npy", chunk_matrix, allow_pickle=False)
    faiss.write_index(build_dense_index(chunk_matrix, dense_config), str(directory / "dense.faiss"))
    sent_matrix = (
        np.vstack(sentence_vectors).astype(np.float32)
        if sentence_vectors
        else np.zeros((0, dimension), np.float32)
    )
    np.save(directory / "sentences.npy", sent_matrix, allow_pickle=False)
    (directory / "documents.json").write_text(json.dumps(documents), encoding="utf-8")
    (directory / "chunks.json").write_text(json.dumps(chunks), encoding="utf-8")
    bm25 = bm25s.BM25()
    # bm25s cannot save an index it never built: a version with no chunks (the last document was
    # removed) gets a one-token placeholder; the retriever answers [] for a version without chunks.
    bm25.index(corpus or [["__empty__"]], show_progress=False)
    bm25.save(str(directory / "bm25"))

    files = {str(p.relative_to(directory)): _sha256(p) for p in sorted(directory.rglob("*")) if p.is_file()}
    manifest = Manifest(
        name=name,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        model=model,
        dimension=dimension,
        documents=len(documents),
        chunks=len(chunks),
        sentences=int(sent_matrix.shape[0]),
        files=files,
        digest=content_digest(files, model, dimension),
    )
    (directory / "manifest.json").write_text(manifest.to_json(), encoding="utf-8")
    return manifest


class Snapshot:
    """A version loaded into memory; immutable once built, safe to share between threads."""

    def __init__(
        self,
        manifest: Manifest,
        documents: list[DocMeta],
        chunks: list[ChunkMeta],
        dense: faiss.Index,
        sentence_vectors: Vectors,
        bm25: bm25s.BM25,
        chunk_vectors: Vectors,
    ) -> None:
        self.manifest = manifest
        self.documents = documents
        self.chunks = chunks
        self.dense = dense
        self.sentence_vectors = sentence_vectors
        self.bm25 = bm25
        self.chunk_doc = np.array([c.doc for c in chunks], dtype=np.int64)
        self._first_sentence = np.array([c.first_sentence for c in chunks], dtype=np.int64)
        self._sentence_count = np.array([len(c.sentence_offsets) for c in chunks], dtype=np.int64)
        self.chunk_vectors = chunk_vectors  # exact, for re-scoring candidates (memory-mapped)

    @property
    def name(self) -> str:
        return self.manifest.name

    def best_sentence_similarity(self, chunk_ids: np.ndarray, vectors: Vectors) -> np.ndarray:
        """The best cosine between any sentence of each chunk and each vector: one row per chunk, one
        column per vector (0 for a chunk without sentences). One matrix product for all chunks."""
        out = np.zeros((len(chunk_ids), len(vectors)), dtype=np.float32)
        counts = self._sentence_count[chunk_ids]
        has = counts > 0
        if not has.any():
            return out
        counts = counts[has]
        starts = np.cumsum(counts) - counts  # where each chunk's block begins in the gathered rows
        rows = np.repeat(self._first_sentence[chunk_ids][has] - starts, counts) + np.arange(counts.sum())
        sims = self.sentence_vectors[rows] @ np.asarray(vectors, dtype=np.float32).T
        out[has] = np.maximum.reduceat(sims, starts, axis=0)
        return out

    @functools.cached_property
    def _sentence_rows(self) -> dict[str, int]:
        rows: dict[str, int] = {}
        for chunk in self.chunks:
            for i, (s, e) in enumerate(chunk.sentence_offsets):
                rows.setdefault(chunk.text[s - chunk.start : e - chunk.start], chunk.first_sentence + i)
        return rows

    def quoted_vector(self, text: str) -> Vectors | None:
        """The vector of a text made of this version's sentences (an earlier extractive answer): the
        normalised mean of their stored vectors, or None when any sentence is not a stored one."""
        spans = sentence_spans(text)
        rows = [self._sentence_rows.get(text[s:e]) for s, e in spans]
        if not rows or any(r is None for r in rows):
            return None
        mean = self.sentence_vectors[[r for r in rows if r is not None]].mean(axis=0)
        return np.asarray(mean / max(float(np.linalg.norm(mean)), 1e-12), dtype=np.float32)

    @functools.cached_property
    def term_stats(self) -> TermStats:
        """Document frequencies and per-document vocabularies (titles and headings included)."""
        per_doc: dict[str, set[str]] = {d.id: set(terms(f"{d.title} {d.domain}")) for d in self.documents}
        for chunk in self.chunks:
            per_doc[self.documents[chunk.doc].id].update(terms(" ".join((*chunk.section_path, chunk.text))))
        return TermStats(per_doc)

    @functools.cached_property
    def speller(self) -> Speller:
        """Respells misspelt question words as this version's documents spell them (`spelling.py`)."""
        texts = [f"{d.title} {d.domain}" for d in self.documents]
        texts += [" ".join((*chunk.section_path, chunk.text)) for chunk in self.chunks]
        return Speller(w for text in texts for w in words(text))

    @classmethod
    def load(cls, directory: Path, model: str) -> Snapshot:
        manifest = Manifest.read(directory)
        if manifest.model != model:
            raise ModelMismatchError(
                f"Version {manifest.name} was built with embedding model {manifest.model!r}, but "
                f"this process uses {model!r}. Re-ingest with the new model or set "
                "ASKCITY_EMBEDDING_MODEL back."
            )
        verify(directory, manifest)
        try:
            raw_docs = json.loads((directory / "documents.json").read_text(encoding="utf-8"))
            raw_chunks = json.loads((directory / "chunks.json").read_text(encoding="utf-8"))
            dense = faiss.read_index(str(directory / "dense.faiss"))
            vectors_file = directory / "vectors.npy"
            # versions written before vectors.npy existed have a flat index: its own vectors
            chunk_vectors = (
                map_vectors(vectors_file) if vectors_file.is_file() else dense.reconstruct_n(0, dense.ntotal)
            )
            sentences = np.load(directory / "sentences.npy", allow_pickle=False)
            bm25 = bm25s.BM25.load(str(directory / "bm25"))
        except (OSError, ValueError, RuntimeError) as exc:
            raise CorruptVersionError(f"{manifest.name}: cannot be loaded ({exc})") from exc
        documents = [
            DocMeta(
                id=d["id"],
                title=d["title"],
                source_uri=d["source_uri"],
                language=d["language"],
                department=d["department"],
                contact=d["contact"],
                domain=d["domain"],
                effective_date=date.fromisoformat(d["effective_date"]) if d["effective_date"] else None,
                version=d["version"],
            )
            for d in raw_docs
        ]
        chunks = [
            ChunkMeta(
                doc=c["doc"],
                ordinal=c["ordinal"],
                section_path=tuple(c["section_path"]),
                text=c["text"],
                start=c["start"],
                end=c["end"],
                token_count=c["token_count"],
                sentence_offsets=tuple((s, e) for s, e in c["sentences"]),
                first_sentence=c["first_sentence"],
            )
            for c in raw_chunks
        ]
        if dense.ntotal != len(chunks) or dense.d != manifest.dimension:
            raise CorruptVersionError(f"{manifest.name}: dense index does not match its chunks")
        if chunk_vectors.shape != (len(chunks), manifest.dimension):
            raise CorruptVersionError(f"{manifest.name}: chunk vectors do not match its chunks")
        return cls(manifest, documents, chunks, dense, sentences, bm25, chunk_vectors)
