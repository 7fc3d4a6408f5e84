"""SQL tables of the knowledge base's working set (documents, chunks, cached embeddings).

The serving side never reads these: it reads published version directories (see `versions.py`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def _now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class DocumentRow(Base):
    __tablename__ = "kb_documents"

    id: Mapped[str] = mapped_column(String(512), primary_key=True)
    title: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text)
    source_uri: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(16), default="en")
    department: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str] = mapped_column(Text, default="")
    domain: Mapped[str] = mapped_column(String(128), default="")
    effective_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    headings: Mapped[list[list[object]]] = mapped_column(JSON, default=list)
    content_hash: Mapped[str] = mapped_column(String(64))
    chunking_key: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    retired: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    # editorial review (knowledge_base/review.py): "ok", "held" (left out of published versions) or
    # "confirmed"; what the ingest checks found; the review key an editor confirmed ("" when none)
    review: Mapped[str] = mapped_column(String(16), default="ok", server_default="ok")
    findings: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list, server_default="[]")
    confirmed_key: Mapped[str] = mapped_column(String(64), default="", server_default="")
    # when an editor must look at the document again (stale content is listed after it); not indexed
    review_by: Mapped[date | None] = mapped_column(Date, nullable=True)

    chunks: Mapped[list[ChunkRow]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="ChunkRow.ordinal"
    )


class ChunkRow(Base):
    __tablename__ = "kb_chunks"
    __table_args__ = (UniqueConstraint("document_id", "ordinal"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("kb_documents.id", ondelete="CASCADE"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    section_path: Mapped[list[str]] = mapped_column(JSON, default=list)
    text: Mapped[str] = mapped_column(Text)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    token_count: Mapped[int] = mapped_column(Integer)
    embed_text: Mapped[str] = mapped_column(Text, default="")
    embed_hash: Mapped[str] = mapped_column(String(64))
    # [[start, end, text_hash], ...] of the chunk's sentences, offsets into the document text
    sentences: Mapped[list[list[object]]] = mapped_column(JSON, default=list)

    document: Mapped[DocumentRow] = relationship(back_populates="chunks")


class EmbeddingRow(Base):
    """Embedding cache keyed by model and SHA-256 of the text: unchanged text is never re-embedded."""

    __tablename__ = "kb_embeddings"

    model: Mapped[str] = mapped_column(String(512), primary_key=True)
    text_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class DraftRow(Base):
    """A draft version (knowledge_base/drafts.py): built on disk, not served until it is published."""

    __tablename__ = "kb_drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version: Mapped[str] = mapped_column(String(16))
    base_version: Mapped[str] = mapped_column(String(16), default="")  # served when the draft was built
    state: Mapped[str] = mapped_column(String(16), index=True)
    created_by: Mapped[str] = mapped_column(String(256), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    submitted_by: Mapped[str] = mapped_column(String(256), default="")
    decided_by: Mapped[str] = mapped_column(String(256), default="")
    comment: Mapped[str] = mapped_column(Text, default="")


class EditorAuditRow(Base):
    """One editor or supervisor action, hash-chained (the chain code is `trust.audit_chain`). Never
    updated once written."""

    __tablename__ = "kb_editor_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32), index=True)
    target: Mapped[str] = mapped_column(String(512), default="")
    detail: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64))


class EditorAuditHeadRow(Base):
    """The chain's head (one row): appends lock it, so two appends cannot extend the same head."""

    __tablename__ = "kb_editor_audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    head_hash: Mapped[str] = mapped_column(String(64))
