"""ORM rows of the bot's database. Every text column holds redacted text only."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class TranscriptRow(Base):
    __tablename__ = "bot_transcripts"

    answer_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    session_ref: Mapped[str] = mapped_column(String(64), index=True)  # a hash, never the session id
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32), index=True)
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    citations: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    timings_ms: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    pii_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    intent: Mapped[str] = mapped_column(String(16), default="question")
    # a private reply (a resident's own case data) is not kept: `answer` then says only what kind it was
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_step: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # the curated answer a `curated` turn served (migration 0005): its hits, whatever its text
    curated_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)


class FeedbackRow(Base):
    __tablename__ = "bot_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # one verdict per answer (migration 0006): a second one replaces it (`BotDatabase.feedback`, an upsert)
    answer_id: Mapped[str] = mapped_column(
        ForeignKey("bot_transcripts.answer_id", ondelete="CASCADE"), index=True, unique=True
    )
    helpful: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class CuratedRow(Base):
    __tablename__ = "bot_curated_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    questions: Mapped[list[str]] = mapped_column(JSON)
    answer: Mapped[str] = mapped_column(Text)
    citations: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    expires_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # served through this day (UTC)


# ---- The call-centre desk (issue 12): tickets, their messages, curated-answer drafts ------------------
_OPEN_TICKET = "status IN ('waiting', 'active')"


class TicketRow(Base):
    """A conversation handed to a person. At most one open ticket per session (a partial unique index)."""

    __tablename__ = "bot_tickets"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    session_ref: Mapped[str] = mapped_column(String(64), index=True)  # a hash, never the session id
    status: Mapped[str] = mapped_column(String(16), index=True)
    department: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(16), default="en")
    logged_in: Mapped[bool] = mapped_column(Boolean, default=False)
    queued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)
    # when the resident asked for a person (migration 0006): a transfer keeps it, and queues are in its order
    asked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    agent_subject: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    agent_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(32), nullable=True)
    transfers: Mapped[int] = mapped_column(Integer, default=0)
    # the logged-in resident's case references, for the agent's lookups; emptied when the ticket closes
    case_references: Mapped[list[str]] = mapped_column(JSON, default=list)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        Index(
            "uq_bot_tickets_open_session",
            "session_ref",
            unique=True,
            postgresql_where=text(_OPEN_TICKET),
            sqlite_where=text(_OPEN_TICKET),
        ),
    )


class TicketMessageRow(Base):
    __tablename__ = "bot_ticket_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[str] = mapped_column(ForeignKey("bot_tickets.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))
    author: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)  # redacted
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    # the resident's verdict on an agent's reply, with its comment (redacted; migration 0006)
    helpful: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="", server_default="")
    rated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (UniqueConstraint("ticket_id", "seq", name="uq_bot_ticket_messages_seq"),)


class CuratedDraftRow(Base):
    """An agent's reply and the resident's question, proposed as a curated answer for an editor to approve."""

    __tablename__ = "bot_curated_drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    citations: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    ticket_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    author_subject: Mapped[str] = mapped_column(String(200))
    author_name: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class IngestJobRow(Base):
    __tablename__ = "bot_ingest_jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), index=True)
    stage: Mapped[str] = mapped_column(String(16), default="")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    reason: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    document_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    accept_missing_metadata: Mapped[bool] = mapped_column(Boolean, default=False)
    published_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_by_name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    worker: Mapped[str] = mapped_column(String(200), default="")
    files: Mapped[list[IngestJobFileRow]] = relationship(
        order_by="IngestJobFileRow.ordinal", cascade="all, delete-orphan"
    )


class IngestJobFileRow(Base):
    __tablename__ = "bot_ingest_job_files"

    job_id: Mapped[str] = mapped_column(
        ForeignKey("bot_ingest_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    ordinal: Mapped[int] = mapped_column(Integer, primary_key=True)
    filename: Mapped[str] = mapped_column(String(300))
    document_id: Mapped[str] = mapped_column(String(200), index=True)
    size: Mapped[int] = mapped_column(Integer)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    outcome: Mapped[str] = mapped_column(String(16), default="pending")
    reason: Mapped[str] = mapped_column(Text, default="")
