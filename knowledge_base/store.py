"""The working set in SQL: documents, their chunks and cached embeddings (SQLite or PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from knowledge_base.embedder import Vectors
from knowledge_base.records import Chunk, Document, Heading
from knowledge_base.review import Finding, Review, findings_key, review_key, review_state
from knowledge_base.sql import Database
from knowledge_base.tables import ChunkRow, DocumentRow, EmbeddingRow

MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass(frozen=True, slots=True)
class StoredState:
    content_hash: str
    chunking_key: str
    version: int
    retired: bool
    review: Review = "ok"
    findings: tuple[Finding, ...] = ()

    @property
    def findings_key(self) -> str:
        return findings_key(self.findings)


@dataclass(frozen=True, slots=True)
class IndexedChunk:
    """A chunk with the sentence spans and text hashes needed to publish it."""

    chunk: Chunk
    embed_hash: str
    sentences: tuple[tuple[int, int, str], ...]


@dataclass(frozen=True, slots=True)
class PendingDocument:
    """A new or changed document ready to be saved: its chunks indexed, what the checks found."""

    document: Document
    chunks: tuple[IndexedChunk, ...]
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True, slots=True)
class SavedDocument:
    document_id: str
    version: int
    existed: bool
    review: Review


@dataclass(frozen=True, slots=True)
class DocumentSummary:
    id: str
    title: str
    department: str
    version: int
    chunks: int
    retired: bool
    updated_at: datetime
    review: Review = "ok"
    findings: tuple[Finding, ...] = field(default=())
    review_by: date | None = None


class MetadataStore(Database):
    def __init__(self, url: str) -> None:
        super().__init__(url, MIGRATIONS)

    def state(self, document_id: str) -> StoredState | None:
        return self.states([document_id]).get(document_id)

    def states(self, document_ids: Iterable[str]) -> dict[str, StoredState]:
        """What is stored of each of these documents (absent ids are left out)."""
        wanted = list(dict.fromkeys(document_ids))
        found: dict[str, StoredState] = {}
        columns = (
            DocumentRow.id,
            DocumentRow.content_hash,
            DocumentRow.chunking_key,
            DocumentRow.version,
            DocumentRow.retired,
            DocumentRow.review,
            DocumentRow.findings,
        )
        with self.session() as s:
            for start in range(0, len(wanted), 500):
                rows = s.execute(sa.select(*columns).where(DocumentRow.id.in_(wanted[start : start + 500])))
                for doc_id, content, chunking, version, retired, review, findings in rows:
                    found[doc_id] = StoredState(
                        content, chunking, version, retired, _review(review), _findings(findings)
                    )
        return found

    def same_text(self, texts: dict[str, str]) -> dict[str, str]:
        """For each document id, another document in service (not retired) with exactly its text, if any:
        the same page uploaded again under another file name."""
        lengths = sorted({len(text) for text in texts.values()})
        having: dict[str, list[str]] = {}  # text -> ids in service with it (only texts of those lengths)
        with self.session() as s:
            for start in range(0, len(lengths), 500):
                rows = s.execute(
                    sa.select(DocumentRow.id, DocumentRow.text).where(
                        DocumentRow.retired.is_(False),
                        sa.func.length(DocumentRow.text).in_(lengths[start : start + 500]),
                    )
                )
                for doc_id, text in rows:
                    having.setdefault(str(text), []).append(str(doc_id))
        found: dict[str, str] = {}
        for doc_id, text in texts.items():
            others = sorted(i for i in having.get(text, ()) if i != doc_id)
            if others:
                found[doc_id] = others[0]
        return found

    def save_all(self, pending: Sequence[PendingDocument], chunking_key: str) -> list[SavedDocument]:
        """Insert or replace every document of a batch with its chunks, in ONE transaction: a batch is
        in the working set whole or not at all (a crash or kill before the commit leaves it unchanged)."""
        with self.session() as s:
            return [_replace(s, item, chunking_key) for item in pending]

    def confirm(self, document_id: str) -> SavedDocument | None:
        """Mark a held document as confirmed by an editor; None when there is no such document in service.
        A document that is not held is returned unchanged."""
        with self.session() as s:
            row = s.get(DocumentRow, document_id)
            if row is None or row.retired:
                return None
            if row.review == "held":
                row.confirmed_key = review_key(row.content_hash, _findings(row.findings))
                row.review = "confirmed"
                row.updated_at = datetime.now(UTC)
            return SavedDocument(row.id, row.version, True, _review(row.review))

    def retire(self, document_id: str) -> bool:
        with self.session() as s:
            row = s.get(DocumentRow, document_id)
            if row is None or row.retired:
                return False
            row.retired = True
            row.updated_at = datetime.now(UTC)
            return True

    def unretire(self, document_id: str) -> bool | None:
        """Bring a retired document back into the working set as it was saved (its chunks stay when it
        is retired): True when it was retired, False when it was not, None when there is no such
        document."""
        with self.session() as s:
            row = s.get(DocumentRow, document_id)
            if row is None:
                return None
            if not row.retired:
                return False
            row.retired = False
            row.updated_at = datetime.now(UTC)
            return True

    def document(self, document_id: str) -> Document | None:
        """The document as saved (metadata, text, headings), None when there is none in service."""
        with self.session() as s:
            row = s.get(DocumentRow, document_id)
            return None if row is None or row.retired else _document(row)

    def set_review_by(self, document_id: str, review_by: date | None) -> bool:
        with self.session() as s:
            row = s.get(DocumentRow, document_id)
            if row is None or row.retired:
                return False
            row.review_by = review_by
            return True

    def review_due(self, today: date) -> list[tuple[str, str, date]]:
        """(id, title, review-by date) of documents in service whose review-by date has passed."""
        with self.session() as s:
            rows = s.execute(
                sa.select(DocumentRow.id, DocumentRow.title, DocumentRow.review_by)
                .where(DocumentRow.retired.is_(False), DocumentRow.review_by < today)
                .order_by(DocumentRow.review_by, DocumentRow.id)
            ).all()
            return [(str(i), str(t), d) for i, t, d in rows]

    def summaries(self) -> list[DocumentSummary]:
        with self.session() as s:
            counts = {
                document_id: int(count)
                for document_id, count in s.execute(
                    sa.select(ChunkRow.document_id, sa.func.count()).group_by(ChunkRow.document_id)
                )
            }
            rows = s.scalars(sa.select(DocumentRow).order_by(DocumentRow.id)).all()
            return [
                DocumentSummary(
                    r.id,
                    r.title,
                    r.department,
                    r.version,
                    counts.get(r.id, 0),
                    r.retired,
                    r.updated_at,
                    _review(r.review),
                    _findings(r.findings),
                    r.review_by,
                )
                for r in rows
            ]

    def active(self, include_held: bool = False) -> list[tuple[Document, list[IndexedChunk]]]:
        """Every document in service and not held for review (`include_held`: held ones too), with its
        chunks, in a stable order."""
        in_service = (
            DocumentRow.retired.is_(False),
            sa.true() if include_held else DocumentRow.review != "held",
        )
        # plain rows, not ORM objects: building ~10,000 mapped instances took most of a publish
        with self.session() as s:
            documents = s.execute(
                sa.select(*DocumentRow.__table__.c).where(*in_service).order_by(DocumentRow.id)
            ).all()
            chunks: dict[str, list[IndexedChunk]] = {d.id: [] for d in documents}
            for c in s.execute(
                sa.select(*ChunkRow.__table__.c)
                .join(DocumentRow, ChunkRow.document_id == DocumentRow.id)
                .where(*in_service)
                .order_by(ChunkRow.document_id, ChunkRow.ordinal)
            ):
                chunks[c.document_id].append(_indexed(c.document_id, c))
            return [(_document(d), chunks[d.id]) for d in documents]

    def held_hashes(self) -> set[str]:
        """Text hashes of the chunks and sentences of held documents: their vectors stay cached while
        they wait for an editor, so confirming or fixing one does not embed it again."""
        return self._chunk_hashes(DocumentRow.review == "held")

    def kept_hashes(self) -> set[str]:
        """Text hashes of the chunks and sentences of every document not retired, held ones included: the
        vectors a publish keeps cached (read without building the documents and chunks themselves)."""
        return self._chunk_hashes(sa.true())

    def _chunk_hashes(self, which: sa.ColumnElement[bool]) -> set[str]:
        found: set[str] = set()
        with self.session() as s:
            rows = s.execute(
                sa.select(ChunkRow.embed_hash, ChunkRow.sentences)
                .join(DocumentRow, ChunkRow.document_id == DocumentRow.id)
                .where(DocumentRow.retired.is_(False), which)
            )
            for embed_hash, sentences in rows:
                found.add(embed_hash)
                found.update(str(t[2]) for t in sentences)
        return found

    def known_hashes(self, model: str, hashes: Iterable[str]) -> set[str]:
        """Which of these text hashes have a cached vector of `model` (the vectors are not read)."""
        with self.session() as s:
            return _known(s, model, list(dict.fromkeys(hashes)))

    def cached_vectors(self, model: str, hashes: Iterable[str]) -> dict[str, np.ndarray]:
        wanted = list(dict.fromkeys(hashes))
        found: dict[str, np.ndarray] = {}
        with self.session() as s:
            for start in range(0, len(wanted), 500):
                batch = wanted[start : start + 500]
                for text_hash, blob in s.execute(
                    sa.select(EmbeddingRow.text_hash, EmbeddingRow.vector).where(
                        EmbeddingRow.model == model, EmbeddingRow.text_hash.in_(batch)
                    )
                ):
                    found[text_hash] = np.frombuffer(blob, dtype=np.float32)
        return found

    def store_vectors(self, model: str, hashes: Sequence[str], vectors: Vectors) -> None:
        """Cache the vectors of texts not cached yet (multi-row INSERTs, no ORM objects); a hash repeated
        in one call keeps its first vector."""
        fresh: dict[str, np.ndarray] = {}
        for text_hash, vector in zip(hashes, vectors, strict=True):
            fresh.setdefault(text_hash, vector)
        for attempt in (1, 2):
            try:
                with self.session() as s:
                    known = _known(s, model, list(fresh))
                    rows = [
                        {"model": model, "text_hash": h, "vector": v.tobytes()}
                        for h, v in fresh.items()
                        if h not in known
                    ]
                    if rows:
                        s.execute(sa.insert(EmbeddingRow), rows)
                return
            except IntegrityError:  # another worker cached some of them meanwhile: insert the others
                if attempt == 2:
                    raise

    def prune_vectors(self, model: str, keep: set[str]) -> int:
        """Delete cached vectors of `model` no chunk refers to any more; returns how many."""
        with self.session() as s:
            stale = [
                h
                for h in s.scalars(sa.select(EmbeddingRow.text_hash).where(EmbeddingRow.model == model))
                if h not in keep
            ]
            for start in range(0, len(stale), 500):
                s.execute(
                    sa.delete(EmbeddingRow).where(
                        EmbeddingRow.model == model,
                        EmbeddingRow.text_hash.in_(stale[start : start + 500]),
                    )
                )
            return len(stale)


def _known(s: Session, model: str, hashes: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(hashes), 500):
        found.update(
            s.scalars(
                sa.select(EmbeddingRow.text_hash).where(
                    EmbeddingRow.model == model, EmbeddingRow.text_hash.in_(hashes[start : start + 500])
                )
            )
        )
    return found


def _replace(s: Session, item: PendingDocument, chunking_key: str) -> SavedDocument:
    document = item.document
    row = s.get(DocumentRow, document.id)
    version = 1 if row is None else row.version + 1
    confirmed_key = "" if row is None else row.confirmed_key
    review_by = None if row is None else row.review_by  # a new version keeps the date an editor set
    if row is not None:
        s.delete(row)
        s.flush()
    review = review_state(document.content_hash, item.findings, confirmed_key)
    s.add(
        DocumentRow(
            id=document.id,
            title=document.title,
            text=document.text,
            source_uri=document.source_uri,
            language=document.language,
            department=document.department,
            contact=document.contact,
            domain=document.domain,
            effective_date=document.effective_date,
            headings=[[h.level, h.title, h.start, h.end] for h in document.headings],
            content_hash=document.content_hash,
            chunking_key=chunking_key,
            version=version,
            retired=False,
            updated_at=datetime.now(UTC),
            review=review,
            findings=[f.to_json() for f in item.findings],
            confirmed_key=confirmed_key,
            review_by=review_by,
            chunks=[
                ChunkRow(
                    ordinal=c.chunk.ordinal,
                    section_path=list(c.chunk.section_path),
                    text=c.chunk.text,
                    start=c.chunk.start,
                    end=c.chunk.end,
                    token_count=c.chunk.token_count,
                    embed_text=c.chunk.embed_text,
                    embed_hash=c.embed_hash,
                    sentences=[list(t) for t in c.sentences],
                )
                for c in item.chunks
            ],
        )
    )
    return SavedDocument(document.id, version, row is not None, review)


def _review(value: str) -> Review:
    return "held" if value == "held" else "confirmed" if value == "confirmed" else "ok"


def _findings(raw: object) -> tuple[Finding, ...]:
    return tuple(Finding.from_json(f) for f in raw) if isinstance(raw, list) else ()


def _document(row: DocumentRow | sa.Row[Any]) -> Document:
    return Document(
        id=row.id,
        title=row.title,
        text=row.text,
        source_uri=row.source_uri,
        language=row.language,
        department=row.department,
        contact=row.contact,
        domain=row.domain,
        effective_date=row.effective_date,
        headings=tuple(
            Heading(int(str(h[0])), str(h[1]), int(str(h[2])), int(str(h[3]))) for h in row.headings
        ),
        version=row.version,
    )


def _indexed(document_id: str, row: ChunkRow | sa.Row[Any]) -> IndexedChunk:
    return IndexedChunk(
        chunk=Chunk(
            document_id=document_id,
            ordinal=row.ordinal,
            section_path=tuple(row.section_path),
            text=row.text,
            start=row.start,
            end=row.end,
            token_count=row.token_count,
            embed_text=row.embed_text,
        ),
        embed_hash=row.embed_hash,
        sentences=tuple((int(str(t[0])), int(str(t[1])), str(t[2])) for t in row.sentences),
    )
