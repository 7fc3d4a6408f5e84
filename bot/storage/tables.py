"""ORM rows of the bot's database. Every text column holds redacted text only."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


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


class FeedbackRow(Base):
    __tablename__ = "bot_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    answer_id: Mapped[str] = mapped_column(
        ForeignKey("bot_transcripts.answer_id", ondelete="CASCADE"), index=True
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
