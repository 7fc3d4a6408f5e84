"""Request and response bodies of the bot's HTTP API (separate from domain records)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from bot.answering.context import Answer

Status = Literal["answered", "curated", "clarification", "no_answer", "handoff", "needs_login", "rejected"]


class SessionCreated(BaseModel):
    session_id: str = Field(description="Opaque, server-issued id; send it with every chat message.")
    expires_in: int = Field(description="Seconds of inactivity after which the session expires.")


class ChatRequest(BaseModel):
    session_id: str = Field(min_length=1, max_length=128)
    message: str = Field(max_length=100_000, description="The resident's message (limit enforced: 413).")


class CitationOut(BaseModel):
    document_id: str
    title: str
    section_path: list[str]
    source_url: str
    effective_date: date | None
    quote: str = Field(description="The cited passage, verbatim.")
    start: int = Field(description="Character offset of the passage in the document text.")
    end: int


class SentenceOut(BaseModel):
    text: str
    citation: int = Field(description="Index into `citations`, or -1.")


class ChatResponse(BaseModel):
    answer_id: str
    status: Status
    text: str
    sentences: list[SentenceOut]
    citations: list[CitationOut]
    confidence: float
    follow_ups: list[str]

    @classmethod
    def of(cls, answer: Answer) -> ChatResponse:
        return cls(
            answer_id=answer.answer_id,
            status=answer.status.value,
            text=answer.text,
            sentences=[SentenceOut(text=s.text, citation=s.citation) for s in answer.sentences],
            citations=[
                CitationOut(
                    document_id=c.document_id,
                    title=c.title,
                    section_path=list(c.section_path),
                    source_url=c.source_url,
                    effective_date=c.effective_date,
                    quote=c.quote,
                    start=c.start,
                    end=c.end,
                )
                for c in answer.citations
            ],
            confidence=answer.confidence,
            follow_ups=list(answer.follow_ups),
        )


class FeedbackRequest(BaseModel):
    answer_id: str = Field(min_length=1, max_length=64)
    helpful: bool
    comment: str | None = Field(default=None, max_length=2000)


class ErrorBody(BaseModel):
    error: str
    message: str


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    ready: bool
    knowledge_base: str | None
    database: bool
    sessions: bool


class WidgetConfig(BaseModel):
    city: str
    login_url: str
    max_message_chars: int
    allowed_link_hosts: list[str]
