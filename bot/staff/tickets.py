"""Tickets: a resident's conversation handed to a person, and the messages in it (all text redacted).

A ticket is `waiting` in a department's queue until an agent claims it (`active`), and ends `resolved`
(by the agent, with an outcome code, by the resident leaving the queue, or by the resident taking back a
request nobody had claimed yet: `withdrawn`) or `abandoned` (nobody claimed it in time). A transfer
puts it back in another department's queue, queued again at the transfer (`queued_at`: the wait shown
and the abandon timer start again), in its place among those waiting there: queues are in the order
residents asked for a person (`asked_at`, kept by a transfer), so it goes before those who asked after
it.

A resident may rate an agent's reply as they rate the bot's answers: the reply reaches the widget with
an answer id of its own (`agent_answer_id`), which `POST /api/v1/feedback` takes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache

from bot.privacy import load_placeholders


class TicketStatus(StrEnum):
    WAITING = "waiting"
    ACTIVE = "active"
    RESOLVED = "resolved"
    ABANDONED = "abandoned"


OPEN = (TicketStatus.WAITING, TicketStatus.ACTIVE)


class Outcome(StrEnum):
    """How a ticket ended. Agents choose among the first four; the others are the system's."""

    ANSWERED = "answered"  # the resident's question was answered
    REFERRED = "referred"  # sent to an office, a form or another service
    CALLBACK = "callback_arranged"  # someone will call or write back
    NOT_RESOLVED = "not_resolved"  # could not be helped now
    RESIDENT_LEFT = "resident_left"  # the resident left the queue
    ABANDONED = "abandoned"  # nobody claimed it in time
    WITHDRAWN = "withdrawn"  # the resident took the request back before anyone claimed it ("never mind")


AGENT_OUTCOMES = (Outcome.ANSWERED, Outcome.REFERRED, Outcome.CALLBACK, Outcome.NOT_RESOLVED)
OUTCOME_LABELS = {
    Outcome.ANSWERED: "Answered",
    Outcome.REFERRED: "Referred elsewhere",
    Outcome.CALLBACK: "Call-back arranged",
    Outcome.NOT_RESOLVED: "Not resolved",
    Outcome.RESIDENT_LEFT: "Resident left",
    Outcome.ABANDONED: "Abandoned (nobody claimed it)",
    Outcome.WITHDRAWN: "Withdrawn by the resident",
}


class MessageRole(StrEnum):
    RESIDENT = "resident"
    AGENT = "agent"
    ASSISTANT = "assistant"  # the bot's answers before the handoff
    SYSTEM = "system"  # what happened: claimed, transferred, resolved
    NOTE = "note"  # an agent's internal note for the next agent, given with a transfer; never the resident's


TRANSFER_NOTE_MAX_CHARS = 500  # an internal note given with a transfer


@cache
def _placeholders() -> tuple[str, ...]:
    return tuple(sorted(set(load_placeholders().values())))


def shows_masked_data(text: str) -> bool:
    """Whether a stored (redacted) text holds a masking placeholder ("[PHONE]"): what the record shows
    in place of personal data."""
    return any(p in text for p in _placeholders())


@dataclass(frozen=True, slots=True)
class Ticket:
    id: str
    session_ref: str
    status: TicketStatus
    department: str
    language: str
    logged_in: bool
    queued_at: datetime  # the latest queueing (opened, or transferred): the wait and the abandon timer
    asked_at: datetime  # when the resident asked for a person: the order of the queue
    claimed_at: datetime | None = None
    closed_at: datetime | None = None
    agent_subject: str | None = None
    agent_name: str | None = None
    outcome: Outcome | None = None
    transfers: int = 0
    case_references: tuple[str, ...] = ()
    last_seq: int = 0

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def channel(self) -> str:
        """The event channel of the agent console's view of this ticket."""
        return f"ticket:{self.id}"

    @property
    def session_channel(self) -> str:
        """The event channel of the resident's widget."""
        return session_channel(self.session_ref)


def session_channel(session_ref: str) -> str:
    return f"session:{session_ref}"


@dataclass(frozen=True, slots=True)
class TicketMessage:
    ticket_id: str
    seq: int
    role: MessageRole
    author: str
    text: str
    created_at: datetime
    helpful: bool | None = None  # the resident's verdict on an agent's reply (None: not rated)
    comment: str = ""  # with it, redacted

    @property
    def masked(self) -> bool:
        """The stored text has personal data masked (an agent's reply reached the resident as written)."""
        return shows_masked_data(self.text)


_AGENT_ANSWER = re.compile(r"^([0-9a-f]{32})-([1-9][0-9]{0,8})$")


def agent_answer_id(ticket_id: str, seq: int) -> str:
    """The answer id of an agent's reply, as the resident's widget gets it to rate the reply. A bot
    answer's id is 32 hex digits; this one adds `-<seq>`, so the two never meet."""
    return f"{ticket_id}-{seq}"


def parse_agent_answer_id(answer_id: str) -> tuple[str, int] | None:
    """(ticket id, message number) of an agent's reply's answer id; None for any other id."""
    match = _AGENT_ANSWER.match(answer_id)
    return (match.group(1), int(match.group(2))) if match else None


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A message to add to a ticket (already redacted)."""

    role: MessageRole
    text: str
    author: str = ""


@dataclass(frozen=True, slots=True)
class AgentLoad:
    agent_subject: str
    agent_name: str
    active_tickets: int


@dataclass(frozen=True, slots=True)
class QueueOverview:
    """What supervisors watch: the queue's size, its longest wait, each agent's load."""

    waiting: int
    active: int
    longest_wait_seconds: int
    waiting_by_department: dict[str, int]
    agents: tuple[AgentLoad, ...]
