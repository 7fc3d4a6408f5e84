"""Request and response bodies of the agent console's API (`/api/v1/staff/...`), apart from domain records."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from bot.answering.turn import AnswerSentence
from bot.staff.assist import SearchHit, Suggestion, Suggestions
from bot.staff.records import UNMASK_CATEGORIES
from bot.staff.tickets import (
    AGENT_OUTCOMES,
    TRANSFER_NOTE_MAX_CHARS,
    QueueOverview,
    Ticket,
    TicketMessage,
    TicketStatus,
)
from knowledge_base.records import Citation

AgentOutcome = Literal["answered", "referred", "callback_arranged", "not_resolved"]
UnmaskCategory = Literal[
    "resident_request",
    "case_processing",
    "legal_obligation",
    "fraud_investigation",
    "complaint_handling",
    "audit",
]
assert tuple(o.value for o in AGENT_OUTCOMES) == AgentOutcome.__args__  # type: ignore[attr-defined]
assert UnmaskCategory.__args__ == UNMASK_CATEGORIES  # type: ignore[attr-defined]


class TicketOut(BaseModel):
    id: str
    status: Literal["waiting", "active", "resolved", "abandoned"]
    department: str
    language: str
    logged_in: bool = Field(description="The resident was logged in (the records service vouched for them).")
    queued_at: datetime = Field(
        description="The latest queueing (opened, or transferred): the wait and "
        "the abandon timer count from it."
    )
    asked_at: datetime = Field(
        description="When the resident asked for a person (a transfer keeps it): queues are in this order."
    )
    waiting_seconds: int = Field(
        description="Seconds in the queue so far (waiting tickets), else until claimed."
    )
    claimed_at: datetime | None
    closed_at: datetime | None
    agent_subject: str | None
    agent_name: str | None
    outcome: str | None
    transfers: int
    question: str | None = Field(
        default=None,
        description='What the resident asks: their latest message that asks something ("I want to talk '
        'to a person" gives way to the question before it), without sentences that only give personal '
        'data ("my phone is [PHONE]"), redacted, cut to about 120 characters. The same in listings, '
        "a single ticket and the answers of claim, transfer and resolve; null only when the resident "
        "wrote nothing.",
    )

    @classmethod
    def of(cls, ticket: Ticket, now: datetime, question: str | None = None) -> TicketOut:
        until = (
            now if ticket.status == TicketStatus.WAITING else (ticket.claimed_at or ticket.closed_at or now)
        )
        return cls(
            id=ticket.id,
            status=ticket.status.value,
            department=ticket.department,
            language=ticket.language,
            logged_in=ticket.logged_in,
            queued_at=ticket.queued_at,
            asked_at=ticket.asked_at,
            waiting_seconds=max(0, int((until - ticket.queued_at).total_seconds())),
            claimed_at=ticket.claimed_at,
            closed_at=ticket.closed_at,
            agent_subject=ticket.agent_subject,
            agent_name=ticket.agent_name,
            outcome=ticket.outcome.value if ticket.outcome else None,
            transfers=ticket.transfers,
            question=question,
        )


class MessageOut(BaseModel):
    seq: int
    role: Literal["resident", "agent", "assistant", "system", "note"] = Field(
        description="`note`: an agent's internal note given with a transfer (never shown to the resident)."
    )
    author: str
    text: str = Field(description="Redacted.")
    masked: bool = Field(
        default=False,
        description="The text shows masked personal data (an agent's reply reached the resident as written).",
    )
    created_at: datetime

    @classmethod
    def of(cls, message: TicketMessage) -> MessageOut:
        return cls(
            seq=message.seq,
            role=message.role.value,
            author=message.author,
            text=message.text,
            masked=message.masked,
            created_at=message.created_at,
        )


class TicketList(BaseModel):
    tickets: list[TicketOut]


class TicketDetail(BaseModel):
    ticket: TicketOut
    messages: list[MessageOut]
    case_references: list[str] = Field(
        description="The logged-in resident's cases (until the ticket closes)."
    )
    events_after: str | None = Field(
        description="Resume `GET .../events` from here (Last-Event-ID) to get only what follows."
    )


class TransferRequest(BaseModel):
    department: str = Field(min_length=1, max_length=200)
    note: str = Field(
        default="",
        max_length=TRANSFER_NOTE_MAX_CHARS,
        description="An internal note for the next agent (stored redacted, never sent to the resident).",
    )


class ResolveRequest(BaseModel):
    outcome: AgentOutcome


class MessageRequest(BaseModel):
    text: str = Field(min_length=1, max_length=100_000, description="Limit enforced: 413.")


class Said(BaseModel):
    role: Literal["resident", "agent"]
    text: str = Field(max_length=100_000)


class AssistRequest(BaseModel):
    conversation: list[Said] = Field(
        min_length=1,
        max_length=60,
        description="Oldest first; suggestions answer the latest resident message.",
    )


class SentenceView(BaseModel):
    text: str
    citation: int
    list_item: bool = False

    @classmethod
    def of(cls, sentence: AnswerSentence) -> SentenceView:
        return cls(text=sentence.text, citation=sentence.citation, list_item=sentence.list_item)


class SuggestionOut(BaseModel):
    text: str
    sentences: list[SentenceView]
    citations: list[Citation]
    confidence: float = Field(description="The confidence gate's probability that the passage answers it.")
    source: Literal["passage", "curated"]

    @classmethod
    def of(cls, s: Suggestion) -> SuggestionOut:
        return cls(
            text=s.text,
            sentences=[SentenceView.of(x) for x in s.sentences],
            citations=list(s.citations),
            confidence=s.confidence,
            source=s.source,
        )


class AssistResponse(BaseModel):
    question: str = Field(description="The resident's latest message, redacted.")
    suggestions: list[SuggestionOut]

    @classmethod
    def of(cls, found: Suggestions) -> AssistResponse:
        return cls(question=found.question, suggestions=[SuggestionOut.of(s) for s in found.suggestions])


class SearchResult(BaseModel):
    citation: Citation
    department: str
    score: float

    @classmethod
    def of(cls, hit: SearchHit) -> SearchResult:
        return cls(citation=hit.citation, department=hit.department, score=hit.score)


class SearchResponse(BaseModel):
    query: str = Field(description="The search text, redacted.")
    results: list[SearchResult]


class DepartmentOut(BaseModel):
    name: str
    contact: str


class AgentLoadOut(BaseModel):
    agent_subject: str
    agent_name: str
    active_tickets: int


class OverviewOut(BaseModel):
    waiting: int
    active: int
    longest_wait_seconds: int
    waiting_by_department: dict[str, int]
    agents: list[AgentLoadOut]

    @classmethod
    def of(cls, o: QueueOverview) -> OverviewOut:
        return cls(
            waiting=o.waiting,
            active=o.active,
            longest_wait_seconds=o.longest_wait_seconds,
            waiting_by_department=o.waiting_by_department,
            agents=[
                AgentLoadOut(
                    agent_subject=a.agent_subject, agent_name=a.agent_name, active_tickets=a.active_tickets
                )
                for a in o.agents
            ],
        )


class UnmaskRequest(BaseModel):
    category: UnmaskCategory
    reason: str = Field(min_length=1, max_length=1000)


class DraftRequest(BaseModel):
    question: str = Field(
        min_length=1, max_length=2000, description="The resident's question (redacted again)."
    )
    answer: str = Field(min_length=1, max_length=4000, description="The reply the agent sent.")
    ticket_id: str | None = Field(default=None, max_length=32)
    citations: list[Citation] = Field(default_factory=list, max_length=10)


class DraftCreated(BaseModel):
    id: int
    status: Literal["draft"] = "draft"
