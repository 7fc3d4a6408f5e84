"""Request and response bodies of the bot's HTTP API (separate from domain records)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from bot.answering.turn import Answer
from bot.staff.desk import HandoffView
from knowledge_base.records import Citation

Status = Literal[
    "answered", "curated", "clarification", "no_answer", "handoff", "needs_login", "rejected", "error"
]


class SessionCreated(BaseModel):
    session_id: str = Field(description="Opaque, server-issued id; send it with every chat message.")
    expires_in: int = Field(description="Seconds of inactivity after which the session expires.")


class ChatRequest(BaseModel):
    session_id: str = Field(min_length=1, max_length=128)
    message: str = Field(max_length=100_000, description="The resident's message (limit enforced: 413).")


class SentenceOut(BaseModel):
    text: str
    citation: int = Field(description="Index into `citations`, or -1.")
    list_item: bool = Field(default=False, description="An item of a list: shown on a line of its own.")


class HandoffOut(BaseModel):
    """Where the resident stands with a person: follow `GET /api/v1/sessions/{id}/events` for changes."""

    state: Literal["waiting", "active", "closed", "full", "resolved", "abandoned"]
    text: str = Field(description="What to tell the resident (queue place and wait, who is chatting, ...).")
    position: int | None = Field(default=None, description="Place in the department's queue (1 = next).")
    estimated_wait_seconds: int | None = None
    agent_name: str | None = None
    department: str | None = None

    @classmethod
    def of(cls, view: HandoffView) -> HandoffOut:
        return cls(
            state=view.state,
            text=view.text,
            position=view.position,
            estimated_wait_seconds=view.estimated_wait_seconds,
            agent_name=view.agent_name,
            department=view.department,
        )


class ChatResponse(BaseModel):
    answer_id: str = Field(
        description="What `POST /api/v1/feedback` rates. Empty when `relayed` (no answer: a person's "
        "replies arrive as `message` events of the session, each with an `answer_id` of its own)."
    )
    status: Status
    text: str
    sentences: list[SentenceOut]
    citations: list[Citation]
    confidence: float
    follow_ups: list[str]
    handoff: HandoffOut | None = Field(
        default=None, description="Set when the conversation is (or was just asked to be) with a person."
    )
    relayed: bool = Field(
        default=False, description="The message went to the person handling the conversation; no bot answer."
    )
    composer: Literal["extractive", "generative"] = Field(
        default="extractive",
        description="Who wrote the text: sentences quoted from the documents, or a language model's "
        "sentences, each verified against the passage it cites (ASKCITY_LLM_BACKEND).",
    )
    question: str = Field(
        default="",
        description="The resident's message as the service keeps it: personal data masked ([EMAIL], "
        "[PHONE], ...). A client that keeps the conversation keeps this, never what was typed; empty "
        "when nothing of it was kept.",
    )

    @classmethod
    def of(cls, answer: Answer, handoff: HandoffView | None = None, relayed: bool = False) -> ChatResponse:
        return cls(
            question=answer.redacted_question,
            handoff=HandoffOut.of(handoff) if handoff is not None else None,
            relayed=relayed,
            answer_id=answer.answer_id,
            status=answer.status.value,
            text=answer.text,
            sentences=[
                SentenceOut(text=s.text, citation=s.citation, list_item=s.list_item) for s in answer.sentences
            ],
            citations=list(answer.citations),
            confidence=answer.confidence,
            follow_ups=list(answer.follow_ups),
            composer=answer.composer,
        )


class FeedbackRequest(BaseModel):
    answer_id: str = Field(min_length=1, max_length=64)
    helpful: bool = Field(strict=True, description='true or false; not "yes", "false" or 0')
    comment: str | None = Field(default=None, max_length=2000)


class ErrorBody(BaseModel):
    error: str
    message: str


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    ready: bool
    knowledge_base: str | None  # the version served
    knowledge_base_digest: str | None = None  # its content address (None: a version without one)
    knowledge_base_refused: str | None = None  # the published version, when this replica refused it
    database: bool
    sessions: bool


class WidgetConfig(BaseModel):
    city: str
    login_url: str
    max_message_chars: int
    allowed_link_hosts: list[str]
